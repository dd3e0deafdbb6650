"""The outbox relay: the on-commit hand-off and the relay/sweep, against the
real broker (a queue of the test's own) and real PostgreSQL locks."""
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.core.models import OutboxEvent
from apps.core.outbox import outbox_backlog, outbox_relay, outbox_sweep, relay_breaker_reset
from apps.core.services import outbox_event_add, outbox_events_add
from tests.conftest import in_shop, run_committed

SALE = {"sale_id": "00000000-0000-0000-0000-000000000001", "customer_id": None, "total": "100", "branch_id": None}


@pytest.fixture(autouse=True)
def _breaker_closed():
    relay_breaker_reset()
    yield
    relay_breaker_reset()


def test_events_written_in_one_transaction_are_handed_off_in_one_message_after_commit(
    in_shop_a, broker_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            first = outbox_events_add(events=[("sale.applied", SALE), ("sale.applied", SALE)])
            second = outbox_event_add(topic="sale.voided", payload=SALE)
            assert broker_queue() == []  # nothing before the commit

    assert len(callbacks) == 1
    [(task, headers, kwargs)] = broker_queue()
    assert task == "core.outbox_relay"
    assert headers["_schema_name"] == in_shop_a.schema_name
    assert kwargs == {"event_ids": [str(e.pk) for e in [*first, second]]}


def test_events_of_a_rolled_back_savepoint_do_not_stop_the_others_being_handed_off(
    in_shop_a, broker_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    outbox_event_add(topic="sale.applied", payload=SALE)
                    raise RuntimeError("this sale failed")
            except RuntimeError:
                pass
            kept = outbox_event_add(topic="sale.applied", payload=SALE)

    [(_task, _headers, kwargs)] = broker_queue()
    assert str(kept.pk) in kwargs["event_ids"]
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [kept.pk]


def test_nothing_is_handed_off_when_the_transaction_rolls_back(in_shop_a, broker_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                outbox_event_add(topic="sale.applied", payload=SALE)
                raise RuntimeError("rolled back")
    assert callbacks == [] and broker_queue() == []


def test_the_relay_sends_one_message_per_consumer_with_the_whole_batch_and_marks_them_published(in_shop_a, broker_queue):
    events = outbox_events_add(events=[("sale.applied", SALE)] * 3 + [("nobody.listens", {})])
    ids = [str(e.pk) for e in events]

    assert outbox_relay(event_ids=ids) == 4

    sent = broker_queue()
    assert sorted(task for task, _, _ in sent) == ["customers.loyalty_events", "reports.daily_sales_events"]
    for _task, headers, kwargs in sent:
        assert headers["_schema_name"] == in_shop_a.schema_name
        assert kwargs == {"event_ids": ids[:3]}
    assert set(OutboxEvent.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
    assert not OutboxEvent.objects.filter(pk__in=ids, published_at__isnull=True).exists()

    assert outbox_relay(event_ids=ids) == 0  # a second hand-off of the same ids finds nothing to do
    assert len(broker_queue()) == 2


def test_consumer_batches_wait_behind_a_later_sweep_or_hand_off(in_shop_a, broker_queue):
    """After an outage the queue is a backlog of consumer batches: the sweep
    and the hand-offs that create them must not wait (and expire) behind it."""
    from config.celery_app import app

    ids = [str(e.pk) for e in outbox_events_add(events=[("sale.applied", SALE)] * 2)]
    assert outbox_relay(event_ids=ids) == 2
    headers = {"_schema_name": in_shop_a.schema_name}
    app.send_task("core.outbox_sweep", kwargs={}, headers=headers)
    app.send_task("core.outbox_relay", kwargs={"event_ids": ids}, headers=headers)

    served = [task for task, _, _ in broker_queue()]  # in the order Redis hands them out
    assert served == ["core.outbox_sweep", "core.outbox_relay", "customers.loyalty_events", "reports.daily_sales_events"]


def test_the_sweep_leaves_young_events_to_the_hand_off_and_relays_the_rest_in_batches(in_shop_a, broker_queue):
    old = outbox_events_add(events=[("sale.applied", SALE)] * 5)
    OutboxEvent.objects.filter(pk__in=[e.pk for e in old]).update(created_at=timezone.now() - timedelta(minutes=5))
    young = outbox_event_add(topic="sale.applied", payload=SALE)

    assert outbox_sweep(batch_size=2, grace=timedelta(seconds=30)) == 5
    assert outbox_backlog()["unpublished"] == 1
    assert OutboxEvent.objects.get(pk=young.pk).published_at is None
    # Batches of 2: 3 relay rounds, each sending one message per consumer.
    assert len(broker_queue()) == 6

    assert outbox_sweep(grace=timedelta(0)) == 1
    assert outbox_backlog() == {"unpublished": 0, "oldest": None}


@pytest.mark.django_db(transaction=False)
def test_two_relays_never_take_the_same_event_skip_locked(bg_shop, broker_queue):
    """A relay holding some events locked (publishing them) does not make
    another relay wait, nor relay them twice: it takes the others."""
    ids = in_shop(bg_shop, lambda: [e.pk for e in outbox_events_add(events=[("sale.applied", SALE)] * 3)])
    locked, release = threading.Event(), threading.Event()

    def hold_first():
        connection.set_tenant(bg_shop)
        with transaction.atomic():
            list(OutboxEvent.objects.select_for_update().filter(pk=ids[0]))
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=lambda: run_committed(hold_first))
    holder.start()
    try:
        assert locked.wait(30)
        connection.set_tenant(bg_shop)
        assert outbox_relay(event_ids=[str(i) for i in ids]) == 2  # at once, without waiting for the lock
        relayed = [kwargs["event_ids"] for task, _, kwargs in broker_queue() if task != "core.outbox_relay"]
        assert [sorted(ids_) for ids_ in relayed] == [sorted(str(i) for i in ids[1:])] * 2
    finally:
        release.set()
        holder.join()
