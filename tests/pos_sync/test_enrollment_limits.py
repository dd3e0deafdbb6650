"""Failed enrolments are limited per client and per code; successful ones
are not counted, so a shop can enrol every counter at once (issue 12,
item 9). Run with the production rates and limits, set here (the test
settings open them wide)."""
import secrets

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.branches.models import Branch
from apps.branches.services import terminal_create
from apps.pos_sync.models import Device
from apps.pos_sync.services import CODE_ALPHABET, CODE_LENGTH, enrollment_code_issue
from tests.conftest import SHOPS

ENROLL = "/api/pos/v1/devices/enroll"
PER_CLIENT, PER_CODE, WINDOW = 20, 5, 900  # base settings' defaults


@pytest.fixture
def production_limits(settings):
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "3000/min", "auth": "20/min"}}
    settings.POS_ENROLL_FAILURES_PER_CLIENT = PER_CLIENT
    settings.POS_ENROLL_FAILURES_PER_CODE = PER_CODE
    settings.POS_ENROLL_FAILURE_WINDOW_SECONDS = WINDOW


def address() -> str:
    """A client address no other test (nor an earlier run) used."""
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def made_up_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issued_codes(shop, count: int) -> list[str]:
    connection.set_tenant(shop)
    branch = Branch.objects.get(name="Main")
    return [enrollment_code_issue(terminal=terminal_create(branch=branch, name=f"Counter {n}")).code for n in range(count)]


def enrol(code: str, remote: str, shop_key: str = "a", **extra):
    client = APIClient(HTTP_HOST=SHOPS[shop_key]["domain"], REMOTE_ADDR=remote)
    return client.post(ENROLL, {"enrollment_code": code, "name": "Counter"}, format="json", **extra)


def assert_refused(response, field: str):
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "enrollment_attempts_exceeded"
    assert [d["field"] for d in error["details"]] == [field]
    assert 0 < int(response["Retry-After"]) <= WINDOW


def test_a_shop_enrols_fifty_counters_in_a_minute_from_one_address(shop_a, production_limits):
    codes = issued_codes(shop_a, 50)
    devices, office = Device.objects.count(), address()
    typos = [enrol(made_up_code(), office).status_code for _ in range(3)]  # a few codes mistyped on the way
    assert typos == [400, 400, 400]
    assert [enrol(code, office).status_code for code in codes] == [201] * 50
    assert Device.objects.count() == devices + 50


def test_a_client_guessing_codes_is_refused_and_others_are_not(shop_a, production_limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # behind the ingress: the address it saw is the client
    [code] = issued_codes(shop_a, 1)
    ingress, guesser, counter = address(), address(), address()
    devices = Device.objects.count()
    guesses = [enrol(made_up_code(), ingress, HTTP_X_FORWARDED_FOR=guesser).status_code for _ in range(PER_CLIENT)]
    assert guesses == [400] * PER_CLIENT
    # Refused before the code is looked at: even a good code, and whatever it claims to be.
    assert_refused(enrol(code, ingress, HTTP_X_FORWARDED_FOR=guesser), "client")
    assert_refused(enrol(code, ingress, HTTP_X_FORWARDED_FOR=f"{address()}, {guesser}"), "client")
    assert Device.objects.count() == devices  # nothing enrolled
    # Another client through the same ingress, and the same address in another shop, go on.
    assert enrol(made_up_code(), address(), "b", HTTP_X_FORWARDED_FOR=guesser).status_code == 400
    connection.set_tenant(shop_a)
    assert enrol(code, ingress, HTTP_X_FORWARDED_FOR=counter).status_code == 201


def test_one_code_tried_from_many_clients_is_refused(shop_a, production_limits):
    code = made_up_code()
    assert [enrol(code, address()).status_code for _ in range(PER_CODE)] == [400] * PER_CODE
    assert_refused(enrol(code, address()), "enrollment_code")
    assert_refused(enrol(f" {code.lower()} ", address()), "enrollment_code")  # the same code, as typed
    # Other codes are not held back by it.
    [good] = issued_codes(shop_a, 1)
    assert enrol(good, address()).status_code == 201
