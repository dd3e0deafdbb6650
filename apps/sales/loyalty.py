"""
Loyalty points that follow sales, applied by a background consumer of the
sale events (`sale.applied`, `sale.voided`, `sale.returned`). The points
ledger is the customers app's (`points_earn`, `points_reverse`); what a sale
deserves is read here, from the sale, so customers need not know sales.

Rather than replaying each event's delta, every event brings its sale to the
points it deserves NOW, read from the database under the sale's row lock:

- a sale not voided earns points_for_purchase(total - refunds so far);
- the earning is booked under the reference of the latest state: the sale id
  while nothing came back, "return:<return id>" after the latest return;
- earnings booked for earlier states are taken back (points_reverse).

So events processed late, twice or out of order (a void seen before its
sale, two returns by two workers) still end with exactly one live earning of
the right size: points_earn and points_reverse are idempotent per
reference, and the sale lock serializes the decisions.

If the customer already spent points that must be taken back, nothing is
forced: the shortfall goes to the review queue (kind points_unreversed) for a
manager, and the event is done (it is not retried forever).
"""
import logging
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.db.models import Sum

from apps.core.errors import ApplicationError
from apps.core.models import OutboxEvent
from apps.customers.models import Customer, PointsEntry
from apps.customers.services import points_earn, points_for_purchase, points_reverse
from apps.core.money import currency_exponent
from apps.review.models import ReviewItem
from apps.review.selectors import review_open_exists
from apps.review.services import review_open
from apps.sales.lock_objects import sale_lock
from apps.sales.models import Return, Sale, SaleStatus

logger = logging.getLogger(__name__)

CONSUMER = "loyalty"
RETURN_PREFIX = "return:"


@dataclass(frozen=True)
class LoyaltySettlement:
    sale_id: UUID
    earned: int = 0  # points booked by this settlement
    reversed: int = 0  # points taken back by it
    unreversed: int = 0  # points that could not be taken back (sent to review)


def loyalty_event_concerns(event: OutboxEvent) -> bool:
    """Only sales to a known customer earn or lose points."""
    payload = event.payload or {}
    return bool(payload.get("sale_id") and payload.get("customer_id"))


def loyalty_event_handle(event: OutboxEvent) -> None:
    if loyalty_event_concerns(event):
        loyalty_sale_settle(sale_id=UUID(str(event.payload["sale_id"])))


@transaction.atomic
def loyalty_sale_settle(*, sale_id: UUID) -> LoyaltySettlement:
    """Brings the sale's points to what it deserves now (see the module)."""
    if not Sale.objects.filter(pk=sale_id, customer__isnull=False).exists():
        return LoyaltySettlement(sale_id=sale_id)
    sale = sale_lock(sale_id=sale_id)
    customer = Customer.objects.select_related("tier").get(pk=sale.customer_id)
    returns = list(Return.objects.filter(sale=sale).order_by("created_at", "id").values_list("id", flat=True))
    refunded = Return.objects.filter(sale=sale).aggregate(s=Sum("refund_total"))["s"] or Decimal(0)
    amount = Decimal(0) if sale.status == SaleStatus.VOIDED else max(sale.total - refunded, Decimal(0))
    wanted = None
    if amount > 0:
        wanted = f"{RETURN_PREFIX}{returns[-1]}" if returns else str(sale.pk)

    family = [str(sale.pk)] + [f"{RETURN_PREFIX}{r}" for r in returns]
    entries = list(PointsEntry.objects.filter(customer=customer, reference__in=family))
    earned = {e.reference: e for e in entries if e.reason == PointsEntry.Reason.EARN}
    reversed_refs = {e.reference for e in entries if e.reason == PointsEntry.Reason.REVERSE}

    taken_back = 0
    for reference in family:
        entry = earned.get(reference)
        if entry is None or reference in reversed_refs or reference == wanted:
            continue
        try:
            points_reverse(customer=customer, reference=reference)
        except ApplicationError as exc:
            if exc.code != "insufficient_points":
                raise
            _review_unreversed(sale=sale, customer=customer, entry=entry)
            return LoyaltySettlement(sale_id=sale.pk, reversed=taken_back, unreversed=entry.points)
        taken_back += entry.points

    booked = 0
    if wanted is not None and wanted not in earned and not customer.is_deleted:
        customer.refresh_from_db()  # the tier may have moved with the reversals
        points = points_for_purchase(customer=customer, amount=amount, currency_exponent=currency_exponent(sale.currency))
        if points > 0:
            points_earn(customer=customer, points=points, reference=wanted)
            booked = points
    return LoyaltySettlement(sale_id=sale.pk, earned=booked, reversed=taken_back)


def _review_unreversed(*, sale, customer: Customer, entry: PointsEntry) -> None:
    kind = ReviewItem.Kind.POINTS_UNREVERSED
    if review_open_exists(kind=kind, sale=sale, details={"reference": entry.reference}):
        return
    customer.refresh_from_db(fields=["points_balance"])
    logger.info("Sale %s: %s points of %s cannot be taken back (balance %s)", sale.pk, entry.points, customer.pk,
                customer.points_balance)
    review_open(
        kind=kind, sale=sale,
        details={"customer_id": str(customer.pk), "customer": customer.full_name, "reference": entry.reference,
                 "points": entry.points, "balance": customer.points_balance, "invoice_number": sale.invoice_number,
                 "message": "The customer already spent points this sale earned; settle them by hand (points adjustment)."},
    )
