// What every part of the browser terminal's page shares: its strings (in
// the page's language, from the server's translations), numbers, amounts
// and times for people, and the warnings list.
import { moneyText } from "./pricing.js";

export const T = JSON.parse(document.getElementById("terminal-strings").textContent);
export const LANG = document.documentElement.lang || "en";
export const $ = (id) => document.getElementById(id);
/** T[key] with its %(name)s filled in, as Python's %-formatting would (and %% a percent sign). */
export const say = (key, values = {}) => T[key].replace(/%\((\w+)\)s|%%/g, (match, name) => (name ? values[name] : "%"));
export const number = (n) => new Intl.NumberFormat(LANG).format(n);

/** A Decimal amount in the shop currency, grouped in the page's digits. */
export function moneyShown(amount, exponent) {
  return decimalShown(moneyText(amount, exponent));
}

/** A decimal string ("1.500", "-4400") in the page's digits, grouped (BigInt: never a float). */
export function decimalShown(text) {
  text = String(text);
  const [whole, fraction] = text.replace("-", "").split(".");
  const grouped = new Intl.NumberFormat(LANG).format(BigInt(whole));
  const digits = fraction ? new Intl.NumberFormat(LANG, { minimumIntegerDigits: fraction.length, useGrouping: false }).format(BigInt(fraction)) : "";
  const point = new Intl.NumberFormat(LANG).formatToParts(1.5).find((p) => p.type === "decimal").value;
  return `${text.startsWith("-") ? "-" : ""}${grouped}${digits ? point + digits : ""}`;
}

/** Persian and Arabic digits as ASCII (a Persian keyboard types them in a SKU or a barcode). */
export function asciiDigits(text) {
  return String(text).trim()
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

/** What a person typed as a number: Persian and Arabic digits and group separators accepted. */
export function typedNumber(text) {
  return asciiDigits(text).replace(/[٫]/g, ".").replace(/[,٬\s]/g, "");
}

export function age(ms) {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return T.just_now;
  if (minutes < 60) return say("minutes", { n: number(minutes) });
  if (minutes < 48 * 60) return say("hours", { n: number(Math.floor(minutes / 60)) });
  return say("days", { n: number(Math.floor(minutes / 1440)) });
}

export const when = (iso) => new Date(iso).toLocaleString(LANG, { dateStyle: "short", timeStyle: "short" });

export function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export function linkButton(text, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.textContent = text;
  button.addEventListener("click", onClick);
  return button;
}

/** One warning on the page under `key`, replaced in place; no text removes it. */
export function warn(key, text) {
  let item = document.querySelector(`#warnings [data-key="${key}"]`);
  if (!text) { item?.remove(); return; }
  if (!item) { item = document.createElement("li"); item.className = "warning"; item.dataset.key = key; $("warnings").append(item); }
  item.textContent = text;
}
