"""Login is throttled harder than the rest, in Redis. Runs in a fresh process
with a tiny auth rate, as an operator would configure it."""
import json
import subprocess
import sys

from tests.conftest import SHOPS, child_env

PROBE = """
import django, json, uuid
django.setup()
from django.core.cache import cache
from rest_framework.test import APIClient
client = APIClient(HTTP_HOST="%s", REMOTE_ADDR="10.9.%%d.%%d" %% (uuid.uuid4().int %% 250, uuid.uuid4().int %% 250))
codes = [client.post("/api/v1/auth/token/", {"email": "x@y.z", "password": "nope"}, format="json").status_code for _ in range(5)]
last = client.post("/api/v1/auth/token/", {"email": "x@y.z", "password": "nope"}, format="json")
print(json.dumps({"codes": codes, "last": last.json(), "retry_after": last.get("Retry-After")}))
"""


def test_token_endpoint_is_throttled(db, shop_a):
    done = subprocess.run([sys.executable, "-c", PROBE % SHOPS["a"]["domain"]], env=child_env(THROTTLE_AUTH="3/min"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"][:3] == [401, 401, 401]
    assert result["codes"][3:] == [429, 429]
    assert result["last"]["error"]["code"] == "throttled"
    assert int(result["retry_after"]) > 0
