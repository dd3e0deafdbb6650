"""Row locks taken by the customer services, one function per locking query."""
from apps.customers.models import Customer


def customer_lock(*, customer_id) -> Customer:
    """Serializes every change to one customer's points: the balance check
    and the ledger write must see the same balance."""
    return Customer.objects.select_for_update(of=("self",)).select_related("tier").get(pk=customer_id)
