"""Row locks on stock, one function per locking query.

Always in primary-key order: two transactions that lock overlapping items then
wait for each other instead of deadlocking.
"""
from collections.abc import Iterable
from uuid import UUID

from apps.inventory.models import Item


def item_lock(*, item_id: UUID) -> Item:
    return Item.objects.select_for_update().get(pk=item_id)


def items_lock_ids(*, item_ids: Iterable[UUID]) -> list[UUID]:
    """Locks the items and returns the ids that exist; loads no other column."""
    return list(Item.objects.select_for_update().filter(pk__in=set(item_ids)).order_by("pk").values_list("pk", flat=True))



def items_lock(*, item_ids: Iterable[UUID]) -> dict[UUID, Item]:
    """Locks the items and returns them by id, in one query: PostgreSQL
    locks the rows in the sorted order and, for a row another transaction
    held and changed, returns the version it committed."""
    return {item.pk: item for item in Item.objects.select_for_update().filter(pk__in=set(item_ids)).order_by("pk")}
