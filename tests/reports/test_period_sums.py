"""The past days' item sums the products and categories reports read
(`PeriodItemSums`): written once per version of a range, read by key, a
recomputed day seen at once under a new key, the old rows dropped, and two
reports reading a new range at the same moment write it once."""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from apps.reports.models import DailyItemSales, PeriodItemSums
from apps.reports.period_sums import period_item_sums_kept
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.conftest import in_shop
from tests.helpers import at_once
from tests.reports.conftest import TEHRAN, consume_all


def test_a_recomputed_day_is_a_new_key_and_the_old_rows_go(as_manager, history, cashier, branch):
    first, last = history.today - timedelta(days=6), history.today - timedelta(days=1)
    before = period_item_sums_kept(start=first, end=last, branch_id=None)
    assert period_item_sums_kept(start=first, end=last, branch_id=None) == before  # read by key, not written again
    chain_before = PeriodItemSums.objects.get(key=before, item_id=history.chain.pk).pieces

    moment = datetime.combine(first, time(18), tzinfo=TEHRAN)  # an offline terminal's sale of a past day
    lines = [LineInput(item_id=history.chain.pk)]
    sale_create(actor=cashier, branch=branch, lines=lines, occurred_at=moment,
                payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines, occurred_at=moment).due)])
    consume_all()

    after = period_item_sums_kept(start=first, end=last, branch_id=None)
    assert after != before and not PeriodItemSums.objects.filter(key=before).exists()
    assert PeriodItemSums.objects.get(key=after, item_id=history.chain.pk).pieces == chain_before + 1
    page = as_manager.get("/reports/products/", {"date_from": first.isoformat(), "date_to": last.isoformat()})
    shown = {row[0][0]: row for row in page.context["rows"]}
    assert shown["P-CHAIN"][3][0] == str(chain_before + 1)


def test_with_the_cache_off_the_daily_rows_are_summed_each_time(history, settings):
    settings.REPORTS_CACHE_SECONDS = 0
    first, last = history.today - timedelta(days=6), history.today - timedelta(days=1)
    assert period_item_sums_kept(start=first, end=last, branch_id=None) is None
    assert not PeriodItemSums.objects.exists()


def test_two_reports_reading_a_new_range_at_once_write_it_once(shop_a, django_db_blocker):
    """Committed daily rows of a far past range, read by four threads at the
    same moment (each on a connection of its own): one set of rows."""
    from apps.branches.models import Branch
    from apps.inventory.models import Category, Item
    from apps.reports.models import DailySales
    from tests.pos_sync import catalogue

    day = date(2001, 3, 21)

    def setup():
        item = catalogue.ring(sku="SUMS-1")
        branch = Branch.objects.get(pk=item.branch_id)
        DailySales.objects.create(branch=branch, day=day, computed_at=timezone.now())
        DailyItemSales.objects.create(branch=branch, day=day, item=item, lines=2, pieces=3, grams=Decimal("15"),
                                      total=Decimal("1000"))
        return item

    def keep():
        connection.set_tenant(shop_a)
        return period_item_sums_kept(start=day, end=day, branch_id=None)

    def cleanup(item):
        PeriodItemSums.objects.filter(item_id=item.pk).delete()
        DailyItemSales.objects.filter(item=item).delete()
        DailySales.objects.filter(day=day).delete()
        from apps.inventory.models import StockMovement

        StockMovement.objects.filter(item=item).delete()
        Item.objects.filter(pk=item.pk).delete()
        Category.objects.filter(pk=item.category_id, items__isnull=True).delete()

    with django_db_blocker.unblock():
        item = in_shop(shop_a, setup)
        try:
            keys = at_once(keep, times=4)
            rows = in_shop(shop_a, lambda: list(PeriodItemSums.objects.filter(item_id=item.pk).values_list("key", "pieces")))
            assert len(set(keys)) == 1 and rows == [(keys[0], 3)]
        finally:
            in_shop(shop_a, cleanup, item)
