// The browser counter as a POS terminal (docs/sync-protocol.md, "The
// browser terminal"). Every sale goes into the local journal first and is
// pushed from there, online or not: one path.
import { Decimal, PricingError, goldRateCurrent, moneyText, priceLine, saleTotal, taxRules } from "./pricing.js";
import { currentDeviceId, deviceOpen, deviceSave } from "./store.js";
import { DeviceRevoked, Refused, Sync, Unavailable, backoffDelay, enroll } from "./sync.js";
import { signIn } from "./signin.js";

const T = JSON.parse(document.getElementById("terminal-strings").textContent);
const LANG = document.documentElement.lang || "en";
const $ = (id) => document.getElementById(id);
const say = (key, values = {}) => T[key].replace(/%\((\w+)\)s/g, (_, name) => values[name]);
const SYNC_EVERY_MS = 15_000;

const state = { store: null, device: null, sync: null, cashier: null, rules: null, rates: [], cart: newCart(),
  online: navigator.onLine, skew: 0, attempt: 0, timer: null, syncing: false, again: false, checkingOut: false, receiptSeq: null };

function newCart() { return { id: crypto.randomUUID(), lines: [], customer: null }; }

// -- numbers and times, for people ------------------------------------------

function moneyShown(amount) {
  const text = moneyText(amount, state.rules ? state.rules.exponent : 0);
  const [whole, fraction] = text.replace("-", "").split(".");
  const grouped = new Intl.NumberFormat(LANG).format(BigInt(whole));
  const digits = fraction ? new Intl.NumberFormat(LANG, { minimumIntegerDigits: fraction.length, useGrouping: false }).format(BigInt(fraction)) : "";
  const point = new Intl.NumberFormat(LANG).formatToParts(1.5).find((p) => p.type === "decimal").value;
  return `${text.startsWith("-") ? "-" : ""}${grouped}${digits ? point + digits : ""}`;
}
const number = (n) => new Intl.NumberFormat(LANG).format(n);
function age(ms) {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return T.just_now;
  if (minutes < 60) return say("minutes", { n: number(minutes) });
  if (minutes < 48 * 60) return say("hours", { n: number(Math.floor(minutes / 60)) });
  return say("days", { n: number(Math.floor(minutes / 1440)) });
}
const when = (iso) => new Date(iso).toLocaleString(LANG, { dateStyle: "short", timeStyle: "short" });
function cell(row, text, className) { const td = row.insertCell(); td.textContent = text; if (className) td.className = className; return td; }

// -- start ------------------------------------------------------------------

async function start() {
  const script = $("terminal-script");
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: script.dataset.scope }).catch(() => {});
    // The first visit is not controlled by the worker yet: keep this page for opening offline.
    navigator.serviceWorker.ready.then(() => caches.open("zargar-terminal-shell")).then((cache) => cache.add(location.pathname)).catch(() => {});
  }
  await storageCheck();
  const deviceId = await currentDeviceId();
  if (!deviceId) return show("enrol");
  await deviceUse(deviceId);
}

async function deviceUse(deviceId) {
  state.store = await deviceOpen(deviceId);
  state.device = await state.store.meta("device");
  state.sync = new Sync(state.store, state.device);
  $("terminal-name").textContent = state.device.name || state.device.receipt_prefix;
  await catalogueLoad();
  $("device-tools").hidden = false;
  if (await state.store.meta("revoked_at")) { show("enrol"); warn("revoked", T.revoked); }
  else {
    const cashier = sessionStorage.getItem(`cashier:${deviceId}`);
    if (cashier) signedIn(JSON.parse(cashier)); else show("signin");
    syncSoon(0);
  }
  setInterval(statusShow, 2000);
  await statusShow();
}

function show(section) {
  for (const id of ["enrol", "signin", "counter"]) $(id).hidden = id !== section;
  const focus = { enrol: "#enrol-form input", signin: "#signin-form input", counter: "#scan-code" }[section];
  document.querySelector(focus)?.focus();
}

async function storageCheck() {
  if (!navigator.storage) return;
  const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  const granted = persisted || (navigator.storage.persist ? await navigator.storage.persist() : false);
  if (!granted) warn("persist", T.persist_refused);
  if (navigator.storage.estimate) {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    if (quota && usage / quota > 0.8) warn("quota", say("quota_low", { used: `${number(Math.round(usage / 1e6))} MB`, quota: `${number(Math.round(quota / 1e6))} MB` }));
  }
}

function warn(key, text) {
  let item = document.querySelector(`#warnings [data-key="${key}"]`);
  if (!text) { item?.remove(); return; }
  if (!item) { item = document.createElement("li"); item.className = "warning"; item.dataset.key = key; $("warnings").append(item); }
  item.textContent = text;
}

// -- enrolment and sign-in --------------------------------------------------

$("enrol-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  let code = form.code.value.trim();
  try { const qr = JSON.parse(code); if (qr && qr.code) code = qr.code; } catch { /* typed, not the QR text */ }
  $("enrol-error").textContent = "";
  form.querySelector("button").disabled = true;
  try {
    const enrolled = await enroll({ code, name: form.name.value.trim() });
    await deviceSave({ ...enrolled, name: form.name.value.trim() });
    location.reload();
  } catch (error) {
    $("enrol-error").textContent = error instanceof Unavailable ? T.no_server
      : error.code === "enrollment_code_invalid" ? T.code_invalid : error.message;
  } finally { form.querySelector("button").disabled = false; }
});

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("signin-error").textContent = "";
  const outcome = await signIn(state.store, form.email.value.trim().toLowerCase(), form.password.value);
  form.password.value = "";
  if (outcome.ok) { sessionStorage.setItem(`cashier:${state.device.device_id}`, JSON.stringify(outcome.cashier)); signedIn(outcome.cashier); }
  else $("signin-error").textContent = outcome.reason === "never_here" ? T.never_here : T.wrong_login;
});

function signedIn(cashier) {
  state.cashier = cashier;
  const out = document.createElement("button");
  out.className = "link"; out.type = "button"; out.textContent = T.sign_out;
  out.addEventListener("click", () => { sessionStorage.removeItem(`cashier:${state.device.device_id}`); location.reload(); });
  $("cashier").replaceChildren(`${T.cashier}: ${cashier.email} `, out);
  show("counter");
  cartShow();
  journalShow();
}

// -- the catalogue and the cart ----------------------------------------------

async function catalogueLoad() {
  const rule = await state.store.meta("tax_rule");
  try { state.rules = rule ? taxRules(rule) : null; } catch { state.rules = null; }
  state.rates = await state.store.all("gold_rates");
}

function rateNow() {
  return goldRateCurrent(state.rates, new Date(Date.now() - 1000 * Number(state.skew || 0)));
}

$("scan-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const started = performance.now();  // scripts/bench_terminal.py reads the "zargar:scan" measures
  const input = $("scan-code");
  const code = input.value;
  input.value = "";
  $("scan-error").textContent = "";
  const item = await state.store.itemFind(code);
  if (!item) { $("scan-error").textContent = T.not_found; return; }
  const line = state.cart.lines.find((l) => l.item.id === item.id);
  if (line && item.is_unique_piece) { $("scan-error").textContent = T.in_cart; return; }
  if (line) line.quantity += 1; else state.cart.lines.push({ item, quantity: 1 });
  const inCart = state.cart.lines.find((l) => l.item.id === item.id).quantity;
  const left = Number(item.quantity || 0) - (await soldHere(item.id)) - inCart;
  if (item.status !== "in_stock" || left < 0) $("scan-error").textContent = say("unavailable", { status: item.status === "in_stock" ? number(left) : item.status });
  cartShow();
  performance.measure("zargar:scan", { start: started });
});

/** Pieces of this item in sales not yet synced: the pulled quantity does not know them yet. */
async function soldHere(itemId) {
  const pending = (await state.store.pending(Infinity)).filter((e) => e.type === "sale.create");
  return pending.reduce((n, e) => n + e.payload.lines.filter((l) => l.item_id === itemId).reduce((m, l) => m + l.quantity, 0), 0);
}

function priced() {
  const rate = rateNow();
  return state.cart.lines.map((l) => ({ ...priceLine(l.item, rate, state.rules, l.quantity), item: l.item }));
}

function cartShow() {
  const body = $("cart").tBodies[0];
  body.replaceChildren();
  $("checkout-error").textContent = "";
  let lines = [];
  try { lines = state.rules ? priced() : []; } catch (error) { $("checkout-error").textContent = error instanceof PricingError ? error.message : String(error); }
  lines.forEach((line, index) => {
    const row = body.insertRow();
    cell(row, `${line.item.name} (${line.item.sku})${line.quantity > 1 ? ` × ${number(line.quantity)}` : ""}`);
    cell(row, line.item.net_weight || "", "num");
    cell(row, String(line.item.fineness || ""), "num");
    cell(row, moneyShown(line.total), "num");
    const remove = document.createElement("button");
    remove.type = "button"; remove.className = "link"; remove.textContent = T.remove;
    remove.addEventListener("click", () => { state.cart.lines.splice(index, 1); cartShow(); });
    cell(row, "", "no-print").append(remove);
  });
  $("cart-empty").hidden = state.cart.lines.length > 0;
  const total = state.rules ? saleTotal(lines, state.rules) : { total: new Decimal(0), rounding: new Decimal(0) };
  $("sum-lines").textContent = moneyShown(lines.reduce((s, l) => s.plus(l.total), new Decimal(0)));
  $("sum-rounding").textContent = moneyShown(total.rounding);
  $("sum-total").textContent = moneyShown(total.total);
  $("checkout-button").disabled = !lines.length || lines.length !== state.cart.lines.length;
  $("customer-chosen").textContent = state.cart.customer ? `${state.cart.customer.full_name} · ${state.cart.customer.phone || ""}` : T.walk_in;
}

$("clear-button").addEventListener("click", () => { state.cart = newCart(); cartShow(); $("scan-code").focus(); });

$("customer-q").addEventListener("input", async (event) => {
  const list = $("customer-results");
  const found = await state.store.customersFind(event.target.value);
  list.replaceChildren(...found.map((customer) => {
    const li = document.createElement("li");
    const pick = document.createElement("button");
    pick.type = "button"; pick.className = "link"; pick.textContent = `${customer.full_name} · ${customer.phone || ""}`;
    pick.addEventListener("click", () => { state.cart.customer = customer; list.replaceChildren(); event.target.value = ""; cartShow(); });
    li.append(pick);
    return li;
  }));
});

// -- checkout: into the journal, then pushed ----------------------------------

async function checkout() {
  if (state.checkingOut || !state.cart.lines.length) return;
  state.checkingOut = true;
  $("checkout-button").disabled = true;
  const cart = state.cart;
  try {
    const lines = priced();
    const total = saleTotal(lines, state.rules);
    const exp = state.rules.exponent;
    const amount = moneyText(total.total, exp);
    const entry = await state.store.record({
      type: "sale.create", clientSaleId: cart.id,
      build: (receipt) => ({
        client_sale_id: cart.id, receipt_number: receipt, customer: cart.customer ? { id: cart.customer.id } : null,
        lines: lines.map((l) => ({ item_id: l.itemId, quantity: l.quantity, gold_rate_id: l.goldRateId, unit_price: moneyText(l.unitPrice, exp) })),
        trade_ins: [], payments: [{ method: $("payment-method").value, amount }], total: amount,
      }),
      local: { cashier: state.cashier.email, shown: lines.map((l) => ({ name: l.item.name, sku: l.item.sku, quantity: l.quantity, total: moneyText(l.total, exp) })),
        customer_name: cart.customer ? cart.customer.full_name : null },
    });
    state.cart = newCart();
    cartShow();
    receiptShow(entry);
    await statusShow();  // never "All synced" with this sale waiting
    journalShow();
    syncSoon(0);
  } catch (error) {
    if (error && error.name === "ConstraintError") {  // this cart is journalled already (a second click)
      receiptShow(await state.store.saleByClientId(cart.id));
    } else {
      cartShow();
      $("checkout-error").textContent = error instanceof PricingError ? error.message : String(error);
    }
  } finally {
    state.checkingOut = false;
  }
}
$("checkout-button").addEventListener("click", checkout);

function receiptShow(entry) {
  state.receiptSeq = entry.seq;
  $("receipt").hidden = false;
  $("receipt-number").textContent = entry.receipt_number;
  $("receipt-invoice").textContent = entry.invoice_number || T.invoice_pending;
  $("receipt-when").textContent = `${when(entry.occurred_at)} · ${entry.cashier || ""}${entry.customer_name ? ` · ${entry.customer_name}` : ""}`;
  $("receipt-lines").replaceChildren();
  for (const line of entry.shown || []) {
    const row = $("receipt-lines").insertRow();
    cell(row, `${line.name} (${line.sku})${line.quantity > 1 ? ` × ${number(line.quantity)}` : ""}`);
    cell(row, moneyShown(new Decimal(line.total)), "num");
  }
  $("receipt-total").textContent = moneyShown(new Decimal(entry.payload.total));
  $("receipt-paid").textContent = entry.payload.payments.map((p) => $("payment-method").querySelector(`option[value="${p.method}"]`)?.textContent || p.method).join(", ");
}
$("print-button").addEventListener("click", () => window.print());

function stateText(entry) {
  const parts = [T[`state_${entry.state}`]];
  for (const conflict of entry.conflicts || []) parts.push(T[`conflict_${conflict.kind}`] || conflict.kind);
  for (const error of entry.errors || []) parts.push(`${error.code}: ${error.message}`);
  return parts.join(" · ");
}

async function journalShow() {
  if (!state.store) return;
  const body = $("journal").tBodies[0];
  const entries = (await state.store.journal({ limit: 60 })).filter((e) => e.type === "sale.create").slice(0, 20);
  body.replaceChildren();
  for (const entry of entries) {
    const row = body.insertRow();
    row.dataset.seq = entry.seq;
    row.dataset.state = entry.state;
    row.dataset.receipt = entry.receipt_number;
    row.className = entry.state === "rejected" || (entry.conflicts || []).length ? "flagged" : "";
    cell(row, entry.receipt_number).dir = "ltr";
    cell(row, entry.invoice_number || T.invoice_pending).dir = "ltr";
    cell(row, when(entry.occurred_at));
    cell(row, moneyShown(new Decimal(entry.payload.total)), "num");
    cell(row, stateText(entry), `state-${entry.state}`);
    const reprint = document.createElement("button");
    reprint.type = "button"; reprint.className = "link"; reprint.textContent = T.reprint;
    reprint.addEventListener("click", async () => { receiptShow(await state.store.entry(entry.seq)); window.print(); });
    cell(row, "").append(reprint);
  }
  if (state.receiptSeq !== null) {
    const shown = await state.store.entry(state.receiptSeq);
    if (shown) $("receipt-invoice").textContent = shown.invoice_number || T.invoice_pending;
  }
}

// -- sync: pushed and pulled in the background, with backoff -----------------

function syncSoon(ms = SYNC_EVERY_MS) {
  clearTimeout(state.timer);
  state.timer = setTimeout(syncOnce, ms);
}

async function syncOnce() {
  if (state.syncing) { state.again = true; return; }
  state.syncing = true;
  let next = SYNC_EVERY_MS;
  try {
    const status = await state.sync.status();
    state.skew = status.clock_skew_seconds || 0;
    const pushed = await state.sync.push();
    const pullStarted = performance.now();
    await state.sync.pull();
    performance.measure("zargar:pull", { start: pullStarted });
    await catalogueLoad();
    state.online = true;
    state.attempt = 0;
    warn("push", null);
    if (pushed !== null) await state.store.metaSet({ last_sync_at: new Date().toISOString() });
    else next = 1000;  // another tab of this browser is pushing: look again soon
  } catch (error) {
    if (error instanceof DeviceRevoked) {
      await state.store.metaSet({ revoked_at: new Date().toISOString() });
      warn("revoked", T.revoked);
      show("enrol");
      $("counter").hidden = true;
      state.syncing = false;
      return;  // a revoked device never pushes again
    }
    state.online = !(error instanceof Unavailable && !error.wait);
    if (error instanceof Refused) warn("push", say("push_refused", { code: error.code, message: error.message }));
    next = 1000 * (error instanceof Unavailable && error.wait !== null ? error.wait : backoffDelay(state.attempt));
    state.attempt += 1;
  } finally {
    state.syncing = false;
  }
  await journalShow();
  await statusShow();
  if (state.again) { state.again = false; next = 0; }
  syncSoon(next);
}
window.addEventListener("online", () => { state.attempt = 0; syncSoon(0); });
window.addEventListener("offline", () => { state.online = false; statusShow(); });

async function statusShow() {
  if (!state.store) return;
  const store = state.store;
  const [pending, lastSync, limits, flagged] = await Promise.all([
    store.pending(Infinity), store.meta("last_sync_at"), store.meta("limits"), store.flaggedCount()]);
  const online = state.online && navigator.onLine;
  const line = $("status-line");
  line.textContent = !online ? T.offline : pending.length ? T.online : T.all_synced;
  line.className = `badge ${!online ? "bad" : pending.length ? "" : "ok"}`;
  line.dataset.state = !online ? "offline" : pending.length ? "pending" : "synced";
  $("status-pending").textContent = pending.length ? say("pending", { count: number(pending.length) }) : "";
  $("status-pending").dataset.count = pending.length;
  const oldest = pending.length ? Date.now() - Date.parse(pending[0].occurred_at) : 0;
  $("status-oldest").textContent = pending.length ? say("oldest", { age: age(oldest) }) : "";
  $("status-last").textContent = lastSync ? say("last_sync", { age: age(Date.now() - Date.parse(lastSync)) }) : T.never_synced;
  $("status-conflicts").textContent = flagged ? say("conflicts", { count: number(flagged) }) : "";
  $("status-conflicts").dataset.count = flagged;
  const hours = Number((limits || {}).max_offline_hours || 72);
  warn("offline_long", pending.length && oldest > 0.75 * hours * 3600_000 ? say("offline_long", { age: age(oldest), hours: number(hours) }) : null);
  const rate = rateNow();
  const maxAge = Number(((await store.meta("tax_rule")) || {}).gold_rate_max_age_hours || 0);
  if (!rate) warn("rate", T.no_rate);
  else warn("rate", maxAge && Date.now() - Date.parse(rate.effective_at) > maxAge * 3600_000 ? say("rate_stale", { age: age(Date.now() - Date.parse(rate.effective_at)) }) : null);
  const [items, customers, nextSeq] = await Promise.all([store.countOf("items"), store.countOf("customers"), store.meta("next_seq")]);
  $("device-facts").dataset.items = items;
  $("device-facts").textContent = say("storage", { items: number(items), customers: number(customers), receipt: `${state.device.receipt_prefix}-${String(nextSeq).padStart(6, "0")}` });
}

// -- the journal as a file, for a manager ---------------------------------------

$("export-button").addEventListener("click", async () => {
  const file = await state.store.exportUnsent();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 1)], { type: "application/json" }));
  link.download = `zargar-journal-${state.device.receipt_prefix}-${new Date().toISOString().slice(0, 10)}.json`;
  link.click();
  $("device-message").textContent = say("exported", { count: number(file.operations.length) });
});

$("import-file").addEventListener("change", async (event) => {
  const [file] = event.target.files;
  if (!file) return;
  try {
    const count = await state.store.importUnsent(JSON.parse(await file.text()));
    $("device-message").textContent = say("imported", { count: number(count) });
    $("device-message").dataset.count = count;
    await statusShow();
    journalShow();
    syncSoon(0);
  } catch {
    $("device-message").textContent = T.bad_file;
  }
  event.target.value = "";
});

// -- keys: the counter's shortcuts; F9 and Ctrl+Enter check out -------------------

document.addEventListener("keydown", (event) => {
  const focus = { F2: "scan-code", F3: "customer-q", F6: "payment-method" }[event.key];
  if (focus) { event.preventDefault(); $(focus).focus(); return; }
  if (event.key === "F9" || (event.key === "Enter" && (event.ctrlKey || event.metaKey))) { event.preventDefault(); checkout(); }
});

start();
