"""Stock on hand: its value at a gold rate, and what is running low."""
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import Coalesce

from apps.inventory.models import GoldRate, Item
from apps.inventory.selectors import gold_rate_for_fineness, item_list_low_stock

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=24, decimal_places=2)
GRAMS = DecimalField(max_digits=20, decimal_places=3)


def _sum(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=MONEY), ZERO, output_field=MONEY)


def inventory_valuation(gold_rate: GoldRate | None) -> dict:
    """Stock on hand by fineness: grams (net and pure) and the gold's value
    at `gold_rate` (no making, profit or tax); fixed-price goods apart."""
    on_hand = Item.objects.filter(is_deleted=False, quantity__gt=0)
    gold_rows = (
        on_hand.filter(pricing_mode=Item.PricingMode.GOLD_RATE).values("fineness")
        .annotate(pieces=Sum("quantity"), grams=Sum(ExpressionWrapper(F("net_weight") * F("quantity"), output_field=GRAMS)),
                  cost=_sum(ExpressionWrapper(F("cost") * F("quantity"), output_field=MONEY)))
        .order_by("-fineness")
    )
    rows, total_value, total_grams, total_pure = [], ZERO, ZERO, ZERO
    for row in gold_rows:
        pure = (row["grams"] * row["fineness"] / 1000).quantize(Decimal("0.001"))
        rate = gold_rate_for_fineness(gold_rate=gold_rate, fineness=row["fineness"]) if gold_rate else None
        value = (row["grams"] * rate).quantize(Decimal("1")) if rate is not None else None
        rows.append({**row, "pure": pure, "rate": rate, "value": value})
        total_grams += row["grams"]
        total_pure += pure
        total_value += value or ZERO
    fixed = on_hand.filter(pricing_mode=Item.PricingMode.FIXED).aggregate(
        pieces=Coalesce(Sum("quantity"), 0), value=_sum(ExpressionWrapper(F("fixed_price") * F("quantity"), output_field=MONEY)),
        cost=_sum(ExpressionWrapper(F("cost") * F("quantity"), output_field=MONEY)),
    )
    return {"rows": rows, "grams": total_grams, "pure": total_pure, "gold_value": total_value, "fixed": fixed,
            "gold_rate": gold_rate}


def low_stock(threshold: int, *, branch_id=None) -> QuerySet[Item]:
    """Restockable items at or below `threshold` (the shop's
    `low_stock_threshold` unless a reader asks for another), lowest first."""
    items = item_list_low_stock(threshold)
    return items.filter(branch_id=branch_id) if branch_id is not None else items
