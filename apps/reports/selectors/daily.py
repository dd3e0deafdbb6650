"""Reads of the daily aggregates (DailySales, DailyItemSales,
DailyCustomerSales): whole days, one row per branch and day.

The sums over a range of days are kept in the cache (per shop: the keys
carry the schema) for REPORTS_CACHE_SECONDS, under a version of the range:
the count of its DailySales rows and the sum of their `computed_at`. Every
recomputation of a (branch, day) rewrites its DailySales row, with its
items' and customers' rows, in one transaction, so any change to a day of
the range is a new version and a miss; an unchanged range (the past, most
of the time) is read from the cache. Today is never read from here."""
import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DecimalField, Max, QuerySet, Sum
from django.db.models.functions import Extract

from apps.reports.models import DailyCustomerSales, DailyItemSales, DailySales
from apps.reports.selectors.figures import SALES_SUMS, empty_day

_EPOCH = DecimalField(max_digits=30, decimal_places=6)


def range_version(start: datetime.date, end: datetime.date) -> str:
    """Changes whenever a day from `start` to `end` is recomputed (read
    before the rows: a result is never stored under a newer version)."""
    seen = DailySales.objects.filter(day__gte=start, day__lte=end).aggregate(
        rows=Count("id"), stamps=Sum(Extract("computed_at", "epoch", output_field=_EPOCH)))
    return f"{seen['rows']}:{seen['stamps'] or 0}"


def _kept(kind: str, start: datetime.date, end: datetime.date, branch_id: UUID | None, read: Callable):
    if not settings.REPORTS_CACHE_SECONDS:
        return read()
    key = f"reports:{kind}:{start.isoformat()}:{end.isoformat()}:{branch_id or 'all'}:{range_version(start, end)}"
    value = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, value, settings.REPORTS_CACHE_SECONDS)
    return value


def daily_sales_list(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> QuerySet[DailySales]:
    """Rows from `start` to `end` inclusive, newest day first."""
    rows = DailySales.objects.filter(day__gte=start, day__lte=end).select_related("branch")
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return rows.order_by("-day", "branch__name")


def daily_sales_days(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> dict[datetime.date, dict]:
    """The days from `start` to `end` inclusive that have a row, branches
    added up, with the sums of `figures.empty_day()` (money as Decimals)."""
    return _kept("days", start, end, branch_id, lambda: _days(start, end, branch_id))


def _days(start: datetime.date, end: datetime.date, branch_id: UUID | None) -> dict[datetime.date, dict]:
    rows = DailySales.objects.filter(day__gte=start, day__lte=end)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    days: dict[datetime.date, dict] = defaultdict(empty_day)
    for row in rows.values("day", *SALES_SUMS, "by_payment", "payments_count"):
        day = days[row["day"]]
        for key in SALES_SUMS:
            day[key] += row[key]
        for method, amount in (row["by_payment"] or {}).items():
            day["by_payment"][method] = day["by_payment"].get(method, Decimal(0)) + Decimal(amount)
        for method, count in (row["payments_count"] or {}).items():
            day["payments_count"][method] = day["payments_count"].get(method, 0) + count
    return dict(days)


def daily_sales_summary(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> dict:
    """Totals over a period (one branch or all): counts, money as Decimals,
    and the payments by method summed across the days."""
    totals = {key: empty_day()[key] for key in SALES_SUMS}
    by_payment: dict[str, Decimal] = defaultdict(Decimal)
    for day in daily_sales_days(start=start, end=end, branch_id=branch_id).values():
        for key in SALES_SUMS:
            totals[key] += day[key]
        for method, amount in day["by_payment"].items():
            by_payment[method] += amount
    return {"start": start, "end": end, **totals, "net_total": totals["gross_total"] - totals["refunds_total"],
            "by_payment": dict(sorted(by_payment.items()))}


def daily_sales_by_day(*, start: datetime.date, end: datetime.date) -> list[dict]:
    """All branches added up, one entry per day that has a row (a chart)."""
    return [
        {"day": day, "sales_count": sums["sales_count"], "gross_total": sums["gross_total"],
         "net_total": sums["gross_total"] - sums["refunds_total"]}
        for day, sums in sorted(daily_sales_days(start=start, end=end).items())
    ]


def daily_items(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> list[dict]:
    """The items' rows of the days, summed by item (as `figures.lines_by_item`)."""
    return _kept("items", start, end, branch_id, lambda: _items(start, end, branch_id))


def _items(start: datetime.date, end: datetime.date, branch_id: UUID | None) -> list[dict]:
    rows = DailyItemSales.objects.filter(day__gte=start, day__lte=end)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return list(
        rows.values("item_id").annotate(lines=Sum("lines"), pieces=Sum("pieces"), returned=Sum("returned"), grams=Sum("grams"),
                                        total=Sum("total")).order_by()
    )


def daily_items_ranked(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None, by: str = "total",
                       keep: int = 500) -> dict:
    """The first `keep` rows of `daily_items`, highest `by` ("total" or
    "pieces") first, and whether that is all of them: what a top five needs
    without reading the sums of every item sold (a shop of 10,000 items sells
    nearly all of them in a month)."""
    def read():
        rows = sorted(_items(start, end, branch_id), key=lambda r: (-(r[by] or 0), -(r["total"] or 0)))
        return {"rows": rows[:keep], "complete": len(rows) <= keep}

    return _kept(f"items-ranked-{by}-{keep}", start, end, branch_id, read)


def daily_customers(*, start: datetime.date, end: datetime.date, branch_id: UUID | None = None) -> list[dict]:
    """The customers' rows of the days, summed by customer (as `figures.customers_served`)."""
    return _kept("customers", start, end, branch_id, lambda: _customers(start, end, branch_id))


def _customers(start: datetime.date, end: datetime.date, branch_id: UUID | None) -> list[dict]:
    rows = DailyCustomerSales.objects.filter(day__gte=start, day__lte=end)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return list(
        rows.values("customer_id").annotate(purchases=Sum("purchases"), spent=Sum("spent"), last_at=Max("last_at"))
        .order_by()
    )
