// Offline pricing in the browser: the server's engine (apps/inventory/pricing.py)
// rewritten with decimal.js, step for step, so a sale priced here is priced
// to the unit as the server prices it (PRICING.md; the vectors in
// tests/js/pricing_vectors.json run in Node and in Chromium). Money and
// weights are Decimal, never Number: a Number input is refused.
import DecimalBase from "../../vendor/decimal.mjs";

// Python's default decimal context: 28 significant digits, half-even.
export const Decimal = DecimalBase.clone({ precision: 28, rounding: DecimalBase.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });

const CURRENCY_EXPONENTS = { IRR: 0, IRT: 0, INR: 2, AED: 2, USD: 2, EUR: 2 };
const DEFAULT_VAT = { IR: "10", IN: "3", AE: "5" };
const ROUNDING = { down: Decimal.ROUND_FLOOR, up: Decimal.ROUND_CEIL, nearest: Decimal.ROUND_HALF_UP };
const HUNDRED = new Decimal(100);
const ZERO = new Decimal(0);

export class PricingError extends Error {}

/** A decimal string (or Decimal, or integer) as a Decimal; floats refused. */
export function dec(value, name) {
  if (value instanceof Decimal) return value;
  if (typeof value === "number" && !Number.isInteger(value)) throw new PricingError(`${name} must be a decimal string, got the number ${value}`);
  if (typeof value !== "string" && typeof value !== "number") throw new PricingError(`${name} must be a decimal string, got ${value}`);
  let result;
  try { result = new Decimal(value); } catch { throw new PricingError(`${name} is not a decimal: ${value}`); }
  if (!result.isFinite()) throw new PricingError(`${name} must be finite, got ${value}`);
  return result;
}

function nonNegative(value, name) {
  const d = dec(value, name);
  if (d.isNegative() && !d.isZero()) throw new PricingError(`${name} must not be negative, got ${d}`);
  return d;
}

export function currencyExponent(currency) {
  const exponent = CURRENCY_EXPONENTS[String(currency).toUpperCase()];
  if (exponent === undefined) throw new PricingError(`unknown currency ${currency}`);
  return exponent;
}

/** Quantize to the currency's minor unit, half up (the counter convention). */
export function quantizeMoney(amount, exponent) { return dec(amount, "amount").toDecimalPlaces(exponent, Decimal.ROUND_HALF_UP); }
const weight = (value) => value.toDecimalPlaces(3, Decimal.ROUND_HALF_UP);

/** Money as the wire sends it: a plain decimal string with the currency's places. */
export function moneyText(amount, exponent) { return quantizeMoney(amount, exponent).toFixed(exponent); }

/** The shop's pricing settings, from the pulled tax_rule (decimal strings). */
export function taxRules(rule) {
  if (!rule || !rule.regime) throw new PricingError("no tax rule pulled yet");
  const regime = rule.regime;
  if (!["IR", "IN", "AE", "FLAT"].includes(regime)) throw new PricingError(`unknown tax regime ${regime}`);
  let vat = rule.vat_percent;
  if (vat === null || vat === undefined || vat === "") {
    if (!DEFAULT_VAT[regime]) throw new PricingError(`regime ${regime} needs an explicit vat_percent`);
    vat = DEFAULT_VAT[regime];
  }
  const profit = nonNegative(rule.profit_percent || "0", "profit_percent");
  if (!profit.isZero() && regime !== "IR") throw new PricingError(`profit_percent applies to regime IR only, not ${regime}`);
  const mode = rule.rounding_mode || "nearest";
  if (!ROUNDING[mode]) throw new PricingError(`unknown rounding_mode ${mode}`);
  return {
    regime, currency: String(rule.currency).toUpperCase(), exponent: currencyExponent(rule.currency),
    vat: nonNegative(vat, "vat_percent"), profit, increment: nonNegative(rule.rounding_increment || "0", "rounding_increment"),
    roundingMode: mode, tolerance: nonNegative(rule.price_tolerance_percent || "0", "price_tolerance_percent"),
  };
}

/** Rate per gram at `fineness`: an explicit rate wins, else the board rate scaled by purity (full precision). */
export function rateForFineness(goldRate, fineness) {
  const explicit = (goldRate.fineness_rates || {})[String(fineness)];
  if (explicit !== undefined) return nonNegative(explicit, `explicit rate for fineness ${fineness}`);
  const base = nonNegative(goldRate.base_rate, "base_rate");
  return base.times(fineness).div(goldRate.base_fineness || 750);
}

function breakdown(parts) {
  const total = parts.gold.plus(parts.making).plus(parts.profit).plus(parts.stones).plus(parts.fixed).plus(parts.tax);
  return { ...parts, total };
}

/** A gold piece per the regime table of PRICING.md (no shop rounding here). */
export function priceGoldPiece({ netWeight, rate, makingMode, makingValue, stoneValue, rules }) {
  const exp = rules.exponent;
  const grams = weight(nonNegative(netWeight, "net_weight"));
  const perGram = nonNegative(rate, "rate");
  const value = nonNegative(makingValue, "making value");
  const gold = quantizeMoney(grams.times(perGram), exp);
  let making;
  if (makingMode === "percent") making = gold.times(value).div(HUNDRED);
  else if (makingMode === "per_gram") making = grams.times(value);
  else if (makingMode === "fixed") making = value;
  else throw new PricingError(`unknown making mode ${makingMode}`);
  making = quantizeMoney(making, exp);
  const stones = quantizeMoney(nonNegative(stoneValue, "stone_value"), exp);
  let profit = quantizeMoney(ZERO, exp);
  let taxBase;
  if (rules.regime === "IR") {
    profit = quantizeMoney(gold.plus(making).times(rules.profit).div(HUNDRED), exp);
    taxBase = making.plus(profit).plus(stones);
  } else {
    taxBase = gold.plus(making).plus(stones);
  }
  const tax = quantizeMoney(taxBase.times(rules.vat).div(HUNDRED), exp);
  return breakdown({ rate: perGram, netWeight: grams, gold, making, profit, stones, taxBase, tax, fixed: quantizeMoney(ZERO, exp) });
}

/** A fixed-price item: the price is pre-tax, and the whole tax base. */
export function priceFixedItem({ price, rules }) {
  const exp = rules.exponent;
  const zero = quantizeMoney(ZERO, exp);
  const fixed = quantizeMoney(nonNegative(price, "price"), exp);
  return breakdown({ rate: ZERO, netWeight: weight(ZERO), gold: zero, making: zero, profit: zero, stones: zero,
    taxBase: fixed, tax: quantizeMoney(fixed.times(rules.vat).div(HUNDRED), exp), fixed });
}

/** Old gold taken in: pure weight (milligrams) at a fineness-1000 rate, less a deduction %. */
export function tradeInValue({ grams, fineness, pureRate, deductionPercent, currency }) {
  const exp = currencyExponent(currency);
  const deduction = nonNegative(deductionPercent, "deduction_percent");
  if (deduction.greaterThan(HUNDRED)) throw new PricingError("deduction_percent must be <= 100");
  const pureWeight = weight(nonNegative(grams, "weight").times(fineness).div(1000));
  const grossValue = quantizeMoney(pureWeight.times(nonNegative(pureRate, "pure_rate")), exp);
  const deducted = quantizeMoney(grossValue.times(deduction).div(HUNDRED), exp);
  return { pureWeight, grossValue, deduction: deducted, value: grossValue.minus(deducted) };
}

/** The shop rounding rule, applied once, to the sale total. */
export function roundTotal(raw, rules) {
  let rounded = dec(raw, "raw_total");
  if (!rules.increment.isZero()) rounded = rounded.div(rules.increment).toDecimalPlaces(0, ROUNDING[rules.roundingMode]).times(rules.increment);
  const total = quantizeMoney(rounded, rules.exponent);
  return { total, rounding: total.minus(raw) };
}

/** The gold rate row in force at `at` (a Date): the latest that has taken effect. */
export function goldRateCurrent(rates, at) {
  let best = null;
  for (const rate of rates) {
    const when = Date.parse(rate.effective_at);
    if (when <= at.getTime() && (!best || when > Date.parse(best.effective_at))) best = rate;
  }
  return best;
}

/** One pulled item priced for `quantity` pieces at a pulled gold rate. */
export function priceLine(item, goldRate, rules, quantity = 1) {
  if (!Number.isInteger(quantity) || quantity < 1) throw new PricingError(`quantity must be a positive whole number, got ${quantity}`);
  const label = item.sku || item.id;
  let parts;
  if (item.pricing_mode === "fixed") {
    parts = priceFixedItem({ price: dec(item.fixed_price, `${label} fixed_price`), rules });
  } else {
    if (!goldRate) throw new PricingError("no gold rate in force: the rate board has not been pulled");
    const net = item.net_weight !== null && item.net_weight !== undefined && item.net_weight !== ""
      ? dec(item.net_weight, `${label} net_weight`)
      : dec(item.gross_weight, `${label} gross_weight`).minus(dec(item.stone_weight || "0", `${label} stone_weight`));
    parts = priceGoldPiece({ netWeight: net, rate: rateForFineness(goldRate, Number(item.fineness)),
      makingMode: item.making_mode || "percent", makingValue: item.making_value || "0", stoneValue: item.stone_value || "0", rules });
  }
  return { itemId: String(item.id), quantity, goldRateId: goldRate ? String(goldRate.id) : null,
    unitPrice: parts.total, total: parts.total.times(quantity), breakdown: parts };
}

/** Line totals summed, then the shop rounding applied once. */
export function saleTotal(lines, rules) {
  return roundTotal(lines.reduce((sum, line) => sum.plus(line.total), ZERO), rules);
}
