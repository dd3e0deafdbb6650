"""
Benchmark of an upgrade at many shops (`make bench-migrate`), not a test.

Makes sure there are N shops (default 1,000), then times `migrate_shops`:

- first run with no state records (every shop's history read once),
- nothing to apply (the one query skips every shop),
- one real migration, a new column and an index on every shop's
  `branches_branch`, generated at bench time into var/bench_migrate/ and
  installed through MIGRATION_MODULES (the project's migrations are not
  touched),
- nothing to apply again,

and plain `migrate_schemas` with nothing to apply on a sample of shops, in
one process, for the per-schema cost it replaces. Prints the figures, writes
bench-results/migrate.json and extrapolates to 10,000 shops. At the end (and
at the start, after an interrupted run) the bench column is dropped again
with plain SQL.

Shops are made with the project's provisioning when it is fast
(apps/tenancy/blueprint.py); until then by replaying a `pg_dump` of the
template under each new name, two at a time (pg_dump and psql 15 must be
on PATH).

    .venv/bin/python scripts/bench_migrate.py --shops 1000 --connections 4
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from apps.tenancy.models import Domain, Tenant  # noqa: E402
from apps.tenancy.services import TEMPLATE_SCHEMA  # noqa: E402

PREFIX = "mb_"
BENCH_DIR = ROOT / "var" / "bench_migrate"
BENCH_MIGRATION = "0002_bench_branch_note"
SEED_BATCH = 10


def _url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def manage(*args: str, bench: bool = False) -> tuple[float, str]:
    env = dict(os.environ)
    if bench:
        env["PYTHONPATH"] = f"{BENCH_DIR}{os.pathsep}{env.get('PYTHONPATH', '')}"
        env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def bench_migration_write() -> None:
    """branches' migrations plus one new release: a column and its index."""
    package = BENCH_DIR / "bench_branches_migrations"
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    package.mkdir(parents=True)
    for source in (ROOT / "apps" / "branches" / "migrations").glob("*.py"):
        shutil.copy(source, package / source.name)
    latest = max(p.stem for p in package.glob("0*.py"))
    (package / f"{BENCH_MIGRATION}.py").write_text(f'''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("branches", "{latest}")]
    operations = [
        migrations.AddField("branch", "bench_note", models.CharField(max_length=40, default="", blank=True)),
        migrations.AddIndex("branch", models.Index(fields=["bench_note"], name="branch_bench_note_idx")),
    ]
''')
    (BENCH_DIR / "bench_settings.py").write_text(
        f"from {os.environ['DJANGO_SETTINGS_MODULE']} import *  # noqa\n"
        'MIGRATION_MODULES = {"branches": "bench_branches_migrations"}\n'
    )


def bench_migration_undo() -> int:
    """Drops the bench column, index and migration row wherever they are."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.columns WHERE table_name = 'branches_branch' "
            "AND column_name = 'bench_note'")
        schemas = [row[0] for row in cursor.fetchall()]
        for schema in schemas:
            cursor.execute(f'ALTER TABLE "{schema}".branches_branch DROP COLUMN IF EXISTS bench_note')
            cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                           ["branches", BENCH_MIGRATION])
    return len(schemas)


def shops_ensure(count: int) -> float:
    """At least `count` bench shops; returns the seconds spent making new ones."""
    have = set(Tenant.objects.filter(schema_name__startswith=PREFIX).values_list("schema_name", flat=True))
    wanted = [f"{PREFIX}{i:05d}" for i in range(count)]
    missing = [s for s in wanted if s not in have]
    if not missing:
        return 0.0
    started = time.monotonic()
    try:
        from apps.tenancy import blueprint  # noqa: F401  (the fast provisioning path)
        from apps.tenancy.services import shop_create

        for schema in missing:
            shop_create(name=schema, domain=f"{schema.replace('_', '-')}.bench.localhost",
                        owner_email=f"o@{schema.replace('_', '-')}.test", owner_password="A-long-enough-pass-42")
    except ImportError:
        _shops_by_dump(missing)
    print(f"made {len(missing)} shops in {time.monotonic() - started:.0f} s")
    return time.monotonic() - started


def _shops_by_dump(missing: list[str]) -> None:
    dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "-n", TEMPLATE_SCHEMA, _url()],
                          capture_output=True, text=True, check=True).stdout
    dump = re.sub(r"^SELECT pg_catalog.set_config\('search_path'.*$", "", dump, flags=re.MULTILINE)
    with connection.cursor() as cursor:
        for schema in missing:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')  # left by an interrupted run

    def replay(batch: list[str]) -> None:
        sql = "".join(re.sub(rf"\b{TEMPLATE_SCHEMA}\b", schema, dump) for schema in batch)
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", _url()], input=sql, text=True, check=True,
                       capture_output=True)
        tenants = Tenant.objects.bulk_create([Tenant(schema_name=s, name=f"Bench {s}") for s in batch])
        Domain.objects.bulk_create([Domain(domain=f"{t.schema_name.replace('_', '-')}.bench.localhost", tenant=t)
                                    for t in tenants])
        connection.close()

    batches = [missing[i:i + SEED_BATCH] for i in range(0, len(missing), SEED_BATCH)]
    done = 0
    with ThreadPoolExecutor(2) as pool:
        for _ in pool.map(replay, batches):
            done += 1
            if done % 10 == 0:
                print(f"  {done * SEED_BATCH}/{len(missing)} shops made")


def _figure(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else float("nan")


def run(label: str, *args: str, bench: bool = False) -> dict:
    wall, out = manage("migrate_shops", *args, bench=bench)
    base = _figure(r"public and template schemas migrated in ([\d.]+) s", out)
    total = _figure(r"done in ([\d.]+) s", out)
    figures = {"wall_seconds": round(wall, 1), "command_seconds": total, "public_and_template_seconds": base,
               "shops_seconds": round(total - base, 1),
               "output": [line for line in out.splitlines() if not line.startswith("migrated ")][-6:]}
    print(f"{label}: {wall:.1f} s wall, {total:.1f} s in the command ({base:.1f} s public and template)")
    for line in out.splitlines():
        print(f"    {line}")
    return figures


def baseline(sample: list[str]) -> float:
    code = ("import time\nfrom django.core.management import call_command\nt = time.monotonic()\n"
            f"for s in {sample!r}:\n    call_command('migrate_schemas', schema_name=s, interactive=False, verbosity=0)\n"
            "print('seconds', time.monotonic() - t)")
    _, out = manage("shell", "-c", code)
    return _figure(r"seconds ([\d.]+)", out) / len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--baseline-sample", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "migrate.json"))
    args = parser.parse_args()

    undone = bench_migration_undo()
    if undone:
        print(f"dropped the bench column left in {undone} schemas")
    manage("migrate_shops", "--connections", str(args.connections))  # public and template current
    seeding = shops_ensure(args.shops)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenancy_schemamigrationstate WHERE schema_name LIKE %s", [f"{PREFIX}%"])
    shops = Tenant.objects.filter(is_template=False).exclude(schema_name="public").count()
    conn = ["--connections", str(args.connections)]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "shops": shops, "connections": args.connections, "cpus": os.cpu_count(), "seeding_seconds": round(seeding, 1),
        "first_run_without_records": run("first run, no records", *conn),
        "nothing_to_apply": run("nothing to apply", *conn),
    }
    bench_migration_write()
    result["column_and_index"] = run("a column and an index", *conn, bench=True)
    result["nothing_to_apply_after"] = run("nothing to apply again", *conn, bench=True)
    sample = list(Tenant.objects.filter(schema_name__startswith=PREFIX).order_by("schema_name")
                  .values_list("schema_name", flat=True)[: args.baseline_sample])
    result["migrate_schemas_seconds_per_schema"] = round(baseline(sample), 3)
    bench_migration_undo()

    per_shop_apply = result["column_and_index"]["shops_seconds"] / shops
    per_shop_read = result["first_run_without_records"]["shops_seconds"] / shops
    result["extrapolated_10000"] = {
        "column_and_index_seconds": round(result["column_and_index"]["public_and_template_seconds"]
                                          + per_shop_apply * 10_000, 0),
        "first_run_without_records_seconds": round(per_shop_read * 10_000, 0),
        "nothing_to_apply_seconds": result["nothing_to_apply"]["command_seconds"],
        "migrate_schemas_nothing_to_apply_seconds": round(result["migrate_schemas_seconds_per_schema"] * 10_000, 0),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if not isinstance(v, dict) or "output" not in v}, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
