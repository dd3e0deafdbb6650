"""Plain helpers shared by the tests (fixtures are in tests/conftest.py):
the session's two shops, their staff, signed-in clients, error checks."""
import os
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.core.errors import ApplicationError

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Zargar-test-pass-7"
SHOPS = {
    "a": {"name": "Shop A", "domain": "shop-a.localhost", "owner": "owner@shop-a.test", "branch": "Bazaar"},
    "b": {"name": "Shop B", "domain": "shop-b.localhost", "owner": "owner@shop-b.test", "branch": "Airport"},
}


def staff(shop_key: str, role: str) -> User:
    """The shop's `role` (owner, manager, cashier), read in the current schema."""
    return User.objects.get(email=f"{role}@shop-{shop_key}.test")


def first_staff(role: str) -> User | None:
    """The current shop's first active user with `role`, whatever the shop."""
    return User.objects.filter(role=role, is_active=True).order_by("pk").first()


def text(response) -> str:
    return response.content.decode()


def assert_error(code: str, call, *args, **kwargs) -> ApplicationError:
    """Calls `call` and checks it refuses with the application error `code`."""
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def fresh(obj):
    """The row again, as the database has it now."""
    return type(obj).objects.get(pk=obj.pk)


# --------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------


def logged_in(user: User, shop_key: str = "a") -> Client:
    """Django's test client on the shop's host with `user` logged in."""
    client = Client(HTTP_HOST=SHOPS[shop_key]["domain"])
    client.force_login(user)
    return client


def api_client(shop_key: str, email: str | None = None) -> APIClient:
    """An API client on a shop's host, logged in with a real JWT when email is given."""
    client = APIClient(HTTP_HOST=SHOPS[shop_key]["domain"])
    if email:
        response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


# Real JWTs obtained once per session: a token needs no database row to be
# accepted, so reusing it keeps hundreds of tests from hashing passwords.
_TOKENS: dict[tuple[str, str], tuple[float, str]] = {}
TOKEN_REUSE_SECONDS = 600  # well inside the 15-minute access lifetime


def staff_client(shop_key: str, role: str | None) -> APIClient:
    """An API client on the shop's host signed in as the shop's `role`
    (None: anonymous)."""
    client = APIClient(HTTP_HOST=SHOPS[shop_key]["domain"])
    if role is None:
        return client
    email = f"{role}@shop-{shop_key}.test"
    issued = _TOKENS.get((shop_key, email))
    if issued is None or time.monotonic() - issued[0] > TOKEN_REUSE_SECONDS:
        response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        issued = _TOKENS[(shop_key, email)] = (time.monotonic(), response.json()["access"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued[1]}")
    return client


def main_branch_id(client: APIClient) -> str:
    """The id of the shop's Main branch, as the API lists it."""
    branches = client.get("/api/v1/branches/").json()["results"]
    return next(b["id"] for b in branches if b["name"] == "Main")


# --------------------------------------------------------------------------
# Committed work (tests/conftest.py has run_committed, in_shop and
# drop_shops_committed)
# --------------------------------------------------------------------------


def at_once(fn, *, times: int, timeout: float = 60) -> list:
    """Calls fn from `times` threads released together, each on database
    connections of its own (closed after); returns what the calls returned,
    in the order they finished. An exception in a call fails the caller."""
    import threading

    from django.db import connections

    barrier, results, errors = threading.Barrier(times), [], []

    def target():
        try:
            barrier.wait(timeout)
            results.append(fn())
        except BaseException as exc:  # handed back to the caller's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a call hung"
    if errors:
        raise errors[0]
    return results


def shop_of_its_own(key: str, name: str):
    """Provisions shop `name` (domain <key>.localhost, owner owner@<key>.test)
    through the real service and enters its schema; returns (tenant, owner,
    Main branch, a new "Rings" category). Call it inside run_committed, and
    drop the shop with drop_shops_committed when done."""
    from apps.branches.models import Branch
    from apps.inventory.services import category_create
    from apps.tenancy.services import shop_create

    tenant = shop_create(name=name, domain=f"{key}.localhost", owner_email=f"owner@{key}.test", owner_password=PASSWORD,
                         first_branch="Main").tenant
    connection.set_tenant(tenant)
    return tenant, User.objects.get(email=f"owner@{key}.test"), Branch.objects.get(name="Main"), category_create(name="Rings")


def gunicorn_start(*options: str, port: int, env: dict) -> subprocess.Popen:
    """Starts a real gunicorn serving the project on 127.0.0.1:`port` (in a
    process group of its own) and returns once /healthz answers."""
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *options, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}, timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            threading.Event().wait(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


@contextmanager
def gunicorn_serving(*options: str, port: int, env: dict):
    """A real gunicorn serving the project on 127.0.0.1:`port` (with these
    command-line `options`) until the block ends; yields its URL once
    /healthz answers."""
    process = gunicorn_start(*options, port=port, env=env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
