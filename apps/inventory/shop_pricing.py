"""
Pricing in a shop: the one home every price comes from. The counter, the
staff API, the POS push (checking a terminal's price) and the POS pull (the
tax rule a terminal prices with) all call this module.

`pricing.py` beside it is the arithmetic of PRICING.md, pure and shared with
the reference terminal; this module feeds it a shop's settings, an item's tag
and a gold-rate board row, and checks what staff typed.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from apps.core.errors import ApplicationError
from apps.inventory import pricing, validation
from apps.inventory.models import GoldRate, Item
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness

RATE_QUANTUM = Decimal("0.0001")  # SaleLine.rate / TradeIn.pure_rate places
MONEY_FIELD_QUANTUM = Decimal("0.01")  # making_value is stored with 2 places
WEIGHT_QUANTUM = Decimal("0.001")
PURE_FINENESS = 1000
# Profit is a component of Iran's formula only (PRICING.md); elsewhere the
# shop's profit setting is ignored rather than refused.
PROFIT_REGIMES = frozenset({"IR"})

_ZERO = Decimal(0)


def tax_rules_for_shop(shop) -> pricing.TaxRules:
    """The shop's tax and rounding settings, built once per shop instance
    and settings."""
    profit = shop.profit_percent if shop.tax_regime in PROFIT_REGIMES else _ZERO
    key = (shop.tax_regime, shop.currency, shop.vat_percent, profit, shop.rounding_increment, shop.rounding_mode)
    cached = getattr(shop, "_tax_rules", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        rules = pricing.TaxRules(
            regime=shop.tax_regime, currency=shop.currency, vat_percent=shop.vat_percent, profit_percent=profit,
            rounding_increment=shop.rounding_increment, rounding_mode=shop.rounding_mode,
        )
    except (TypeError, ValueError) as exc:
        raise ApplicationError("invalid_shop_settings", f"The shop's tax settings are not usable: {exc}", status=409) from exc
    shop._tax_rules = (key, rules)
    return rules


def checked_decimal(value, *, code: str, message: str, quantum: Decimal | None = None, minimum: Decimal = _ZERO,
                    strictly_positive: bool = False, field: str = "") -> Decimal:
    """A finite Decimal (or int) within bounds, with no more places than
    `quantum` allows. Floats are refused: they are not exact money."""
    ok = isinstance(value, (Decimal, int)) and not isinstance(value, bool)
    if ok:
        value = Decimal(value)
        ok = value.is_finite() and (value > minimum if strictly_positive else value >= minimum)
        ok = ok and (quantum is None or value == value.quantize(quantum))
    if not ok:
        raise ApplicationError(code, message, details=[{"field": field, "code": code, "message": message}] if field else None)
    return value


def checked_count(value, *, code: str, message: str, field: str = "") -> int:
    """A whole number of at least 1 (a quantity, a count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApplicationError(code, message, details=[{"field": field, "code": code, "message": message}] if field else None)
    return value


@dataclass(frozen=True)
class LinePrice:
    """A priced line, every component for all pieces (`quantity` applied).

    `board_rate` / `item_making_value` are what the board and the tag say,
    `rate` / `making_value` what was used. `gross` is the line before the
    discount; `total == gold + making + profit + stones + fixed + tax -
    discount`. `unit_price` is one piece, tax included, before discount.
    """

    quantity: int
    fineness: int
    net_weight: Decimal
    gold_rate_id: UUID | None
    board_rate: Decimal
    rate: Decimal
    making_mode: str
    item_making_value: Decimal
    making_value: Decimal
    unit: pricing.PriceBreakdown
    gold: Decimal
    making: Decimal
    profit: Decimal
    stones: Decimal
    fixed: Decimal
    tax: Decimal
    gross: Decimal
    discount: Decimal
    unit_price: Decimal
    total: Decimal


def checked_in_currency(value, **kwargs) -> Decimal:
    """checked_decimal for an amount in the shop's currency. An amount the
    API accepts (2 places) that the currency lacks (IRR has none) conflicts
    with a shop setting, not with the request's form: 409, not 400."""
    try:
        return checked_decimal(value, **kwargs)
    except ApplicationError as exc:
        places = -value.as_tuple().exponent if isinstance(value, Decimal) and value.is_finite() else None
        if places is not None and value > 0 and -kwargs["quantum"].as_tuple().exponent < places <= 2:
            exc.status = 409
        raise


def line_price(
    *,
    item: Item,
    quantity: int,
    gold_rate: GoldRate | None,
    shop,
    rate_override: Decimal | None = None,
    making_override: Decimal | None = None,
    discount: Decimal = _ZERO,
) -> LinePrice:
    """Prices `quantity` pieces of `item` for `shop` at `gold_rate`.

    The per-gram rate for the item's fineness is brought to 4 places (what
    the line stores) *before* it is used, so the frozen rate reproduces the
    frozen gold value. One piece is priced by the engine and multiplied by
    the quantity (every component is already in whole minor units). The
    discount is taken off the line total, tax included.
    """
    rules = tax_rules_for_shop(shop)
    money_quantum = Decimal(1).scaleb(-rules.exponent)
    quantity = checked_count(quantity, code="invalid_quantity", message="The quantity must be a whole number of at least 1.")
    discount = checked_in_currency(
        discount, code="invalid_discount", quantum=money_quantum,
        message=f"A discount must be a non-negative amount in whole {rules.currency} minor units.",
    )

    if item.pricing_mode == Item.PricingMode.FIXED:
        if rate_override is not None or making_override is not None:
            # The item's pricing mode is stored state: a conflict with the item (409).
            raise ApplicationError(
                "invalid_override", f"Item {item.sku} has a fixed price: it has no rate or making charge to change.", status=409
            )
        unit = pricing.price_fixed_item(price=item.fixed_price, rules=rules)
        board_rate = rate = _ZERO
        making_mode, item_making, making_value = "", _ZERO, _ZERO
        gold_rate_id = None
    else:
        if gold_rate is None:
            raise ApplicationError("no_gold_rate", "No gold rate has been set yet; set one before selling gold.", status=409)
        board_rate = gold_rate_for_fineness(gold_rate=gold_rate, fineness=item.fineness).quantize(RATE_QUANTUM, ROUND_HALF_UP)
        rate = board_rate if rate_override is None else checked_decimal(
            rate_override, code="invalid_rate", quantum=RATE_QUANTUM, strictly_positive=True,
            message="A rate must be a positive amount with at most 4 decimal places.",
        )
        making_mode, item_making = item.making_mode, item.making_value
        making_value = item_making if making_override is None else checked_decimal(
            making_override, code="invalid_making_value", quantum=MONEY_FIELD_QUANTUM,
            message="A making charge must be a non-negative amount with at most 2 decimal places.",
        )
        if making_value != item_making:  # a charge changed at the counter keeps to the shop's limit, as the tag does
            validation.making_within_limit(making_mode=making_mode, making_value=making_value,
                                           limit=getattr(shop, "making_percent_max", None))
        gold_rate_id = gold_rate.pk
        try:
            unit = pricing.price_gold_piece(
                net_weight=item.net_weight, rate=rate, making=pricing.Making(mode=making_mode, value=making_value),
                stone_value=item.stone_value, rules=rules,
            )
        except (TypeError, ValueError) as exc:
            raise ApplicationError("invalid_price", f"Item {item.sku} cannot be priced: {exc}") from exc

    gross = unit.total * quantity
    if discount > gross:
        # The line's worth comes from the stored item and rates: a conflict (409), as other such refusals.
        raise ApplicationError("invalid_discount", f"The discount {discount} is more than the line ({gross}).", status=409)
    return LinePrice(
        quantity=quantity, fineness=item.fineness, net_weight=item.net_weight, gold_rate_id=gold_rate_id,
        board_rate=board_rate, rate=rate, making_mode=making_mode, item_making_value=item_making,
        making_value=making_value, unit=unit,
        gold=unit.gold * quantity, making=unit.making * quantity, profit=unit.profit * quantity,
        stones=unit.stones * quantity, fixed=unit.fixed * quantity, tax=unit.tax * quantity,
        gross=gross, discount=discount, unit_price=unit.total, total=gross - discount,
    )


def item_price_quote(*, item: Item, shop, gold_rate: GoldRate | None = None) -> pricing.PriceBreakdown:
    """What one piece costs now (or at `gold_rate`), before invoice rounding:
    the price the counter would charge for it."""
    if item.pricing_mode == Item.PricingMode.GOLD_RATE:
        gold_rate = gold_rate or gold_rate_current()
    return line_price(item=item, quantity=1, gold_rate=gold_rate, shop=shop).unit


@dataclass(frozen=True)
class TradeInPrice:
    description: str
    weight: Decimal
    fineness: int
    board_rate: Decimal
    pure_rate: Decimal
    deduction_percent: Decimal
    pure_weight: Decimal
    gross_value: Decimal
    deduction: Decimal
    value: Decimal


def trade_in_price(*, weight, fineness, deduction_percent=_ZERO, pure_rate=None, description: str = "",
                   gold_rate: GoldRate | None, shop, index: int = 0) -> TradeInPrice:
    """Values old gold on its pure content at the board's fineness-1000 rate
    (or the given `pure_rate`), less the deduction (PRICING.md vector 5)."""
    field = f"trade_ins[{index}]"
    if gold_rate is None:
        raise ApplicationError("no_gold_rate", "No gold rate has been set yet; set one before taking old gold.", status=409)
    board_rate = gold_rate_for_fineness(gold_rate=gold_rate, fineness=PURE_FINENESS).quantize(RATE_QUANTUM, ROUND_HALF_UP)
    weight = checked_decimal(weight, code="invalid_trade_in", quantum=WEIGHT_QUANTUM, strictly_positive=True, field=field,
                             message="A trade-in weight must be positive grams with at most 3 decimal places.")
    if isinstance(fineness, bool) or not isinstance(fineness, int) or not 1 <= fineness <= 1000:
        raise ApplicationError("invalid_trade_in", "A trade-in fineness is a whole number from 1 to 1000.",
                               details=[{"field": field, "code": "invalid_trade_in", "message": "Bad fineness."}])
    deduction_percent = checked_decimal(
        deduction_percent, code="invalid_trade_in", quantum=MONEY_FIELD_QUANTUM, field=field,
        message="A trade-in deduction is a percent from 0 to 100 with at most 2 decimal places.",
    )
    if deduction_percent > 100:
        raise ApplicationError("invalid_trade_in", "A trade-in deduction cannot be over 100%.")
    pure_rate = board_rate if pure_rate is None else checked_decimal(
        pure_rate, code="invalid_trade_in", quantum=RATE_QUANTUM, strictly_positive=True, field=field,
        message="A trade-in rate must be positive with at most 4 decimal places.",
    )
    value = pricing.trade_in_value(
        weight=weight, fineness=fineness, pure_rate=pure_rate, deduction_percent=deduction_percent, currency=shop.currency
    )
    if value.value <= 0:
        # At the board's rate this depends on the board, not on the request alone: a conflict (409).
        raise ApplicationError("invalid_trade_in", f"Trade-in {index + 1} is worth nothing; leave it out.",
                               status=409 if pure_rate is board_rate else 400)
    return TradeInPrice(
        description=(description or "").strip()[:255], weight=weight, fineness=fineness, board_rate=board_rate,
        pure_rate=pure_rate, deduction_percent=deduction_percent, pure_weight=value.pure_weight,
        gross_value=value.gross_value, deduction=value.deduction, value=value.value,
    )
