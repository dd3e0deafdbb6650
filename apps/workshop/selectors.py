"""Reads of the workshop: the board of tickets and one ticket whole."""
import re
import uuid

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.customers.models import Customer
from apps.customers.selectors import customer_match
from apps.workshop.models import OPEN_STATUSES, RepairLine, RepairStatus, RepairStatusChange, RepairTicket

_LABEL = re.compile(r"^\s*([A-Za-z0-9]{1,8})\s*-?\s*W\s*-?\s*0*(\d{1,12})\s*$", re.IGNORECASE)


def ticket_board(*, status: str = "open", query: str = "") -> QuerySet[RepairTicket]:
    """Tickets for the board: the open ones by default (or one status, or
    "all"), overdue first, then by the promised date; `query` finds a
    ticket by its label, or its customer by name or phone."""
    tickets = RepairTicket.objects.select_related("branch", "customer", "craftsman").prefetch_related(
        Prefetch("lines", queryset=RepairLine.objects.order_by("id")))
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status in RepairStatus.values:
        tickets = tickets.filter(status=status)
    query = (query or "").strip()
    if query:
        label = _LABEL.match(query)
        match = customer_match(query=query)
        found = Q(customer__in=Customer.objects.filter(match).values("pk")) if match is not None else Q(pk__in=[])
        if label:
            found |= Q(branch__code__iexact=label.group(1), number=int(label.group(2)))
        tickets = tickets.filter(found)
    today = timezone.localdate()
    overdue = Case(When(status__in=OPEN_STATUSES, promised_on__lt=today, then=Value(0)), default=Value(1))
    return tickets.annotate(late=overdue).order_by("late", "promised_on", "number")


def ticket_get(*, ticket_id) -> RepairTicket:
    """One ticket with its services, deposits, gold, history and invoice."""
    try:
        pk = uuid.UUID(str(ticket_id))
    except ValueError:
        pk = None
    ticket = (
        RepairTicket.objects.select_related("branch", "customer", "craftsman", "created_by", "sale__branch")
        .prefetch_related(Prefetch("lines", queryset=RepairLine.objects.order_by("id")), "deposits", "metal",
                          Prefetch("changes", queryset=RepairStatusChange.objects.select_related("actor").order_by("at", "id")))
        .filter(pk=pk).first() if pk else None
    )
    if ticket is None:
        raise ApplicationError("ticket_not_found", f"No repair ticket {ticket_id}.", status=404)
    return ticket
