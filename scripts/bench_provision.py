"""
Benchmark of shop provisioning (`make bench-provision`), not a test.

In a database of its own (zargar_bench_provision, kept between runs so that
the thousands of shops are made once), the platform and the template schema,
then for each size (existing shops: 1, 1,000, 5,000 by default):

- the database is filled up to that many shops: real schemas made from the
  blueprint (apps.tenancy.blueprint), ten to a transaction, and their tenant
  rows; nearly empty shops, as most of a platform's are;
- then, on a new connection (as a provisioning request has), `shop_create`
  is timed `--samples` times: the whole service (checks,
  schema, owner with an argon2 password, first branch), then the schema step
  alone (`blueprint_apply`, rolled back);
- with `--clone`, django-tenants' `clone_schema` (what provisioning used
  before) is timed once, rolled back, for comparison.

Prints a table and writes bench-results/provision.json.

    .venv/bin/python scripts/bench_provision.py --sizes 1,1000,5000 --samples 5 --clone
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
DATABASE = "zargar_bench_provision"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_PROVISION_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")

import django  # noqa: E402
import psycopg  # noqa: E402

PASSWORD = "Bench-provision-9!"
FILLER = "filler_"
FILLERS_PER_TRANSACTION = 10  # ~290 relations each: well inside 64 x 100 lock slots


def log(message: str) -> None:
    print(f"[bench-provision] {message}", flush=True)


def database_ensure(fresh: bool) -> None:
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
            log(f"created database {DATABASE}")


def platform_ensure() -> None:
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, verbosity=0)
    call_command("setup_platform", verbosity=0)


def shop_count() -> int:
    from apps.tenancy.models import Tenant

    return Tenant.objects.filter(is_template=False).exclude(schema_name="public").count()


def fill_to(size: int) -> float:
    """Adds filler shops until there are `size` shops; returns seconds taken."""
    from django.db import connection, transaction

    from apps.tenancy.blueprint import blueprint_apply
    from apps.tenancy.models import Tenant

    started, have = time.perf_counter(), shop_count()
    next_number = Tenant.objects.filter(schema_name__startswith=FILLER).count()
    while have < size:
        batch = min(FILLERS_PER_TRANSACTION, size - have)
        with transaction.atomic():
            rows = []
            for _ in range(batch):
                schema = f"{FILLER}{next_number:05d}"
                blueprint_apply(schema_name=schema)
                rows.append(Tenant(schema_name=schema, name=f"Filler {next_number}"))
                next_number += 1
            Tenant.objects.bulk_create(rows)
        connection.close()  # a backend that made thousands of schemas caches their catalog: see measure()
        have += batch
        if have % 250 < batch:
            log(f"  {have} shops ({time.perf_counter() - started:.0f} s)")
    return time.perf_counter() - started


def backend_cpu() -> float:
    """CPU seconds the PostgreSQL backend of this connection has used (the
    server runs on this machine: /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(step) -> dict:
    """Wall time, and service time: CPU of this process plus its backend
    (what a loaded machine does not inflate, unlike the wall time)."""
    backend, own, wall = backend_cpu(), time.process_time(), time.perf_counter()
    step()
    wall, own = time.perf_counter() - wall, time.process_time() - own
    return {"wall": wall, "cpu": own + backend_cpu() - backend}


def time_shop_create(size: int, n: int) -> dict:
    from apps.tenancy.services import shop_create

    return timed(lambda: shop_create(name=f"Bench {size} {n}", domain=f"bench-{size}-{n}-{time.time_ns()}.localhost",
                                     owner_email=f"owner{n}@bench.test", owner_password=PASSWORD))


def time_rolled_back(step) -> dict:
    from django.db import transaction

    with transaction.atomic():
        seconds = timed(step)
        transaction.set_rollback(True)
    return seconds


def summary(samples: list[dict]) -> dict:
    return {kind: {"median": statistics.median(s[kind] for s in samples), "max": max(s[kind] for s in samples)}
            for kind in ("cpu", "wall")} | {"samples": samples}


def measure(size: int, samples: int, clone: bool) -> dict:
    from django.db import connection
    from django_tenants.clone import CloneSchema

    from apps.tenancy.blueprint import TEMPLATE_SCHEMA, blueprint_apply

    # On a connection of its own, as a provisioning request or command has:
    # the backend that filled the database holds the catalog cache of every
    # schema it made, and each DDL statement's cache invalidations cost it
    # more (1.2 s instead of 0.4 s for the schema step at 1,000 shops).
    connection.close()
    existing = shop_count()
    whole = [time_shop_create(size, n) for n in range(samples)]
    schema = [time_rolled_back(lambda n=n: blueprint_apply(schema_name=f"bench_schema_{n}")) for n in range(samples)]
    row = {
        "existing_shops": existing,
        "shop_create_s": summary(whole),
        "schema_s": summary(schema),
    }
    if clone:
        def old_clone():
            CloneSchema().clone_schema(TEMPLATE_SCHEMA, "bench_clone", "DATA")
            connection.set_schema_to_public()

        row["clone_schema_s"] = time_rolled_back(old_clone)
    return row


def line(row: dict, sep: str = ", ") -> str:
    def cell(s):
        return f"{s['cpu']['median']:.2f} s ({s['cpu']['max']:.2f}) [{s['wall']['median']:.2f} s]"

    clone = row.get("clone_schema_s")
    clone = f"{clone['cpu']:.2f} s [{clone['wall']:.2f} s]" if clone else "-"
    return sep.join([cell(row["shop_create_s"]), cell(row["schema_s"]), clone])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,1000,5000", help="existing shops to measure at, ascending")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--clone", action="store_true", help="also time django-tenants' clone_schema once per size")
    parser.add_argument("--fresh", action="store_true", help=f"drop {DATABASE} first")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    database_ensure(args.fresh)
    django.setup()
    platform_ensure()
    results = []
    for size in sizes:
        filled = fill_to(size)
        log(f"{shop_count()} shops (filling took {filled:.0f} s); measuring")
        row = measure(size, args.samples, args.clone)
        results.append(row)
        log(f"at {row['existing_shops']} shops: " + line(row))

    print("\nService time is CPU (this process + its PostgreSQL backend); wall time in brackets.")
    print("| existing shops | shop_create, median (max) | schema step, median (max) | clone_schema (before) |")
    print("|---:|---:|---:|---:|")
    for row in results:
        print(f"| {row['existing_shops']:,} | " + line(row, sep=" | ") + " |")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"when": datetime.now(timezone.utc).isoformat(), "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "results": results}
    (out / "provision.json").write_text(json.dumps(report, indent=2))
    log(f"wrote {out / 'provision.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
