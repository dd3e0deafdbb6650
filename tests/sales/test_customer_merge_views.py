"""Customer edit, deactivate and merge from the staff pages and the API, and
the profile showing purchases, points and store credit."""
from decimal import Decimal

from apps.core.models import AuditEntry
from apps.customers.credit import store_credit_post
from apps.customers.models import Customer
from apps.customers.services import customer_create, points_earn
from tests.helpers import fresh, staff_client, text


def test_the_profile_links_to_edit_and_shows_points_and_credit_history(shop, as_cashier):
    customer = customer_create(full_name="Reza", phone="09120000001")
    points_earn(customer=customer, points=120, reference="sale-x")
    store_credit_post(customer=customer, amount=Decimal("250000"), reason="refund", reference="return:r")
    page = text(as_cashier.get(f"/customers/{customer.pk}/"))
    assert f'href="/customers/{customer.pk}/edit/"' in page and f'href="/customers/{customer.pk}/merge/"' in page
    assert "250,000" in page and "Return refunded as credit" in page and "+120" in page


def test_a_customer_is_edited_from_the_form_and_audited(shop, as_cashier, cashier):
    customer = customer_create(full_name="Reza", phone="09120000001")
    form = text(as_cashier.get(f"/customers/{customer.pk}/edit/"))
    assert 'value="Reza"' in form
    response = as_cashier.post(f"/customers/{customer.pk}/edit/", {"full_name": "Reza Karimi", "phone": "0912 000 0002"})
    assert response.status_code == 302
    stored = fresh(customer)
    assert (stored.full_name, stored.phone) == ("Reza Karimi", "+989120000002")
    entry = AuditEntry.objects.get(action="customer.update", object_id=str(customer.pk))
    assert entry.actor_id == cashier.pk and entry.before["full_name"] == "Reza" and entry.after["phone"] == "+989120000002"
    customer_create(full_name="Other", phone="09120000003")
    taken = as_cashier.post(f"/customers/{customer.pk}/edit/", {"full_name": "Reza", "phone": "09120000003"})
    assert taken.status_code == 200 and "already belongs" in text(taken)
    long = as_cashier.post(f"/customers/{customer.pk}/edit/", {"full_name": "x" * 500, "phone": "1" * 100})
    assert long.status_code == 200


def test_deactivating_from_the_page(shop, as_cashier):
    customer = customer_create(full_name="Gone", phone="09120000009")
    response = as_cashier.post(f"/customers/{customer.pk}/deactivate/")
    assert response.status_code == 302 and fresh(customer).is_deleted
    assert "Gone" not in text(as_cashier.get("/customers/", {"q": "Gone"})).split('id="customers"')[1]
    assert as_cashier.get(f"/customers/{customer.pk}/edit/").status_code == 404


def test_merging_from_the_page(shop, as_manager):
    kept = customer_create(full_name="Negar Rahimi", phone="09121110000")
    dup = customer_create(full_name="Negar R.", phone="09121110001")
    store_credit_post(customer=dup, amount=Decimal("5000"), reason="refund", reference="return:m")
    search = text(as_manager.get(f"/customers/{kept.pk}/merge/", {"q": "Negar"}))
    assert f'value="{dup.pk}"' in search and f'name="other" value="{kept.pk}"' not in search
    response = as_manager.post(f"/customers/{kept.pk}/merge/", {"other": str(dup.pk), "keep": "this"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{kept.pk}/"
    assert fresh(dup).is_deleted and fresh(kept).credit_balance == Decimal("5000")


def test_the_merge_page_refuses_nonsense_without_a_500(shop, as_manager):
    kept = customer_create(full_name="Negar", phone="09121110000")
    for other in ("", "not-a-uuid", str(kept.pk), "x" * 5000, "00000000-0000-0000-0000-000000000000"):
        response = as_manager.post(f"/customers/{kept.pk}/merge/", {"other": other})
        assert response.status_code == 302 and not fresh(kept).is_deleted, other


def test_keeping_the_other_one(shop, as_manager):
    this = customer_create(full_name="Old record", phone="09121110000")
    other = customer_create(full_name="New record", phone="09121110001")
    response = as_manager.post(f"/customers/{this.pk}/merge/", {"other": str(other.pk), "keep": "other"})
    assert response["Location"] == f"/customers/{other.pk}/"
    assert fresh(this).is_deleted and not fresh(other).is_deleted


def test_the_api_merges_and_deactivates(shop_a, world):
    client = staff_client("a", "manager")
    kept = client.post("/api/v1/customers/", {"full_name": "Api Kept", "phone": "09121119990"}, format="json").json()
    dup = client.post("/api/v1/customers/", {"full_name": "Api Dup", "phone": "09121119991"}, format="json").json()
    merged = client.post(f"/api/v1/customers/{kept['id']}/merge/", {"duplicate_id": dup["id"]}, format="json")
    assert merged.status_code == 200, merged.content
    assert client.get(f"/api/v1/customers/{dup['id']}/").status_code == 404
    again = client.post(f"/api/v1/customers/{kept['id']}/merge/", {"duplicate_id": dup["id"]}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "customer_deleted"
    itself = client.post(f"/api/v1/customers/{kept['id']}/merge/", {"duplicate_id": kept["id"]}, format="json")
    assert itself.status_code == 400 and itself.json()["error"]["code"] == "merge_into_itself"
    assert client.delete(f"/api/v1/customers/{kept['id']}/").status_code == 204
    assert Customer.objects.get(pk=kept["id"]).is_deleted
