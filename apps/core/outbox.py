"""
The outbox relay: hands committed outbox events to their consumers' tasks.

Two ways in, one way out:

- On commit: `outbox_events_add` registers `relay_on_commit`, so right after
  the business transaction commits, the request sends ONE broker message
  carrying the ids it just wrote ("relay these"). No database round trip is
  added to the request. If the broker refuses, the error is logged, the
  events stay unpublished, and for OUTBOX_BROKER_BACKOFF_SECONDS later
  requests do not even try (an outage must not slow every request).
- The sweep: relays whatever is still unpublished after a grace period, in
  batches, in the shops that have work only (apps.core.shopwork): every
  OUTBOX_SWEEP_SECONDS in the shops the hand-off marked dirty (the mark is
  written on the hand-off's broker connection, just before it), and every
  OUTBOX_FULL_CHECK_SECONDS (and when a worker's broker connection comes
  back) in the shops the database shows with unpublished events, which
  finds the hand-offs that could not even leave a mark.

Both end in `outbox_relay`, in a worker: it locks the unpublished events with
`FOR UPDATE SKIP LOCKED` (two relays never hand over the same event at the
same time), sends one message per consumer task with the batch's ids, and
marks them published in the same transaction. A crash between publishing and
committing hands the events over again later; consumers are idempotent.

Consumer batches are sent at CONSUMER_PRIORITY, below everything else: Redis
serves priority 0 first, so after an outage a sweep or a hand-off does not
wait (and expire) behind the backlog of batches it is there to create.
"""
import logging
import threading
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from apps.core.consumers import consumers_for
from apps.core.models import OutboxEvent
from apps.core.shopwork import WorkFilter, dirty_mark, dirty_mark_here

logger = logging.getLogger(__name__)

RELAY_TASK = "core.outbox_relay"
SCHEMA_HEADER = "_schema_name"  # tenant-schemas-celery runs the task in this schema
CONSUMER_PRIORITY = 6  # Redis: 0 (the default) is served first; kombu's steps are 0, 3, 6, 9

_breaker = threading.Lock()
_broker_down_until = 0.0


class _PendingHandOff:
    """The events a transaction wrote, handed off in one message per shop
    when it commits, however many times the transaction wrote events."""

    def __init__(self):
        self.ids: dict[str, list[str]] = defaultdict(list)

    def __call__(self) -> None:
        for schema_name, ids in self.ids.items():
            relay_hand_off(schema_name=schema_name, event_ids=ids)


def relay_on_commit(*, event_ids: list) -> None:
    """After the current transaction commits, hand `event_ids` to the relay.

    Calls in one transaction share one on-commit callback. If the savepoint
    that registered it was rolled back, Django dropped it, so a new one is
    registered; ids written in a rolled-back savepoint may still be sent,
    which is harmless (the relay finds no such events)."""
    if not event_ids:
        return
    pending = getattr(connection, "_zargar_outbox_pending", None)
    if pending is None or not any(hook is pending for _sids, hook, _robust in connection.run_on_commit):
        pending = _PendingHandOff()
        connection._zargar_outbox_pending = pending
        registered = False
    else:
        registered = True
    pending.ids[connection.schema_name].extend(str(i) for i in event_ids)
    if not registered:
        transaction.on_commit(pending)  # outside a transaction: runs (hands off) right now


def relay_hand_off(*, schema_name: str, event_ids: list[str]) -> bool:
    """Sends the "relay these" message; never raises. False when the broker
    is down (or was, moments ago): the sweep will deliver the events."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    from config.celery_app import app

    try:
        with app.producer_or_acquire() as producer:
            # Fail fast: the default is to keep reconnecting for seconds.
            producer.connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2, timeout=2)
            # The mark first: if the message is then lost, the next tick sweeps the shop.
            dirty_mark(client=producer.channel.client, schema_names=[schema_name])
            app.send_task(RELAY_TASK, kwargs={"event_ids": event_ids}, headers={SCHEMA_HEADER: schema_name},
                          producer=producer, retry=False)
    except Exception:  # noqa: BLE001 - whatever the broker did, the request has committed and must succeed
        with _breaker:
            _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
        logger.warning("Outbox hand-off failed in %s (%d events); the sweep will relay them.", schema_name, len(event_ids),
                       exc_info=True)
        return False
    return True


def relay_breaker_reset() -> None:
    """Lets the next hand-off try the broker at once (tests, operators)."""
    global _broker_down_until
    with _breaker:
        _broker_down_until = 0.0


def outbox_relay(*, event_ids: list | None = None, batch_size: int | None = None, grace: timedelta | None = None) -> int:
    """Publishes up to `batch_size` unpublished events of the current shop
    (only `event_ids` if given; else those older than `grace`) to their
    consumers and marks them published. Returns how many it took."""
    from config.celery_app import app

    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    now = timezone.now()
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(published_at__isnull=True)
        if event_ids is not None:
            pending = pending.filter(pk__in=event_ids)
        elif grace:
            pending = pending.filter(created_at__lte=now - grace)
        # Events of one transaction share created_at; their ids (UUIDv7) keep the order they were written in.
        rows = list(pending.order_by("created_at", "id").select_for_update(skip_locked=True).values_list("id", "topic")[:batch_size])
        if not rows:
            return 0
        by_task: dict[str, list[str]] = defaultdict(list)
        for pk, topic in rows:
            for task_name in consumers_for(topic):
                by_task[task_name].append(str(pk))
        if by_task:
            headers = {SCHEMA_HEADER: connection.schema_name}
            with app.producer_or_acquire() as producer:
                for task_name, ids in sorted(by_task.items()):
                    app.send_task(task_name, kwargs={"event_ids": ids}, headers=headers, producer=producer,
                                  priority=CONSUMER_PRIORITY)
        OutboxEvent.objects.filter(pk__in=[pk for pk, _ in rows]).update(published_at=now, attempts=F("attempts") + 1)
    return len(rows)


def outbox_sweep(*, batch_size: int | None = None, grace: timedelta | None = None, time_budget: float = 20.0) -> int:
    """Relays the shop's backlog batch by batch, for at most `time_budget`
    seconds (the next sweep goes on). Returns how many events it took."""
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS) if grace is None else grace
    deadline, total = time.monotonic() + time_budget, 0
    while True:
        taken = outbox_relay(batch_size=batch_size, grace=grace)
        total += taken
        if taken < batch_size or time.monotonic() > deadline:
            break
    # The tick took this shop's mark before sending this sweep: whatever is
    # left (younger than the grace, over the budget, locked by another relay)
    # needs the shop marked again, or only the full check would find it.
    if OutboxEvent.objects.filter(published_at__isnull=True).exists():
        dirty_mark_here(schema_name=connection.schema_name)
    return total


def backlog_filter(*, now, kwargs: dict) -> WorkFilter:
    """Shop work filter (settings.SHOP_WORK_FILTERS): unpublished events older
    than the sweep's grace (`grace_seconds`), on the partial index core_outbox_unpublished."""
    grace = kwargs.get("grace_seconds")
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace is None else grace
    return WorkFilter(table=OutboxEvent._meta.db_table, condition="published_at IS NULL AND created_at <= %(before)s",
                      params={"before": now - timedelta(seconds=grace)})


def outbox_backlog() -> dict:
    """The current shop's unpublished events: how many, since when."""
    found = OutboxEvent.objects.filter(published_at__isnull=True).aggregate(oldest=Min("created_at"))
    count = OutboxEvent.objects.filter(published_at__isnull=True).count() if found["oldest"] else 0
    return {"unpublished": count, "oldest": found["oldest"]}
