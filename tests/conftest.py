"""
Two shops, created once per test session through the real provisioning
service and committed; every test then runs in a transaction that is rolled
back, so tests stay independent and the suite stays fast.
"""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from apps.tenancy.models import Tenant

PASSWORD = "Zargar-test-pass-7"
SHOPS = {
    "a": {"name": "Shop A", "domain": "shop-a.localhost", "owner": "owner@shop-a.test", "branch": "Bazaar"},
    "b": {"name": "Shop B", "domain": "shop-b.localhost", "owner": "owner@shop-b.test", "branch": "Airport"},
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    from apps.accounts.models import Role
    from apps.accounts.services import user_create
    from apps.branches.services import branch_create
    from apps.tenancy.services import shop_create

    own_setup = None
    with django_db_blocker.unblock():
        # pytest-django creates the test database only when a selected test
        # asks for `db`; tests that work on committed data (live servers,
        # browsers) don't. Never write this session's shops into a real one.
        if not connection.settings_dict["NAME"].startswith("test_"):
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        call_command("setup_platform", verbosity=0)
        for key, spec in SHOPS.items():
            shop = shop_create(name=spec["name"], domain=spec["domain"], owner_email=spec["owner"], owner_password=PASSWORD).tenant
            with shop:
                branch_create(name=spec["branch"])
                for role in (Role.MANAGER, Role.CASHIER):
                    user_create(email=f"{role}@shop-{key}.test", password=PASSWORD, role=role)
        connection.set_schema_to_public()
    yield
    if own_setup is not None:
        with django_db_blocker.unblock():
            teardown_databases(own_setup, verbosity=0)


def test_database_url() -> str:
    """The URL of the database this test session runs on, for child processes."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(**overrides) -> dict:
    """Environment for a process that must see this session's database."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": test_database_url(), **overrides}


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real Celery worker process on real Redis, consuming a queue of its
    own (so no other worker on the machine takes this session's tasks)."""
    from config.celery_app import app

    queue = f"zargar-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "-Q", queue,
             "-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            env=child_env(), stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent,
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Celery worker did not start:\n{log.read_text()}")
    yield queue
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(autouse=True)
def _back_to_public():
    yield
    connection.set_schema_to_public()


def _shop(key: str) -> Tenant:
    return Tenant.objects.get(domains__domain=SHOPS[key]["domain"])


@pytest.fixture
def shop_a(db) -> Tenant:
    return _shop("a")


@pytest.fixture
def shop_b(db) -> Tenant:
    return _shop("b")


@pytest.fixture
def in_shop_a(shop_a):
    """Runs the test inside shop A's schema."""
    connection.set_tenant(shop_a)
    return shop_a


@pytest.fixture
def client_a(shop_a) -> Client:
    return Client(HTTP_HOST=SHOPS["a"]["domain"])


@pytest.fixture
def client_b(shop_b) -> Client:
    return Client(HTTP_HOST=SHOPS["b"]["domain"])


def run_committed(fn, *args, **kwargs):
    """Runs fn on a connection of its own, outside the test's transaction, so
    what it writes is committed (and seen by other processes) at once."""
    import threading

    from django.db import connections

    outcome = {}

    def target():
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def drop_shops_committed(**filters):
    def drop():
        for tenant in Tenant.objects.filter(**filters):
            tenant.delete(force_drop=True)

    run_committed(drop)
