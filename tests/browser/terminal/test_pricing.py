"""PRICING.md's vectors hold to the unit in the browser terminal's pricing
(static/ui/terminal/pricing.js): in Chromium, in Node's test runner, and
the vectors file itself against the server's engine, so the three agree."""
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from apps.inventory import pricing as engine
from pos_terminal.pricing import price_line, tax_rules
from tests.browser.conftest import needs_chromium

ROOT = Path(__file__).resolve().parents[3]
VECTORS = json.loads((ROOT / "tests/js/pricing_vectors.json").read_text())


def test_the_vectors_file_is_what_the_server_prices():
    for vector in VECTORS["lines"]:
        breakdown = price_line(vector["item"], vector["gold_rate"], vector["tax_rule"]).breakdown
        shown = {name: str(getattr(breakdown, name)) for name in ("gold", "making", "profit", "tax_base", "tax", "total")}
        assert shown == vector["expected"], vector["name"]
    for vector in VECTORS["trade_ins"]:
        value = engine.trade_in_value(weight=Decimal(vector["grams"]), fineness=vector["fineness"], pure_rate=Decimal(vector["pure_rate"]),
                                      deduction_percent=Decimal(vector["deduction_percent"]), currency=vector["currency"])
        assert {k: str(getattr(value, k)) for k in vector["expected"]} == vector["expected"]
    for vector in VECTORS["roundings"]:
        rounded = engine.round_total(Decimal(vector["raw"]), tax_rules(vector["tax_rule"]))
        assert {"total": str(rounded.total), "rounding": str(rounded.rounding)} == vector["expected"]


@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is missing (scripts/frontend.sh installs it)")
def test_the_vectors_hold_in_nodes_test_runner():
    run = subprocess.run(["node", "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    passed = int(re.search(r"^# pass (\d+)$", run.stdout, re.M).group(1))
    assert passed >= len(VECTORS["lines"]) + len(VECTORS["trade_ins"]) + len(VECTORS["roundings"])
    assert re.search(r"^# fail 0$", run.stdout, re.M)


PRICE_IN_PAGE = """async (vectors) => {
  const p = await import("/static/ui/terminal/pricing.js");
  const lines = vectors.lines.map((v) => {
    const rules = p.taxRules(v.tax_rule);
    const b = p.priceLine(v.item, v.gold_rate, rules, 1).breakdown;
    const e = rules.exponent;
    return {gold: b.gold.toFixed(e), making: b.making.toFixed(e), profit: b.profit.toFixed(e), tax_base: b.taxBase.toFixed(e),
            tax: b.tax.toFixed(e), total: b.total.toFixed(e)};
  });
  const tradeIns = vectors.trade_ins.map((v) => {
    const t = p.tradeInValue({grams: v.grams, fineness: v.fineness, pureRate: v.pure_rate, deductionPercent: v.deduction_percent, currency: v.currency});
    return {pure_weight: t.pureWeight.toFixed(3), gross_value: t.grossValue.toFixed(2), deduction: t.deduction.toFixed(2), value: t.value.toFixed(2)};
  });
  const roundings = vectors.roundings.map((v) => {
    const r = p.roundTotal(v.raw, p.taxRules(v.tax_rule));
    return {total: r.total.toFixed(0), rounding: r.rounding.toFixed(0)};
  });
  return {lines, tradeIns, roundings};
}"""


@needs_chromium
def test_the_vectors_hold_in_chromium(page):
    page.goto("/pos/terminal/")
    got = page.evaluate(PRICE_IN_PAGE, VECTORS)
    assert got["lines"] == [v["expected"] for v in VECTORS["lines"]]
    assert got["tradeIns"] == [v["expected"] for v in VECTORS["trade_ins"]]
    assert got["roundings"] == [v["expected"] for v in VECTORS["roundings"]]
