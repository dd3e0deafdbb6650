"""Health endpoints, including with PostgreSQL or Redis unreachable. The
"down" cases run the application in a fresh process pointed at a port where
nothing listens: the real code path, no patched checks."""
import json
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import child_env

PROBE = """
import django, json, os
django.setup()
from django.test import Client
r = Client(HTTP_HOST=os.environ["PROBE_HOST"]).get(os.environ["PROBE_PATH"])
print(json.dumps({"status": r.status_code, "body": json.loads(r.content)}))
"""


def probe(path: str, host: str = "localhost", **env_overrides) -> dict:
    env = child_env(PROBE_HOST=host, PROBE_PATH=path, **env_overrides)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("host", ["localhost", "shop-a.localhost", "no-such-shop.localhost"])
def test_healthz_and_readyz_on_every_host(db, host):
    client = Client(HTTP_HOST=host)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_names_redis_when_redis_is_down(db):
    result = probe("/readyz", REDIS_URL="redis://127.0.0.1:1/0")
    assert result["status"] == 503
    assert result["body"]["checks"]["database"] == "ok"
    assert result["body"]["checks"]["redis"].startswith("unavailable")


def test_readyz_names_the_database_when_postgres_is_down():
    result = probe("/readyz", host="shop-a.localhost", DATABASE_URL="postgres://postgres@127.0.0.1:1/zargar")
    assert result["status"] == 503
    assert result["body"]["checks"]["database"].startswith("unavailable")
    assert result["body"]["checks"]["redis"] == "ok"


def test_healthz_answers_with_both_down():
    result = probe("/healthz", DATABASE_URL="postgres://postgres@127.0.0.1:1/zargar", REDIS_URL="redis://127.0.0.1:1/0")
    assert result == {"status": 200, "body": {"status": "ok"}}
