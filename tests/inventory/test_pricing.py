"""Tests for apps.inventory.pricing: the PRICING.md vectors, errors, properties.

Pure Python: no Django, no database.
"""

from dataclasses import FrozenInstanceError
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.inventory.pricing import (
    FINENESS_BY_KARAT,
    MAZANEH_FINENESS,
    MESGHAL_GRAMS,
    Making,
    PriceBreakdown,
    RoundedTotal,
    TaxRules,
    TradeInValue,
    currency_exponent,
    invoice_total,
    mazaneh_to_gram_rate,
    net_weight,
    price_fixed_item,
    price_gold_piece,
    quantize_money,
    rate_for_fineness,
    round_total,
    trade_in_value,
)

D = Decimal
# No example database: keep test runs from writing into the repo.
PROPS = settings(max_examples=200, database=None, deadline=None)


def components(b: PriceBreakdown) -> list[Decimal]:
    return [b.gold, b.making, b.profit, b.stones, b.fixed, b.tax]


def places(d: Decimal) -> int:
    return -d.as_tuple().exponent


# --------------------------------------------------------------------------
# PRICING.md test vectors
# --------------------------------------------------------------------------


def ir_rules(**kw):
    return TaxRules(regime="IR", currency="IRR", profit_percent=D(7), **kw)


def test_vector_1_ir_percent_making():
    rate = rate_for_fineness(base_rate=D(8_000_000), base_fineness=750, fineness=750)
    assert rate == D(8_000_000)
    b = price_gold_piece(
        net_weight=D("5.000"),
        rate=rate,
        making=Making("percent", D(18)),
        stone_value=D(2_000_000),
        rules=ir_rules(),
    )
    assert b.gold == D(40_000_000)
    assert b.making == D(7_200_000)
    assert b.profit == D(3_304_000)
    assert b.stones == D(2_000_000)
    assert b.tax_base == D(12_504_000)
    assert b.tax == D(1_250_400)
    assert b.total == D(53_754_400)
    assert b.rate == D(8_000_000)
    assert b.net_weight == D("5.000")


def test_vector_2_ir_per_gram_making():
    b = price_gold_piece(
        net_weight=D(5),
        rate=D(8_000_000),
        making=Making("per_gram", D(500_000)),
        stone_value=D(2_000_000),
        rules=ir_rules(vat_percent=D(10)),
    )
    assert b.gold == D(40_000_000)
    assert b.making == D(2_500_000)
    assert b.profit == D(2_975_000)
    assert b.tax_base == D(7_475_000)
    assert b.tax == D(747_500)
    assert b.total == D(48_222_500)


def test_vector_3_in_explicit_916_rate():
    # Board quoted at 24k; the shop's explicit 916 rate must win over scaling.
    rate = rate_for_fineness(
        base_rate=D("9999.00"),
        base_fineness=999,
        fineness=FINENESS_BY_KARAT[22],
        explicit_rates={916: D("9160.00")},
    )
    assert rate == D("9160.00")
    b = price_gold_piece(
        net_weight=D("10.000"),
        rate=rate,
        making=Making("percent", D(12)),
        stone_value=D("30000.00"),
        rules=TaxRules(regime="IN", currency="INR"),
    )
    assert str(b.gold) == "91600.00"
    assert str(b.making) == "10992.00"
    assert str(b.profit) == "0.00"
    assert str(b.stones) == "30000.00"
    assert str(b.tax_base) == "132592.00"
    assert str(b.tax) == "3977.76"
    assert str(b.total) == "136569.76"


def test_vector_4_ae_per_gram_making():
    b = price_gold_piece(
        net_weight=D(20),
        rate=D("380.00"),
        making=Making("per_gram", D("15.00")),
        stone_value=D(0),
        rules=TaxRules(regime="AE", currency="AED"),
    )
    assert str(b.gold) == "7600.00"
    assert str(b.making) == "300.00"
    assert str(b.tax_base) == "7900.00"
    assert str(b.tax) == "395.00"
    assert str(b.total) == "8295.00"


def test_vector_5_trade_in():
    t = trade_in_value(
        weight=D(20), fineness=916, pure_rate=D("10000.00"),
        deduction_percent=D(2), currency="INR",
    )
    assert t == TradeInValue(
        pure_weight=D("18.320"),
        gross_value=D("183200.00"),
        deduction=D("3664.00"),
        value=D("179536.00"),
    )
    assert str(t.pure_weight) == "18.320"
    assert str(t.value) == "179536.00"


def test_vector_6_ir_round_down_to_10000():
    rules = ir_rules(rounding_increment=D(10_000), rounding_mode="down")
    r = round_total(D(53_754_400), rules)
    assert r == RoundedTotal(total=D(53_750_000), rounding=D(-4_400))
    # Applied once to the invoice, not per line.
    assert invoice_total([D(53_754_400)], rules) == r
    assert invoice_total([D(26_877_200), D(26_877_200)], rules) == r


def test_mazaneh_conversion_matches_formula():
    mazaneh = D(34_652_160)  # chosen so the 18k gram rate is exactly 8,000,000
    assert mazaneh_to_gram_rate(mazaneh) == D(8_000_000)
    assert mazaneh_to_gram_rate(mazaneh, MAZANEH_FINENESS) == mazaneh / MESGHAL_GRAMS
    odd = D(41_250_000)
    for fineness in (750, 705, 916):
        expected = odd / D("4.608") / D(705) * fineness
        got = mazaneh_to_gram_rate(odd, fineness)
        assert abs(got - expected) < D("1e-15")
        assert quantize_money(got, 0) == quantize_money(expected, 0)


# --------------------------------------------------------------------------
# smaller units
# --------------------------------------------------------------------------


def test_net_weight_three_places():
    assert str(net_weight(D("6.25"), D("1.25"))) == "5.000"
    assert str(net_weight(D("5.0004"), D(0))) == "5.000"
    assert net_weight(D(3), D(3)) == D(0)


def test_rate_scaled_by_fineness_without_explicit():
    assert rate_for_fineness(base_rate=D(8_000_000), base_fineness=750, fineness=585) == D(6_240_000)
    assert rate_for_fineness(
        base_rate=D(1000), base_fineness=1000, fineness=916, explicit_rates={750: D(1)}
    ) == D(916)
    # Full precision kept, not quantized.
    r = rate_for_fineness(base_rate=D(1000), base_fineness=750, fineness=916)
    assert places(r) > 2


def test_making_fixed_mode():
    b = price_gold_piece(
        net_weight=D(2), rate=D("100.00"), making=Making("fixed", D("49.995")),
        stone_value=D(0), rules=TaxRules(regime="FLAT", currency="USD", vat_percent=D(0)),
    )
    assert str(b.making) == "50.00"
    assert b.tax == D(0)
    assert str(b.total) == "250.00"


def test_fixed_price_item_is_pre_tax_in_every_regime():
    for rules, tax, total in [
        (TaxRules(regime="IR", currency="IRR", profit_percent=D(7)), D(1_000_000), D(11_000_000)),
        (TaxRules(regime="IN", currency="INR"), D("300.00"), D("10300.00")),
        (TaxRules(regime="AE", currency="AED"), D("500.00"), D("10500.00")),
        (TaxRules(regime="FLAT", currency="EUR", vat_percent=D(0)), D("0.00"), D("10000.00")),
    ]:
        b = price_fixed_item(price=D(10_000_000) if rules.regime == "IR" else D(10_000), rules=rules)
        assert b.gold == b.making == b.profit == b.stones == 0
        assert b.tax_base == b.fixed
        assert b.tax == tax
        assert b.total == total == b.fixed + b.tax
        assert b.total == sum(components(b))


def test_rounding_modes():
    up = TaxRules(regime="IR", currency="IRR", rounding_increment=D(1000), rounding_mode="up")
    near = TaxRules(regime="IR", currency="IRR", rounding_increment=D(1000))
    assert round_total(D(1_000_001), up) == RoundedTotal(D(1_001_000), D(999))
    assert round_total(D(1_000_500), near) == RoundedTotal(D(1_001_000), D(500))
    assert round_total(D(1_000_499), near) == RoundedTotal(D(1_000_000), D(-499))
    aed = TaxRules(regime="AE", currency="AED", rounding_increment=D("0.25"), rounding_mode="down")
    assert round_total(D("10.99"), aed) == RoundedTotal(D("10.75"), D("-0.24"))
    none = TaxRules(regime="AE", currency="AED")
    assert round_total(D("10.99"), none) == RoundedTotal(D("10.99"), D("0.00"))
    assert invoice_total([], none).total == D(0)


def test_tax_rules_defaults_and_frozen():
    assert TaxRules(regime="IR", currency="IRR").vat_percent == 10
    assert TaxRules(regime="IN", currency="INR").vat_percent == 3
    assert TaxRules(regime="AE", currency="AED").vat_percent == 5
    assert TaxRules(regime="FLAT", currency="USD", vat_percent=D(0)).vat_percent == 0
    rules = TaxRules(regime="IR", currency="IRR")
    assert rules.profit_percent == 0 and rules.rounding_increment == 0
    assert rules.rounding_mode == "nearest"
    with pytest.raises(FrozenInstanceError):
        rules.vat_percent = D(0)  # type: ignore[misc]


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------


AED = TaxRules(regime="AE", currency="AED")


@pytest.mark.parametrize(
    "call",
    [
        lambda: net_weight(5.0, D(0)),
        lambda: net_weight(D(5), 0.5),
        lambda: rate_for_fineness(base_rate=8e6, base_fineness=750, fineness=750),
        lambda: rate_for_fineness(
            base_rate=D(1), base_fineness=750, fineness=916, explicit_rates={916: 9160.0}
        ),
        lambda: mazaneh_to_gram_rate(3.4e7),
        lambda: price_gold_piece(
            net_weight=5.0, rate=D(1), making=Making("fixed", D(0)), stone_value=D(0), rules=AED
        ),
        lambda: price_gold_piece(
            net_weight=D(5), rate=380.0, making=Making("fixed", D(0)), stone_value=D(0), rules=AED
        ),
        lambda: Making("percent", 12.0),
        lambda: TaxRules(regime="FLAT", currency="USD", vat_percent=5.0),
        lambda: price_fixed_item(price=99.99, rules=AED),
        lambda: trade_in_value(
            weight=20.0, fineness=916, pure_rate=D(1), deduction_percent=D(2), currency="INR"
        ),
        lambda: round_total(1.5, AED),
        lambda: invoice_total([D(1), 2.5], AED),
        lambda: quantize_money(1.005, 2),
    ],
)
def test_float_inputs_rejected(call):
    with pytest.raises(TypeError, match="Decimal"):
        call()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: net_weight(D(-1), D(0)), "negative"),
        (lambda: net_weight(D(5), D(-1)), "negative"),
        (lambda: net_weight(D(5), D("5.001")), "exceeds gross"),
        (lambda: price_gold_piece(
            net_weight=D(-1), rate=D(1), making=Making("fixed", D(0)), stone_value=D(0), rules=AED
        ), "negative"),
        (lambda: price_gold_piece(
            net_weight=D(1), rate=D(-1), making=Making("fixed", D(0)), stone_value=D(0), rules=AED
        ), "negative"),
        (lambda: price_gold_piece(
            net_weight=D(1), rate=D(1), making=Making("fixed", D(0)), stone_value=D(-1), rules=AED
        ), "negative"),
        (lambda: rate_for_fineness(base_rate=D(-1), base_fineness=750, fineness=750), "negative"),
        (lambda: rate_for_fineness(base_rate=D(1), base_fineness=750, fineness=0), "fineness"),
        (lambda: rate_for_fineness(base_rate=D(1), base_fineness=1001, fineness=750), "fineness"),
        (lambda: mazaneh_to_gram_rate(D(1), 1200), "fineness"),
        (lambda: trade_in_value(
            weight=D(1), fineness=-5, pure_rate=D(1), deduction_percent=D(0), currency="INR"
        ), "fineness"),
        (lambda: trade_in_value(
            weight=D(1), fineness=916, pure_rate=D(1), deduction_percent=D(-2), currency="INR"
        ), "negative"),
        (lambda: TaxRules(regime="UK", currency="USD"), "unknown tax regime"),
        (lambda: TaxRules(regime="FLAT", currency="USD"), "vat_percent"),
        (lambda: TaxRules(regime="AE", currency="AED", vat_percent=D(-5)), "negative"),
        (lambda: TaxRules(regime="IN", currency="INR", profit_percent=D(7)), "IR only"),
        (lambda: TaxRules(regime="IR", currency="IRR", profit_percent=D(-7)), "negative"),
        (lambda: TaxRules(regime="IR", currency="XXX"), "unknown currency"),
        (lambda: TaxRules(regime="IR", currency="IRR", rounding_mode="sideways"), "rounding_mode"),
        (lambda: TaxRules(regime="AE", currency="AED", rounding_increment=D("0.005")), "minor unit"),
        (lambda: TaxRules(regime="IR", currency="IRR", rounding_increment=D(-10)), "negative"),
        (lambda: Making("hourly", D(1)), "unknown making mode"),
        (lambda: Making("percent", D(-1)), "negative"),
        (lambda: price_fixed_item(price=D(-1), rules=AED), "negative"),
    ],
)
def test_invalid_inputs_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------

CURRENCY_BY_REGIME = {"IR": "IRR", "IN": "INR", "AE": "AED", "FLAT": "USD"}


def decimals(max_units: int, places_: int, min_units: int = 0):
    """Decimals with exactly ``places_`` decimal places, built from integers."""
    return st.integers(min_units, max_units).map(lambda n: D(n).scaleb(-places_))


@st.composite
def rules_strategy(draw, regime=None):
    regime = regime or draw(st.sampled_from(["IR", "IN", "AE", "FLAT"]))
    currency = CURRENCY_BY_REGIME[regime]
    if regime == "IR":
        currency = draw(st.sampled_from(["IRR", "IRT"]))
    elif regime == "FLAT":
        currency = draw(st.sampled_from(["USD", "EUR", "IRR", "AED"]))
    vat = draw(st.none() | decimals(2500, 2)) if regime != "FLAT" else draw(decimals(2500, 2))
    profit = draw(decimals(3000, 2)) if regime == "IR" else D(0)
    return TaxRules(regime=regime, currency=currency, vat_percent=vat, profit_percent=profit)


@st.composite
def making_strategy(draw):
    mode = draw(st.sampled_from(["percent", "per_gram", "fixed"]))
    if mode == "percent":
        return Making(mode, draw(decimals(5000, 2)))
    return Making(mode, draw(decimals(10**9, 3)))


def gold_piece(rules, draw):
    return price_gold_piece(
        net_weight=draw(decimals(2_000_000, 3)),  # up to 2 kg
        rate=draw(decimals(10**12, 4)),  # full-precision rates
        making=draw(making_strategy()),
        stone_value=draw(decimals(10**11, 2)),
        rules=rules,
    )


@PROPS
@given(data=st.data(), rules=rules_strategy())
def test_total_is_sum_of_components_and_places_match_currency(data, rules):
    b = gold_piece(rules, data.draw)
    assert b.total == sum(components(b))
    exp = currency_exponent(rules.currency)
    for value in components(b) + [b.tax_base, b.total]:
        assert places(value) == exp
    assert places(b.net_weight) == 3


def quant(x, exp):
    return x.quantize(D(1).scaleb(-exp), rounding=ROUND_HALF_UP)


@PROPS
@given(data=st.data(), rules=rules_strategy("IR"))
def test_ir_never_taxes_raw_gold(data, rules):
    b = gold_piece(rules, data.draw)
    exp = currency_exponent(rules.currency)
    assert b.tax_base == b.making + b.profit + b.stones
    assert b.tax == quant((b.making + b.profit + b.stones) * rules.vat_percent / 100, exp)
    assert b.profit == quant((b.gold + b.making) * rules.profit_percent / 100, exp)


@PROPS
@given(data=st.data(), regime=st.sampled_from(["IN", "AE", "FLAT"]))
def test_in_ae_flat_tax_gold_making_stones(data, regime):
    rules = data.draw(rules_strategy(regime))
    b = gold_piece(rules, data.draw)
    exp = currency_exponent(rules.currency)
    assert b.profit == 0
    assert b.tax_base == b.gold + b.making + b.stones
    assert b.tax == quant(b.tax_base * rules.vat_percent / 100, exp)


@PROPS
@given(price=decimals(10**12, 2), rules=rules_strategy())
def test_fixed_item_sum_invariant(price, rules):
    b = price_fixed_item(price=price, rules=rules)
    exp = currency_exponent(rules.currency)
    assert b.total == sum(components(b)) == b.fixed + b.tax
    assert all(places(v) == exp for v in components(b) + [b.total])


@PROPS
@given(
    data=st.data(),
    currency=st.sampled_from(["IRR", "INR", "AED"]),
    mode=st.sampled_from(["down", "up", "nearest"]),
)
def test_round_total_bounds(data, currency, mode):
    exp = currency_exponent(currency)
    inc = D(data.draw(st.integers(1, 10**6))).scaleb(-exp)
    raw = data.draw(decimals(10**13, exp, min_units=-(10**13)))
    rules = TaxRules(
        regime="FLAT", currency=currency, vat_percent=D(0),
        rounding_increment=inc, rounding_mode=mode,
    )
    r = round_total(raw, rules)
    assert raw + r.rounding == r.total
    assert r.total % inc == 0
    assert abs(r.rounding) < inc
    assert places(r.total) == exp
    if mode == "down":
        assert r.total <= raw and raw - r.total < inc
    elif mode == "up":
        assert r.total >= raw and r.total - raw < inc
    else:
        assert abs(r.rounding) * 2 <= inc


@PROPS
@given(
    weight=decimals(10**7, 3),
    karat=st.sampled_from(sorted(FINENESS_BY_KARAT)),
    rate=decimals(10**8, 2),
    ded=decimals(10_000, 2),
)
def test_trade_in_value_consistent(weight, karat, rate, ded):
    t = trade_in_value(
        weight=weight, fineness=FINENESS_BY_KARAT[karat], pure_rate=rate,
        deduction_percent=ded, currency="INR",
    )
    assert places(t.pure_weight) == 3
    assert t.pure_weight <= weight
    assert t.value == t.gross_value - t.deduction
    assert 0 <= t.value <= t.gross_value
