"""Reads of the workshop: the board of tickets, one ticket whole, and what
the reports show (open jobs, overdue, deposits held, work invoiced)."""
import re
import uuid
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from apps.core.errors import ApplicationError
from apps.core.timezones import shop_today
from apps.customers.models import Customer
from apps.customers.selectors import customer_match
from apps.sales.models import Sale, SaleSource, SaleStatus
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
    today = shop_today()
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


def open_jobs() -> QuerySet[RepairTicket]:
    """Every open ticket for the report, overdue first (`late` is 0), then by the promised date."""
    return ticket_board(status="open").prefetch_related(None)


def open_jobs_summary() -> dict:
    """How many tickets are open, how many of them overdue, and the deposits they hold."""
    today = shop_today()
    return RepairTicket.objects.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(promised_on__lt=today)),
        deposits=Coalesce(Sum("deposit_balance"), Value(Decimal(0)), output_field=DecimalField(max_digits=18, decimal_places=2)))


def workshop_invoices(*, start, end) -> QuerySet[Sale]:
    """Work collected in [start, end): the invoices (not voided) with their
    branch and customer, oldest first; labour is their `fixed_total`."""
    return (Sale.objects.filter(source=SaleSource.WORKSHOP, occurred_at__gte=start, occurred_at__lt=end)
            .exclude(status=SaleStatus.VOIDED).select_related("branch", "customer").order_by("occurred_at", "invoice_number"))


def workshop_revenue(*, start, end) -> dict:
    """The totals of `workshop_invoices`: count, labour, gold, tax, total."""
    money = DecimalField(max_digits=18, decimal_places=2)
    zero = Value(Decimal(0))
    return workshop_invoices(start=start, end=end).order_by().aggregate(
        count=Count("id"), labour=Coalesce(Sum("fixed_total"), zero, output_field=money),
        gold=Coalesce(Sum("gold_total"), zero, output_field=money), tax=Coalesce(Sum("tax_total"), zero, output_field=money),
        total=Coalesce(Sum("total"), zero, output_field=money))
