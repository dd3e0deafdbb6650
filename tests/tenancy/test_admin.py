"""The operators' admin (public host) writes shops through the services:
`shop_create` for a new shop, `shop_update` for its settings,
`shop_suspend` / `shop_reactivate` for its status. Refusals are form errors."""
import pytest
from django_tenants.utils import schema_exists

from apps.accounts.models import Role, User
from apps.branches.models import Branch
from apps.tenancy.models import Domain, Tenant
from apps.tenancy.services import SHOP_SETTINGS
from tests.conftest import PASSWORD


def shop_form(**overrides) -> dict:
    data = {"name": "Golden Rose", "domain": "golden-rose.localhost", "owner_email": "owner@golden-rose.test",
            "owner_password": PASSWORD, "currency": "AED", "language": "en", "tax_regime": "AE", "timezone": "Asia/Dubai"}
    return data | overrides


def settings_form(shop: Tenant, **overrides) -> dict:
    fields = ("status", *SHOP_SETTINGS)
    inline = {"domains-TOTAL_FORMS": "0", "domains-INITIAL_FORMS": "0"}  # the (read-only) domains' management form
    return {field: getattr(shop, field) for field in fields} | inline | overrides


def test_adding_a_shop_in_the_admin_provisions_it(operator_client):
    response = operator_client.post("/admin/tenancy/tenant/add/", shop_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    shop = Tenant.objects.get(domains__domain="golden-rose.localhost")
    assert (shop.name, shop.currency, shop.tax_regime, shop.timezone) == ("Golden Rose", "AED", "AE", "Asia/Dubai")
    assert schema_exists(shop.schema_name)
    with shop:
        owner = User.objects.get()
        assert (owner.email, owner.role) == ("owner@golden-rose.test", Role.OWNER)
        assert list(Branch.objects.values_list("name", flat=True)) == ["Main"]


@pytest.mark.parametrize("overrides, field_text", [
    ({"owner_password": "123"}, "too short"),            # shop_create's own check, on its field
    ({"domain": "shop-a.localhost"}, "already belongs to a shop"),
    ({"domain": "not a host!"}, "is not a valid host name"),
    ({"timezone": "Mars/Olympus"}, "is not a time zone"),
])
def test_a_shop_the_service_refuses_is_a_form_error(operator_client, shop_a, overrides, field_text):
    before = Tenant.objects.count()
    response = operator_client.post("/admin/tenancy/tenant/add/", shop_form(**overrides))
    assert response.status_code == 200
    assert field_text in response.content.decode()
    assert Tenant.objects.count() == before
    assert not Domain.objects.filter(domain="golden-rose.localhost").exists()


def test_changing_a_shops_settings_goes_through_the_service(operator_client, shop_a):
    response = operator_client.post(f"/admin/tenancy/tenant/{shop_a.pk}/change/",
                                    settings_form(shop_a, vat_percent="9.00", timezone="Asia/Dubai", low_stock_threshold=5,
                                                  schema_name="hacked"))
    assert response.status_code == 302, response.content.decode()[:3000]
    shop = Tenant.objects.get(pk=shop_a.pk)
    assert (str(shop.vat_percent), shop.timezone, shop.low_stock_threshold, shop.schema_name) == (
        "9.00", "Asia/Dubai", 5, shop_a.schema_name)


def test_a_bad_setting_is_a_form_error(operator_client, shop_a):
    response = operator_client.post(f"/admin/tenancy/tenant/{shop_a.pk}/change/", settings_form(shop_a, timezone="Nowhere/Land"))
    assert response.status_code == 200
    assert "is not a time zone" in response.content.decode()
    assert Tenant.objects.get(pk=shop_a.pk).timezone == shop_a.timezone


def test_suspending_and_reactivating_through_the_form_and_the_actions(operator_client, shop_a, shop_b):
    response = operator_client.post(f"/admin/tenancy/tenant/{shop_a.pk}/change/", settings_form(shop_a, status="suspended"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Tenant.objects.get(pk=shop_a.pk).status == Tenant.Status.SUSPENDED
    template = Tenant.objects.get(is_template=True)
    response = operator_client.post("/admin/tenancy/tenant/", {"action": "reactivate", "_selected_action": [shop_a.pk, template.pk]},
                                    follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 shop(s) reactivated" in page and "The template schema is not a shop" in page
    assert Tenant.objects.get(pk=shop_a.pk).status == Tenant.Status.ACTIVE
    operator_client.post("/admin/tenancy/tenant/", {"action": "suspend", "_selected_action": [shop_b.pk]})
    assert Tenant.objects.get(pk=shop_b.pk).status == Tenant.Status.SUSPENDED


def test_shops_and_their_domains_are_not_deleted_or_edited_here(operator_client, shop_a):
    assert operator_client.get(f"/admin/tenancy/tenant/{shop_a.pk}/delete/").status_code == 403
    page = operator_client.get(f"/admin/tenancy/tenant/{shop_a.pk}/change/").content.decode()
    assert "shop-a.localhost" in page and 'name="domains-0-domain"' not in page


def test_operators_are_changed_through_the_service_not_added_or_deleted(operator_client):
    operator = User.objects.get(email="ops@platform.test")
    assert operator_client.get("/admin/accounts/user/add/").status_code == 403
    assert operator_client.get(f"/admin/accounts/user/{operator.pk}/delete/").status_code == 403
    response = operator_client.post(f"/admin/accounts/user/{operator.pk}/change/",
                                    {"email": "OPS@platform.test", "full_name": " Night shift ", "language": "en", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    operator = User.objects.get(pk=operator.pk)
    assert (operator.email, operator.full_name, operator.is_superuser) == ("ops@platform.test", "Night shift", True)


def test_the_add_page_asks_for_what_shop_create_needs(operator_client):
    page = operator_client.get("/admin/tenancy/tenant/add/").content.decode()
    for field in ("name", "domain", "owner_email", "owner_password", "currency", "tax_regime", "timezone"):
        assert f'name="{field}"' in page, field
    assert 'name="schema_name"' not in page
