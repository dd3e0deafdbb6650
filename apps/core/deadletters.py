"""
Dead letters: tasks that still failed after their last retry, kept for
operators (admin, `outbox_status`, `deadletter_retry`). They live in the
public schema whichever shop the task ran for, so one list shows them all.
"""
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from apps.core.errors import ApplicationError
from apps.core.models import DeadLetter

logger = logging.getLogger(__name__)

# A re-run sent by `dead_letter_retry` carries its dead letter's id here, so
# its success resolves the dead letter and another failure updates it.
DEAD_LETTER_HEADER = "zargar_dead_letter_id"


def dead_letter_record(
    *, task_name: str, task_id: str, args, kwargs, schema_name: str, exception: str, traceback: str, attempts: int,
    dead_letter_id: int | None = None,
) -> DeadLetter:
    """Records a task's final failure (or another failure of a re-run)."""
    now = timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        if dead_letter_id is not None:
            updated = DeadLetter.objects.filter(pk=dead_letter_id).update(
                exception=exception, traceback=traceback, attempts=F("attempts") + attempts, failed_at=now,
                resolved=False, resolved_at=None,
            )
            if updated:
                return DeadLetter.objects.get(pk=dead_letter_id)
        return DeadLetter.objects.create(
            task_name=task_name, task_id=task_id or "", args=list(args or []), kwargs=dict(kwargs or {}),
            schema_name=schema_name, exception=exception[:10000], traceback=traceback[:50000], attempts=max(attempts, 1),
            failed_at=now,
        )


def dead_letter_resolve(*, dead_letter_id: int) -> bool:
    """Closes a dead letter (its re-run succeeded, or an operator says so)."""
    with schema_context(get_public_schema_name()):
        return bool(DeadLetter.objects.filter(pk=dead_letter_id, resolved=False).update(resolved=True, resolved_at=timezone.now()))


def dead_letters_delete_resolved(*, schema_name: str, before) -> int:
    """Deletes one shop's dead letters that were resolved before `before`;
    open ones stay whatever their age."""
    with schema_context(get_public_schema_name()):
        return DeadLetter.objects.filter(schema_name=schema_name, resolved=True, resolved_at__lt=before).delete()[0]


def dead_letter_retry(*, dead_letter: DeadLetter) -> str:
    """Sends the task again, with its arguments, in its shop. Returns the new
    task id. The dead letter stays open until the re-run succeeds."""
    from config.celery_app import app

    if dead_letter.resolved:
        raise ApplicationError("dead_letter_resolved", f"Dead letter {dead_letter.pk} is resolved already.", status=409)
    with schema_context(get_public_schema_name()):
        shops = get_tenant_model().objects
        if dead_letter.schema_name != get_public_schema_name() and not shops.filter(schema_name=dead_letter.schema_name).exists():
            raise ApplicationError("shop_not_found", f"Shop schema {dead_letter.schema_name} no longer exists.", status=404)
        result = app.send_task(
            dead_letter.task_name, args=dead_letter.args, kwargs=dead_letter.kwargs,
            headers={"_schema_name": dead_letter.schema_name, DEAD_LETTER_HEADER: dead_letter.pk},
        )
        dead_letter.retried_at = timezone.now()
        DeadLetter.objects.filter(pk=dead_letter.pk).update(retried_at=dead_letter.retried_at)
    logger.info("Dead letter %s (%s) sent again as %s", dead_letter.pk, dead_letter.task_name, result.id)
    return result.id
