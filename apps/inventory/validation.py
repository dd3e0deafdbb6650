"""Input checks shared by the inventory services (and the admin forms).

Each check raises ApplicationError with a stable code, or returns the value
normalized. Nothing here touches the database.
"""
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.inventory.models import MONEY, RATE, WEIGHT, Item, MakingMode, PricingMode


def _number(value, *, field: str, code: str, places: int, max_digits: int) -> Decimal:
    """A Decimal (or int) that fits the column exactly; floats are refused
    because they are inexact, and extra places are refused rather than rounded."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ApplicationError(code, f"{field} must be a decimal number, not {type(value).__name__}.")
    value = Decimal(value)
    if not value.is_finite():
        raise ApplicationError(code, f"{field} must be a finite number.")
    exact = value.quantize(Decimal(1).scaleb(-places))
    if value != exact:
        raise ApplicationError(code, f"{field} has more than {places} decimal places: {value}.")
    if abs(value) >= Decimal(10) ** (max_digits - places):
        raise ApplicationError(code, f"{field} is too large: {value}.")
    # Same scale as the column, so values in memory read like stored ones.
    return exact


def weight(value, field: str) -> Decimal:
    value = _number(value, field=field, code="invalid_weight", places=WEIGHT["decimal_places"], max_digits=WEIGHT["max_digits"])
    if value < 0:
        raise ApplicationError("invalid_weight", f"{field} must not be negative.")
    return value


def weight_change(value, field: str) -> Decimal:
    """Grams gained (positive) or lost (negative)."""
    return _number(value, field=field, code="invalid_weight", places=WEIGHT["decimal_places"], max_digits=WEIGHT["max_digits"])


def money(value, field: str) -> Decimal:
    value = _number(value, field=field, code="invalid_amount", places=MONEY["decimal_places"], max_digits=MONEY["max_digits"])
    if value < 0:
        raise ApplicationError("invalid_amount", f"{field} must not be negative.")
    return value


def rate(value, field: str = "rate") -> Decimal:
    value = _number(value, field=field, code="invalid_rate", places=RATE["decimal_places"], max_digits=RATE["max_digits"])
    if value <= 0:
        raise ApplicationError("invalid_rate", f"{field} must be greater than zero.")
    return value


def fineness(value, field: str = "fineness") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ApplicationError("invalid_fineness", f"{field} must be a whole number of parts per thousand, 1 to 1000; got {value!r}.")
    return value


def text(value, *, field: str, code: str, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError(code, f"{field} must be text.")
    value = value.strip()
    if required and not value:
        raise ApplicationError(code, f"{field} is required.")
    if len(value) > max_length:
        raise ApplicationError(code, f"{field} is longer than {max_length} characters.")
    return value


def whole_number(value, *, field: str, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError(code, f"{field} must be a whole number, got {value!r}.")
    return value


def item_id(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise ApplicationError("invalid_item_id", f"{value!r} is not an item id.") from None


def aware_datetime(value, field: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ApplicationError("invalid_effective_at", f"{field} must be a timezone-aware date and time.")
    return value


def gold_net_weight(*, pricing_mode: str, net_weight: Decimal) -> None:
    """A gold-priced item is sold by its gold: with no gold in it, it would
    sell for nothing (issue 14). Fixed-price goods may weigh nothing."""
    if pricing_mode == PricingMode.GOLD_RATE and net_weight <= 0:
        raise ApplicationError(
            "invalid_weight", "An item priced by the gold rate needs a net weight above zero (gross weight less stones).",
            details=[{"field": "gross_weight", "code": "invalid_weight", "message": "The net weight must be above zero."}],
        )


def making_within_limit(*, making_mode: str, making_value: Decimal, limit: Decimal | None) -> None:
    """In percent mode a making charge above the shop's limit
    (`making_percent_max`, its settings) is a typo: 500 % is refused."""
    if limit is not None and making_mode == MakingMode.PERCENT and making_value > limit:
        message = f"A making charge of {making_value}% is above the shop's limit of {limit}%."
        # 409: the limit is the shop's stored setting, not a rule of the request's shape.
        raise ApplicationError("making_over_limit", message, status=409,
                               details=[{"field": "making_value", "code": "making_over_limit", "message": message,
                                         "limit": str(limit)}])


def item_attributes(values: dict, *, making_percent_max: Decimal | None = None) -> dict:
    """Normalizes the attributes an item is created or edited with and checks
    they hold together; adds the computed `net_weight`. With
    `making_percent_max`, a percent making charge above it is refused."""
    out = {
        "sku": text(values["sku"], field="SKU", code="invalid_sku", max_length=64),
        "barcode": text(values["barcode"], field="Barcode", code="invalid_barcode", max_length=64, required=False) or None,
        "name": text(values["name"], field="Name", code="invalid_name", max_length=200),
        "fineness": fineness(values["fineness"]),
        "gross_weight": weight(values["gross_weight"], "Gross weight"),
        "stone_weight": weight(values["stone_weight"], "Stone weight"),
        "making_mode": values["making_mode"],
        "making_value": money(values["making_value"], "Making value"),
        "stone_value": money(values["stone_value"], "Stone value"),
        "pricing_mode": values["pricing_mode"],
        "fixed_price": values["fixed_price"],
        "cost": money(values["cost"], "Cost"),
    }
    if out["stone_weight"] > out["gross_weight"]:
        raise ApplicationError("invalid_weight", f"Stone weight {out['stone_weight']} exceeds gross weight {out['gross_weight']}.")
    out["net_weight"] = out["gross_weight"] - out["stone_weight"]
    if out["making_mode"] not in MakingMode.values:
        raise ApplicationError("invalid_making_mode", f"Making mode must be one of {', '.join(MakingMode.values)}.")
    if out["pricing_mode"] not in PricingMode.values:
        raise ApplicationError("invalid_pricing_mode", f"Pricing mode must be one of {', '.join(PricingMode.values)}.")
    if out["pricing_mode"] == PricingMode.FIXED:
        if out["fixed_price"] is None:
            raise ApplicationError("fixed_price_required", "An item sold at a fixed price needs that price.")
        out["fixed_price"] = money(out["fixed_price"], "Fixed price")
    elif out["fixed_price"] is not None:
        raise ApplicationError("fixed_price_not_allowed", "An item priced by the gold rate has no fixed price.")
    gold_net_weight(pricing_mode=out["pricing_mode"], net_weight=out["net_weight"])
    making_within_limit(making_mode=out["making_mode"], making_value=out["making_value"], limit=making_percent_max)
    return out


def initial_quantity(quantity, *, is_unique_piece: bool) -> int:
    quantity = whole_number(quantity, field="Quantity", code="invalid_quantity")
    if quantity < 0:
        raise ApplicationError("invalid_quantity", "Initial stock cannot be negative.")
    if is_unique_piece and quantity != 1:
        raise ApplicationError("invalid_quantity", "A one-of-a-kind piece starts with quantity 1.")
    return quantity


# Sold is a consequence of stock reaching zero, never set by hand.
HAND_SET_STATUSES = [s for s in Item.Status.values if s != Item.Status.SOLD]


def hand_set_status(value) -> str:
    if value not in HAND_SET_STATUSES:
        raise ApplicationError("invalid_status", f"Status must be one of {', '.join(HAND_SET_STATUSES)}.")
    return value
