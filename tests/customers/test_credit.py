"""Store credit: the balance is always the ledger's sum, never negative, and
a referenced entry counts once, even when two transactions race for it."""
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.customers.credit import store_credit_post
from apps.customers.models import Customer, StoreCreditEntry
from tests.conftest import run_committed
from tests.customers.factories import CustomerFactory


def _error(code: str):
    return pytest.raises(ApplicationError, check=lambda exc: exc.code == code)


def _ledger_sum(customer) -> Decimal:
    return StoreCreditEntry.objects.filter(customer=customer).aggregate(s=Sum("amount", default=Decimal(0)))["s"]


@pytest.mark.usefixtures("in_shop_a")
class TestPost:
    def test_credit_then_spend_keeps_the_balance_equal_to_the_ledger(self):
        customer = CustomerFactory()
        store_credit_post(customer=customer, amount=Decimal("1500000"), reason="refund", reference="return:1")
        store_credit_post(customer=customer, amount=Decimal("-400000"), reason="spend", reference="sale:1")
        customer.refresh_from_db()
        assert customer.credit_balance == Decimal("1100000") == _ledger_sum(customer)
        assert AuditEntry.objects.filter(action="customer.credit_spend", object_id=str(customer.pk)).count() == 1

    def test_spending_more_than_the_balance_is_refused_and_changes_nothing(self):
        customer = CustomerFactory()
        store_credit_post(customer=customer, amount=Decimal("100"), reason="trade_in", reference="sale:2")
        with _error("insufficient_credit"):
            store_credit_post(customer=customer, amount=Decimal("-101"), reason="spend", reference="sale:3")
        customer.refresh_from_db()
        assert customer.credit_balance == Decimal("100") == _ledger_sum(customer)

    def test_a_replayed_reference_counts_once(self):
        customer = CustomerFactory()
        first = store_credit_post(customer=customer, amount=Decimal("50"), reason="refund", reference="return:9")
        again = store_credit_post(customer=customer, amount=Decimal("50"), reason="refund", reference="return:9")
        assert again.pk == first.pk
        customer.refresh_from_db()
        assert customer.credit_balance == Decimal("50")

    @pytest.mark.parametrize("amount,reason", [
        ("0", "refund"), ("-5", "refund"), ("5", "spend"), ("1e20", "refund"), ("0.001", "refund"), ("NaN", "refund"),
        ("abc", "refund"),
    ])
    def test_bad_amounts_are_refused(self, amount, reason):
        customer = CustomerFactory()
        with _error("invalid_credit_amount"):
            store_credit_post(customer=customer, amount=amount, reason=reason)
        assert not StoreCreditEntry.objects.filter(customer=customer).exists()

    def test_an_adjustment_needs_a_note(self):
        customer = CustomerFactory()
        with _error("note_required"):
            store_credit_post(customer=customer, amount=Decimal("10"), reason="adjust")


def _race(shop, customer_id) -> list:
    barrier, outcomes = threading.Barrier(2), []

    def spend(reference):
        try:
            connection.set_tenant(shop)
            barrier.wait(30)
            store_credit_post(customer=Customer.objects.get(pk=customer_id), amount=Decimal("-70"), reason="spend",
                              reference=reference)
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(f"sale:race-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_concurrent_spends_cannot_overdraw(shop_a):
    """Real threads, each on its own connection and committing: the customer
    row lock makes the second spend see the first one's balance."""
    def make():
        connection.set_tenant(shop_a)
        customer = CustomerFactory()
        store_credit_post(customer=customer, amount=Decimal("100"), reason="refund", reference=f"return:{customer.pk}")
        return customer.pk

    def state(customer_id):
        connection.set_tenant(shop_a)
        customer = Customer.objects.get(pk=customer_id)
        return customer.credit_balance, _ledger_sum(customer)

    def clean(customer_id):
        connection.set_tenant(shop_a)
        AuditEntry.objects.filter(object_id=str(customer_id)).delete()
        StoreCreditEntry.objects.filter(customer_id=customer_id).delete()
        Customer.objects.filter(pk=customer_id).delete()

    customer_id = run_committed(make)
    try:
        outcomes = run_committed(_race, shop_a, customer_id)
        assert sorted(outcomes) == ["insufficient_credit", "ok"]
        assert run_committed(state, customer_id) == (Decimal("30"), Decimal("30"))
    finally:
        run_committed(clean, customer_id)
