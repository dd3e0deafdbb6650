"""
Retention clean-up in the current shop: old idempotency keys, published
outbox events and their processed-event records, old job runs, and the
shop's dead letters resolved long ago (they live in the public schema; open
ones are never deleted). Deletes in batches so no statement holds locks for
long.

Then each step named in settings.RETENTION_STEPS: a callable an app owns
(the POS operation log is apps.pos_sync.retention's), called with `now` and
returning its counts by name. They share this run and its JobRun record, so
"the last retention" is still one record; core imports none of them.
"""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.deadletters import dead_letters_delete_resolved
from apps.core.jobs import job_run_record
from apps.core.models import IdempotencyKey, JobRun, OutboxEvent, ProcessedEvent

BATCH = 5000


def _delete_batched(queryset) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


def retention_run(*, now=None) -> JobRun:
    started = timezone.now()
    now = now or started
    outbox_before = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    runs_before = now - timedelta(days=settings.JOB_RUN_RETENTION_DAYS)
    # The latest run of each job is kept whatever its age (it is "the last reconciliation").
    latest_runs = JobRun.objects.values("job").annotate(last=Max("id")).values_list("last", flat=True)
    result = {
        "idempotency_keys": _delete_batched(
            IdempotencyKey.objects.filter(created_at__lt=now - timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS))
        ),
        "outbox_events": _delete_batched(OutboxEvent.objects.filter(published_at__isnull=False, created_at__lt=outbox_before)),
        # Never the record of an event that may still be relayed (unpublished).
        "processed_events": _delete_batched(ProcessedEvent.objects.filter(processed_at__lt=outbox_before).exclude(
            event_id__in=OutboxEvent.objects.filter(published_at__isnull=True).values("id"))),
        "job_runs": _delete_batched(JobRun.objects.filter(started_at__lt=runs_before).exclude(pk__in=list(latest_runs))),
        "dead_letters": dead_letters_delete_resolved(
            schema_name=connection.schema_name, before=now - timedelta(days=settings.DEAD_LETTER_RETENTION_DAYS)),
    }
    for path in settings.RETENTION_STEPS:
        counts = import_string(path)(now=now)
        if result.keys() & counts.keys():
            raise ImproperlyConfigured(f"Retention step {path} reports {sorted(result.keys() & counts.keys())} twice.")
        result.update(counts)
    return job_run_record(job=JobRun.Job.RETENTION, started_at=started, result=result)
