"""A restore from a physical backup, rehearsed (issue 13, item 3).

A PostgreSQL server of the test's own archives its WAL as the shipped
configuration does (docker-compose.yml); the project is migrated and a shop
provisioned there by a child process, a base backup is taken with
scripts/pg_base_backup.sh, and sales are made after it through the real sale
service. The server is killed, and a new server is made with
scripts/pg_pitr_restore.sh from the base backup plus the archived WAL: it
must hold every sale up to the last committed one. A second restore stops
at a named restore point: the sales after it are not there."""
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import child_env
from tests.private_postgres import PrivatePostgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.live_server

SETUP = """
import django
django.setup()
from decimal import Decimal
from django.core.management import call_command
call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
call_command("setup_platform", verbosity=0)
from apps.inventory.services import gold_rate_set, item_create
from tests.helpers import shop_of_its_own
from tests.vectors import PLAIN_RING
tenant, owner, branch, category = shop_of_its_own("pitr", "PITR Jewellers")
item_create(**PLAIN_RING, actor=owner, category=category, branch=branch, stone_value=Decimal("0"), sku="RING",
            name="Ring", quantity=1000)
gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
print(tenant.schema_name)
"""

SELL = """
import django, json, sys
django.setup()
from django.db import connection
from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.models import Item
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from apps.tenancy.models import Tenant
connection.set_tenant(Tenant.objects.get(schema_name=sys.argv[1]))
owner, branch = User.objects.get(email="owner@pitr.test"), Branch.objects.get(name="Main")
lines = [LineInput(item_id=Item.objects.get(sku="RING").pk)]
for _ in range(int(sys.argv[2])):
    sale = sale_create(actor=owner, branch=branch, lines=lines,
                       payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])
    print(json.dumps(str(sale.pk)), flush=True)  # committed: sale_create returned
"""


def _child(env, code, *args) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


def _archived(server: PrivatePostgres) -> None:
    """Closes the current WAL segment and waits until the archive has it,
    as archive_timeout does in production (the window a crash may lose)."""
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        deadline = time.monotonic() + 60
        while not (server.archive / segment).exists():
            assert time.monotonic() < deadline, f"{segment} was not archived"
            time.sleep(0.2)


def _sales(server: PrivatePostgres, schema: str) -> list[str]:
    with psycopg.connect(server.url("zargar")) as conn:
        return sorted(r[0] for r in conn.execute(f'SELECT id::text FROM "{schema}".sales_sale'))


def _recovered(server: PrivatePostgres) -> None:
    """pg_ctl returns once the server answers; recovery ends with the promotion."""
    server.start()
    deadline = time.monotonic() + 120
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        while conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            assert time.monotonic() < deadline, "recovery did not finish"
            time.sleep(0.2)


@pytest.fixture
def servers():
    made = []

    def make(factory, *args, **kwargs):
        try:
            server = factory(*args, **kwargs)
        except FileNotFoundError as exc:  # e.g. the test image, whose PostgreSQL is another container
            pytest.skip(str(exc))
        made.append(server)
        return server

    yield make
    for server in reversed(made):
        server.destroy()


def test_a_base_backup_plus_archived_wal_brings_back_the_last_committed_sale(servers):
    primary = servers(PrivatePostgres, archive=True)
    primary.start()
    with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE zargar")
    tag = uuid.uuid4().hex[:8]
    env = child_env(DATABASE_URL=primary.url("zargar"), CACHE_KEY_PREFIX=f"zargar-pitr-{tag}",
                    CELERY_TASK_DEFAULT_QUEUE=f"zargar-pitr-{tag}", LOG_LEVEL="WARNING")
    schema = _child(env, SETUP)[-1]
    before = [json.loads(s) for s in _child(env, SELL, schema, "2")]

    backup = primary.base_backup()
    assert (backup / "base.tar.gz").exists() and (backup / "backup_manifest").exists()

    after = [json.loads(s) for s in _child(env, SELL, schema, "5")]
    with psycopg.connect(primary.url("zargar"), autocommit=True) as conn:
        conn.execute("SELECT pg_create_restore_point('before_the_last_three')")
    late = [json.loads(s) for s in _child(env, SELL, schema, "3")]
    made = before + after + late
    assert _sales(primary, schema) == sorted(made) and len(made) == 10
    _archived(primary)
    primary.stop("immediate")  # the server is lost; only the backup and the archive are left

    restored = servers(PrivatePostgres.restored, backup, primary.archive)
    _recovered(restored)
    assert _sales(restored, schema) == sorted(made)  # the last committed sale, and nothing before it lost
    with psycopg.connect(restored.url("zargar")) as conn:  # and it takes writes again
        conn.execute(f'UPDATE "{schema}".sales_sale SET receipt_number = %s WHERE id = %s', ["R-restored", made[-1]])

    to_the_point = servers(PrivatePostgres.restored, backup, primary.archive, "name=before_the_last_three")
    _recovered(to_the_point)
    assert _sales(to_the_point, schema) == sorted(before + after)
