"""Two-step sign-in on the staff pages: setting it up (QR code, key, a
confirming code, recovery codes shown once), the code after the password,
codes taken once, wrong codes locking like wrong passwords, the shop setting
that holds owners and managers to it (not cashiers), turning it off and the
owner clearing a member's. Codes are real TOTP codes computed here from the
secret (pyotp), the next time step so that the one taken at set-up is not
replayed."""
import time

import pyotp
import pytest
from django.db import connection
from django.test import Client

from apps.accounts import mfa
from apps.accounts.models import MfaDevice, RecoveryCode
from apps.core.models import AuditEntry
from apps.tenancy.services import shop_mfa_required_set
from tests.conftest import PASSWORD, SHOPS
from tests.helpers import assert_error, fresh, logged_in, text


def enable(user) -> tuple[pyotp.TOTP, list[str]]:
    """MFA on for `user` through the service, as the set-up page does."""
    secret = mfa.secret_new()
    codes = mfa.mfa_enable(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    return pyotp.TOTP(secret), codes


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step: inside the accepted window, and newer
    than the step the set-up took."""
    return totp.at(time.time(), counter_offset=1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def password_login(key="a", email="manager@shop-a.test") -> tuple[Client, object]:
    c = Client(HTTP_HOST=SHOPS[key]["domain"])
    return c, c.post("/accounts/login/", {"username": email, "password": PASSWORD})


def require_mfa(shop, owner):
    """The owner sets MFA up, then makes the shop require it (the service
    refuses an owner without it)."""
    totp, _ = enable(owner)
    shop_mfa_required_set(shop=shop, actor=owner, required=True)
    return totp


# --------------------------------------------------------------------------
# Setting it up
# --------------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key_and_a_code_turns_it_on(shop, owner, as_owner):
    page = as_owner.get("/accounts/mfa/")
    assert page.status_code == 200
    secret = as_owner.session["mfa_setup_secret"]
    body = text(page)
    assert '<svg role="img"' in body and 'class="qr"' in body and "<script" not in body.split("<main", 1)[1]
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in body
    assert not MfaDevice.objects.filter(user=owner).exists()  # nothing stored until confirmed

    done = as_owner.post("/accounts/mfa/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done["Location"] == "/accounts/mfa/codes/"
    assert fresh(owner).mfa_device.secret == secret
    codes_page = as_owner.get("/accounts/mfa/codes/")
    shown = [c for c in text(codes_page).split("<code>")[1:]]
    assert len(shown) == mfa.RECOVERY_CODE_COUNT
    # shown once, kept only as hashes
    assert as_owner.get("/accounts/mfa/codes/")["Location"] == "/accounts/mfa/"
    first = shown[0].split("</code>")[0]
    stored = list(RecoveryCode.objects.filter(user=owner).values_list("code_hash", flat=True))
    assert len(stored) == mfa.RECOVERY_CODE_COUNT and first not in stored and first.replace("-", "") not in stored
    entry = AuditEntry.objects.get(action="accounts.mfa_enable", object_id=str(owner.pk))
    assert entry.actor == owner


def test_a_wrong_code_does_not_turn_it_on(shop, owner, as_owner):
    as_owner.get("/accounts/mfa/")
    secret = as_owner.session["mfa_setup_secret"]
    refused = as_owner.post("/accounts/mfa/", {"code": wrong(pyotp.TOTP(secret).now())})
    assert refused.status_code == 200 and 'role="alert"' in text(refused)
    assert as_owner.post("/accounts/mfa/", {"code": "x" * 500}).status_code == 200  # bounded, no 500
    assert not MfaDevice.objects.filter(user=owner).exists()
    assert as_owner.session["mfa_setup_secret"] == secret  # the same key until confirmed


# --------------------------------------------------------------------------
# Logging in
# --------------------------------------------------------------------------


def test_the_login_asks_for_the_code_after_the_password(shop, manager):
    totp, _ = enable(manager)
    c, response = password_login()
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in c.session
    assert c.get("/")["Location"].startswith("/accounts/login/")  # not logged in yet
    page = c.get("/accounts/login/verify/")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in text(page)

    code = next_code(totp)
    refused = c.post("/accounts/login/verify/", {"code": wrong(code)})
    assert refused.status_code == 200 and 'role="alert"' in text(refused) and "_auth_user_id" not in c.session
    done = c.post("/accounts/login/verify/", {"code": code})
    assert done.status_code == 302 and done["Location"] == "/"
    assert c.session["_auth_user_id"] == str(manager.pk)
    assert c.get("/").status_code == 200


def test_persian_digits_are_read_and_other_digits_refused_without_an_error(shop, manager):
    totp, _ = enable(manager)
    code = next_code(totp)
    c, _ = password_login()
    assert c.post("/accounts/login/verify/", {"code": "߁߂߃߄߅߆"}).status_code == 200  # NKo digits: not a code
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert c.post("/accounts/login/verify/", {"code": persian}).status_code == 302


def test_a_code_is_taken_once(shop, manager):
    totp, _ = enable(manager)
    code = next_code(totp)
    c, _ = password_login()
    assert c.post("/accounts/login/verify/", {"code": code}).status_code == 302
    again, _ = password_login()
    replay = again.post("/accounts/login/verify/", {"code": code})
    assert replay.status_code == 200 and "_auth_user_id" not in again.session


def test_a_recovery_code_logs_in_once(shop, manager):
    _, codes = enable(manager)
    c, _ = password_login()
    assert c.post("/accounts/login/verify/", {"code": codes[3].upper()}).status_code == 302  # case and dash do not matter
    assert mfa.recovery_codes_left(manager) == mfa.RECOVERY_CODE_COUNT - 1
    again, _ = password_login()
    assert again.post("/accounts/login/verify/", {"code": codes[3]}).status_code == 200
    assert "_auth_user_id" not in again.session
    assert AuditEntry.objects.filter(action="accounts.mfa_recovery_code_used", object_id=str(manager.pk)).count() == 1


def test_wrong_codes_lock_the_account_like_wrong_passwords(shop, manager, settings):
    totp, _ = enable(manager)
    step = MfaDevice.objects.get(user=manager).last_step
    c, _ = password_login()
    code = next_code(totp)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert c.post("/accounts/login/verify/", {"code": wrong(code)}).status_code == 200
    locked = c.post("/accounts/login/verify/", {"code": wrong(code)})
    assert locked.status_code == 429 and "account_locked" in text(locked)
    # the right password and the right code are refused now
    c2, again = password_login()
    assert again.status_code == 429
    assert "_auth_user_id" not in c.session and "_auth_user_id" not in c2.session
    assert MfaDevice.objects.get(user=manager).last_step == step  # no code was taken


def test_the_admin_login_does_not_skip_the_code(shop, manager):
    enable(manager)
    c = Client(HTTP_HOST=SHOPS["a"]["domain"])
    response = c.post("/admin/login/?next=/admin/", {"username": "manager@shop-a.test", "password": PASSWORD})
    assert response.status_code == 200 and "/accounts/login/" in text(response)
    assert "_auth_user_id" not in c.session


# --------------------------------------------------------------------------
# The shop's requirement
# --------------------------------------------------------------------------


def test_the_owner_must_use_it_before_requiring_it(shop, owner):
    assert_error("mfa_enrolment_required", shop_mfa_required_set, shop=shop, actor=owner, required=True)
    as_owner = logged_in(owner)
    page = as_owner.post("/settings/", {"settings": "security", "mfa_required": "on"})
    assert page.status_code == 200 and 'role="alert"' in text(page)
    assert fresh(shop).mfa_required is False

    enable(owner)
    done = as_owner.post("/settings/", {"settings": "security", "mfa_required": "on"})
    assert done.status_code == 302 and fresh(shop).mfa_required is True
    entry = AuditEntry.objects.get(action="tenancy.shop_mfa_required_set")
    assert entry.actor == owner and entry.after == {"mfa_required": True}


def test_a_shop_requiring_it_sends_a_manager_to_set_it_up_and_nowhere_else(shop, owner, manager):
    require_mfa(shop, owner)
    c, response = password_login()
    assert response.status_code == 302
    for path in ("/", "/pos/", "/reports/", "/settings/", "/accounts/password/", "/accounts/mfa/staff/", "/admin/"):
        assert c.get(path)["Location"] == "/accounts/mfa/", path
    api = c.get("/api/v1/branches/")  # the session works on the API too
    assert api.status_code == 403 and api.json()["error"]["code"] == "mfa_enrolment_required"
    assert c.get("/", HTTP_HX_REQUEST="true")["HX-Redirect"] == "/accounts/mfa/"

    page = c.get("/accounts/mfa/")
    assert page.status_code == 200 and "requires two-step sign-in" in text(page)
    secret = c.session["mfa_setup_secret"]
    assert c.post("/accounts/mfa/", {"code": pyotp.TOTP(secret).now()})["Location"] == "/accounts/mfa/codes/"
    assert c.get("/accounts/mfa/codes/").status_code == 200
    assert c.get("/").status_code == 200 and c.get("/reports/").status_code == 200


def test_a_cashier_is_not_held_to_it(shop, owner, cashier):
    require_mfa(shop, owner)
    c, response = password_login(email="cashier@shop-a.test")
    assert response.status_code == 302 and response["Location"] == "/"
    assert c.get("/pos/").status_code == 200


# --------------------------------------------------------------------------
# Turning it off, new codes, the owner clearing a member's
# --------------------------------------------------------------------------


def test_turning_it_off_needs_a_code(shop, manager):
    totp, codes = enable(manager)
    c = logged_in(manager)
    assert "recovery codes left" in text(c.get("/accounts/mfa/"))
    c.post("/accounts/mfa/disable/", {"code": wrong(next_code(totp))})
    assert MfaDevice.objects.filter(user=manager).exists()
    assert c.post("/accounts/mfa/disable/", {"code": next_code(totp)})["Location"] == "/accounts/mfa/"
    assert not MfaDevice.objects.filter(user=manager).exists() and not RecoveryCode.objects.filter(user=manager).exists()
    entry = AuditEntry.objects.get(action="accounts.mfa_disable", object_id=str(manager.pk))
    assert entry.actor == manager and entry.after == {"mfa": False}
    _, login = password_login()
    assert login["Location"] == "/"  # the password alone again


def test_new_recovery_codes_replace_the_old(shop, manager):
    _, old = enable(manager)
    c = logged_in(manager)
    assert c.post("/accounts/mfa/recovery-codes/", {"code": old[0]})["Location"] == "/accounts/mfa/codes/"
    new = [chunk.split("</code>")[0] for chunk in text(c.get("/accounts/mfa/codes/")).split("<code>")[1:]]
    assert len(new) == mfa.RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert not mfa.mfa_code_check(user=manager, code=old[1])
    assert mfa.mfa_code_check(user=manager, code=new[1])


def test_the_owner_clears_a_managers_and_a_manager_never_an_owners(shop, owner, manager):
    enable(manager)
    enable(owner)
    as_manager, as_owner = logged_in(manager), logged_in(owner)
    assert as_manager.get("/accounts/mfa/staff/").status_code == 200  # managers manage staff, within their role
    page = as_owner.get("/accounts/mfa/staff/")
    assert page.status_code == 200 and f'id="staff-{manager.pk}"' in text(page)
    assert as_owner.post("/accounts/mfa/staff/", {"user": str(owner.pk)}).status_code == 302
    assert MfaDevice.objects.filter(user=owner).exists()  # not one's own: that takes a code
    assert as_owner.post("/accounts/mfa/staff/", {"user": "9" * 40}).status_code == 302  # nonsense: no 500
    assert as_owner.post("/accounts/mfa/staff/", {"user": str(manager.pk)}).status_code == 302
    assert not MfaDevice.objects.filter(user=manager).exists()
    entry = AuditEntry.objects.get(action="accounts.mfa_reset", object_id=str(manager.pk))
    assert entry.actor == owner
    assert_error("role_above_yours", mfa.mfa_reset, user=owner, actor=manager)
    assert as_manager.post("/accounts/mfa/staff/", {"user": str(owner.pk)}).status_code == 302
    assert MfaDevice.objects.filter(user=owner).exists()


# --------------------------------------------------------------------------
# Shops apart
# --------------------------------------------------------------------------


def test_a_secret_of_shop_a_does_not_work_in_shop_b(shop, shop_b, manager):
    from apps.accounts.models import User
    from apps.accounts.services import user_create

    totp_a, codes_a = enable(manager)
    connection.set_tenant(shop_b)
    twin = user_create(email="manager@shop-a.test", password=PASSWORD, role="manager")  # same e-mail, other shop
    totp_b, _ = enable(twin)
    assert not User.objects.get(pk=twin.pk).mfa_device.secret == totp_a.secret

    c, response = password_login(key="b")
    assert response["Location"] == "/accounts/login/verify/"
    assert c.post("/accounts/login/verify/", {"code": next_code(totp_a)}).status_code == 200
    assert c.post("/accounts/login/verify/", {"code": codes_a[0]}).status_code == 200
    assert "_auth_user_id" not in c.session
    assert c.post("/accounts/login/verify/", {"code": next_code(totp_b)}).status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/verify/", "/accounts/mfa/codes/"])
def test_the_pages_need_their_step(shop, path):
    response = Client(HTTP_HOST=SHOPS["a"]["domain"]).get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_operator_clears_the_only_owners(shop, owner):
    from io import StringIO

    from django.core.management import call_command

    enable(owner)
    out = StringIO()
    call_command("mfa_reset", shop=SHOPS["a"]["domain"], email="OWNER@shop-a.test", stdout=out)
    connection.set_tenant(shop)
    assert "cleared" in out.getvalue() and not MfaDevice.objects.filter(user=owner).exists()
    entry = AuditEntry.objects.get(action="accounts.mfa_reset", object_id=str(owner.pk))
    assert entry.actor is None and entry.note == "by a platform operator"
