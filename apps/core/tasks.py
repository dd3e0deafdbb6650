"""
The task base every background task uses, and the core tasks: the outbox
relay and sweep (to the shops marked dirty), the fan-out of periodic jobs
to the shops that have work (apps.core.shopwork) and retention.

Tasks are thin: they call a service. A task sent from inside a shop (or with
the `_schema_name` header) runs in that shop's schema (tenant-schemas-celery).
"""
import logging

from django.conf import settings
from django.db import connection

from apps.core import deadletters
from config.celery_app import app

logger = logging.getLogger(__name__)


def _header(request, name: str):
    """A custom message header; the Redis transport merges them into the request."""
    headers = getattr(request, "headers", None) or {}
    return headers.get(name, getattr(request, name, None))


class BackgroundTask(app.Task):
    """Retries any exception with exponential backoff and full jitter; after
    the last retry, records a dead letter operators can see and re-run.
    Late acknowledgement and reject-on-worker-lost come from the settings."""

    abstract = True
    autoretry_for = (Exception,)
    max_retries = settings.CELERY_TASK_MAX_RETRIES
    retry_backoff = settings.CELERY_TASK_RETRY_BACKOFF
    retry_backoff_max = settings.CELERY_TASK_RETRY_BACKOFF_MAX
    retry_jitter = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        try:
            dead_letter_id = _header(self.request, deadletters.DEAD_LETTER_HEADER)
            deadletters.dead_letter_record(
                task_name=self.name, task_id=task_id, args=args, kwargs=kwargs, schema_name=connection.schema_name,
                exception=f"{type(exc).__name__}: {exc}", traceback=str(einfo or ""), attempts=(self.request.retries or 0) + 1,
                dead_letter_id=int(dead_letter_id) if dead_letter_id else None,
            )
        except Exception:  # noqa: BLE001 - the database may be what failed; the log still has it
            logger.exception("Could not record the dead letter of %s %s", self.name, task_id)
        super().on_failure(exc, task_id, args, kwargs, einfo)

    def on_success(self, retval, task_id, args, kwargs):
        dead_letter_id = _header(self.request, deadletters.DEAD_LETTER_HEADER)
        if dead_letter_id:
            try:
                deadletters.dead_letter_resolve(dead_letter_id=int(dead_letter_id))
            except Exception:  # noqa: BLE001
                logger.exception("Could not resolve dead letter %s", dead_letter_id)
        super().on_success(retval, task_id, args, kwargs)


# --------------------------------------------------------------------------
# Outbox
# --------------------------------------------------------------------------


@app.task(base=BackgroundTask, name="core.outbox_relay")
def outbox_relay_task(event_ids: list[str]) -> int:
    """The on-commit hand-off: relays these events (those still unpublished)."""
    from apps.core.outbox import outbox_relay

    size = settings.OUTBOX_BATCH_SIZE
    return sum(outbox_relay(event_ids=event_ids[i:i + size], batch_size=size) for i in range(0, len(event_ids), size))


@app.task(base=BackgroundTask, name="core.outbox_sweep")
def outbox_sweep_task(grace_seconds: int | None = None) -> int:
    """Relays whatever the on-commit hand-off missed in this shop (events
    older than `grace_seconds`, by default OUTBOX_SWEEP_GRACE_SECONDS)."""
    from datetime import timedelta

    from apps.core.metrics import outbox_backlog_publish
    from apps.core.outbox import outbox_backlog, outbox_sweep

    taken = outbox_sweep(grace=None if grace_seconds is None else timedelta(seconds=grace_seconds))
    left = outbox_backlog()  # what /metrics reports as this shop's backlog (apps.core.metrics)
    outbox_backlog_publish(schema_name=connection.schema_name, unpublished=left["unpublished"], oldest=left["oldest"])
    return taken


# --------------------------------------------------------------------------
# Periodic jobs
# --------------------------------------------------------------------------


def _active(schemas: list[str] | None = None) -> list[str]:
    """Active shops' schema names (all, or those of `schemas`), from the public schema."""
    from django_tenants.utils import get_public_schema_name, schema_context

    from apps.core.selectors import shop_list_active

    with schema_context(get_public_schema_name()):
        shops = shop_list_active()
        if schemas is not None:
            shops = shops.filter(schema_name__in=schemas)
        return list(shops.order_by("schema_name").values_list("schema_name", flat=True))


def _send_each(task_name: str, schemas: list[str], *, kwargs: dict | None, expires: int | None, producer) -> list[list[str]]:
    sent = []
    for schema in schemas:
        result = app.send_task(task_name, kwargs=kwargs or {}, headers={"_schema_name": schema}, expires=expires,
                               producer=producer)
        sent.append([schema, result.id])
    return sent


@app.task(base=BackgroundTask, name="core.fan_out")
def fan_out_task(task_name: str, expires: int | None = None, kwargs: dict | None = None,
                 only: str | None = None) -> list[list[str]]:
    """Sends `task_name` once per active shop, in the shop's schema; with
    `only` (a name in settings.SHOP_WORK_FILTERS), once per active shop that
    filter finds work in. Returns [schema, task id] pairs. Beat schedules
    this, not the per-shop task."""
    from apps.core.shopwork import shops_for

    schemas = shops_for(only=only, schemas=_active(), kwargs=kwargs)
    with app.producer_or_acquire() as producer:
        sent = _send_each(task_name, schemas, kwargs=kwargs, expires=expires, producer=producer)
    logger.info("Fanned %s out to %d shops%s", task_name, len(sent), f" with work ({only})" if only else "")
    return sent


@app.task(base=BackgroundTask, name="core.outbox_dirty_sweep")
def outbox_dirty_sweep_task(expires: int | None = None) -> list[list[str]]:
    """The outbox tick: one sweep per shop marked dirty since the last tick
    (apps.core.shopwork), taking the marks first; a sweep that leaves events
    behind marks its shop again. Returns [schema, task id] pairs."""
    from apps.core.shopwork import dirty_mark, dirty_take

    expires = settings.OUTBOX_SWEEP_EXPIRES if expires is None else expires
    with app.producer_or_acquire() as producer:
        client = producer.channel.client
        taken = dirty_take(client=client)
        try:
            sent = _send_each("core.outbox_sweep", _active(taken) if taken else [], kwargs=None, expires=expires,
                              producer=producer)
        except Exception:
            dirty_mark(client=client, schema_names=taken)  # taken but maybe not sent: the next tick tries again
            raise
    if sent:
        logger.info("Outbox sweep sent to %d dirty shops", len(sent))
    return sent


@app.task(base=BackgroundTask, name="core.retention")
def retention_task() -> dict:
    from apps.core.retention import retention_run

    return retention_run().result
