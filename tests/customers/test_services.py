import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.customers.models import Customer, LoyaltyTier, PointsEntry
from apps.customers.services import (
    customer_create,
    customer_update,
    loyalty_tier_update,
    points_adjust,
    points_earn,
    points_for_purchase,
    points_redeem,
    points_reverse,
)
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("in_shop_a")


def _error(code: str):
    """pytest.raises for an ApplicationError with this code."""
    return pytest.raises(ApplicationError, check=lambda exc: exc.code == code)


def assert_balances_match_ledger(customer: Customer) -> None:
    customer.refresh_from_db()
    sums = PointsEntry.objects.filter(customer=customer).aggregate(
        balance=Sum("points", default=0),
        lifetime=Sum("points", filter=Q(reason__in=["earn", "reverse"]), default=0),
    )
    assert (customer.points_balance, customer.lifetime_points) == (sums["balance"], sums["lifetime"])


# --------------------------------------------------------------------------
# customer_create / customer_update
# --------------------------------------------------------------------------


def test_create_stores_the_normalized_phone_and_searchable_name():
    customer = customer_create(full_name="  علي   كاظمي ", phone="۰۹۱۲ ۱۲۳ ۴۵۶۷", email=" Ali@Example.COM ")
    customer.refresh_from_db()
    assert customer.full_name == "علي كاظمي"
    assert customer.name_search == "علی کاظمی"
    assert customer.phone == "+989121234567"
    assert customer.email == "ali@example.com"
    assert customer.tier_id == "bronze"
    assert (customer.points_balance, customer.lifetime_points) == (0, 0)


@pytest.mark.parametrize("name", ["", "   ", "\u200c"])
def test_create_requires_a_name(name):
    with _error("name_required"):
        customer_create(full_name=name.replace("\u200c", " "), phone="09121234567")
    assert not Customer.objects.exists()


def test_create_refuses_an_invalid_phone_with_the_reason():
    with _error("invalid_phone") as caught:
        customer_create(full_name="Sara", phone="0912-abc")
    assert "only digits" in caught.value.message
    assert caught.value.details[0]["field"] == "phone"


def test_create_refuses_an_invalid_email():
    with _error("invalid_email"):
        customer_create(full_name="Sara", phone="09121234567", email="not-an-email")


def test_a_phone_written_another_way_is_still_taken():
    first = customer_create(full_name="Sara", phone="09121234567")
    with _error("phone_taken") as caught:
        customer_create(full_name="Someone else", phone="+98 912 123 4567")
    assert caught.value.status == 409
    assert caught.value.details[0]["customer_id"] == str(first.pk)
    assert Customer.objects.count() == 1


def test_a_pos_can_choose_the_id_and_replay_the_creation():
    chosen = uuid.uuid4()
    first = customer_create(full_name="Sara", phone="09121234567", customer_id=chosen)
    again = customer_create(full_name="Sara", phone="0912 123 4567", customer_id=chosen)
    assert first.pk == again.pk == chosen
    assert Customer.objects.count() == 1


def test_a_chosen_id_used_by_another_customer_is_refused():
    chosen = uuid.uuid4()
    customer_create(full_name="Sara", phone="09121234567", customer_id=chosen)
    with _error("customer_id_taken"):
        customer_create(full_name="Reza", phone="09127654321", customer_id=chosen)


def test_update_keeps_the_search_name_and_phone_normalized():
    customer = CustomerFactory()
    customer_update(customer=customer, full_name="كاظم", phone="٠٩١٢٧٧٧٨٨٨٨", birthday=None)
    customer.refresh_from_db()
    assert (customer.name_search, customer.phone) == ("کاظم", "+989127778888")


def test_update_to_a_taken_phone_is_refused_but_keeping_ones_own_is_fine():
    sara = CustomerFactory(phone="09121111111")
    reza = CustomerFactory(phone="09122222222")
    customer_update(customer=sara, phone="+989121111111")
    with _error("phone_taken") as caught:
        customer_update(customer=reza, phone="09121111111")
    assert caught.value.details[0]["customer_id"] == str(sara.pk)


@pytest.mark.parametrize("field", ["points_balance", "lifetime_points", "change_number", "id"])
def test_balances_and_stamps_cannot_be_set_through_update(field):
    customer = CustomerFactory()
    with _error("invalid_field"):
        customer_update(customer=customer, **{field: 5})


def test_a_manager_can_set_the_tier_by_code():
    customer = CustomerFactory()
    customer_update(customer=customer, tier="gold")
    assert Customer.objects.get(pk=customer.pk).tier_id == "gold"
    with _error("invalid_tier"):
        customer_update(customer=customer, tier="diamond")


# --------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------


def test_earn_redeem_reverse_keep_balances_equal_to_the_ledger():
    customer = CustomerFactory()
    points_earn(customer=customer, points=300, reference="sale-1")
    points_earn(customer=customer, points=200, reference="sale-2")
    assert (customer.points_balance, customer.lifetime_points) == (500, 500)

    points_redeem(customer=customer, points=150, reference="sale-3")
    assert (customer.points_balance, customer.lifetime_points) == (350, 500)

    points_reverse(customer=customer, reference="sale-2")
    assert (customer.points_balance, customer.lifetime_points) == (150, 300)
    assert_balances_match_ledger(customer)


def test_a_replayed_earn_returns_the_first_entry_and_changes_nothing():
    customer = CustomerFactory()
    first = points_earn(customer=customer, points=100, reference="sale-1")
    stamp = customer.change_number

    again = points_earn(customer=customer, points=999, reference="sale-1")

    assert again.pk == first.pk and again.points == 100
    customer.refresh_from_db()
    assert (customer.points_balance, customer.lifetime_points, customer.change_number) == (100, 100, stamp)
    assert PointsEntry.objects.filter(reference="sale-1").count() == 1
    # The duplicate insert failed inside a savepoint: the transaction goes on.
    points_earn(customer=customer, points=1, reference="sale-2")
    assert_balances_match_ledger(customer)


def test_earn_needs_a_reference_and_positive_points():
    customer = CustomerFactory()
    with _error("reference_required"):
        points_earn(customer=customer, points=10, reference="")
    for bad in (0, -5, Decimal("1"), 2.5, True):
        with _error("invalid_points"):
            points_earn(customer=customer, points=bad, reference="sale-1")
    assert not PointsEntry.objects.exists()


def test_redeeming_more_than_the_balance_is_refused_and_writes_nothing():
    customer = CustomerFactory()
    points_earn(customer=customer, points=100, reference="sale-1")
    with _error("insufficient_points") as caught:
        points_redeem(customer=customer, points=101)
    assert caught.value.details[0]["balance"] == 100
    assert customer.points_entries.count() == 1
    points_redeem(customer=customer, points=100)
    assert customer.points_balance == 0
    assert_balances_match_ledger(customer)


def test_a_replayed_redemption_is_not_taken_twice():
    customer = CustomerFactory()
    points_earn(customer=customer, points=100, reference="sale-1")
    first = points_redeem(customer=customer, points=60, reference="sale-2")
    again = points_redeem(customer=customer, points=60, reference="sale-2")
    assert again.pk == first.pk
    assert Customer.objects.get(pk=customer.pk).points_balance == 40


def test_reverse_takes_back_exactly_what_was_earned_once():
    customer = CustomerFactory()
    earned = points_earn(customer=customer, points=120, reference="sale-1")
    reversed_ = points_reverse(customer=customer, reference="sale-1")
    again = points_reverse(customer=customer, reference="sale-1")
    assert reversed_.points == -earned.points
    assert again.pk == reversed_.pk
    assert (customer.points_balance, customer.lifetime_points) == (0, 0)
    assert_balances_match_ledger(customer)


def test_reverse_of_something_never_earned_is_refused():
    sara, reza = CustomerFactory(), CustomerFactory()
    points_earn(customer=sara, points=50, reference="sale-1")
    for customer, reference in ((sara, "sale-404"), (sara, ""), (reza, "sale-1")):
        with _error("points_not_found"):
            points_reverse(customer=customer, reference=reference)


def test_reverse_after_the_points_were_spent_is_refused():
    customer = CustomerFactory()
    points_earn(customer=customer, points=100, reference="sale-1")
    points_redeem(customer=customer, points=80)
    with _error("insufficient_points"):
        points_reverse(customer=customer, reference="sale-1")
    assert Customer.objects.get(pk=customer.pk).points_balance == 20


def test_tier_rises_exactly_at_each_threshold():
    customer = CustomerFactory()
    steps = [(999, "bronze"), (1, "silver"), (3_999, "silver"), (1, "gold"), (14_999, "gold"), (1, "platinum")]
    for n, (points, tier) in enumerate(steps):
        points_earn(customer=customer, points=points, reference=f"sale-{n}")
        assert customer.tier_id == tier, f"after {customer.lifetime_points} lifetime points"
    assert Customer.objects.get(pk=customer.pk).tier_id == "platinum"


def test_tiers_do_not_fall_by_themselves():
    customer = CustomerFactory()
    points_earn(customer=customer, points=1_200, reference="sale-1")
    assert customer.tier_id == "silver"
    points_redeem(customer=customer, points=1_000)
    assert (customer.lifetime_points, customer.tier_id) == (1_200, "silver")

    other = CustomerFactory()
    points_earn(customer=other, points=1_000, reference="sale-2")
    points_reverse(customer=other, reference="sale-2")
    assert (other.lifetime_points, other.tier_id) == (0, "silver")


def test_a_lowered_threshold_promotes_on_the_next_points_change():
    customer = CustomerFactory()
    points_earn(customer=customer, points=700, reference="sale-1")
    loyalty_tier_update(tier=LoyaltyTier.objects.get(pk="silver"), threshold_points=500)
    assert Customer.objects.get(pk=customer.pk).tier_id == "bronze"
    points_earn(customer=customer, points=1, reference="sale-2")
    assert customer.tier_id == "silver"


def test_an_adjustment_is_audited_and_leaves_lifetime_points_alone(shop_a):
    manager = User.objects.get(email="manager@shop-a.test")
    customer = CustomerFactory()
    points_earn(customer=customer, points=100, reference="sale-1")
    points_adjust(customer=customer, points=-30, note="Typo at the counter", actor=manager)
    assert (customer.points_balance, customer.lifetime_points) == (70, 100)
    audit = AuditEntry.objects.get(action="customer.points_adjust", object_id=str(customer.pk))
    assert (audit.actor, audit.before, audit.after) == (manager, {"points_balance": 100}, {"points_balance": 70})
    with _error("insufficient_points"):
        points_adjust(customer=customer, points=-71, note="Too much", actor=manager)
    with _error("note_required"):
        points_adjust(customer=customer, points=5, note=" ", actor=manager)
    assert_balances_match_ledger(customer)


def test_the_points_services_change_the_sync_stamp():
    customer = CustomerFactory()
    before = customer.change_number
    points_earn(customer=customer, points=10, reference="sale-1")
    assert customer.change_number > before


operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 3_000), st.integers(0, 5)),
        st.tuples(st.just("redeem"), st.integers(1, 3_000), st.integers(0, 5)),
        st.tuples(st.just("reverse"), st.just(0), st.integers(0, 5)),
    ),
    max_size=12,
)


class _RollBack(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_points_operations_keeps_the_ledger_invariants(ops):
    # Each example runs in its own savepoint, rolled back at the end.
    try:
        with transaction.atomic():
            customer = CustomerFactory()
            for reason, points, sale in ops:
                try:
                    if reason == "earn":
                        points_earn(customer=customer, points=points, reference=f"sale-{sale}")
                    elif reason == "redeem":
                        points_redeem(customer=customer, points=points)
                    else:
                        points_reverse(customer=customer, reference=f"sale-{sale}")
                except ApplicationError as exc:
                    assert exc.code in {"insufficient_points", "points_not_found"}
                assert customer.points_balance >= 0
                assert_balances_match_ledger(customer)
                expected = LoyaltyTier.objects.filter(threshold_points__lte=customer.lifetime_points).last()
                assert customer.tier.threshold_points >= expected.threshold_points
            raise _RollBack
    except _RollBack:
        pass


# --------------------------------------------------------------------------
# points_for_purchase
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "amount", "exponent", "points"),
    [
        ("bronze", Decimal("999999"), 0, 0),
        ("bronze", Decimal("1000000"), 0, 1),
        ("bronze", Decimal("385000000"), 0, 385),
        ("silver", Decimal("4000000"), 0, 5),
        ("gold", Decimal("1500000"), 0, 2),  # 1.5 units x 1.50 = 2.25: rounded once, at the end
        ("platinum", Decimal("999999"), 0, 1),
        ("bronze", Decimal("99.99"), 2, 0),
        ("bronze", Decimal("250.00"), 2, 2),
        ("gold", Decimal("250.00"), 2, 3),
        ("gold", Decimal("0"), 2, 0),
        ("gold", Decimal("-500.00"), 2, 0),
    ],
)
def test_points_for_purchase(tier, amount, exponent, points):
    customer = CustomerFactory()
    customer_update(customer=customer, tier=tier)
    assert points_for_purchase(customer=customer, amount=amount, currency_exponent=exponent) == points


def test_points_for_purchase_refuses_floats_and_unknown_currencies():
    customer = CustomerFactory()
    with pytest.raises(TypeError):
        points_for_purchase(customer=customer, amount=1_000_000.0, currency_exponent=0)
    with pytest.raises(ValueError):
        points_for_purchase(customer=customer, amount=Decimal("1000"), currency_exponent=3)
