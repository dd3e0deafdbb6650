"""The Staff page, the staff API and manage.py create_staff: the same rules
through every door, and a deactivated user's session and JWT stop at once."""
import io

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.core.models import AuditEntry
from tests.helpers import PASSWORD, SHOPS, api_client, fresh, logged_in, staff_client, text

NEW = "Zargar-new-staff-9"


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------


def test_the_owner_and_a_manager_see_the_page_a_cashier_does_not(as_owner, as_manager, as_cashier):
    page = text(as_owner.get("/staff/"))
    assert "cashier@shop-a.test" in page and 'href="/staff/"' in page
    assert as_manager.get("/staff/").status_code == 200
    assert as_cashier.get("/staff/").status_code == 403
    assert 'href="/staff/"' not in text(as_cashier.get("/"))


def test_adding_a_cashier_with_a_link_shows_it_once_and_it_sets_the_password(as_owner, client_a):
    response = as_owner.post("/staff/new/", {"email": "new@shop-a.test", "full_name": "New Cashier", "role": "cashier", "how": "link"})
    assert response.status_code == 302
    page = text(as_owner.get("/staff/"))
    link = page.split('id="new-link-url">')[1].split("<")[0]
    assert "/accounts/set-password/" in link
    assert "new-link-url" not in text(as_owner.get("/staff/"))  # shown once
    path = link.split("shop-a.localhost")[1]
    form_page = client_a.get(path, follow=True)
    assert form_page.status_code == 200 and "new_password1" in text(form_page)
    done = client_a.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    user = User.objects.get(email="new@shop-a.test")
    assert user.check_password(NEW) and user.password.startswith("argon2$")
    assert AuditEntry.objects.filter(action="staff.password_set", object_id=str(user.pk)).exists()
    again = client_a.get(path, follow=True)
    assert "This link has been used or has expired" in text(again)


def test_an_initial_password_is_held_to_the_rules_on_the_form(as_owner):
    response = as_owner.post("/staff/new/", {"email": "weak@shop-a.test", "full_name": "Weak", "role": "cashier",
                                             "how": "password", "password": "12345"})
    assert response.status_code == 200 and "too short" in text(response)
    response = as_owner.post("/staff/new/", {"email": "weak@shop-a.test", "full_name": "W", "role": "cashier", "how": "password"})
    assert response.status_code == 200 and not User.objects.filter(email="weak@shop-a.test").exists()


def test_a_manager_is_offered_no_owner_role_and_a_forged_one_is_refused(as_manager, owner):
    page = text(as_manager.get("/staff/new/"))
    assert 'value="cashier"' in page and 'value="owner"' not in page
    response = as_manager.post("/staff/new/", {"email": "o@shop-a.test", "full_name": "O", "role": "owner", "how": "link"})
    assert response.status_code == 200 and not User.objects.filter(email="o@shop-a.test").exists()
    assert "Only an owner may change an owner." in text(as_manager.get(f"/staff/{owner.pk}/"))
    as_manager.post(f"/staff/{owner.pk}/active/", {"active": "0"})
    as_manager.post(f"/staff/{owner.pk}/password/", {"how": "password", "password": NEW})
    assert fresh(owner).is_active and fresh(owner).check_password(PASSWORD)


def test_role_change_reset_and_deactivation_from_the_page(as_owner, cashier, owner):
    response = as_owner.post(f"/staff/{cashier.pk}/", {"email": cashier.email, "full_name": "Kian", "role": "manager"})
    assert response.status_code == 302 and fresh(cashier).role == "manager"
    as_owner.post(f"/staff/{cashier.pk}/password/", {"how": "password", "password": NEW})
    assert fresh(cashier).check_password(NEW)
    as_owner.post(f"/staff/{cashier.pk}/active/", {"active": "0"})
    assert not fresh(cashier).is_active
    as_owner.post(f"/staff/{owner.pk}/active/", {"active": "0"})  # themselves
    assert fresh(owner).is_active
    response = as_owner.post(f"/staff/{owner.pk}/", {"email": owner.email, "full_name": "Me", "role": "cashier"})
    assert "last active owner" in text(response) and fresh(owner).role == "owner"


def test_a_deactivated_users_session_stops_at_once(as_owner, cashier):
    session = logged_in(cashier)
    assert session.get("/pos/").status_code == 200
    as_owner.post(f"/staff/{cashier.pk}/active/", {"active": "0"})
    response = session.get("/pos/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_staff_ids_are_404_not_500(as_owner):
    assert as_owner.get("/staff/999999/").status_code == 404
    assert as_owner.get("/staff/99999999999999999999999/").status_code == 404


# --------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------


def test_the_api_lists_creates_updates_and_deactivates(shop_a):
    owner = staff_client("a", "owner")
    listed = owner.get("/api/v1/staff/")
    assert listed.status_code == 200 and "cashier@shop-a.test" in {u["email"] for u in listed.json()["results"]}
    created = owner.post("/api/v1/staff/", {"email": "api@shop-a.test", "full_name": "Api", "role": "cashier"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["role"] == "cashier" and "/accounts/set-password/" in body["set_password_url"]
    with_password = owner.post("/api/v1/staff/", {"email": "api2@shop-a.test", "role": "cashier", "password": NEW}, format="json")
    assert with_password.status_code == 201 and with_password.json()["set_password_url"] is None
    changed = owner.patch(f"/api/v1/staff/{body['id']}/", {"role": "manager", "full_name": "Api M"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "manager"
    gone = owner.patch(f"/api/v1/staff/{body['id']}/", {"is_active": False}, format="json")
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    weak = owner.post("/api/v1/staff/", {"email": "api3@shop-a.test", "role": "cashier", "password": "12345678901"}, format="json")
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    short = owner.post("/api/v1/staff/", {"email": "api3@shop-a.test", "role": "cashier", "password": "x1"}, format="json")
    assert short.status_code == 400


def test_the_api_keeps_the_same_limits(in_shop_a):
    manager, cashier = staff_client("a", "manager"), staff_client("a", "cashier")
    owner_id = User.objects.get(email="owner@shop-a.test").pk
    made = manager.post("/api/v1/staff/", {"email": "boss@shop-a.test", "role": "owner"}, format="json")
    assert made.status_code == 403 and made.json()["error"]["code"] == "role_above_yours"
    assert manager.patch(f"/api/v1/staff/{owner_id}/", {"is_active": False}, format="json").status_code == 403
    assert cashier.get("/api/v1/staff/").status_code == 403
    owner = staff_client("a", "owner")
    last = owner.patch(f"/api/v1/staff/{owner_id}/", {"role": "manager"}, format="json")
    assert last.status_code == 409 and last.json()["error"]["code"] in {"last_owner", "deactivate_self"}
    assert owner.patch(f"/api/v1/staff/{owner_id}/", {"is_active": False}, format="json").json()["error"]["code"] == "deactivate_self"
    assert owner.get("/api/v1/staff/999999/").status_code == 404
    assert owner.delete(f"/api/v1/staff/{owner_id}/").status_code == 405  # staff are deactivated, never deleted


def test_a_deactivated_or_reset_users_jwt_stops_at_once(shop_a):
    owner = staff_client("a", "owner")
    made = owner.post("/api/v1/staff/", {"email": "jwt@shop-a.test", "role": "cashier", "password": NEW}, format="json").json()
    user = api_client("a")
    tokens = user.post("/api/v1/auth/token/", {"email": "jwt@shop-a.test", "password": NEW}, format="json").json()
    user.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert user.get("/api/v1/customers/").status_code == 200
    reset = owner.post(f"/api/v1/staff/{made['id']}/password/", {}, format="json")
    assert reset.status_code == 200 and reset.json()["set_password_url"]
    assert user.get("/api/v1/customers/").status_code == 401  # the token carries the old password's hash
    refreshed = api_client("a").post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401  # blacklisted


def test_deactivation_stops_an_access_token(shop_a):
    owner = staff_client("a", "owner")
    made = owner.post("/api/v1/staff/", {"email": "jwt2@shop-a.test", "role": "cashier", "password": NEW}, format="json").json()
    user = api_client("a")
    tokens = user.post("/api/v1/auth/token/", {"email": "jwt2@shop-a.test", "password": NEW}, format="json").json()
    user.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert user.get("/api/v1/customers/").status_code == 200
    owner.patch(f"/api/v1/staff/{made['id']}/", {"is_active": False}, format="json")
    assert user.get("/api/v1/customers/").status_code == 401


# --------------------------------------------------------------------------
# manage.py create_staff
# --------------------------------------------------------------------------


def _run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("create_staff", *args, stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue()


def test_the_command_adds_staff_with_a_password_from_stdin_or_a_link(shop_a):
    out = _run("--shop", SHOPS["a"]["domain"], "--email", "cmd@shop-a.test", "--name", "Cmd", "--role", "cashier",
               "--password-stdin", stdin=NEW + "\n")
    assert "cmd@shop-a.test (cashier) added" in out and NEW not in out
    out = _run("--shop", shop_a.schema_name, "--email", "cmd2@shop-a.test", "--role", "manager")
    assert f"https://{SHOPS['a']['domain']}/accounts/set-password/" in out
    from django.db import connection

    connection.set_tenant(shop_a)
    assert User.objects.get(email="cmd@shop-a.test").check_password(NEW)
    assert not User.objects.get(email="cmd2@shop-a.test").has_usable_password()
    entry = AuditEntry.objects.get(action="staff.create", object_id=str(User.objects.get(email="cmd@shop-a.test").pk))
    assert entry.actor_id is None and entry.note == "manage.py create_staff"


@pytest.mark.parametrize("args, stdin, message", [
    (["--email", "cashier@shop-a.test", "--role", "cashier"], "", "email_taken"),
    (["--email", "w@shop-a.test", "--role", "cashier", "--password-stdin"], "123\n", "weak_password"),
    (["--email", "w@shop-a.test", "--role", "cashier", "--password-stdin"], "", "No password"),
])
def test_the_command_refuses_clearly(shop_a, args, stdin, message):
    with pytest.raises(CommandError, match=message):
        _run("--shop", shop_a.schema_name, *args, stdin=stdin)


def test_the_command_takes_no_password_argument(shop_a):
    with pytest.raises(CommandError):
        _run("--shop", shop_a.schema_name, "--email", "p@shop-a.test", "--role", "cashier", "--password", NEW)
