"""Reads on customers, in the current shop's schema."""
import re
import uuid

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from apps.core.errors import ApplicationError
from apps.customers.models import Customer, PointsEntry, StoreCreditEntry
from apps.customers.text import normalize_digits, normalize_search_text

# A query made only of these is (part of) a phone number, not a name.
_PHONE_QUERY = re.compile(r"^[\d\s+\-()]+$")
_MIN_PHONE_DIGITS = 3


def customer_search(*, query: str, limit: int = 20) -> list[Customer]:
    """Live customers matching `query` (see customer_match), names starting
    with it first."""
    if customer_match(query=query) is None:
        return []
    return list(customer_list(query=query)[:limit])


def customer_list(*, query: str = "") -> QuerySet[Customer]:
    """Live customers by name; with a query, those matching it (see
    customer_match), names starting with it first."""
    customers = Customer.objects.filter(is_deleted=False).select_related("tier")
    match = customer_match(query=query)
    if match is None:
        return customers.order_by("full_name", "id")
    text = normalize_search_text(query)
    rank = Case(When(name_search__startswith=text, then=Value(0)), default=Value(1), output_field=IntegerField())
    return customers.filter(match).annotate(rank=rank).order_by("rank", "full_name", "id")


def customer_match(*, query: str) -> Q | None:
    """Customers whose name contains every word of `query` (Arabic and
    Persian spellings of a letter are the same letter), or whose phone
    contains its digits, or whose e-mail contains it. None for a blank query."""
    text = normalize_search_text(query)
    if not text:
        return None
    match = Q()
    for word in text.split(" "):
        match &= Q(name_search__contains=word)

    raw = normalize_digits(query).strip()
    if _PHONE_QUERY.match(raw):
        # Stored numbers are +98912...: "0912..." and "0098912..." must lose
        # their leading zeros to be found inside them.
        digits = re.sub(r"\D", "", raw).lstrip("0")
        if len(digits) >= _MIN_PHONE_DIGITS:
            match |= Q(phone__contains=digits)
    if "@" in raw or raw.isascii():
        match |= Q(email__icontains=raw)
    return match


def customer_get(*, customer_id, include_deleted: bool = False) -> Customer:
    customers = Customer.objects.select_related("tier")
    if not include_deleted:
        customers = customers.filter(is_deleted=False)
    try:
        customer = customers.filter(pk=uuid.UUID(str(customer_id))).first()
    except ValueError:  # not even a UUID: as unknown as any other id
        customer = None
    if customer is None:
        raise ApplicationError("customer_not_found", f"No customer with id {customer_id}.", status=404)
    return customer


def customer_points_history(*, customer: Customer) -> QuerySet[PointsEntry]:
    """Newest first."""
    return PointsEntry.objects.filter(customer=customer).select_related("actor").order_by("-created_at", "-id")


def customer_credit_history(*, customer: Customer) -> QuerySet[StoreCreditEntry]:
    """Newest first."""
    return StoreCreditEntry.objects.filter(customer=customer).select_related("actor").order_by("-created_at", "-id")
