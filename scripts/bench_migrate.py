"""
Benchmark of an upgrade at many shops (`make bench-migrate`), not a test.

Makes sure there are N shops (default 1,000), then times `migrate_shops`:

- `--recheck`: every shop's history read, whatever its record says (the
  cost of the first run after this command was introduced, or after a
  release that changed the template's history),
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

Shops are made with the project's provisioning (`shop_create`, from the
template's blueprint) and kept for the next run.

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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import shop_create  # noqa: E402

PREFIX = "mb_"
BENCH_DIR = ROOT / "var" / "bench_migrate"
BENCH_MIGRATION = "0002_bench_branch_note"


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
    """At least `count` bench shops (provisioning from the template's
    blueprint); returns the seconds spent making new ones."""
    have = set(Tenant.objects.filter(schema_name__startswith=PREFIX).values_list("schema_name", flat=True))
    missing = [s for s in (f"{PREFIX}{i:05d}" for i in range(count)) if s not in have]
    started = time.monotonic()
    for n, schema in enumerate(missing, 1):
        host = schema.replace("_", "-")
        shop_create(name=f"Bench {schema}", domain=f"{host}.bench.localhost", owner_email=f"o@{host}.test",
                    owner_password="A-long-enough-pass-42")
        if n % 100 == 0:
            print(f"  {n}/{len(missing)} shops made")
    if missing:
        print(f"made {len(missing)} shops in {time.monotonic() - started:.0f} s")
    return time.monotonic() - started


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
    shops = Tenant.objects.filter(is_template=False).exclude(schema_name="public").count()
    conn = ["--connections", str(args.connections)]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "shops": shops, "connections": args.connections, "cpus": os.cpu_count(), "seeding_seconds": round(seeding, 1),
        "every_history_read": run("every shop's history read (--recheck)", *conn, "--recheck"),
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
    per_shop_read = result["every_history_read"]["shops_seconds"] / shops
    result["extrapolated_10000"] = {
        "column_and_index_seconds": round(result["column_and_index"]["public_and_template_seconds"]
                                          + per_shop_apply * 10_000, 0),
        "every_history_read_seconds": round(per_shop_read * 10_000, 0),
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
