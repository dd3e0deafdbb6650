from apps.customers.models import Customer
from apps.customers.services import customer_create, points_earn
from tests.helpers import text


def test_search_finds_persian_names_typed_with_arabic_letters(as_cashier):
    customer_create(full_name="علی کریمی", phone="09121234567")
    customer_create(full_name="Sara Ahmadi", phone="09350000000")
    page = text(as_cashier.get("/customers/", {"q": "علي كريمي"}))  # Arabic yeh and kaf
    assert "علی کریمی" in page and "Sara Ahmadi" not in page
    page = text(as_cashier.get("/customers/", {"q": "۰۹۱۲۱۲۳"}))  # Persian digits of the phone
    assert "علی کریمی" in page and "Sara Ahmadi" not in page


def test_profile_shows_tier_points_and_purchases(as_cashier):
    customer = customer_create(full_name="Reza", phone="09120000001")
    points_earn(customer=customer, points=1200, reference="sale-x")
    customer.refresh_from_db()
    page = text(as_cashier.get(f"/customers/{customer.pk}/"))
    assert "1,200" in page
    assert f"<strong>{customer.tier.name}</strong>" in page
    assert "No purchases yet." in page


def test_a_customer_is_created_from_the_form(as_cashier):
    response = as_cashier.post("/customers/new/", {"full_name": "Maryam", "phone": "0912 555 1234"})
    assert response.status_code == 302
    assert Customer.objects.get(full_name="Maryam").phone == "+989125551234"
    again = as_cashier.post("/customers/new/", {"full_name": "Other", "phone": "09125551234"})
    assert again.status_code == 200 and "already belongs" in text(again)
