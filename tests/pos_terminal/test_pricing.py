from datetime import datetime, timezone
from decimal import Decimal

import pytest

from pos_terminal.errors import CatalogueError
from pos_terminal.pricing import gold_rate_current, price_line, sale_total
from tests.pos_terminal.conftest import RATE, RING, TAX_IR

AE = {"regime": "AE", "currency": "AED", "vat_percent": "5", "profit_percent": "0", "rounding_increment": "0", "rounding_mode": "nearest"}
BANGLE_22K = {
    "id": "item-bangle", "sku": "B-22", "fineness": 916, "gross_weight": "20.000", "stone_weight": "0.000", "net_weight": "20.000",
    "making_mode": "per_gram", "making_value": "15.00", "stone_value": "0.00", "pricing_mode": "gold_rate", "fixed_price": None,
}


def test_vector_1_iran_18k_ring():
    line = price_line(RING, RATE, TAX_IR, 1)

    b = line.breakdown
    assert (b.gold, b.making, b.profit, b.stones, b.tax_base, b.tax) == (
        Decimal("40000000"), Decimal("7200000"), Decimal("3304000"), Decimal("2000000"), Decimal("12504000"), Decimal("1250400"))
    assert line.unit_price == line.total == Decimal("53754400")
    assert line.as_payload() == {"item_id": "item-ring", "quantity": 1, "gold_rate_id": "rate-1", "unit_price": "53754400"}


def test_vector_4_uae_22k_with_an_explicit_fineness_rate():
    rate = {"id": "r-ae", "effective_at": "2026-01-01T00:00:00+04:00", "base_rate": "300.00", "base_fineness": 750,
            "fineness_rates": {"916": "380.00"}}

    line = price_line(BANGLE_22K, rate, AE, 1)

    assert (line.breakdown.gold, line.breakdown.making, line.breakdown.tax) == (Decimal("7600.00"), Decimal("300.00"), Decimal("395.00"))
    assert line.as_payload()["unit_price"] == "8295.00"


def test_vector_4_from_a_base_rate_at_the_same_fineness():
    rate = {"id": "r-ae", "effective_at": "2026-01-01T00:00:00+04:00", "base_rate": "380.00", "base_fineness": 916, "fineness_rates": {}}
    assert price_line(BANGLE_22K, rate, AE, 1).unit_price == Decimal("8295.00")


def test_vector_6_quantity_and_rounding_apply_to_the_sale_total_once():
    two = price_line(RING, RATE, TAX_IR, 2)
    rounded = sale_total([two], {**TAX_IR, "rounding_increment": "10000", "rounding_mode": "down"})

    assert two.unit_price == Decimal("53754400") and two.total == Decimal("107508800")
    assert (rounded.total, rounded.rounding) == (Decimal("107500000"), Decimal("-8800"))
    assert sale_total([price_line(RING, RATE, TAX_IR, 1)], {**TAX_IR, "rounding_increment": "10000", "rounding_mode": "down"}).total == Decimal("53750000")


def test_fixed_price_items_need_no_gold_rate():
    watch = {"id": "w", "sku": "W-1", "fineness": 750, "net_weight": "0", "pricing_mode": "fixed", "fixed_price": "1000.00"}
    line = price_line(watch, None, AE, 3)
    assert (line.unit_price, line.total, line.gold_rate_id) == (Decimal("1050.00"), Decimal("3150.00"), None)


def test_floats_and_missing_inputs_are_refused():
    with pytest.raises(CatalogueError):
        price_line({**RING, "making_value": 18.0}, RATE, TAX_IR, 1)
    with pytest.raises(CatalogueError):
        price_line(RING, None, TAX_IR, 1)
    with pytest.raises(CatalogueError):
        price_line(RING, RATE, None, 1)
    with pytest.raises(ValueError):
        price_line(RING, RATE, TAX_IR, 0)


def test_the_rate_in_force_is_the_latest_that_has_started():
    rates = [
        {**RATE, "id": "old", "effective_at": "2026-01-01T00:00:00+00:00"},
        {**RATE, "id": "now", "effective_at": "2026-01-02T00:00:00+03:30"},
        {**RATE, "id": "future", "effective_at": "2026-01-05T00:00:00Z"},
    ]
    assert gold_rate_current(rates, at=datetime(2026, 1, 3, tzinfo=timezone.utc))["id"] == "now"
    assert gold_rate_current(rates, at=datetime(2025, 12, 31, tzinfo=timezone.utc)) is None
