"""Row locks taken by the customer services, one function per locking query."""
from apps.customers.models import Customer


def customer_lock(*, customer_id) -> Customer:
    """Serializes every change to one customer's points: the balance check
    and the ledger write must see the same balance."""
    return Customer.objects.select_for_update(of=("self",)).select_related("tier").get(pk=customer_id)


def customers_lock(*, customer_ids) -> dict:
    """Several customers (a merge), locked in primary-key order so that two
    merges of the same pair, either way round, cannot deadlock."""
    rows = Customer.objects.select_for_update(of=("self",)).select_related("tier").filter(pk__in=list(customer_ids)).order_by("pk")
    return {customer.pk: customer for customer in rows}
