import uuid

import pytest

from apps.core.errors import ApplicationError
from apps.customers.selectors import customer_get, customer_points_history, customer_search
from apps.customers.services import customer_update, points_earn, points_redeem
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("in_shop_a")


def _names(query: str, **kwargs) -> list[str]:
    return [c.full_name for c in customer_search(query=query, **kwargs)]


# Customer search treats Arabic ي/ك and Persian ی/ک as the same letters, in
# both directions: stored one way, typed the other.
@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("علی رضایی", "علي"),
        ("علي رضايي", "علی"),
        ("کاظم محمدی", "كاظم"),
        ("كاظم محمدي", "کاظم"),
        ("مصطفى", "مصطفی"),
        ("علی‌رضا", "علي رضا"),  # ZWNJ stored, space typed
    ],
)
def test_name_search_ignores_arabic_and_persian_letter_variants(stored, typed):
    CustomerFactory(full_name=stored)
    CustomerFactory(full_name="Someone Else")
    assert _names(typed) == [stored]


def test_every_word_must_match_in_any_order():
    CustomerFactory(full_name="علی کاظمی")
    CustomerFactory(full_name="علی رضایی")
    assert _names("كاظمي علي") == ["علی کاظمی"]


def test_latin_names_match_whatever_the_case():
    CustomerFactory(full_name="Ali Rezaei")
    assert _names("REZ") == ["Ali Rezaei"]


@pytest.mark.parametrize("typed", ["0912 555", "۰۹۱۲۵۵۵", "+98912555", "00989125550", "5550101", "٥٥٥٠١٠١"])
def test_phone_search_matches_partial_numbers_in_any_digits(typed):
    CustomerFactory(full_name="Sara", phone="09125550101")
    CustomerFactory(full_name="Reza", phone="09137770202")
    assert _names(typed) == ["Sara"]


def test_very_short_digit_queries_do_not_match_every_phone():
    CustomerFactory(full_name="Sara", phone="09125550101")
    assert _names("09") == []


def test_email_search():
    CustomerFactory(full_name="Sara", email="sara.k@example.com")
    CustomerFactory(full_name="Reza", email="reza@example.com")
    assert _names("Sara.K@") == ["Sara"]


def test_names_starting_with_the_query_come_first_and_limit_holds():
    CustomerFactory(full_name="محمد علی")
    CustomerFactory(full_name="علی محمدی")
    CustomerFactory(full_name="حسن علیزاده")
    assert _names("علی") == ["علی محمدی", "حسن علیزاده", "محمد علی"]
    assert _names("علی", limit=1) == ["علی محمدی"]


def test_deleted_customers_are_not_found():
    gone = CustomerFactory(full_name="کاظم")
    customer_update(customer=gone, is_deleted=True)
    assert _names("کاظم") == []


@pytest.mark.parametrize("query", ["", "   ", "\u200c", "ـ"])
def test_a_blank_query_finds_nothing(query):
    CustomerFactory()
    assert customer_search(query=query) == []


def test_customer_get():
    customer = CustomerFactory()
    assert customer_get(customer_id=customer.pk) == customer
    assert customer_get(customer_id=str(customer.pk)) == customer
    customer_update(customer=customer, is_deleted=True)
    assert customer_get(customer_id=customer.pk, include_deleted=True) == customer
    for unknown in (customer.pk, uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(ApplicationError, check=lambda exc: exc.code == "customer_not_found" and exc.status == 404):
            customer_get(customer_id=unknown)


def test_points_history_is_newest_first_and_only_the_customers():
    customer, other = CustomerFactory(), CustomerFactory()
    earn = points_earn(customer=customer, points=100, reference="sale-1")
    points_earn(customer=other, points=100, reference="sale-2")
    redeem = points_redeem(customer=customer, points=40)
    assert list(customer_points_history(customer=customer)) == [redeem, earn]
