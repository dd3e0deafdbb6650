"""
Merging a duplicate customer into the one kept: the dropped one's sales
become the kept one's (the sales are this app's records, so the move is
here), then the customers app moves the points and store credit and leaves
the dropped customer a tombstone (apps.customers.merging). One transaction,
both customers locked first; a sale being recorded for either customer
holds its row (services._check_parties), so a sale and a merge of the same
customer follow one another and no sale is left on the tombstone.
"""
from django.db import transaction

from apps.core.services import audit_record
from apps.customers.merging import customer_ledgers_merge, customers_lock_for_merge
from apps.customers.models import Customer
from apps.sales import rules
from apps.sales.models import Sale


@transaction.atomic
def customer_merge(*, kept: Customer, dropped: Customer, actor) -> Customer:
    """Folds `dropped` into `kept`; returns `kept` with its new balances.
    Refused: merge_into_itself, customer_deleted (409), permission_denied."""
    rules.require_perm(actor, "accounts.manage_customers", "merge customers")
    kept, dropped = customers_lock_for_merge(kept_id=kept.pk, dropped_id=dropped.pk)
    before = {"kept": _state(kept), "dropped": _state(dropped)}
    sales = Sale.objects.filter(customer_id=dropped.pk).update(customer_id=kept.pk)
    moved = customer_ledgers_merge(kept=kept, dropped=dropped, actor=actor)
    audit_record(actor=actor, action="customer.merge", obj=kept, before=before,
                 after={"kept": _state(kept), "dropped_id": str(dropped.pk), "sales": sales, **moved},
                 note=f"{dropped.full_name} ({dropped.phone}) merged into {kept.full_name} ({kept.phone})")
    return kept


def _state(customer: Customer) -> dict:
    return {"id": str(customer.pk), "full_name": customer.full_name, "phone": customer.phone,
            "points_balance": customer.points_balance, "lifetime_points": customer.lifetime_points,
            "credit_balance": customer.credit_balance}
