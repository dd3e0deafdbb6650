"""
Two shops, created once per test session through the real provisioning
service and committed; every test then runs in a transaction that is rolled
back, so tests stay independent and the suite stays fast.

The fixtures every suite shares are defined here, once: the shops, shop A
as staff see it (PRICING.md vector 1's Iranian shop, its staff signed in on
the web and the API, a branch, a category, a gold rate, rings), a small
shop's worth of data (tests/world.py), the project served over HTTP and a
real Celery worker. Plain helpers are in tests/helpers.py.
"""
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.tenancy.models import Tenant
from tests.helpers import PASSWORD, SHOPS, logged_in, staff, staff_client
from tests.vectors import RING


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
            shop = shop_create(name=spec["name"], domain=spec["domain"], owner_email=spec["owner"], owner_password=PASSWORD,
                               first_branch="Main").tenant
            with shop:
                branch_create(name=spec["branch"])
                if key == "b":
                    # Staff ids count per shop; shop B's start far from shop A's so
                    # that B's cashier's id is no id of A's (object authorisation tests).
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), 100000)")
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


def in_shop(shop, fn, *args, **kwargs):
    """Runs fn in `shop` on a connection of its own and commits it."""

    def run():
        connection.set_tenant(shop)
        return fn(*args, **kwargs)

    return run_committed(run)


def drop_shops_committed(**filters):
    def drop():
        for tenant in Tenant.objects.filter(**filters):
            tenant.delete(force_drop=True)

    run_committed(drop)


@pytest.fixture(scope="session")
def http_server(django_db_setup, django_db_blocker):
    """The project served over real HTTP on 127.0.0.1:<port> (yields the
    port), on the session's test database, static files from the finders.
    Django's LiveServerThread, as pytest-django's `live_server` uses, but
    without the `transactional_db` that fixture forces on every test: its
    flush would empty the public schema and take the session's shops with
    it. Tests write what the server must see with run_committed."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    # The server's request threads hold keep-alive connections; with
    # persistent database connections they would outlive the session and
    # keep the test database from being dropped.
    max_age = connections.settings["default"].get("CONN_MAX_AGE")
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    thread = LiveServerThread("127.0.0.1", StaticFilesHandler)
    thread.daemon = True
    with django_db_blocker.unblock():
        thread.start()
        thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread.port
    thread.terminate()
    connections.settings["default"]["CONN_MAX_AGE"] = max_age


# --------------------------------------------------------------------------
# Shop A as staff see it, made through the services (rolled back after)
# --------------------------------------------------------------------------


@pytest.fixture
def shop(in_shop_a):
    """Shop A with the Iranian settings of the vectors (IRR, regime IR, VAT
    10%, profit 7%, no rounding), English pages unless a test says otherwise."""
    in_shop_a.tax_regime, in_shop_a.currency, in_shop_a.language = "IR", "IRR", "en"
    in_shop_a.vat_percent, in_shop_a.profit_percent = Decimal("10"), Decimal("7")
    in_shop_a.rounding_increment, in_shop_a.rounding_mode = Decimal("0"), "nearest"
    in_shop_a.save()
    return in_shop_a


@pytest.fixture
def owner(shop):
    return staff("a", "owner")


@pytest.fixture
def manager(shop):
    return staff("a", "manager")


@pytest.fixture
def cashier(shop):
    return staff("a", "cashier")


@pytest.fixture
def as_owner(owner) -> Client:
    return logged_in(owner)


@pytest.fixture
def as_manager(manager) -> Client:
    return logged_in(manager)


@pytest.fixture
def as_cashier(cashier) -> Client:
    return logged_in(cashier)


@pytest.fixture
def operator_client(db) -> Client:
    """The platform admin, as an operator (a user of the public schema) on the platform host."""
    from django_tenants.utils import schema_context

    from apps.accounts.models import User

    with schema_context("public"):
        operator = User.objects.create_superuser("ops@platform.test", None)  # no password: no slow hashing
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    return client


@pytest.fixture
def admin_client(client_a, shop) -> Client:
    """The admin, as a superuser of shop A (no password: no slow hashing)."""
    from apps.accounts.models import User

    client_a.force_login(User.objects.create_superuser("root@shop-a.test", None))
    return client_a


@pytest.fixture
def branch(shop):
    from apps.branches.models import Branch

    return Branch.objects.get(name="Bazaar")


@pytest.fixture
def other_branch(shop):
    from apps.branches.models import Branch

    return Branch.objects.get(name="Main")


@pytest.fixture
def category(shop):
    from apps.inventory.services import category_create

    return category_create(name="Rings")


@pytest.fixture
def gold_rate(owner):
    """8,000,000 per gram of 750 (vector 1), on the board for the past month.

    The same rate is set again a second ago and that row is returned: it must
    be the newest on the board, even if another test left a committed rate
    behind in shop A."""
    from apps.inventory.services import gold_rate_set

    gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=timezone.now() - timedelta(days=30))
    return gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def make_item(owner, branch, category):
    """make_item(**overrides): vector 1's 18k ring (net 5 g, making 18%,
    stones 2,000,000) in the Bazaar branch unless told otherwise; SKUs are
    numbered so several can coexist."""
    from apps.inventory.services import item_create

    counter = iter(range(1, 10_000))

    def make(**overrides):
        values = {**RING, "sku": f"IT-{next(counter):04d}", "category": category, "branch": branch, "actor": owner}
        values.update(overrides)
        return item_create(**values)

    return make


# --------------------------------------------------------------------------
# The staff API: signed-in clients, a small shop's worth of data
# --------------------------------------------------------------------------


@pytest.fixture
def owner_a(shop_a):
    return staff_client("a", "owner")


@pytest.fixture
def manager_a(shop_a):
    return staff_client("a", "manager")


@pytest.fixture
def cashier_a(shop_a):
    return staff_client("a", "cashier")


@pytest.fixture
def owner_b(shop_b):
    return staff_client("b", "owner")


@pytest.fixture
def world(shop_a):
    from tests.world import build_world

    return build_world("a")


@pytest.fixture
def world_b(shop_b):
    from tests.world import build_world

    return build_world("b")
