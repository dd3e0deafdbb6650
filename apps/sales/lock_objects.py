"""Row locks taken by the sales services, one function per locking query.

Items are locked through `apps.inventory.lock_objects` (primary-key order);
a sale is locked on its own row, which serializes voids and returns of it.
"""
from uuid import UUID

from apps.sales.models import Sale


def sale_lock(*, sale_id: UUID) -> Sale:
    return Sale.objects.select_for_update(of=("self",)).select_related("branch").get(pk=sale_id)
