"""Consumers of the sale events, run as the worker runs them (the task
bodies), in shop A inside the test's transaction: loyalty points, exactly
once however often an event arrives. The daily sales aggregates' consumer is
tested in tests/reports/test_services.py."""
import pytest
from django.db import transaction

from apps.core.consumers import EventsFailed, events_consume, processed_events_claim
from apps.core.models import OutboxEvent, ProcessedEvent
from apps.sales.loyalty import CONSUMER as LOYALTY
from apps.customers.models import PointsEntry
from apps.customers.services import points_redeem
from apps.review.models import ReviewItem
from apps.sales.tasks import loyalty_events_task
from tests.background import shop_data
from tests.conftest import run_committed
from tests.vectors import RING_TOTAL as VECTOR_1_TOTAL

def events_of(sale, topic: str | None = None) -> list[str]:
    events = OutboxEvent.objects.filter(payload__sale_id=str(sale.pk))
    if topic:
        events = events.filter(topic=topic)
    return [str(pk) for pk in events.order_by("created_at").values_list("pk", flat=True)]


def live_points(customer) -> dict[str, int]:
    """Earnings not taken back, by reference."""
    entries = PointsEntry.objects.filter(customer=customer)
    reversed_refs = set(entries.filter(reason="reverse").values_list("reference", flat=True))
    return {e.reference: e.points for e in entries.filter(reason="earn") if e.reference not in reversed_refs}


@pytest.fixture
def counter(in_shop_a):
    at = shop_data.branch()
    return at, shop_data.ring(at, quantity=10)


# --------------------------------------------------------------------------
# exactly once
# --------------------------------------------------------------------------


def test_a_claim_returns_only_events_not_yet_processed_by_that_consumer(in_shop_a):
    events = [e.pk for e in OutboxEvent.objects.bulk_create(OutboxEvent(topic="t", payload={}) for _ in range(3))]
    with transaction.atomic():
        assert processed_events_claim(consumer="a", event_ids=events[:2]) == set(events[:2])
        assert processed_events_claim(consumer="a", event_ids=events) == {events[2]}
        assert processed_events_claim(consumer="b", event_ids=events) == set(events)
        assert processed_events_claim(consumer="a", event_ids=events) == set()


def test_a_claim_outside_the_effects_transaction_is_refused(in_shop_a):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        run_committed(processed_events_claim, consumer="a", event_ids=[])  # autocommit: nothing to tie the record to


def test_one_failing_event_does_not_hold_back_the_others_and_a_retry_applies_only_it(in_shop_a):
    events = OutboxEvent.objects.bulk_create(OutboxEvent(topic="t", payload={"n": n}) for n in range(3))
    applied, broken = [], {1}

    def handle(event):
        if event.payload["n"] in broken:
            raise ValueError("not today")
        applied.append(event.payload["n"])

    with pytest.raises(EventsFailed) as failed:
        events_consume(consumer="c", event_ids=[e.pk for e in events], handle=handle)
    assert failed.value.event_ids == [str(events[1].pk)] and applied == [0, 2]
    assert ProcessedEvent.objects.filter(consumer="c").count() == 2  # the failed one left no record

    broken.clear()
    assert events_consume(consumer="c", event_ids=[e.pk for e in events], handle=handle) == 1
    assert applied == [0, 2, 1]


# --------------------------------------------------------------------------
# loyalty
# --------------------------------------------------------------------------


def test_a_sale_to_a_customer_earns_points_once_however_often_the_event_arrives(counter):
    at, ring = counter
    buyer = shop_data.customer()
    sale = shop_data.sell(ring, at=at, customer=buyer)
    assert sale.total == VECTOR_1_TOTAL

    assert loyalty_events_task(events_of(sale)) == 1
    for _ in range(2):  # redelivered
        assert loyalty_events_task(events_of(sale)) == 0
    buyer.refresh_from_db()
    assert buyer.points_balance == 53 == buyer.lifetime_points  # 53,754,400 IRR at 1 point per 1,000,000
    assert live_points(buyer) == {str(sale.pk): 53}


def test_a_void_takes_the_points_back_and_a_void_seen_first_means_none_are_ever_earned(counter):
    at, ring = counter
    buyer = shop_data.customer()
    sale = shop_data.sell(ring, at=at, customer=buyer)
    loyalty_events_task(events_of(sale, "sale.applied"))
    shop_data.void(sale)
    loyalty_events_task(events_of(sale, "sale.voided"))
    buyer.refresh_from_db()
    assert buyer.points_balance == 0 and live_points(buyer) == {}

    late = shop_data.sell(ring, at=at, customer=buyer)
    shop_data.void(late)
    loyalty_events_task(events_of(late, "sale.voided"))  # the worker saw the void before the sale
    loyalty_events_task(events_of(late, "sale.applied"))
    buyer.refresh_from_db()
    assert buyer.points_balance == 0
    assert not PointsEntry.objects.filter(reference=str(late.pk)).exists()


def test_returns_bring_the_points_to_what_is_left_of_the_sale(counter):
    at, ring = counter
    buyer = shop_data.customer()
    sale = shop_data.sell(ring, at=at, customer=buyer, quantity=3)  # 3 x 53,754,400
    loyalty_events_task(events_of(sale))
    buyer.refresh_from_db()
    assert buyer.points_balance == 161

    first = shop_data.take_back(sale, quantity=1)
    second = shop_data.take_back(sale, quantity=1)
    # Both return events arrive, the second one first (two workers).
    returned = OutboxEvent.objects.filter(topic="sale.returned", payload__sale_id=str(sale.pk)).order_by("created_at")
    loyalty_events_task([str(returned[1].pk)])
    loyalty_events_task([str(returned[0].pk)])
    loyalty_events_task([str(e.pk) for e in returned])
    buyer.refresh_from_db()
    assert live_points(buyer) == {f"return:{second.pk}": 53}  # one ring left
    assert buyer.points_balance == 53
    assert first.refund_total + second.refund_total == 2 * VECTOR_1_TOTAL

    shop_data.take_back(sale, quantity=1)
    loyalty_events_task(events_of(sale, "sale.returned"))
    buyer.refresh_from_db()
    assert buyer.points_balance == 0 and live_points(buyer) == {}


def test_points_already_spent_go_to_the_review_queue_instead_of_failing(counter):
    at, ring = counter
    buyer = shop_data.customer()
    sale = shop_data.sell(ring, at=at, customer=buyer)
    loyalty_events_task(events_of(sale))
    points_redeem(customer=buyer, points=50, reference="spent-at-the-counter")
    shop_data.void(sale)

    assert loyalty_events_task(events_of(sale, "sale.voided")) == 1  # done, not retried forever
    buyer.refresh_from_db()
    assert buyer.points_balance == 3  # nothing forced below zero
    [review] = ReviewItem.objects.filter(kind="points_unreversed", sale=sale)
    assert review.status == "open"
    assert review.details["points"] == 53 and review.details["balance"] == 3
    assert review.details["reference"] == str(sale.pk)


def test_sales_without_a_customer_earn_nothing(counter):
    at, ring = counter
    sale = shop_data.sell(ring, at=at)
    assert loyalty_events_task(events_of(sale)) == 0  # skipped: not even a processed-event record
    assert not PointsEntry.objects.filter(reference=str(sale.pk)).exists()
    assert not ProcessedEvent.objects.filter(consumer=LOYALTY, event_id__in=events_of(sale)).exists()
