"""Pure pricing arithmetic for gold pieces, fixed-price items and trade-ins.

Spec: /work/shared/design/PRICING.md. No Django here so the maths can be
tested (and reused by invoices, quotes and reports) without a database.

Rules kept throughout:

* Money and weights are ``Decimal``; floats are rejected with ``TypeError``
  because a float rate silently corrupts a price (``int`` is accepted and
  converted, since it is exact).
* Every money component is quantized to the currency's minor unit
  (ROUND_HALF_UP) *before* it is summed, so the stored parts of an invoice
  line always add up to its stored total.
* The shop's rounding rule (e.g. "down to 10,000 Rial") is applied once, to
  the invoice total, never to a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

# The money helpers live in core (every app rounds money); they are imported
# here for the engine (and the reference terminal, which calls them through it).
from apps.core.money import as_decimal, currency_exponent, quantize_money

__all__ = [
    "FINENESS_BY_KARAT",
    "MESGHAL_GRAMS",
    "MAZANEH_FINENESS",
    "REGIMES",
    "MAKING_MODES",
    "ROUNDING_MODES",
    "currency_exponent",
    "quantize_money",
    "net_weight",
    "rate_for_fineness",
    "mazaneh_to_gram_rate",
    "TaxRules",
    "Making",
    "PriceBreakdown",
    "price_gold_piece",
    "price_fixed_item",
    "TradeInValue",
    "trade_in_value",
    "RoundedTotal",
    "round_total",
    "invoice_total",
]

FINENESS_BY_KARAT: dict[int, int] = {24: 999, 22: 916, 21: 875, 18: 750, 17: 705, 14: 585}
MESGHAL_GRAMS = Decimal("4.608")  # one mesghal, the unit of Iran's mazaneh quote
MAZANEH_FINENESS = 705  # the mazaneh is quoted for 17k (705) gold

REGIMES = ("IR", "IN", "AE", "FLAT")
MAKING_MODES = ("percent", "per_gram", "fixed")
ROUNDING_MODES = ("down", "up", "nearest")

_DEFAULT_VAT = {"IR": Decimal(10), "IN": Decimal(3), "AE": Decimal(5)}
_WEIGHT_QUANTUM = Decimal("0.001")  # grams are kept to the milligram
_HUNDRED = Decimal(100)
_THOUSAND = Decimal(1000)
_ZERO = Decimal(0)


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _non_negative(value: object, name: str) -> Decimal:
    d = as_decimal(value, name)
    if d < 0:
        raise ValueError(f"{name} must not be negative, got {d}")
    return d


def _fineness(value: object, name: str = "fineness") -> Decimal:
    """Fineness is parts per thousand: 0 < f <= 1000."""
    d = as_decimal(value, name)
    if not 0 < d <= 1000:
        raise ValueError(f"{name} must be > 0 and <= 1000 (parts per thousand), got {d}")
    return d


def _weight(value: Decimal) -> Decimal:
    return value.quantize(_WEIGHT_QUANTUM, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------
# money and weights
# --------------------------------------------------------------------------


def net_weight(gross: Decimal, stone: Decimal) -> Decimal:
    """Gold weight in grams (3 places): gross minus set stones."""
    gross = _non_negative(gross, "gross weight")
    stone = _non_negative(stone, "stone weight")
    if stone > gross:
        raise ValueError(f"stone weight {stone} exceeds gross weight {gross}")
    return _weight(gross - stone)


# --------------------------------------------------------------------------
# rates
# --------------------------------------------------------------------------


def rate_for_fineness(
    *,
    base_rate: Decimal,
    base_fineness: int | Decimal,
    fineness: int | Decimal,
    explicit_rates: Mapping[int, Decimal] | None = None,
) -> Decimal:
    """Rate per gram for ``fineness``.

    A rate the shop set explicitly for that fineness wins; otherwise the board
    rate is scaled by purity. Full precision is kept: only money components are
    quantized, so an early rounding here would leak into every gram.
    """
    base_rate = _non_negative(base_rate, "base_rate")
    base_fineness = _fineness(base_fineness, "base_fineness")
    fineness = _fineness(fineness)
    if explicit_rates is not None and fineness in explicit_rates:
        return _non_negative(explicit_rates[fineness], f"explicit rate for fineness {fineness}")
    return base_rate * fineness / base_fineness


def mazaneh_to_gram_rate(mazaneh: Decimal, fineness: int | Decimal = 750) -> Decimal:
    """Gram rate at ``fineness`` from Iran's mazaneh (price of one mesghal of 705).

    Equals ``mazaneh / 4.608 / 705 * fineness``; multiplied first so there is
    only one inexact division.
    """
    mazaneh = _non_negative(mazaneh, "mazaneh")
    fineness = _fineness(fineness)
    return mazaneh * fineness / (MESGHAL_GRAMS * MAZANEH_FINENESS)


# --------------------------------------------------------------------------
# settings value objects
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxRules:
    """A shop's tax and rounding settings.

    ``vat_percent`` defaults per regime (IR 10, IN 3 GST, AE 5); FLAT must set
    it (0 allowed). ``profit_percent`` only exists in Iran's formula, so a
    non-zero value elsewhere is an error rather than silently ignored.
    ``rounding_increment`` 0 means no rounding; otherwise it must be a whole
    number of the currency's minor unit.
    """

    regime: str
    currency: str
    vat_percent: Decimal | None = None
    profit_percent: Decimal = _ZERO
    rounding_increment: Decimal = _ZERO
    rounding_mode: str = "nearest"

    def __post_init__(self) -> None:
        if self.regime not in REGIMES:
            raise ValueError(f"unknown tax regime {self.regime!r}; expected one of {REGIMES}")
        exponent = currency_exponent(self.currency)
        object.__setattr__(self, "currency", self.currency.upper())

        vat = self.vat_percent
        if vat is None:
            if self.regime not in _DEFAULT_VAT:
                raise ValueError(f"regime {self.regime} needs an explicit vat_percent (0 allowed)")
            vat = _DEFAULT_VAT[self.regime]
        object.__setattr__(self, "vat_percent", _non_negative(vat, "vat_percent"))

        profit = _non_negative(self.profit_percent, "profit_percent")
        if profit and self.regime != "IR":
            raise ValueError(f"profit_percent applies to regime IR only, not {self.regime}")
        object.__setattr__(self, "profit_percent", profit)

        increment = _non_negative(self.rounding_increment, "rounding_increment")
        if increment % Decimal(1).scaleb(-exponent):
            raise ValueError(
                f"rounding_increment {increment} is not a multiple of the {self.currency} minor unit"
            )
        object.__setattr__(self, "rounding_increment", increment)

        if self.rounding_mode not in ROUNDING_MODES:
            raise ValueError(
                f"unknown rounding_mode {self.rounding_mode!r}; expected one of {ROUNDING_MODES}"
            )

    @property
    def exponent(self) -> int:
        """Decimal places of the shop currency."""
        return currency_exponent(self.currency)


@dataclass(frozen=True)
class Making:
    """Making (labour) charge: percent of gold value, amount per net gram, or fixed."""

    mode: str
    value: Decimal

    def __post_init__(self) -> None:
        if self.mode not in MAKING_MODES:
            raise ValueError(f"unknown making mode {self.mode!r}; expected one of {MAKING_MODES}")
        object.__setattr__(self, "value", _non_negative(self.value, "making value"))

    def amount(self, *, gold: Decimal, net_weight: Decimal, exponent: int) -> Decimal:
        """The making charge in money, quantized to the currency."""
        if self.mode == "percent":
            raw = gold * self.value / _HUNDRED
        elif self.mode == "per_gram":
            raw = net_weight * self.value
        else:
            raw = self.value
        return quantize_money(raw, exponent)


# --------------------------------------------------------------------------
# line pricing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceBreakdown:
    """Everything frozen on an invoice line.

    ``total`` is computed, never passed, so the invariant
    ``total == gold + making + profit + stones + fixed + tax`` holds by
    construction. ``fixed`` is non-zero only for fixed-price items.
    ``rate`` is the per-gram rate used, at full precision.
    """

    rate: Decimal
    net_weight: Decimal
    gold: Decimal
    making: Decimal
    profit: Decimal
    stones: Decimal
    tax_base: Decimal
    tax: Decimal
    fixed: Decimal = _ZERO
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        total = self.gold + self.making + self.profit + self.stones + self.fixed + self.tax
        object.__setattr__(self, "total", total)


def price_gold_piece(
    *,
    net_weight: Decimal,
    rate: Decimal,
    making: Making,
    stone_value: Decimal,
    rules: TaxRules,
) -> PriceBreakdown:
    """Price a gold piece per the regime table in PRICING.md.

    IR: profit = (gold + making) * p%; VAT only on making + profit + stones
    (raw gold is not taxed in Iran). IN/AE/FLAT: no profit; tax on
    gold + making + stones. ``net_weight`` is brought to 3 places; every money
    component is quantized before summing; no shop rounding here.
    """
    weight = _weight(_non_negative(net_weight, "net_weight"))
    rate = _non_negative(rate, "rate")
    stone_value = _non_negative(stone_value, "stone_value")
    if not isinstance(making, Making):
        raise TypeError(f"making must be a Making, not {type(making).__name__}")
    if not isinstance(rules, TaxRules):
        raise TypeError(f"rules must be a TaxRules, not {type(rules).__name__}")
    exp = rules.exponent

    gold = quantize_money(weight * rate, exp)
    making_amount = making.amount(gold=gold, net_weight=weight, exponent=exp)
    stones = quantize_money(stone_value, exp)
    if rules.regime == "IR":
        profit = quantize_money((gold + making_amount) * rules.profit_percent / _HUNDRED, exp)
        tax_base = making_amount + profit + stones
    else:
        profit = quantize_money(_ZERO, exp)
        tax_base = gold + making_amount + stones
    tax = quantize_money(tax_base * rules.vat_percent / _HUNDRED, exp)
    return PriceBreakdown(
        rate=rate,
        net_weight=weight,
        gold=gold,
        making=making_amount,
        profit=profit,
        stones=stones,
        tax_base=tax_base,
        tax=tax,
        fixed=quantize_money(_ZERO, exp),
    )


def price_fixed_item(*, price: Decimal, rules: TaxRules) -> PriceBreakdown:
    """Price an item sold at a fixed price (watches, some silver).

    Decision: the fixed price is the PRE-TAX amount. It goes in ``fixed``, is
    the whole tax base in every regime (including IR: it is not raw gold), and
    tax is added at the regime's rate. Gold, making, profit and stones are 0,
    so ``total == fixed + tax``.
    """
    price = _non_negative(price, "price")
    if not isinstance(rules, TaxRules):
        raise TypeError(f"rules must be a TaxRules, not {type(rules).__name__}")
    exp = rules.exponent
    zero = quantize_money(_ZERO, exp)
    fixed = quantize_money(price, exp)
    return PriceBreakdown(
        rate=_ZERO,
        net_weight=_weight(_ZERO),
        gold=zero,
        making=zero,
        profit=zero,
        stones=zero,
        tax_base=fixed,
        tax=quantize_money(fixed * rules.vat_percent / _HUNDRED, exp),
        fixed=fixed,
    )


def price_work(*, labour: Decimal, gold: Decimal, rules: TaxRules) -> PriceBreakdown:
    """Price work done on a customer's piece: `labour` (pre-tax, in
    ``fixed``, as a fixed-price item) and the value of `gold` added (already
    in money). IR taxes the labour only (raw gold is not taxed in Iran);
    IN/AE/FLAT tax both. Nothing else: no making, profit or stones."""
    labour = _non_negative(labour, "labour")
    gold = _non_negative(gold, "gold")
    if not isinstance(rules, TaxRules):
        raise TypeError(f"rules must be a TaxRules, not {type(rules).__name__}")
    exp = rules.exponent
    zero = quantize_money(_ZERO, exp)
    fixed, gold = quantize_money(labour, exp), quantize_money(gold, exp)
    tax_base = fixed if rules.regime == "IR" else fixed + gold
    return PriceBreakdown(rate=_ZERO, net_weight=_weight(_ZERO), gold=gold, making=zero, profit=zero, stones=zero,
                          tax_base=tax_base, tax=quantize_money(tax_base * rules.vat_percent / _HUNDRED, exp), fixed=fixed)


# --------------------------------------------------------------------------
# old gold taken in
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TradeInValue:
    """Value of old gold taken in; ``value`` is credited as a payment on the sale."""

    pure_weight: Decimal
    gross_value: Decimal
    deduction: Decimal
    value: Decimal


def trade_in_value(
    *,
    weight: Decimal,
    fineness: int | Decimal,
    pure_rate: Decimal,
    deduction_percent: Decimal,
    currency: str,
) -> TradeInValue:
    """Old gold valued on its pure content at a fineness-1000 rate, less a deduction %.

    Pure weight is rounded to the milligram first, as it is what gets weighed
    and written on the receipt.
    """
    weight = _non_negative(weight, "weight")
    fineness = _fineness(fineness)
    pure_rate = _non_negative(pure_rate, "pure_rate")
    deduction_percent = _non_negative(deduction_percent, "deduction_percent")
    if deduction_percent > _HUNDRED:
        raise ValueError(f"deduction_percent must be <= 100, got {deduction_percent}")
    exp = currency_exponent(currency)

    pure_weight = _weight(weight * fineness / _THOUSAND)
    gross_value = quantize_money(pure_weight * pure_rate, exp)
    deduction = quantize_money(gross_value * deduction_percent / _HUNDRED, exp)
    return TradeInValue(
        pure_weight=pure_weight,
        gross_value=gross_value,
        deduction=deduction,
        value=gross_value - deduction,
    )


# --------------------------------------------------------------------------
# invoice totals
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundedTotal:
    """Invoice total after the shop rounding rule.

    ``rounding = total - raw`` (may be negative) is stored on the invoice so
    ``raw + rounding == total`` is auditable.
    """

    total: Decimal
    rounding: Decimal


_ROUNDING = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_UP}


def round_total(raw_total: Decimal, rules: TaxRules) -> RoundedTotal:
    """Apply the shop's rounding rule once, to an invoice total.

    ``down``/``up`` are floor/ceiling (so "down" never exceeds the raw total,
    even for a negative balance); ``nearest`` rounds halves up. An increment of
    0 only quantizes to the currency's minor unit.
    """
    raw = as_decimal(raw_total, "raw_total")
    if not isinstance(rules, TaxRules):
        raise TypeError(f"rules must be a TaxRules, not {type(rules).__name__}")
    increment = rules.rounding_increment
    if increment:
        steps = (raw / increment).quantize(Decimal(1), rounding=_ROUNDING[rules.rounding_mode])
        rounded = steps * increment
    else:
        rounded = raw
    total = quantize_money(rounded, rules.exponent)
    return RoundedTotal(total=total, rounding=total - raw)


def invoice_total(line_totals: Iterable[Decimal], rules: TaxRules) -> RoundedTotal:
    """Sum the (already quantized) line totals, then round once."""
    raw = sum((as_decimal(t, "line total") for t in line_totals), _ZERO)
    return round_total(raw, rules)
