"""Row locks of the workshop, one function per locking query."""
from uuid import UUID

from apps.workshop.models import RepairTicket


def ticket_lock(*, ticket_id: UUID) -> RepairTicket:
    """Serializes every change to one ticket: its estimate, deposit balance
    and status are checked and written by one transaction at a time."""
    return (RepairTicket.objects.select_for_update(of=("self",)).select_related("branch", "customer", "craftsman")
            .get(pk=ticket_id))
