"""The dashboard's top items kept in the cache (apps.reports.selectors.items
`_top_kept`) are never stale: after each sale, void and return of today the
kept answer is the ranking PostgreSQL works out from scratch."""
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.reports.selectors.items import sales_by_product
from apps.reports.selectors.periods import Period
from apps.reports.selectors.ranking import ItemRanking
from apps.sales.reversals import sale_return, sale_void
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.reports.conftest import TEHRAN, consume_all


def test_the_kept_top_five_follows_todays_sales_voids_and_returns(shop, cashier, manager, branch, make_item):
    from apps.inventory.services import gold_rate_set

    gold_rate_set(actor=manager, base_rate=Decimal("8000000"), effective_at=timezone.now() - timedelta(days=30))
    today = timezone.localdate(timezone=TEHRAN)
    month = Period(today - timedelta(days=29), today)
    items = [make_item(quantity=50) for _ in range(7)]

    def sell(item, quantity, days_ago=0):
        at = datetime.combine(today - timedelta(days=days_ago), time(12), tzinfo=TEHRAN) if days_ago else None
        lines = [LineInput(item_id=item.pk, quantity=quantity)]
        return sale_create(actor=cashier, branch=branch, lines=lines, occurred_at=at,
                           payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines, occurred_at=at).due)])

    for rank, item in enumerate(items):  # closed days: 7, 6, ... 1 pieces
        sell(item, 7 - rank, days_ago=3)
    consume_all()

    def top() -> list[tuple]:
        kept = [(row["item_id"], row["item__sku"], row["pieces"], row["returned"])
                for row in sales_by_product(month, limit=5, by="pieces")]
        live = [(row["item_id"], row["item__sku"], row["pieces"], row["returned"]) for row in ItemRanking(month, by="pieces")[:5]]
        assert kept == live
        return kept

    assert [sku for _, sku, _, _ in top()] == [item.sku for item in items[:5]]
    assert top() == top()  # the second read is the kept one
    late = sell(items[6], 20)  # today: the last item goes first
    assert top()[0] == (items[6].pk, items[6].sku, 21, 0)
    sale_void(actor=manager, sale=late, reason="test")
    assert items[6].pk not in [item_id for item_id, *_ in top()]
    again = sell(items[5], 9)
    assert top()[0] == (items[5].pk, items[5].sku, 11, 0)
    sale_return(actor=manager, sale=again, lines=[(again.lines.get().pk, 8)], reason="test")
    assert top()[0] == (items[5].pk, items[5].sku, 11, 8)  # pieces brought back since
