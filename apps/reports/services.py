"""
Writes of the reports app: the daily sales aggregates.

A (branch, day) row is always recomputed whole from the sales tables, never
incremented, so running it twice, late or out of order gives the same row.
Recomputations of the same (branch, day) are serialized by an advisory lock
taken before reading: the last to run read the most recent data.
"""
import datetime
from collections.abc import Iterable
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from apps.core.ids import ledger_id_floor
from apps.core.models import OutboxEvent
from apps.core.shopwork import WorkFilter
from apps.core.timezones import shop_timezone  # the current shop's days are the report's days
from apps.reports.models import DailyCustomerSales, DailyItemSales, DailySales
from apps.reports.selectors import figures
from apps.sales.models import Return, Sale

CONSUMER = "daily_sales"


def shop_day(moment: datetime.datetime, tz: ZoneInfo | None = None) -> datetime.date:
    return moment.astimezone(tz or shop_timezone()).date()


def day_bounds(day: datetime.date, tz: ZoneInfo | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a day of the shop's calendar, as aware datetimes."""
    tz = tz or shop_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


@transaction.atomic
def daily_sales_recompute(*, branch_id: UUID, day: datetime.date, tz: ZoneInfo | None = None) -> DailySales:
    """The (branch, day)'s aggregate rows, all recomputed from the sales
    tables: its DailySales row, its items' rows, its customers' rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                       [f"{connection.schema_name}:daily_sales:{branch_id}:{day.isoformat()}"])
    tz = tz or shop_timezone()
    start, end = day_bounds(day, tz)
    sums = figures.sales_by_day(start=start, end=end, tz=tz, branch_id=branch_id).get(day) or figures.empty_day()
    lines = figures.lines_by_item(start=start, end=end, branch_id=branch_id)
    row, _ = DailySales.objects.update_or_create(
        branch_id=branch_id, day=day,
        defaults={
            **{key: sums[key] for key in figures.SALES_SUMS}, "net_total": sums["gross_total"] - sums["refunds_total"],
            "items_sold": sum(line["pieces"] for line in lines),
            "by_payment": {method: str(amount) for method, amount in sorted(sums["by_payment"].items())},
            "payments_count": dict(sorted(sums["payments_count"].items())), "computed_at": timezone.now(),
        },
    )
    DailyItemSales.objects.filter(branch_id=branch_id, day=day).delete()
    DailyItemSales.objects.bulk_create(
        DailyItemSales(branch_id=branch_id, day=day, **line) for line in lines
    )
    DailyCustomerSales.objects.filter(branch_id=branch_id, day=day).delete()
    DailyCustomerSales.objects.bulk_create(
        DailyCustomerSales(branch_id=branch_id, day=day, **served)
        for served in figures.customers_served(start=start, end=end, branch_id=branch_id)
    )
    return row


def daily_sales_days_for_events(events: Iterable[OutboxEvent]) -> set[tuple[UUID, datetime.date]]:
    """The (branch, day) pairs sale events touch: a sale's own day (applied,
    voided) and, for a return, the day it was taken and the day of its sale
    (whose lines now show pieces returned). Two queries a batch."""
    tz = shop_timezone()
    sale_ids, return_ids = set(), set()
    for event in events:
        payload = event.payload or {}
        if event.topic == "sale.returned" and payload.get("return_id"):
            return_ids.add(payload["return_id"])
        elif payload.get("sale_id"):
            sale_ids.add(payload["sale_id"])
    pairs = {(branch, shop_day(at, tz)) for branch, at in Sale.objects.filter(pk__in=sale_ids).values_list("branch_id", "occurred_at")}
    pairs |= {
        (branch, shop_day(at, tz))
        for branch, taken_at, sold_at in Return.objects.filter(pk__in=return_ids)
        .values_list("sale__branch_id", "created_at", "sale__occurred_at")
        for at in (taken_at, sold_at)
    }
    return pairs


def daily_sales_apply_events(events: list[OutboxEvent]) -> int:
    """Recomputes every (branch, day) the events touch, each once, in a
    fixed order (two batches never wait on each other's locks in a cycle)."""
    tz = shop_timezone()
    pairs = sorted(daily_sales_days_for_events(events), key=lambda pair: (str(pair[0]), pair[1]))
    for branch_id, day in pairs:
        daily_sales_recompute(branch_id=branch_id, day=day, tz=tz)
    return len(pairs)


def daily_sales_rebuild(*, days: int = 2, today: datetime.date | None = None) -> int:
    """Recomputes every branch for the last `days` days (today included): a
    safety net, and how a new shop's history or a changed time zone is filled."""
    from apps.branches.models import Branch

    tz = shop_timezone()
    today = today or shop_day(timezone.now(), tz)
    count = 0
    for branch_id in Branch.objects.order_by("pk").values_list("pk", flat=True):
        for offset in range(days):
            daily_sales_recompute(branch_id=branch_id, day=today - datetime.timedelta(days=offset), tz=tz)
            count += 1
    return count


def sales_changed_filter(*, now, kwargs: dict) -> WorkFilter:
    """Shop work filter (settings.SHOP_WORK_FILTERS) of the nightly rebuild:
    a sale recorded, voided or returned (each writes an outbox event) since
    the first of the `days` days it recomputes, with a day to spare for time
    zones, on the outbox's primary key (UUIDv7, time first). A shop without
    one has nothing in those days the rebuild could change."""
    days = int(kwargs.get("days", 2))
    return WorkFilter(table=OutboxEvent._meta.db_table, condition="id >= %(since)s AND id < %(until)s",
                      params={"since": ledger_id_floor(now - datetime.timedelta(days=days + 1)),
                              "until": ledger_id_floor(now + datetime.timedelta(days=1))})
