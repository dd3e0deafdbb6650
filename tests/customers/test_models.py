"""Invariants the database holds even when the services are bypassed."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from apps.customers.models import Customer, LoyaltyTier, PointsEntry
from apps.customers.services import customer_create, customer_update, points_earn
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("in_shop_a")


def _raw_customer(**fields) -> Customer:
    defaults = {"full_name": "Raw", "name_search": "raw", "phone": "+989120000001"}
    return Customer.objects.create(**(defaults | fields))


def _violates(constraint: str):
    return pytest.raises(IntegrityError, match=constraint)


def test_the_four_tiers_are_seeded():
    tiers = list(LoyaltyTier.objects.values_list("code", "threshold_points", "multiplier"))
    assert tiers == [
        ("bronze", 0, Decimal("1.00")),
        ("silver", 1_000, Decimal("1.25")),
        ("gold", 5_000, Decimal("1.50")),
        ("platinum", 20_000, Decimal("2.00")),
    ]


def test_a_new_customer_starts_in_bronze():
    assert _raw_customer().tier_id == "bronze"


def test_database_rejects_a_duplicate_phone():
    CustomerFactory(phone="09121234567")
    # Matched on the key, not the constraint name: cloned shops rename it.
    with _violates(r"Key \(phone\)=\(\+989121234567\) already exists"), transaction.atomic():
        _raw_customer(phone="+989121234567")


def test_database_rejects_a_phone_that_is_not_normalized():
    with _violates("customers_customer_phone_e164"), transaction.atomic():
        _raw_customer(phone="09121234567")


def test_the_same_phone_can_belong_to_a_customer_in_each_shop(shop_a, shop_b):
    in_a = customer_create(full_name="علی رضایی", phone="09125550000")
    connection.set_tenant(shop_b)
    in_b = customer_create(full_name="Ali Rezaei", phone="+989125550000")
    assert Customer.objects.filter(phone="+989125550000").get() == in_b
    connection.set_tenant(shop_a)
    assert Customer.objects.filter(phone="+989125550000").get() == in_a
    assert in_a.pk != in_b.pk


def test_database_rejects_a_negative_balance():
    customer = CustomerFactory()
    with _violates("customers_customer_points_balance_non_negative"), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(points_balance=-1)


@pytest.mark.parametrize(
    ("points", "reason", "constraint"),
    [
        (0, "adjust", "customers_points_non_zero"),
        (-5, "earn", "customers_points_sign_matches_reason"),
        (5, "redeem", "customers_points_sign_matches_reason"),
        (5, "reverse", "customers_points_sign_matches_reason"),
    ],
)
def test_database_rejects_ledger_rows_with_the_wrong_sign(points, reason, constraint):
    customer = CustomerFactory()
    with _violates(constraint), transaction.atomic():
        PointsEntry.objects.create(customer=customer, points=points, reason=reason)


def test_database_rejects_a_second_earn_for_the_same_reference():
    customer = CustomerFactory()
    points_earn(customer=customer, points=10, reference="sale-1")
    with _violates("customers_points_reference_reason_unique"), transaction.atomic():
        PointsEntry.objects.create(customer=customer, points=10, reason="earn", reference="sale-1")


def test_entries_without_reference_may_repeat():
    customer = CustomerFactory()
    PointsEntry.objects.create(customer=customer, points=3, reason="adjust")
    PointsEntry.objects.create(customer=customer, points=3, reason="adjust")
    assert customer.points_entries.count() == 2


def test_a_customer_with_ledger_rows_cannot_be_deleted_even_in_sql():
    customer = CustomerFactory()
    points_earn(customer=customer, points=10, reference="sale-1")
    with _violates("customers_pointsentr_customer_id"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred to commit
        cursor.execute("DELETE FROM customers_customer WHERE id = %s", [customer.pk])


def _sequence_now() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM sync_change_seq")
        return cursor.fetchone()[0]


def test_change_number_is_stamped_from_the_shop_sequence_on_insert():
    customer = CustomerFactory()
    assert customer.change_number == _sequence_now() > 0
    customer.refresh_from_db()
    assert customer.change_number == _sequence_now()


def test_change_number_moves_on_every_update_even_a_raw_one():
    customer = CustomerFactory()
    first = customer.change_number

    customer_update(customer=customer, notes="Prefers 18k")
    assert customer.change_number > first
    assert customer.change_number == Customer.objects.get(pk=customer.pk).change_number

    second = customer.change_number
    Customer.objects.filter(pk=customer.pk).update(notes="Prefers 21k")
    assert Customer.objects.get(pk=customer.pk).change_number > second


def test_change_number_cannot_be_chosen_by_the_writer():
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(change_number=1)
    assert Customer.objects.get(pk=customer.pk).change_number == _sequence_now() != 1
