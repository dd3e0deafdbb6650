"""Reads behind the staff UI's dashboard and reports, straight from sales,
stock and customers (days are the shop's local days: the caller activates
the shop's time zone). Voided sales never count; returns are shown apart."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from apps.branches.models import Terminal
from apps.customers.models import Customer, LoyaltyTier
from apps.inventory.models import GoldRate, Item
from apps.inventory.selectors import gold_rate_for_fineness, item_list_low_stock
from apps.pos_sync.models import Device
from apps.review.models import ReviewItem
from apps.sales.models import Payment, PaymentMethod, Return, Sale, SaleLine, SaleStatus

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=24, decimal_places=2)
GRAMS = DecimalField(max_digits=20, decimal_places=3)


def _sum(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=MONEY), ZERO, output_field=MONEY)


def local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def today() -> date:
    return timezone.localdate()


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date  # inclusive

    @property
    def start(self) -> datetime:
        return local_start(self.date_from)

    @property
    def end(self) -> datetime:
        return local_start(self.date_to + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=n) for n in range((self.date_to - self.date_from).days + 1)]


def sales_counted(period: Period):
    """Sales of the period that count: everything but voids."""
    return Sale.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end).exclude(status=SaleStatus.VOIDED)


def _refunds(period: Period) -> Decimal:
    return Return.objects.filter(created_at__gte=period.start, created_at__lt=period.end).aggregate(s=_sum("refund_total"))["s"]


def sales_summary(period: Period) -> dict:
    totals = sales_counted(period).aggregate(
        count=Count("id"), total=_sum("total"), tax=_sum("tax_total"), gold=_sum("gold_total"),
        making=_sum("making_total"), discount=_sum("discount_total"),
    )
    refunds = _refunds(period)
    voided = Sale.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end, status=SaleStatus.VOIDED).count()
    return {**totals, "refunds": refunds, "net": totals["total"] - refunds, "voided": voided,
            "average": (totals["total"] / totals["count"]).quantize(Decimal("0.01")) if totals["count"] else ZERO}


def payments_by_method(period: Period) -> list[dict]:
    rows = dict(
        Payment.objects.filter(sale__in=sales_counted(period)).values("method").annotate(s=_sum("amount")).values_list("method", "s")
    )
    return [{"method": method, "label": label, "amount": rows.get(method, ZERO)}
            for method, label in PaymentMethod.choices if rows.get(method)]


def daily_sales(period: Period) -> list[dict]:
    """One row per day of the period, days without sales included."""
    zone = timezone.get_current_timezone()
    by_day = {
        row["day"]: row
        for row in sales_counted(period).annotate(day=TruncDate("occurred_at", tzinfo=zone)).values("day").annotate(
            count=Count("id"), total=_sum("total"), tax=_sum("tax_total"), gold=_sum("gold_total"), discount=_sum("discount_total")
        )
    }
    refunds = dict(
        Return.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(day=TruncDate("created_at", tzinfo=zone)).values("day").annotate(s=_sum("refund_total")).values_list("day", "s")
    )
    empty = {"count": 0, "total": ZERO, "tax": ZERO, "gold": ZERO, "discount": ZERO}
    return [{"day": day, **{k: by_day.get(day, empty)[k] for k in empty}, "refunds": refunds.get(day, ZERO)} for day in period.days]


def _lines(period: Period):
    return SaleLine.objects.filter(sale__in=sales_counted(period))


_LINE_GRAMS = ExpressionWrapper(F("net_weight") * F("quantity"), output_field=GRAMS)


def sales_by_product(period: Period, *, limit: int | None = None) -> list[dict]:
    rows = (
        _lines(period).values("item_id", "item__sku", "item__name", "item__category__name")
        .annotate(pieces=Sum("quantity"), returned=Sum("returned_quantity"), grams=Coalesce(Sum(_LINE_GRAMS), Decimal(0), output_field=GRAMS),
                  total=_sum("total"))
        .order_by("-total", "item__sku")
    )
    return list(rows[:limit] if limit else rows)


def sales_by_category(period: Period) -> list[dict]:
    return list(
        _lines(period).values("item__category__name")
        .annotate(lines=Count("id"), pieces=Sum("quantity"), grams=Coalesce(Sum(_LINE_GRAMS), Decimal(0), output_field=GRAMS),
                  total=_sum("total"))
        .order_by("-total", "item__category__name")
    )


def customer_analytics(period: Period, *, limit: int = 20) -> dict:
    sales = sales_counted(period)
    buyers = (
        sales.filter(customer__isnull=False).values("customer_id")
        .annotate(purchases=Count("id"), spent=_sum("total"), last=Max("occurred_at")).order_by("-spent")
    )
    top = list(buyers[:limit])
    customers = Customer.objects.in_bulk([row["customer_id"] for row in top])
    for row in top:
        row["customer"] = customers.get(row["customer_id"])
    walk_in = sales.filter(customer__isnull=True).aggregate(count=Count("id"), total=_sum("total"))
    tiers = dict(Customer.objects.filter(is_deleted=False).values("tier").annotate(n=Count("id")).values_list("tier", "n"))
    return {
        "customers": Customer.objects.filter(is_deleted=False).count(),
        "new": Customer.objects.filter(is_deleted=False, created_at__gte=period.start, created_at__lt=period.end).count(),
        "buyers": buyers.count(),
        "repeat": sum(1 for row in buyers.values("purchases") if row["purchases"] > 1),
        "walk_in_count": walk_in["count"],
        "walk_in_total": walk_in["total"],
        "tiers": [{"tier": tier, "count": tiers.get(tier.code, 0)} for tier in LoyaltyTier.objects.order_by("threshold_points")],
        "top": top,
    }


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


def low_stock(threshold: int):
    return item_list_low_stock(threshold)


def terminal_status() -> list[dict]:
    """Each terminal with its enrolled device, when that was last seen, and
    how many review items of the device are still open."""
    open_by_device = dict(
        ReviewItem.objects.filter(status=ReviewItem.Status.OPEN, device__isnull=False)
        .values("device").annotate(n=Count("id")).values_list("device", "n")
    )
    devices = {}
    for device in Device.objects.filter(revoked_at__isnull=True).order_by("enrolled_at"):
        devices[device.terminal_id] = device
    out = []
    for terminal in Terminal.objects.select_related("branch").order_by("branch__created_at", "number"):
        device = devices.get(terminal.pk)
        out.append({"terminal": terminal, "device": device, "last_seen": device.last_seen_at if device else None,
                    "open_reviews": open_by_device.get(device.pk, 0) if device else 0})
    return out


def review_open_count() -> int:
    return ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count()

