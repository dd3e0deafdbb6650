"""Merging a duplicate customer: sales, points and store credit move to the
one kept, balances stay the ledgers' sums, the other is a tombstone the
terminals learn of; refusals; audited. And deactivating a customer."""
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.core.models import AuditEntry
from apps.customers.credit import store_credit_post
from apps.customers.merging import customer_deactivate
from apps.customers.models import Customer, PointsEntry, StoreCreditEntry
from apps.customers.services import points_earn
from apps.sales.customer_merge import customer_merge
from apps.sales.loyalty import loyalty_sale_settle
from apps.sales.reversals import sale_void
from tests.customers.factories import CustomerFactory
from tests.helpers import assert_error, fresh


def points_sum(customer) -> int:
    return PointsEntry.objects.filter(customer=customer).aggregate(s=Sum("points", default=0))["s"]


def credit_sum(customer) -> Decimal:
    return StoreCreditEntry.objects.filter(customer=customer).aggregate(s=Sum("amount", default=Decimal(0)))["s"]


@pytest.fixture
def pair(shop):
    return CustomerFactory(full_name="Negar Rahimi"), CustomerFactory(full_name="Negar Rahimi (dup)")


def test_sales_points_and_credit_move_to_the_kept_customer(pair, make_item, gold_rate, sell, manager):
    kept, dropped = pair
    sale = sell(make_item(), customer=dropped)
    loyalty_sale_settle(sale_id=sale.pk)  # what the outbox consumer does
    earned = fresh(dropped).points_balance
    assert earned > 0
    points_earn(customer=kept, points=7, reference="other-sale")
    store_credit_post(customer=dropped, amount=Decimal("250000"), reason="refund", reference="return:a")
    store_credit_post(customer=kept, amount=Decimal("1000"), reason="refund", reference="return:b")
    change_before = fresh(dropped).change_number

    customer_merge(kept=kept, dropped=dropped, actor=manager)

    kept, dropped = fresh(kept), fresh(dropped)
    assert list(kept.sales.values_list("pk", flat=True)) == [sale.pk] and not dropped.sales.exists()
    assert (kept.points_balance, kept.lifetime_points) == (earned + 7, earned + 7) and kept.points_balance == points_sum(kept)
    assert (dropped.points_balance, dropped.lifetime_points, points_sum(dropped)) == (0, 0, 0)
    assert kept.credit_balance == Decimal("251000") == credit_sum(kept)
    assert dropped.credit_balance == 0 == credit_sum(dropped)
    reasons = set(StoreCreditEntry.objects.filter(reference=f"merge:{dropped.pk}").values_list("customer_id", "reason"))
    assert reasons == {(dropped.pk, "merge_out"), (kept.pk, "merge_in")}
    assert dropped.is_deleted and dropped.change_number > change_before  # the terminals' next pull has the tombstone
    entry = AuditEntry.objects.get(action="customer.merge", object_id=str(kept.pk))
    assert entry.actor_id == manager.pk and entry.after["sales"] == 1 and entry.after["dropped_id"] == str(dropped.pk)


def test_a_moved_sale_voided_later_takes_its_points_back_from_the_kept_customer(pair, make_item, gold_rate, sell, manager):
    kept, dropped = pair
    sale = sell(make_item(), customer=dropped)
    loyalty_sale_settle(sale_id=sale.pk)
    customer_merge(kept=kept, dropped=dropped, actor=manager)
    assert fresh(kept).points_balance > 0
    sale_void(sale=fresh(sale), actor=manager, reason="wrong ring")
    loyalty_sale_settle(sale_id=sale.pk)
    assert fresh(kept).points_balance == 0 == points_sum(fresh(kept))


def test_merging_into_itself_or_with_a_deleted_customer_is_refused(pair, manager):
    kept, dropped = pair
    assert_error("merge_into_itself", customer_merge, kept=kept, dropped=kept, actor=manager)
    customer_merge(kept=kept, dropped=dropped, actor=manager)
    assert_error("customer_deleted", customer_merge, kept=kept, dropped=fresh(dropped), actor=manager)
    assert_error("customer_deleted", customer_merge, kept=fresh(dropped), dropped=kept, actor=manager)
    assert not AuditEntry.objects.filter(action="customer.merge", object_id=str(dropped.pk)).exists()


def test_a_sale_to_a_merged_customer_is_refused(pair, make_item, gold_rate, sell, manager):
    kept, dropped = pair
    stale = Customer.objects.get(pk=dropped.pk)  # a counter still holding the old record
    customer_merge(kept=kept, dropped=dropped, actor=manager)
    assert_error("customer_not_found", sell, make_item(), customer=stale)


def test_only_staff_who_manage_customers_merge(pair, cashier):
    kept, dropped = pair
    cashier.is_active = False
    assert_error("permission_denied", customer_merge, kept=kept, dropped=dropped, actor=cashier)
    assert not fresh(dropped).is_deleted


def test_deactivating_leaves_a_tombstone_and_is_audited(pair, cashier):
    customer, _ = pair
    before = fresh(customer).change_number
    customer_deactivate(customer=customer, actor=cashier)
    stored = fresh(customer)
    assert stored.is_deleted and stored.change_number > before
    assert AuditEntry.objects.filter(action="customer.deactivate", object_id=str(customer.pk)).count() == 1
    assert_error("customer_deleted", customer_deactivate, customer=stored, actor=cashier)


def test_a_customer_with_store_credit_is_merged_not_deactivated(pair, cashier):
    customer, _ = pair
    store_credit_post(customer=customer, amount=Decimal("10"), reason="refund", reference="return:x")
    assert_error("customer_has_credit", customer_deactivate, customer=customer, actor=cashier)
    assert not fresh(customer).is_deleted
