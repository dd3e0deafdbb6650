// PRICING.md's vectors against the browser terminal's pricing, in Node's
// test runner (node --test tests/js/). The same file runs in Chromium
// (tests/browser/terminal/test_pricing.py) and against the server's engine.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { PricingError, priceLine, roundTotal, saleTotal, taxRules, tradeInValue } from "../../static/ui/terminal/pricing.js";
import { backoffDelay, retryAfterSeconds } from "../../static/ui/terminal/sync.js";

const vectors = JSON.parse(readFileSync(new URL("./pricing_vectors.json", import.meta.url)));
const places = (rules) => rules.exponent;

for (const vector of vectors.lines) {
  test(vector.name, () => {
    const rules = taxRules(vector.tax_rule);
    const line = priceLine(vector.item, vector.gold_rate, rules, 1);
    const parts = line.breakdown;
    const shown = Object.fromEntries(["gold", "making", "profit", "tax", "total"].map((k) => [k, parts[k].toFixed(places(rules))]));
    shown.tax_base = parts.taxBase.toFixed(places(rules));
    assert.deepEqual(shown, vector.expected);
    assert.equal(saleTotal([line], rules).total.toFixed(places(rules)), vector.expected.total);
  });
}

for (const vector of vectors.trade_ins) {
  test(vector.name, () => {
    const value = tradeInValue({ grams: vector.grams, fineness: vector.fineness, pureRate: vector.pure_rate,
      deductionPercent: vector.deduction_percent, currency: vector.currency });
    assert.deepEqual({ pure_weight: value.pureWeight.toFixed(3), gross_value: value.grossValue.toFixed(2),
      deduction: value.deduction.toFixed(2), value: value.value.toFixed(2) }, vector.expected);
  });
}

for (const vector of vectors.roundings) {
  test(vector.name, () => {
    const rounded = roundTotal(vector.raw, taxRules(vector.tax_rule));
    assert.deepEqual({ total: rounded.total.toFixed(0), rounding: rounded.rounding.toFixed(0) }, vector.expected);
  });
}

test("a price from a float is refused: money is never a Number with a fraction", () => {
  const [vector] = vectors.lines;
  assert.throws(() => priceLine({ ...vector.item, net_weight: 5.1 }, vector.gold_rate, taxRules(vector.tax_rule)), PricingError);
});

test("the rate of a fineness is the board rate scaled by purity at 28 digits, as Python's Decimal", () => {
  const rules = taxRules({ regime: "AE", currency: "AED", vat_percent: "5" });
  const rate = { id: "r", effective_at: "2026-01-01T00:00:00Z", base_rate: "100.00", base_fineness: 750, fineness_rates: {} };
  // 3 g of 585 at 100.00 / 750: 78.00 a gram exactly; 7 g of 916: 122.1333... a gram, gold 854.93.
  const item = { id: "x", sku: "X", fineness: 916, net_weight: "7.000", making_mode: "fixed", making_value: "0", stone_value: "0", pricing_mode: "gold_rate" };
  assert.equal(priceLine(item, rate, rules).breakdown.gold.toFixed(2), "854.93");
});

test("backoff is full jitter under a doubling ceiling, and Retry-After is honoured", () => {
  assert.equal(backoffDelay(0, () => 1), 0.5);
  assert.equal(backoffDelay(3, () => 1), 4);
  assert.equal(backoffDelay(40, () => 1), 60);
  assert.equal(backoffDelay(5, () => 0), 0);
  assert.equal(retryAfterSeconds("7"), 7);
  assert.equal(retryAfterSeconds(null), null);
  assert.equal(retryAfterSeconds("soon"), null);
});
