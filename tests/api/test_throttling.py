"""Login and POS enrolment are throttled harder than the rest, in Redis.
Runs in a fresh process with a tiny rate, as an operator would configure it."""
import json
import subprocess
import sys

import pytest

from tests.conftest import SHOPS, child_env

PROBE = """
import django, json, uuid
django.setup()
from django.core.cache import cache
from rest_framework.test import APIClient
client = APIClient(HTTP_HOST="%s", REMOTE_ADDR="10.9.%%d.%%d" %% (uuid.uuid4().int %% 250, uuid.uuid4().int %% 250))
path, body = "%s", %s
codes = [client.post(path, body, format="json").status_code for _ in range(5)]
last = client.post(path, body, format="json")
print(json.dumps({"codes": codes, "last": last.json(), "retry_after": last.get("Retry-After")}))
"""


@pytest.mark.parametrize("path, body, setting, refused", [
    ("/api/v1/auth/token/", {"email": "x@y.z", "password": "nope"}, "THROTTLE_AUTH", 401),
    ("/api/pos/v1/devices/enroll", {"enrollment_code": "NOSUCHCODE", "name": "x"}, "THROTTLE_ENROLL", 400),
])
def test_login_and_enrolment_are_throttled(db, shop_a, path, body, setting, refused):
    probe = PROBE % (SHOPS["a"]["domain"], path, repr(body))
    done = subprocess.run([sys.executable, "-c", probe], env=child_env(**{setting: "3/min"}),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"][:3] == [refused] * 3
    assert result["codes"][3:] == [429, 429]
    assert result["last"]["error"]["code"] == "throttled"
    assert int(result["retry_after"]) > 0
