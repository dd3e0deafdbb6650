"""`history`: a week of sales in shop A (the shared fixtures of
tests/conftest.py: Iranian settings, staff logged in, stock made through the
services), consumed as the worker consumes it."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.core.models import OutboxEvent
from apps.customers.services import customer_create
from apps.inventory.services import category_create, gold_rate_set
from apps.reports.tasks import daily_sales_events_task
from apps.sales.models import Sale
from apps.sales.reversals import sale_return, sale_void
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote

TEHRAN = ZoneInfo("Asia/Tehran")  # shop A's time zone


def consume_all() -> int:
    """What the worker does with every sale event committed so far."""
    return daily_sales_events_task([str(pk) for pk in OutboxEvent.objects.order_by("created_at").values_list("pk", flat=True)])


@dataclass
class History:
    today: date
    ring: object
    chain: object
    customer: object
    voided_later: Sale
    returned_later: Sale


@pytest.fixture
def history(shop, owner, cashier, manager, branch, make_item) -> History:
    gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750, effective_at=timezone.now() - timedelta(days=30))
    ring = make_item(sku="P-RING", quantity=40)
    chain = make_item(sku="P-CHAIN", name="Chain", quantity=40, category=category_create(name="Chains"), pricing_mode="fixed",
                      fixed_price=Decimal("1000000"), making_mode="fixed", making_value=Decimal("0"), stone_value=Decimal("0"))
    customer = customer_create(full_name="Parisa", phone="09127770001")
    today = timezone.localdate(timezone=TEHRAN)

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=TEHRAN)

    def sell(occurred_at, *lines, method="cash", buyer=None):
        lines = [LineInput(item_id=item.pk, quantity=quantity, discount=discount) for item, quantity, discount in lines]
        due = sale_quote(lines=lines, occurred_at=occurred_at).due
        return sale_create(actor=cashier, branch=branch, lines=lines, payments=[PaymentInput(method=method, amount=due)],
                           customer=buyer, occurred_at=occurred_at)

    zero = Decimal(0)
    sell(at(5, 10), (ring, 1, zero), buyer=customer)
    sell(at(5, 11), (ring, 2, Decimal("1000000")), (chain, 1, zero), method="card")
    sell(at(4, 23, 30), (chain, 2, zero))  # 20:00 UTC: still day -4 in Tehran
    sell(at(3, 0, 30), (chain, 1, zero))  # 21:00 UTC of day -4: day -3 in Tehran
    voided_later = sell(at(3, 12), (ring, 1, zero), buyer=customer)
    returned_later = sell(at(2, 15), (ring, 2, zero), (chain, 1, zero), buyer=customer)
    sell(at(1, 9), (chain, 3, zero), method="card")
    sell(None, (ring, 1, zero), buyer=customer)  # today, now
    consume_all()
    # After the days were aggregated: a void of a past sale and a return
    # (taken today) of another; their events are consumed too.
    sale_void(actor=manager, sale=voided_later, reason="mistake")
    line = returned_later.lines.get(item=ring)
    sale_return(actor=manager, sale=returned_later, lines=[(line.pk, 1)], reason="too small")
    consume_all()
    return History(today, ring, chain, customer, voided_later, returned_later)
