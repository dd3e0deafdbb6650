"""Login with lockout (django-axes, per shop), logout, password change, and
every page behind a login."""
import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from tests.conftest import PASSWORD, SHOPS
from tests.helpers import text

PAGES = ["ui:dashboard", "ui:pos", "ui:item-list", "ui:item-create", "ui:gold-rate", "ui:customer-list", "ui:sale-list",
         "ui:report-index", "ui:review-list", "ui:terminal-list", "ui:shop-settings", "ui:password-change"]


def client(key="a") -> Client:
    return Client(HTTP_HOST=SHOPS[key]["domain"])


def login(c: Client, email: str, password: str):
    return c.post("/accounts/login/", {"username": email, "password": password})


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_login(shop, name):
    response = client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_lands_on_the_dashboard_and_logout_ends_the_session(shop):
    c = client()
    page = c.get("/accounts/login/")
    assert page.status_code == 200 and 'name="username"' in text(page)
    response = login(c, "cashier@shop-a.test", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert c.get("/").status_code == 200
    assert c.get("/accounts/logout/").status_code == 405  # logging out is a POST
    assert c.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert c.get("/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(shop):
    response = login(client(), "cashier@shop-a.test", "not-the-password")
    assert response.status_code == 200
    assert 'role="alert"' in text(response)


def test_repeated_failures_lock_the_account_even_for_the_right_password(shop, settings):
    c = client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(c, "manager@shop-a.test", "wrong").status_code == 200
    locked = login(c, "manager@shop-a.test", "wrong")
    assert locked.status_code == 429
    assert "account_locked" in text(locked)
    again = login(c, "manager@shop-a.test", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in c.session
    # another member of staff is not locked out by it
    assert login(c, "cashier@shop-a.test", PASSWORD).status_code == 302


def test_lockout_is_counted_per_shop(shop, shop_b, settings):
    from django.db import connection

    from apps.accounts.services import user_create

    connection.set_tenant(shop_b)
    user_create(email="manager@shop-a.test", password=PASSWORD, role="manager")  # same e-mail, other shop
    connection.set_tenant(shop)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client("a"), "manager@shop-a.test", "wrong")
    assert login(client("a"), "manager@shop-a.test", PASSWORD).status_code == 429
    assert login(client("b"), "manager@shop-a.test", PASSWORD).status_code == 302


def test_the_token_api_is_locked_out_too(shop, settings):
    api = client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"email": "cashier@shop-a.test", "password": "wrong"}, content_type="application/json")
    response = api.post("/api/v1/auth/token/", {"email": "cashier@shop-a.test", "password": PASSWORD}, content_type="application/json")
    assert response.status_code in (401, 403, 429)
    assert "access" not in response.content.decode()


def test_password_change(shop, as_cashier):
    new = "Another-strong-pass-42"
    response = as_cashier.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(email="cashier@shop-a.test").check_password(new)
    wrong = as_cashier.post("/accounts/password/", {"old_password": "nope", "new_password1": new, "new_password2": new})
    assert wrong.status_code == 200 and "errors" in text(wrong)


@pytest.mark.parametrize("name, allowed", [
    ("ui:report-index", False), ("ui:review-list", False), ("ui:terminal-list", False), ("ui:item-create", False),
    ("ui:shop-settings", False), ("ui:pos", True), ("ui:item-list", True), ("ui:customer-list", True), ("ui:dashboard", True),
])
def test_a_cashier_sees_only_what_the_role_allows(as_cashier, name, allowed):
    response = as_cashier.get(reverse(name))
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("name", ["ui:report-index", "ui:review-list", "ui:terminal-list", "ui:item-create", "ui:pos"])
def test_a_manager_may_use_the_manager_pages(as_manager, name):
    assert as_manager.get(reverse(name)).status_code == 200


def test_the_settings_page_is_for_the_owner(as_manager, as_owner):
    assert as_manager.get("/settings/").status_code == 403
    assert as_owner.get("/settings/").status_code == 200


def test_the_navigation_only_links_what_the_role_may_open(as_cashier, as_manager):
    cashier_page, manager_page = text(as_cashier.get("/")), text(as_manager.get("/"))
    assert 'href="/reports/"' not in cashier_page and 'href="/reports/"' in manager_page
    assert 'href="/pos/"' in cashier_page
