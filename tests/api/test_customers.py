import pytest
from django.db import connection

from apps.customers.models import Customer
from apps.customers.services import customer_create, points_earn
from tests.helpers import staff_client


@pytest.fixture
def cashier(world):
    return staff_client("a", "cashier")


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["full_name"] for c in response.json()["results"]]


@pytest.mark.parametrize(
    "search",
    ["علی", "علي رضايي", "رضایی", "0912 123 4567", "۰۹۱۲۱۲۳", "+98912"],  # Arabic yeh, Persian digits, phone spellings
)
def test_search_finds_the_customer_however_typed(cashier, search):
    assert names(cashier.get("/api/v1/customers/", {"search": search})) == ["علی رضایی"]


def test_names_starting_with_the_query_come_first(cashier, shop_a):
    connection.set_tenant(shop_a)
    customer_create(full_name="Mohammad Ali", phone="09350000001")
    customer_create(full_name="Ali Karimi", phone="09350000002")
    assert names(cashier.get("/api/v1/customers/", {"search": "ali"})) == ["Ali Karimi", "Mohammad Ali"]
    assert names(cashier.get("/api/v1/customers/")) == ["Ali Karimi", "Mohammad Ali", "علی رضایی"]


def test_cashier_registers_a_customer_with_a_normalized_phone(cashier, shop_a):
    response = cashier.post("/api/v1/customers/", {"full_name": "  Sara   Ahmadi ", "phone": "۰۹۱۲ ۷۶۵ ۴۳۲۱"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["full_name"], body["phone"], body["tier"]["code"], body["points_balance"]) == (
        "Sara Ahmadi", "+989127654321", "bronze", 0)
    connection.set_tenant(shop_a)
    assert Customer.objects.filter(phone="+989127654321").exists()


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"full_name": "X", "phone": "12"}, 400, "invalid_phone"),
        ({"full_name": "X", "phone": "09121234567"}, 409, "phone_taken"),  # the world's customer has it
        ({"full_name": "", "phone": "09120000000"}, 400, "validation_error"),
        ({"full_name": "X", "phone": "09120000000", "email": "nope"}, 400, "invalid_email"),
    ],
)
def test_bad_customers_are_refused(cashier, body, status, code):
    response = cashier.post("/api/v1/customers/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_detail_and_update(cashier, world):
    assert cashier.get(f"/api/v1/customers/{world.customer_id}/").json()["phone"] == "+989121234567"
    response = cashier.patch(f"/api/v1/customers/{world.customer_id}/", {"email": "Ali@Example.com", "notes": "VIP"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["email"], body["notes"], body["full_name"]) == ("ali@example.com", "VIP", "علی رضایی")


def test_points_cannot_be_set_through_an_update(cashier, world):
    response = cashier.patch(f"/api/v1/customers/{world.customer_id}/", {"points_balance": 1000}, format="json")
    assert response.status_code == 200
    assert response.json()["points_balance"] == 0


def test_purchase_history_lists_the_customers_sales(cashier, world):
    rows = cashier.get(f"/api/v1/customers/{world.customer_id}/purchases/").json()["results"]
    assert [(r["id"], r["total"], r["status"]) for r in rows] == [(str(world.sale_id), "53754400.00", "completed")]


def test_points_history_newest_first(cashier, world, shop_a):
    connection.set_tenant(shop_a)
    customer = Customer.objects.get(pk=world.customer_id)
    points_earn(customer=customer, points=53, reference=str(world.sale_id))
    points_earn(customer=customer, points=5, reference="bonus-1")
    rows = cashier.get(f"/api/v1/customers/{world.customer_id}/points/").json()["results"]
    assert [(r["points"], r["reason"]) for r in rows] == [(5, "earn"), (53, "earn")]
    assert cashier.get(f"/api/v1/customers/{world.customer_id}/").json()["points_balance"] == 58


def test_unknown_customer_is_404(cashier):
    for path in ("", "purchases/", "points/"):
        response = cashier.get(f"/api/v1/customers/00000000-0000-0000-0000-000000000000/{path}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "customer_not_found"
