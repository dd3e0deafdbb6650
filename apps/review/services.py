"""Writes of the review queue: opening items (one, or a push's whole batch)
and resolving one with a manager's note. Every app that needs a manager's
decision opens it here; nothing else writes ReviewItem."""
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.review.models import ReviewItem

RESOLVE_PERMISSION = "accounts.resolve_review"
NOTE_MAX_LENGTH = 2000


def review_open(*, kind: str, details: dict | None = None, sale=None, item=None, device=None, operation=None) -> ReviewItem:
    """Opens one item for a manager. Callers that must not open a second
    one for the same thing ask apps.review.selectors.review_open_exists first
    (inside the transaction or lock that makes the check hold)."""
    return ReviewItem.objects.create(kind=kind, details=details or {}, sale=sale, item=item, device=device, operation=operation)


def review_open_many(*, items: list[ReviewItem]) -> list[ReviewItem]:
    """Opens a batch of items built (unsaved) by the caller, in one insert:
    a POS push opens its conflicts and rejections this way, in its own
    transaction, so they commit with the operations they are about."""
    return ReviewItem.objects.bulk_create(items)


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ApplicationError("note_required", "Say how it was resolved.",
                               details=[{"field": "note", "code": "required", "message": "Required."}])
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError("note_too_long", f"Say how it was resolved in at most {NOTE_MAX_LENGTH} characters.",
                               details=[{"field": "note", "code": "max_length", "message": "Too long."}])
    return note


def _check_actor(actor) -> None:
    if actor is None or not actor.has_perm(RESOLVE_PERMISSION):
        raise ApplicationError("permission_denied", "You are not allowed to resolve the review queue.", status=403)


def review_lock_open(*, item: ReviewItem, actor) -> ReviewItem:
    """The entry locked for a fix, refused if the actor may not resolve it or
    it is already resolved: a fix (apps.sales.review_fixes) takes this lock
    first, so two managers fixing the same entry do the fix once."""
    _check_actor(actor)
    locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if locked.status == ReviewItem.Status.RESOLVED:
        raise ApplicationError("review_already_resolved", "This entry has already been resolved.", status=409)
    return locked


@transaction.atomic
def review_resolve(*, item: ReviewItem, actor, note: str, resolution: str = ReviewItem.Resolution.NOTE,
                   facts: dict | None = None) -> ReviewItem:
    """Closes a review-queue entry: with the manager's note (what was done
    about the conflict or the rejected operation), or after a fix of its
    cause (`resolution` says which; the note is then optional and `facts`,
    what the fix changed, go to the audit record); audited, done once."""
    _check_actor(actor)
    note = _note(note, required=resolution == ReviewItem.Resolution.NOTE)
    if resolution not in ReviewItem.Resolution.values:
        raise ApplicationError("invalid_resolution", f"Resolution must be one of {', '.join(ReviewItem.Resolution.values)}.")
    locked = review_lock_open(item=item, actor=actor)
    locked.status, locked.resolved_at, locked.resolved_by, locked.resolution_note, locked.resolution = (
        ReviewItem.Status.RESOLVED, timezone.now(), actor, note, resolution,
    )
    fields = ["status", "resolved_at", "resolved_by", "resolution_note", "resolution"]
    locked.save(update_fields=fields)
    # The action keeps the name it had in pos_sync, so the audit trail reads as one.
    audit_record(actor=actor, action="pos_sync.review_resolve", obj=locked, before={"status": ReviewItem.Status.OPEN},
                 after={"status": locked.status, "resolution": resolution, **(facts or {})}, note=note)
    for name in fields:
        setattr(item, name, getattr(locked, name))
    return locked
