"""
Retention clean-up in the current shop: old idempotency keys, the old POS
operation log, published outbox events and their processed-event records,
old job runs, and the shop's dead letters resolved long ago (they live in the
public schema; open ones are never deleted). Deletes in batches so no
statement holds locks for long.

The POS operation log rule. A terminal that did not get the answer to a push
sends it again, and the log is what lets the server answer "duplicate" with
the first result instead of applying twice. So an operation is deleted only
when ALL of these hold:

- it was received more than POS_OPERATION_RETENTION_DAYS ago, and more than
  POS_MAX_OFFLINE_HOURS ago (a terminal may hold a push that long);
- its seq is below its device's last_applied_seq: the last operation of each
  device is always kept, so the device's newest results still replay;
- no review item points at it (the review queue keeps its evidence).

Deleting the rows never loses a fact (sales, stock moves are their own
tables) and never risks a double: `op_id`, `client_sale_id` and the device
sequence stay unique, and an operation below last_applied_seq is never
applied again; an old replay is answered as a mismatch instead.
"""
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from apps.core.deadletters import dead_letters_delete_resolved
from apps.core.jobs import job_run_record
from apps.core.models import IdempotencyKey, JobRun, OutboxEvent, ProcessedEvent

BATCH = 5000

_OPERATIONS_SQL = """
DELETE FROM {operation} WHERE id IN (
    SELECT o.id FROM {operation} o JOIN {device} d ON d.id = o.device_id
    WHERE o.received_at < %s AND o.seq < d.last_applied_seq
      AND NOT EXISTS (SELECT 1 FROM {review} r WHERE r.operation_id = o.id)
    LIMIT %s
)
"""


def _delete_batched(queryset) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


def operations_delete_old(*, before) -> int:
    from apps.pos_sync.models import Device, Operation, ReviewItem

    quote = connection.ops.quote_name
    sql = _OPERATIONS_SQL.format(operation=quote(Operation._meta.db_table), device=quote(Device._meta.db_table),
                                 review=quote(ReviewItem._meta.db_table))
    deleted = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [before, BATCH])
            deleted += cursor.rowcount
            if cursor.rowcount < BATCH:
                return deleted


def retention_run(*, now=None) -> JobRun:
    started = timezone.now()
    now = now or started
    operations_before = now - max(timedelta(days=settings.POS_OPERATION_RETENTION_DAYS),
                                  timedelta(hours=settings.POS_MAX_OFFLINE_HOURS))
    outbox_before = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    runs_before = now - timedelta(days=settings.JOB_RUN_RETENTION_DAYS)
    # The latest run of each job is kept whatever its age (it is "the last reconciliation").
    latest_runs = JobRun.objects.values("job").annotate(last=Max("id")).values_list("last", flat=True)
    result = {
        "idempotency_keys": _delete_batched(
            IdempotencyKey.objects.filter(created_at__lt=now - timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS))
        ),
        "operations": operations_delete_old(before=operations_before),
        "outbox_events": _delete_batched(OutboxEvent.objects.filter(published_at__isnull=False, created_at__lt=outbox_before)),
        # Never the record of an event that may still be relayed (unpublished).
        "processed_events": _delete_batched(ProcessedEvent.objects.filter(processed_at__lt=outbox_before).exclude(
            event_id__in=OutboxEvent.objects.filter(published_at__isnull=True).values("id"))),
        "job_runs": _delete_batched(JobRun.objects.filter(started_at__lt=runs_before).exclude(pk__in=list(latest_runs))),
        "dead_letters": dead_letters_delete_resolved(
            schema_name=connection.schema_name, before=now - timedelta(days=settings.DEAD_LETTER_RETENTION_DAYS)),
    }
    return job_run_record(job=JobRun.Job.RETENTION, started_at=started, result=result)
