"""
Deactivating a customer and folding a duplicate into the one kept.

The kept customer takes the dropped one's points entries (moved, not
copied: a later return of a sale that earned them must find them on the
customer the sale now names) with both cached sums, and the store credit
through the credit ledger (merge_out / merge_in, reference "merge:<id>").
The dropped customer stays as a tombstone (is_deleted, stamped with a new
change number by the trigger) so POS terminals learn of it. The sales
themselves are the sales app's records: apps.sales.customer_merge moves
them and calls `customer_ledgers_merge` in the same transaction.
"""
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.customers.credit import store_credit_post
from apps.customers.lock_objects import customer_lock, customers_lock
from apps.customers.models import Customer, PointsEntry, StoreCreditEntry
from apps.customers.services import _tier_promoted


def merge_reference(dropped_id) -> str:
    return f"merge:{dropped_id}"


def customers_lock_for_merge(*, kept_id, dropped_id) -> tuple[Customer, Customer]:
    """Both rows locked (primary-key order) and checked: two live, different customers."""
    if str(kept_id) == str(dropped_id):
        raise ApplicationError("merge_into_itself", "A customer cannot be merged into itself.")
    locked = customers_lock(customer_ids=[kept_id, dropped_id])
    kept, dropped = locked.get(kept_id), locked.get(dropped_id)
    if kept is None or dropped is None:
        raise ApplicationError("customer_not_found", "No such customer.", status=404)
    if kept.is_deleted or dropped.is_deleted:
        raise ApplicationError("customer_deleted", "A deleted customer cannot be merged, nor merged into.", status=409)
    return kept, dropped


@transaction.atomic
def customer_ledgers_merge(*, kept: Customer, dropped: Customer, actor) -> dict:
    """Moves points and store credit from `dropped` to `kept` and leaves
    `dropped` a tombstone; the caller holds both rows (customers_lock_for_merge)."""
    entries = PointsEntry.objects.filter(customer_id=dropped.pk).update(customer_id=kept.pk)
    points, lifetime = dropped.points_balance, dropped.lifetime_points
    changes = {"points_balance": F("points_balance") + points, "lifetime_points": F("lifetime_points") + lifetime,
               "updated_at": timezone.now()}
    promoted = _tier_promoted(current=kept.tier, lifetime_points=kept.lifetime_points + lifetime)
    if promoted is not None:
        changes["tier"] = promoted
    Customer.objects.filter(pk=kept.pk).update(**changes)
    Customer.objects.filter(pk=dropped.pk).update(points_balance=0, lifetime_points=0, is_deleted=True, updated_at=timezone.now())

    credit = dropped.credit_balance
    if credit > 0:
        reference = merge_reference(dropped.pk)
        # The other side, by name and phone (the reason says which way): shown as is in either language.
        store_credit_post(customer=dropped, amount=-credit, reason=StoreCreditEntry.Reason.MERGE_OUT, reference=reference,
                          actor=actor, note=f"{kept.full_name} ({kept.phone})")
        store_credit_post(customer=kept, amount=credit, reason=StoreCreditEntry.Reason.MERGE_IN, reference=reference,
                          actor=actor, note=f"{dropped.full_name} ({dropped.phone})")
    kept.refresh_from_db()
    dropped.refresh_from_db()
    return {"points_entries": entries, "points": points, "lifetime_points": lifetime, "credit": credit}


@transaction.atomic
def customer_deactivate(*, customer: Customer, actor) -> Customer:
    """A tombstone: gone from lists, searches and the counter (sales refuse
    it), kept for its sales and ledgers, and sent to terminals as deleted.
    A customer still holding store credit is merged or paid out first."""
    if actor is None or not actor.has_perm("accounts.manage_customers"):
        raise ApplicationError("permission_denied", "You are not allowed to change customers.", status=403)
    locked = customer_lock(customer_id=customer.pk)
    if locked.is_deleted:
        raise ApplicationError("customer_deleted", "This customer is already deactivated.", status=409)
    if locked.credit_balance > 0:
        raise ApplicationError("customer_has_credit", "This customer still has store credit: spend it, or merge the customer "
                               "into another, before deactivating.", status=409)
    Customer.objects.filter(pk=locked.pk).update(is_deleted=True, updated_at=timezone.now())
    customer.refresh_from_db()
    audit_record(actor=actor, action="customer.deactivate", obj=customer, before={"is_deleted": False}, after={"is_deleted": True})
    return customer
