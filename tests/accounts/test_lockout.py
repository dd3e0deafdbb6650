"""Nobody can lock a member of staff out from another client (issue 12,
item 4): axes locks per user *and* client address (the real one, behind a
trusted proxy too, never one made up in X-Forwarded-For); across clients a
user's failures only earn a short, growing, capped delay."""
import secrets
from datetime import timedelta

from axes.models import AccessAttempt
from django.db.models import F, Max, Sum
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.lockout import login_delay
from tests.conftest import PASSWORD, SHOPS
from tests.helpers import text

TOKEN = "/api/v1/auth/token/"
MANAGER = "manager@shop-a.test"


def address() -> str:
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def obtain(password: str, remote: str, forwarded_for: str | None = None, email: str = MANAGER):
    client = APIClient(HTTP_HOST=SHOPS["a"]["domain"], REMOTE_ADDR=remote)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(TOKEN, {"email": email, "password": password}, format="json", **extra)


def failures_of(email: str) -> int:
    return AccessAttempt.objects.filter(username=email).aggregate(n=Sum("failures_since_start"))["n"] or 0


def time_passes(seconds: float) -> None:
    """As if every recorded failure happened `seconds` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def test_behind_a_proxy_an_attacker_locks_only_himself(in_shop_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, attacker, manager = address(), address(), address()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        obtain("wrong", proxy, attacker)
    locked = obtain(PASSWORD, proxy, attacker)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_locked"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    # Hammering on while locked out counts nothing, so it delays nobody else.
    for _ in range(settings.LOGIN_DELAY_AFTER_FAILURES):
        assert obtain("wrong", proxy, attacker).status_code == 429
    assert failures_of(MANAGER) == settings.AXES_FAILURE_LIMIT
    # The manager comes through the same ingress, from her own address.
    assert set(obtain(PASSWORD, proxy, manager).json()) == {"access", "refresh"}
    # The same on the web login form.
    web = Client(HTTP_HOST=SHOPS["a"]["domain"], REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address())
    assert web.post("/accounts/login/", {"username": MANAGER, "password": PASSWORD}).status_code == 302


def test_without_a_proxy_a_made_up_forwarded_for_does_not_escape_the_lockout(in_shop_a, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    attacker = address()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        obtain("wrong", attacker, address())
    assert obtain(PASSWORD, attacker, address()).status_code == 429
    assert AccessAttempt.objects.filter(username=MANAGER).values_list("ip_address", flat=True).distinct().count() == 1
    assert obtain(PASSWORD, address()).status_code == 200


def test_failures_from_many_clients_only_delay_the_user_briefly(in_shop_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, per_client = address(), settings.AXES_FAILURE_LIMIT - 1
    for start in range(0, settings.LOGIN_DELAY_AFTER_FAILURES, per_client):  # each client stays under its lockout
        attacker = address()
        for _ in range(min(per_client, settings.LOGIN_DELAY_AFTER_FAILURES - start)):
            assert obtain("wrong", proxy, attacker).status_code == 401
    failures = failures_of(MANAGER)
    assert failures == settings.LOGIN_DELAY_AFTER_FAILURES

    # No client is locked out, but every client waits a few seconds.
    delayed = obtain(PASSWORD, proxy, address())
    assert delayed.status_code == 429
    assert delayed.json()["error"]["code"] == "login_delayed"
    assert 0 < int(delayed["Retry-After"]) <= settings.LOGIN_DELAY_SECONDS
    assert failures_of(MANAGER) == failures  # a delayed attempt checks no password and counts nothing

    # The delay grows with each further failure, up to the cap.
    schedule = []
    for _ in range(6):
        last = AccessAttempt.objects.filter(username=MANAGER).aggregate(last=Max("attempt_time"))["last"]
        schedule.append(login_delay(MANAGER, now=last))
        time_passes(settings.LOGIN_DELAY_MAX_SECONDS)
        assert obtain("wrong", proxy, address()).status_code == 401
    assert schedule == [2, 4, 8, 16, 30, 30]  # LOGIN_DELAY_SECONDS 2, LOGIN_DELAY_MAX_SECONDS 30
    assert 0 < int(obtain(PASSWORD, proxy, address())["Retry-After"]) <= settings.LOGIN_DELAY_MAX_SECONDS

    # Once it has passed the manager logs in, from any client.
    time_passes(settings.LOGIN_DELAY_MAX_SECONDS)
    assert obtain(PASSWORD, proxy, address()).status_code == 200


def test_the_delay_is_a_readable_page_on_the_web(shop, settings):
    settings.LOGIN_DELAY_AFTER_FAILURES = 2
    for _ in range(2):
        obtain("wrong", address())
    page = Client(HTTP_HOST=SHOPS["a"]["domain"], REMOTE_ADDR=address()).post(
        "/accounts/login/", {"username": MANAGER, "password": PASSWORD})
    assert page.status_code == 429
    assert 0 < int(page["Retry-After"]) <= settings.LOGIN_DELAY_SECONDS
    assert "login_delayed" in text(page) and f"Wait {page['Retry-After']} seconds" in text(page)


def test_other_staff_are_not_delayed(in_shop_a, settings):
    settings.LOGIN_DELAY_AFTER_FAILURES = 1
    obtain("wrong", address(), email="cashier@shop-a.test")
    assert obtain(PASSWORD, address()).status_code == 200
