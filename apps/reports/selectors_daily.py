"""Reads of the daily sales aggregates (DailySales), for the dashboard and the reports."""
import datetime
from collections import defaultdict
from decimal import Decimal
from uuid import UUID

from django.db.models import QuerySet, Sum

from apps.reports.models import DailySales


def daily_sales_list(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> QuerySet[DailySales]:
    """Rows from `start` to `end` inclusive, newest day first."""
    rows = DailySales.objects.filter(day__gte=start, day__lte=end).select_related("branch")
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return rows.order_by("-day", "branch__name")


def daily_sales_summary(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> dict:
    """Totals over a period (one branch or all): counts, money as Decimals,
    and the payments by method summed across the days."""
    rows = daily_sales_list(start=start, end=end, branch_id=branch_id)
    totals = rows.aggregate(
        sales_count=Sum("sales_count"), voided_count=Sum("voided_count"), items_sold=Sum("items_sold"),
        gross_total=Sum("gross_total"), returns_count=Sum("returns_count"), refunds_total=Sum("refunds_total"),
        net_total=Sum("net_total"),
    )
    by_payment: dict[str, Decimal] = defaultdict(Decimal)
    for payments in rows.values_list("by_payment", flat=True):
        for method, amount in (payments or {}).items():
            by_payment[method] += Decimal(amount)
    zero = Decimal(0)
    return {
        "start": start, "end": end,
        **{key: value if value is not None else (zero if key.endswith("_total") else 0) for key, value in totals.items()},
        "by_payment": dict(sorted(by_payment.items())),
    }


def daily_sales_by_day(*, start: datetime.date, end: datetime.date) -> list[dict]:
    """All branches added up, one entry per day that has a row (a chart)."""
    return list(
        DailySales.objects.filter(day__gte=start, day__lte=end).values("day")
        .annotate(sales_count=Sum("sales_count"), gross_total=Sum("gross_total"), net_total=Sum("net_total"))
        .order_by("day")
    )
