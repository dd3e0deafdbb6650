"""Login is throttled harder than the rest, in Redis, per client address:
the address of the socket, or the one a trusted proxy in front reports,
never one a client makes up in X-Forwarded-For (issue 12, item 4)."""
import json
import secrets
import subprocess
import sys

import pytest
from rest_framework.test import APIClient

from tests.conftest import SHOPS, child_env

PROBE = """
import django, json, uuid
django.setup()
from rest_framework.test import APIClient
client = APIClient(HTTP_HOST="%s", REMOTE_ADDR="10.9.%%d.%%d" %% (uuid.uuid4().int %% 250, uuid.uuid4().int %% 250))
path, body = "%s", %s
codes = [client.post(path, body, format="json").status_code for _ in range(5)]
last = client.post(path, body, format="json")
print(json.dumps({"codes": codes, "last": last.json(), "retry_after": last.get("Retry-After")}))
"""
TOKEN = "/api/v1/auth/token/"
WRONG = {"email": "x@y.z", "password": "nope"}


def test_login_is_throttled_at_the_rate_an_operator_sets(db, shop_a):
    probe = PROBE % (SHOPS["a"]["domain"], TOKEN, repr(WRONG))
    done = subprocess.run([sys.executable, "-c", probe], env=child_env(THROTTLE_AUTH="3/min"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"][:3] == [401] * 3
    assert result["codes"][3:] == [429, 429]
    assert result["last"]["error"]["code"] == "throttled"
    assert int(result["retry_after"]) > 0


def address() -> str:
    """A client address no other test (nor an earlier run this minute) used."""
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


@pytest.fixture
def auth_rate(settings):
    """The token endpoint at 3 requests a minute per client."""
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "auth": "3/min"}}
    return 3


def tries(remote: str, forwarded_for: list[str]) -> list[int]:
    """One wrong login per X-Forwarded-For value, all from the peer `remote`
    (each for an e-mail of its own, so the lockout stays out of the way)."""
    client = APIClient(HTTP_HOST=SHOPS["a"]["domain"], REMOTE_ADDR=remote)
    return [client.post(TOKEN, {"email": f"{secrets.token_hex(6)}@y.z", "password": "nope"}, format="json",
                        HTTP_X_FORWARDED_FOR=xff).status_code for xff in forwarded_for]


def test_without_a_trusted_proxy_a_made_up_forwarded_for_changes_nothing(shop_a, auth_rate, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    codes = tries(address(), [address() for _ in range(auth_rate + 2)])
    assert codes == [401] * auth_rate + [429, 429]


def test_behind_one_proxy_each_client_has_its_own_allowance(shop_a, auth_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, alice, bob = address(), address(), address()
    assert tries(proxy, [alice] * (auth_rate + 1)) == [401] * auth_rate + [429]
    # Bob comes through the same proxy and is not held back by Alice.
    assert tries(proxy, [bob]) == [401]
    # What Alice writes in front of the proxy's entry is her own claim: ignored.
    assert tries(proxy, [f"{address()}, {alice}", f"{bob}, {alice}"]) == [429, 429]


def test_only_peers_in_the_trusted_networks_may_speak_for_others(shop_a, auth_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["192.0.2.0/24"]
    outsider = address()  # 10.x: not a proxy of ours, straight to the server
    assert tries(outsider, [address() for _ in range(auth_rate + 1)]) == [401] * auth_rate + [429]
    proxy = "192.0.2.%d" % (secrets.randbelow(250) + 1)
    assert tries(proxy, [address() for _ in range(auth_rate + 1)]) == [401] * (auth_rate + 1)
