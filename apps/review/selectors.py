"""Reads of the review queue."""
from django.db.models import QuerySet

from apps.review.models import ReviewItem


def review_list(*, status: str = ReviewItem.Status.OPEN, kind: str = "") -> QuerySet[ReviewItem]:
    """The queue page: open items oldest first (the longest waiting on top),
    resolved ones newest first. An unknown status or kind filters nothing."""
    entries = ReviewItem.objects.select_related("device__terminal__branch", "sale__branch", "item", "operation", "resolved_by")
    if status in ReviewItem.Status.values:
        entries = entries.filter(status=status)
    if kind in ReviewItem.Kind.values:
        entries = entries.filter(kind=kind)
    return entries.order_by("-created_at") if status == ReviewItem.Status.RESOLVED else entries.order_by("created_at")


def review_open_exists(*, kind: str, sale=None, item=None, details: dict | None = None) -> bool:
    """Whether an open item of `kind` about this sale (and/or item), with
    these values in its details, is already waiting for a manager. An
    argument left None is no condition."""
    entries = ReviewItem.objects.filter(kind=kind, status=ReviewItem.Status.OPEN)
    if sale is not None:
        entries = entries.filter(sale=sale)
    if item is not None:
        entries = entries.filter(item=item)
    for key, value in (details or {}).items():
        entries = entries.filter(**{f"details__{key}": value})
    return entries.exists()


def review_open_item_kinds(*, item_ids, kinds) -> set[tuple]:
    """(item id, kind) of the open items of these kinds about these stock
    items, in one query: a job checking many items opens only what is missing."""
    return set(
        ReviewItem.objects.filter(status=ReviewItem.Status.OPEN, item_id__in=list(item_ids), kind__in=list(kinds))
        .values_list("item_id", "kind")
    )


def review_open_count() -> int:
    return ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count()
