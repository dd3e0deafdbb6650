"""The daily sales aggregates' consumer and rebuild (apps.reports.services),
run as the worker runs them (the task bodies), in shop A inside the test's
transaction; and the selectors that read the aggregates back."""
import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.core.models import OutboxEvent
from apps.reports.models import DailySales
from apps.reports.selectors.daily import daily_sales_by_day, daily_sales_list, daily_sales_summary
from apps.reports.services import daily_sales_rebuild, daily_sales_recompute
from apps.reports.tasks import daily_sales_events_task
from tests.background import shop_data
from tests.vectors import RING_TOTAL as VECTOR_1_TOTAL

TEHRAN = ZoneInfo("Asia/Tehran")


def events_of(sale, topic: str | None = None) -> list[str]:
    events = OutboxEvent.objects.filter(payload__sale_id=str(sale.pk))
    if topic:
        events = events.filter(topic=topic)
    return [str(pk) for pk in events.order_by("created_at").values_list("pk", flat=True)]


@pytest.fixture
def counter(in_shop_a):
    at = shop_data.branch()
    return at, shop_data.ring(at, quantity=10)


def test_daily_sales_follow_sales_voids_and_returns_of_the_shops_day(counter):
    at, ring = counter
    morning = datetime.datetime.now(TEHRAN).replace(hour=9, minute=0, second=0, microsecond=0)
    if morning > datetime.datetime.now(TEHRAN):
        morning -= datetime.timedelta(days=1)
    day = morning.date()
    cash = shop_data.sell(ring, at=at, occurred_at=morning)
    card = shop_data.sell(ring, at=at, quantity=2, method="card", occurred_at=morning + datetime.timedelta(minutes=5))
    gone = shop_data.sell(ring, at=at, occurred_at=morning + datetime.timedelta(minutes=10))
    daily_sales_events_task(events_of(cash) + events_of(card) + events_of(gone))

    row = DailySales.objects.get(branch=at, day=day)
    assert (row.sales_count, row.voided_count, row.items_sold) == (3, 0, 4)
    assert row.gross_total == row.net_total == 4 * VECTOR_1_TOTAL
    assert row.by_payment == {"card": str(2 * VECTOR_1_TOTAL) + ".00", "cash": str(2 * VECTOR_1_TOTAL) + ".00"}

    shop_data.void(gone)
    returned = shop_data.take_back(card, quantity=1)
    assert daily_sales_events_task(events_of(gone) + events_of(card)) == 2  # only the new events count
    assert daily_sales_events_task(events_of(gone) + events_of(card)) == 0

    row.refresh_from_db()
    assert (row.sales_count, row.voided_count, row.items_sold) == (2, 1, 3)
    assert row.gross_total == 3 * VECTOR_1_TOTAL
    returned_day = returned.created_at.astimezone(TEHRAN).date()
    on_return_day = DailySales.objects.get(branch=at, day=returned_day)
    assert (on_return_day.returns_count, on_return_day.refunds_total) == (1, VECTOR_1_TOTAL)
    assert on_return_day.net_total == on_return_day.gross_total - VECTOR_1_TOTAL


def test_a_sale_late_in_the_utc_evening_counts_on_the_shops_next_day(counter):
    at, ring = counter
    utc_evening = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)).replace(hour=22, minute=0, second=0, microsecond=0)
    sale = shop_data.sell(ring, at=at, occurred_at=utc_evening)  # 01:30 the next day in Tehran
    daily_sales_events_task(events_of(sale))
    assert list(DailySales.objects.filter(branch=at).values_list("day", flat=True)) == [utc_evening.date() + datetime.timedelta(days=1)]


def test_recomputing_a_day_gives_the_same_row_and_the_rebuild_fills_empty_days(counter):
    at, ring = counter
    sale = shop_data.sell(ring, at=at)
    day = sale.occurred_at.astimezone(TEHRAN).date()
    first = daily_sales_recompute(branch_id=at.pk, day=day)
    again = daily_sales_recompute(branch_id=at.pk, day=day)
    fields = ("sales_count", "voided_count", "items_sold", "gross_total", "returns_count", "refunds_total", "net_total", "by_payment")
    assert [getattr(first, f) for f in fields] == [getattr(again, f) for f in fields]
    assert DailySales.objects.filter(branch=at).count() == 1

    assert daily_sales_rebuild(days=2, today=day) >= 2
    assert DailySales.objects.get(branch=at, day=day - datetime.timedelta(days=1)).sales_count == 0


def test_report_selectors_add_up_the_days(counter):
    at, ring = counter
    today = datetime.datetime.now(TEHRAN).replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(days=2)
    for offset in range(2):
        sale = shop_data.sell(ring, at=at, occurred_at=today + datetime.timedelta(days=offset))
        daily_sales_events_task(events_of(sale))
    start, end = today.date(), today.date() + datetime.timedelta(days=1)

    assert [row.day for row in daily_sales_list(start=start, end=end, branch_id=at.pk)] == [end, start]
    summary = daily_sales_summary(start=start, end=end, branch_id=at.pk)
    assert summary["sales_count"] == 2 and summary["gross_total"] == 2 * VECTOR_1_TOTAL
    assert summary["by_payment"] == {"cash": Decimal(2 * VECTOR_1_TOTAL)}
    assert [d["day"] for d in daily_sales_by_day(start=start, end=end)] == [start, end]
