"""Reads on sales, in the current shop's schema."""
import re
import uuid
from datetime import date, datetime, time

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.customers.models import Customer
from apps.customers.text import normalize_digits
from apps.sales.models import (
    Payment,
    Return,
    ReturnLine,
    Sale,
    SaleLine,
    SaleSource,
    SaleStatus,
    TradeIn,
    invoice_label_parse,
)

# A query made only of these may be (part of) a phone number.
_PHONE_QUERY = re.compile(r"^[\d\s+\-()]+$")
_MIN_PHONE_DIGITS = 3
# Up to this many customers found by a phone search are handed to the sales
# query by id (the customer index); more, and PostgreSQL joins them.
_PHONE_CUSTOMERS_MAX = 200
# Bidi marks ride along when a label or phone is copied out of Persian text.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))

SALE_FILTERS = frozenset(
    {"branch_id", "terminal_id", "cashier_id", "customer_id", "status", "source", "date_from", "date_to", "search"}
)


def _sales() -> QuerySet[Sale]:
    """A sale with everything an invoice shows, in a fixed number of queries."""
    return Sale.objects.select_related("branch", "terminal", "cashier", "customer", "voided_by").prefetch_related(
        Prefetch("lines", queryset=SaleLine.objects.select_related("item", "override_by").order_by("line_no")),
        Prefetch("payments", queryset=Payment.objects.all()),  # in Payment.Meta.ordering, the one order
        Prefetch("trade_ins", queryset=TradeIn.objects.order_by("id")),
    )


def _moment(value, *, end: bool) -> datetime:
    """A date filter means the whole day in the current time zone."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time.max if end else time.min))
    raise ApplicationError("invalid_filter", "date_from and date_to must be dates or datetimes.")


def sale_search(query: str) -> Q:
    """Invoice label as printed ("B1-000042", also "b1-42", in Persian or
    Latin digits), invoice number (exact), receipt number (exact, any case of
    letters), or customer phone (contains its digits, leading zeros dropped
    so that "0912 765..." finds "+98912765...").

    Every alternative is a condition on the sale's own indexed columns (the
    branches and customers it names are looked up first): an OR that reaches
    into a joined table cannot use an index, and with a million sales such a
    search read them all (scripts/bench_ui.py)."""
    text = normalize_digits(query or "").translate(_BIDI_MARKS).strip()
    if not text:
        return Q(pk__in=[])
    match = Q(receipt_number__in=sorted({text, text.upper()}))
    if text.isdigit() and len(text) <= 18:
        # the (branch, invoice number) unique index, once per branch
        match |= Q(branch_id__in=list(Branch.objects.values_list("pk", flat=True)), invoice_number=int(text))
    label = invoice_label_parse(text)
    if label is not None:
        branches = list(Branch.objects.filter(code__iexact=label[0]).values_list("pk", flat=True))
        if branches:
            match |= Q(branch_id__in=branches, invoice_number=label[1])
    if _PHONE_QUERY.match(text):
        digits = re.sub(r"\D", "", text).lstrip("0")
        if len(digits) >= _MIN_PHONE_DIGITS:
            customers = list(Customer.objects.filter(phone__contains=digits).values_list("pk", flat=True)[:_PHONE_CUSTOMERS_MAX + 1])
            if len(customers) > _PHONE_CUSTOMERS_MAX:  # a few digits found most customers: let PostgreSQL join
                match |= Q(customer__phone__contains=digits)
            elif customers:
                match |= Q(customer_id__in=customers)
    return match


def sale_list(*, filters: dict | None = None) -> QuerySet[Sale]:
    """Sales newest first. `filters`: branch_id, terminal_id, cashier_id,
    customer_id, status, source, date_from / date_to (on occurred_at, dates
    inclusive), search (see sale_search)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    unknown = sorted(set(filters) - SALE_FILTERS)
    if unknown:
        raise ApplicationError("invalid_filter", f"Unknown filter(s): {', '.join(unknown)}.")
    sales = _sales()
    for key, kind in (("branch_id", uuid.UUID), ("terminal_id", uuid.UUID), ("cashier_id", int), ("customer_id", uuid.UUID)):
        if key in filters:
            try:
                sales = sales.filter(**{key: kind(str(filters[key]))})
            except ValueError:
                raise ApplicationError("invalid_filter", f"{key} is not a valid id.") from None
    if "status" in filters:
        if filters["status"] not in SaleStatus.values:
            raise ApplicationError("invalid_filter", f"Unknown status '{filters['status']}'.")
        sales = sales.filter(status=filters["status"])
    if "source" in filters:
        if filters["source"] not in SaleSource.values:
            raise ApplicationError("invalid_filter", f"Unknown source '{filters['source']}'.")
        sales = sales.filter(source=filters["source"])
    if "date_from" in filters:
        sales = sales.filter(occurred_at__gte=_moment(filters["date_from"], end=False))
    if "date_to" in filters:
        sales = sales.filter(occurred_at__lte=_moment(filters["date_to"], end=True))
    if "search" in filters:
        sales = sales.filter(sale_search(str(filters["search"])))
    return sales.order_by("-occurred_at", "-invoice_number")


def sale_summaries(*, filters: dict | None = None) -> QuerySet[Sale]:
    """`sale_list` as a list shows it: each sale with its branch (the
    invoice label), cashier and customer, not its lines or payments."""
    return sale_list(filters=filters).prefetch_related(None).select_related(None).select_related("branch", "cashier", "customer")


# What the sales page shows of a sale (sales/sale_list.html).
SALE_ROW_FIELDS = ("invoice_number", "occurred_at", "source", "status", "total", "currency", "branch__code",
                   "customer__full_name")


def sale_rows(*, filters: dict | None = None) -> QuerySet[Sale]:
    """`sale_list` as the sales page shows it: the columns of its rows
    (SALE_ROW_FIELDS) and nothing else."""
    return sale_list(filters=filters).prefetch_related(None).select_related(None).select_related("branch", "customer") \
        .only(*SALE_ROW_FIELDS)


def sale_get(*, sale_id) -> Sale:
    try:
        returns = Return.objects.select_related("branch", "exchange_sale__branch").order_by("number")
        sale = _sales().prefetch_related(Prefetch("returns", queryset=returns)).filter(pk=uuid.UUID(str(sale_id))).first()
    except ValueError:
        sale = None
    if sale is None:
        raise ApplicationError("sale_not_found", f"No sale with id {sale_id}.", status=404)
    return sale


def sale_returns(*, sale: Sale) -> list[Return]:
    """The returns of a sale, oldest first, with their branch (for the label)."""
    return list(Return.objects.filter(sale=sale).select_related("branch", "exchange_sale__branch").order_by("number"))


def return_get(*, return_id) -> Return:
    """A return document with its sale, lines and who took it."""
    try:
        found = (
            Return.objects.select_related("branch", "sale__branch", "sale__customer", "actor", "exchange_sale__branch")
            .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("sale_line__item")
                                       .order_by("sale_line__line_no")))
            .filter(pk=uuid.UUID(str(return_id))).first()
        )
    except ValueError:
        found = None
    if found is None:
        raise ApplicationError("return_not_found", f"No return with id {return_id}.", status=404)
    return found
