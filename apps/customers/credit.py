"""
Store credit: money the shop owes a customer, spent at the counter.

Every change is a StoreCreditEntry written here, in the same transaction as
the F() update of Customer.credit_balance, with the customer row locked, so
the balance always equals the ledger's sum. Entries that name a reference (a
sale, a return, a merge) are idempotent: a replay returns the first entry.
"""
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.customers.lock_objects import customer_lock
from apps.customers.models import Customer, StoreCreditEntry

Reason = StoreCreditEntry.Reason
_MAX = Decimal("1e16")  # what credit_balance (18 digits, 2 places) holds


def _amount(value) -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount == 0 or abs(amount) >= _MAX \
            or amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError("invalid_credit_amount", "A store-credit amount must be a non-zero amount of money.",
                               details=[{"field": "amount", "code": "invalid", "message": "Not an amount."}])
    return amount


@transaction.atomic
def store_credit_post(*, customer: Customer, amount, reason: str, reference: str = "", actor=None,
                      note: str = "") -> StoreCreditEntry:
    """Adds `amount` (negative to take credit) to the customer's balance.
    Credits (refund, trade_in, merge_in) are positive, debits (spend,
    merge_out) negative, adjustments either (with a note). The balance never
    goes below zero: insufficient_credit (409) otherwise."""
    amount = _amount(amount)
    if reason not in Reason.values:
        raise ApplicationError("invalid_credit_reason", f"Not a store-credit reason: {reason}.")
    if (reason in StoreCreditEntry.CREDITS and amount < 0) or (reason in StoreCreditEntry.DEBITS and amount > 0):
        raise ApplicationError("invalid_credit_amount", f"A {reason} entry cannot be {amount}.")
    note = (note or "").strip()
    if reason == Reason.ADJUST and not note:
        raise ApplicationError("note_required", "Say why the credit is adjusted.")
    reference = (reference or "")[:64]
    locked = customer_lock(customer_id=customer.pk)
    if reference:
        replay = StoreCreditEntry.objects.filter(reference=reference, reason=reason).first()
        if replay is not None:
            return replay
    if locked.credit_balance + amount < 0:
        raise ApplicationError(
            "insufficient_credit", f"The customer has {locked.credit_balance} in store credit; {-amount} is needed.",
            status=409, details=[{"field": "amount", "code": "insufficient_credit", "message": "Not enough store credit.",
                                  "balance": str(locked.credit_balance), "requested": str(-amount)}],
        )
    try:
        with transaction.atomic():
            entry = StoreCreditEntry.objects.create(customer=locked, amount=amount, reason=reason, reference=reference,
                                                    actor=actor, note=note)
    except IntegrityError:  # a concurrent replay of the same reference won the race
        replay = StoreCreditEntry.objects.filter(reference=reference, reason=reason).first() if reference else None
        if replay is None:
            raise
        return replay
    before = locked.credit_balance
    Customer.objects.filter(pk=locked.pk).update(credit_balance=F("credit_balance") + amount, updated_at=timezone.now())
    customer.credit_balance = before + amount
    audit_record(actor=actor, action=f"customer.credit_{reason}", obj=locked,
                 before={"credit_balance": before}, after={"credit_balance": before + amount, "reference": reference},
                 note=note)
    return entry
