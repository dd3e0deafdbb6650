"""Today at a glance (the staff API's dashboard), and what the terminals and
the review queue look like (the dashboard page)."""
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.db.models import Count

from apps.branches.models import Terminal
from apps.pos_sync.models import Device
from apps.reports.selectors.items import sales_by_product
from apps.reports.selectors.periods import Period, today
from apps.reports.selectors.sales import period_sales
from apps.reports.selectors.stock import low_stock
from apps.review.models import ReviewItem

TOP_ITEMS = 5


@dataclass(frozen=True)
class DashboardStats:
    sales_count: int
    sales_total: Decimal
    by_payment_method: list[dict] = field(default_factory=list)
    top_items: list[dict] = field(default_factory=list)
    low_stock_count: int = 0
    open_review_items: int = 0


def dashboard_stats(*, period: Period | None = None, branch_id: UUID | None = None, low_stock_threshold: int) -> DashboardStats:
    """The period's sales (today unless told), how they were paid, the
    best-selling items by pieces; items at or below the threshold; open
    review items."""
    period = period or Period(today(), today())
    sales = period_sales(period, branch_id=branch_id)
    amounts, counts = sales.totals["by_payment"], sales.totals["payments_count"]
    by_method = sorted(
        ({"method": method, "count": counts.get(method, 0), "amount": amount} for method, amount in amounts.items()),
        key=lambda row: (-row["amount"], row["method"]),
    )
    top = [{"item_id": r["item_id"], "sku": r["item__sku"], "name": r["item__name"], "quantity": r["pieces"], "total": r["total"]}
           for r in sales_by_product(period, limit=TOP_ITEMS, branch_id=branch_id, by="pieces")]
    return DashboardStats(
        sales_count=sales.totals["sales_count"], sales_total=sales.totals["gross_total"], by_payment_method=by_method,
        top_items=top, low_stock_count=low_stock(low_stock_threshold, branch_id=branch_id).count(),
        open_review_items=review_open_count(),
    )


def terminal_status() -> tuple[list[dict], int]:
    """Each terminal with its enrolled device, when that was last seen, and
    how many review items of the device are still open; and how many review
    items are open in all (one query for both counts)."""
    open_by_device = dict(
        ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).values("device").annotate(n=Count("id"))
        .order_by().values_list("device", "n")
    )
    devices = {}
    for device in Device.objects.filter(revoked_at__isnull=True).order_by("enrolled_at"):
        devices[device.terminal_id] = device
    out = []
    for terminal in Terminal.objects.select_related("branch").order_by("branch__created_at", "number"):
        device = devices.get(terminal.pk)
        out.append({"terminal": terminal, "device": device, "last_seen": device.last_seen_at if device else None,
                    "open_reviews": open_by_device.get(device.pk, 0) if device else 0})
    return out, sum(open_by_device.values())


def review_open_count() -> int:
    return ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count()
