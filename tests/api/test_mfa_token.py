"""POST /api/v1/auth/token/ and two-step sign-in: a user with MFA sends `otp`
(a TOTP code computed here from the secret, or a recovery code) or gets no
token; a shop requiring MFA gives no token to an owner or manager without
it; cashiers are not held to it; wrong codes lock like wrong passwords."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.services import user_create
from apps.tenancy.services import shop_mfa_required_set
from tests.accounts.test_mfa import enable, next_code, wrong
from tests.conftest import PASSWORD, SHOPS
from tests.helpers import staff

MANAGER = "manager@shop-a.test"


@pytest.fixture
def manager(shop):
    """Shop A's manager as a user (tests/api/conftest.py's `manager` is a client)."""
    return staff("a", "manager")


def obtain(email=MANAGER, key="a", **extra):
    client = APIClient(HTTP_HOST=SHOPS[key]["domain"])
    return client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD, **extra}, format="json")


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_without_mfa_the_password_is_enough_and_otp_is_ignored(shop, manager):
    assert set(obtain().json()) == {"access", "refresh"}
    assert obtain(otp="123456").status_code == 200


def test_a_user_with_mfa_must_send_a_right_code(shop, manager):
    totp, _ = enable(manager)
    missing = obtain()
    assert missing.status_code == 401 and error_code(missing) == "mfa_required" and "access" not in missing.json()
    assert missing.json()["error"]["details"][0]["field"] == "otp"
    blank = obtain(otp="")
    assert blank.status_code == 401 and error_code(blank) == "mfa_required"

    code = next_code(totp)
    bad = obtain(otp=wrong(code))
    assert bad.status_code == 401 and error_code(bad) == "mfa_invalid" and "access" not in bad.json()
    good = obtain(otp=code)
    assert good.status_code == 200 and set(good.json()) == {"access", "refresh"}
    replay = obtain(otp=code)
    assert replay.status_code == 401 and error_code(replay) == "mfa_invalid"

    client = APIClient(HTTP_HOST=SHOPS["a"]["domain"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {good.json()['access']}")
    assert client.get("/api/v1/branches/").status_code == 200


def test_a_wrong_password_is_refused_before_the_code(shop, manager):
    totp, _ = enable(manager)
    response = APIClient(HTTP_HOST=SHOPS["a"]["domain"]).post(
        "/api/v1/auth/token/", {"email": MANAGER, "password": "wrong", "otp": next_code(totp)}, format="json")
    assert response.status_code == 401 and error_code(response) == "no_active_account"


def test_a_recovery_code_gives_one_token(shop, manager):
    _, codes = enable(manager)
    assert obtain(otp=codes[0]).status_code == 200
    again = obtain(otp=codes[0])
    assert again.status_code == 401 and error_code(again) == "mfa_invalid"
    assert obtain(otp=codes[1].replace("-", " ")).status_code == 200


@pytest.mark.parametrize("otp", ["1" * 33, "x" * 5000, 123456, ["123456"]])
def test_the_otp_field_is_bounded(shop, manager, otp):
    enable(manager)
    response = obtain(otp=otp)
    assert response.status_code in (400, 401)
    assert "access" not in response.json()
    if isinstance(otp, str):
        assert response.status_code == 400 and response.json()["error"]["details"][0]["field"] == "otp"


def test_wrong_codes_lock_the_token_api_like_wrong_passwords(shop, manager, settings):
    totp, _ = enable(manager)
    code = next_code(totp)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert error_code(obtain(otp=wrong(code))) == "mfa_invalid"
    locked = obtain(otp=wrong(code))
    assert locked.status_code == 429 and error_code(locked) == "account_locked"
    again = obtain(otp=code)
    assert again.status_code == 429 and "access" not in again.json()


def test_a_shop_requiring_mfa_gives_no_token_to_a_manager_without_it(shop, owner, manager):
    owner_totp, _ = enable(owner)
    shop_mfa_required_set(shop=shop, actor=owner, required=True)
    refused = obtain()
    assert refused.status_code == 403 and error_code(refused) == "mfa_enrolment_required" and "access" not in refused.json()
    assert obtain(email="cashier@shop-a.test").status_code == 200  # cashiers are not held to it
    assert obtain(email=SHOPS["a"]["owner"], otp=next_code(owner_totp)).status_code == 200

    enable(manager)
    assert error_code(obtain()) == "mfa_required"


def test_a_secret_of_shop_a_does_not_work_in_shop_b(shop, shop_b, manager):
    totp_a, codes_a = enable(manager)
    connection.set_tenant(shop_b)
    twin = user_create(email=MANAGER, password=PASSWORD, role="manager")  # same e-mail, other shop
    totp_b, _ = enable(twin)
    assert error_code(obtain(key="b", otp=codes_a[0])) == "mfa_invalid"
    assert error_code(obtain(key="b", otp=next_code(totp_a))) == "mfa_invalid"
    assert obtain(key="b", otp=next_code(totp_b)).status_code == 200
    assert obtain(key="a", otp=codes_a[0]).status_code == 200  # shop A's code was not used up by the tries on B


def test_a_refresh_token_from_before_the_requirement_gives_no_new_tokens(shop, owner, manager):
    refresh = obtain().json()["refresh"]
    enable(owner)
    shop_mfa_required_set(shop=shop, actor=owner, required=True)
    client = APIClient(HTTP_HOST=SHOPS["a"]["domain"])
    refused = client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert refused.status_code == 403 and error_code(refused) == "mfa_enrolment_required" and "access" not in refused.json()
    enable(manager)
    assert client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json").status_code == 200
