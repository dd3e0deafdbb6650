"""Reads behind the staff API's dashboard (apps.reports.apis.DashboardApi).
The daily aggregates' selectors live in apps.reports.selectors_daily.
"""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Sum

from apps.inventory.selectors import item_list_low_stock
from apps.review.models import ReviewItem
from apps.sales.models import Payment, SaleLine, Sale, SaleStatus

TOP_ITEMS = 5


@dataclass(frozen=True)
class DashboardStats:
    sales_count: int
    sales_total: Decimal
    by_payment_method: list[dict] = field(default_factory=list)
    top_items: list[dict] = field(default_factory=list)
    low_stock_count: int = 0
    open_review_items: int = 0


def dashboard_stats(*, start: datetime, end: datetime, branch_id: UUID | None = None, low_stock_threshold: int) -> DashboardStats:
    """Sales in [start, end) (voided ones left out), how they were paid, the
    best-selling items, items at or below the threshold and open review items."""
    sales = Sale.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exclude(status=SaleStatus.VOIDED)
    if branch_id is not None:
        sales = sales.filter(branch_id=branch_id)
    totals = sales.aggregate(n=Count("id"), total=Sum("total"))
    by_method = [
        {"method": row["method"], "count": row["count"], "amount": row["amount"]}
        for row in Payment.objects.filter(sale__in=sales).values("method")
        .annotate(count=Count("id"), amount=Sum("amount")).order_by("-amount", "method")
    ]
    top = [
        {"item_id": row["item_id"], "sku": row["item__sku"], "name": row["item__name"], "quantity": row["quantity"],
         "total": row["total"]}
        for row in SaleLine.objects.filter(sale__in=sales).values("item_id", "item__sku", "item__name")
        .annotate(quantity=Sum("quantity"), total=Sum("total")).order_by("-quantity", "-total", "item__sku")[:TOP_ITEMS]
    ]
    low_stock = item_list_low_stock(low_stock_threshold)
    if branch_id is not None:
        low_stock = low_stock.filter(branch_id=branch_id)
    return DashboardStats(
        sales_count=totals["n"] or 0,
        sales_total=totals["total"] or Decimal(0),
        by_payment_method=by_method,
        top_items=top,
        low_stock_count=low_stock.count(),
        open_review_items=ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count(),
    )
