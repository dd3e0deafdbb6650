"""
Who consumes which outbox topic, and the exactly-once machinery they share.

Delivery is at least once: the relay may hand an event over twice (a crash
between publishing and marking it published, the sweep racing the on-commit
hand-off), and a worker that dies mid-task has the task run again. Effects
happen once because each consumer records the event in `ProcessedEvent` in
the same transaction as its effect: a second delivery finds the row and
skips, and a run that died left neither the row nor the effect.
"""
import logging
from collections.abc import Callable, Iterable
from uuid import UUID

from django.db import connection, transaction

from apps.core.models import OutboxEvent, ProcessedEvent

logger = logging.getLogger(__name__)

# topic -> Celery task names; each task takes `event_ids` (a list of ids).
CONSUMERS: dict[str, tuple[str, ...]] = {
    "sale.applied": ("customers.loyalty_events", "reports.daily_sales_events"),
    "sale.voided": ("customers.loyalty_events", "reports.daily_sales_events"),
    "sale.returned": ("customers.loyalty_events", "reports.daily_sales_events"),
}


def consumers_for(topic: str) -> tuple[str, ...]:
    return CONSUMERS.get(topic, ())


class EventsFailed(Exception):
    """Some events of a batch failed; the others were applied. Retrying the
    batch applies only the failed ones (the rest are recorded as processed)."""

    def __init__(self, consumer: str, event_ids: list):
        self.consumer, self.event_ids = consumer, [str(i) for i in event_ids]
        super().__init__(f"{consumer}: {len(event_ids)} event(s) failed: {', '.join(self.event_ids[:10])}")


_CLAIM_SQL = """
INSERT INTO {table} (event_id, consumer, processed_at)
SELECT ids.id, %s, now() FROM unnest(%s::uuid[]) AS ids(id)
ON CONFLICT (event_id, consumer) DO NOTHING
RETURNING event_id
"""


def processed_events_claim(*, consumer: str, event_ids: Iterable) -> set[UUID]:
    """Records the events as processed by `consumer` and returns those that
    were not already: the caller applies exactly these, in this transaction.
    A concurrent claim of the same event waits for this transaction: if it
    commits the other gets nothing, if it rolls back the other gets it."""
    if not connection.in_atomic_block:
        raise RuntimeError("Claim events inside the transaction that applies their effect.")
    ids = sorted({UUID(str(i)) for i in event_ids})  # a fixed order: no deadlock between two batches
    if not ids:
        return set()
    table = connection.ops.quote_name(ProcessedEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL.format(table=table), [consumer, ids])
        return {row[0] for row in cursor.fetchall()}


def _events(event_ids: Iterable) -> list[OutboxEvent]:
    # Events gone (retention) or never committed simply are not found.
    return list(OutboxEvent.objects.filter(pk__in=list(event_ids)).order_by("created_at", "id"))


def events_consume(
    *, consumer: str, event_ids: Iterable, handle: Callable[[OutboxEvent], None],
    concerns: Callable[[OutboxEvent], bool] | None = None,
) -> int:
    """Applies `handle` to each event not yet processed by `consumer`, one
    transaction per event (one bad event does not hold the others back).
    Events `concerns` says have nothing for this consumer are skipped without
    a transaction or a record (most sales have no customer to reward).
    Returns how many were applied; raises EventsFailed if any failed."""
    applied, failed, first_error = 0, [], None
    for event in _events(event_ids):
        if concerns is not None and not concerns(event):
            continue
        try:
            with transaction.atomic():
                if not processed_events_claim(consumer=consumer, event_ids=[event.pk]):
                    continue
                handle(event)
            applied += 1
        except Exception as exc:  # noqa: BLE001 - reported below, after the other events
            logger.exception("Consumer %s failed on event %s (%s)", consumer, event.pk, event.topic)
            failed.append(event.pk)
            first_error = first_error or exc
    if failed:
        raise EventsFailed(consumer, failed) from first_error
    return applied


def events_consume_batch(*, consumer: str, event_ids: Iterable, handle: Callable[[list[OutboxEvent]], None]) -> int:
    """Applies `handle` once to all the events not yet processed by
    `consumer`, in one transaction: for effects that are cheaper set-wise
    (an aggregate recomputed once for fifty sales of the same day)."""
    events = _events(event_ids)
    with transaction.atomic():
        claimed = processed_events_claim(consumer=consumer, event_ids=[e.pk for e in events])
        fresh = [e for e in events if e.pk in claimed]
        if fresh:
            handle(fresh)
    return len(fresh)
