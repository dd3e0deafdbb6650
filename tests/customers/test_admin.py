"""The admin writes through the services and never edits the ledger."""

from apps.customers.models import Customer
from apps.customers.services import points_earn
from tests.customers.factories import CustomerFactory


def test_adding_a_customer_normalizes_like_the_service(admin_client):
    response = admin_client.post(
        "/admin/customers/customer/add/",
        {"full_name": "علي كاظمي", "phone": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "email": "", "birthday": "", "notes": "", "tier": "bronze",
         "_continue": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get()
    assert (customer.phone, customer.name_search) == ("+989121234567", "علی کاظمی")
    assert response["Location"].endswith(f"/admin/customers/customer/{customer.pk}/change/")


def test_a_taken_phone_is_a_form_error_not_a_crash(admin_client):
    CustomerFactory(phone="09121234567")
    response = admin_client.post(
        "/admin/customers/customer/add/",
        {"full_name": "Reza", "phone": "+989121234567", "tier": "bronze"},
    )
    assert response.status_code == 200
    assert "already belongs to a customer" in response.content.decode()
    assert Customer.objects.count() == 1


def test_search_in_the_admin_treats_arabic_letters_as_persian(admin_client):
    CustomerFactory(full_name="علی کاظمی")
    response = admin_client.get("/admin/customers/customer/", {"q": "كاظمي"})
    assert response.status_code == 200
    assert "علی کاظمی" in response.content.decode()


def test_the_ledger_is_read_only_in_the_admin(admin_client):
    customer = CustomerFactory()
    entry = points_earn(customer=customer, points=10, reference="sale-1")
    assert admin_client.get("/admin/customers/pointsentry/add/").status_code == 403
    assert admin_client.get(f"/admin/customers/pointsentry/{entry.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert page.status_code == 200
    assert 'name="points_balance"' not in page.content.decode()
