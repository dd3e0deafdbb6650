"""
What a shop's backup costs: `export_shop` and `restore_shop` timed, and the
locks the largest transactions hold (provisioning a shop, restoring one),
counted from pg_locks before they commit; with the number of shops in the
database, which pg_dump's catalog reads grow with. Prints the figures and
writes JSON to bench-results/backup.json (table: docs/operations.md, "Backups").

    DATABASE_URL=... python scripts/bench_backup.py [--rounds 3]

Needs a migrated database with the platform set up (setup_platform). Creates
its shops (bench-backup-*) and drops them after.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def _locks(cursor) -> int:
    cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()")
    return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from apps.tenancy.models import Tenant
    from apps.tenancy.services import shop_create
    from apps.tenancy.shop_backup import shop_export, shop_restore

    tag = uuid.uuid4().hex[:6]
    made, figures = [], {"export_s": [], "restore_s": [], "provisioning_locks": [], "restore_locks": [], "export_bytes": []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for n in range(args.rounds):
                with transaction.atomic():
                    shop = shop_create(name=f"Bench backup {n}", domain=f"bench-backup-{tag}-{n}.localhost",
                                       owner_email=f"owner{n}@bench-backup.test", owner_password="Bench-backup-9-long").tenant
                    with connection.cursor() as cursor:
                        figures["provisioning_locks"].append(_locks(cursor))
                made.append(shop.schema_name)
                path = Path(folder) / f"{shop.schema_name}.tar.gz"
                started = time.perf_counter()
                shop_export(tenant=shop, path=path)
                figures["export_s"].append(time.perf_counter() - started)
                figures["export_bytes"].append(path.stat().st_size)
                started = time.perf_counter()
                with transaction.atomic():
                    copy = shop_restore(path=path, schema=f"{shop.schema_name}_copy", domains=[f"copy-{tag}-{n}.localhost"])
                    with connection.cursor() as cursor:
                        figures["restore_locks"].append(_locks(cursor))
                figures["restore_s"].append(time.perf_counter() - started)
                made.append(copy.schema_name)
        shops = Tenant.objects.filter(is_template=False).exclude(schema_name="public").count()
    finally:
        for tenant in Tenant.objects.filter(schema_name__in=made):
            tenant.delete(force_drop=True)
    result = {"shops_in_database": shops, "rounds": args.rounds,
              **{key: round(statistics.median(values), 3) for key, values in figures.items()}}
    print(f"{shops} shops in the database, median of {args.rounds}:")
    for key, value in result.items():
        print(f"  {key:>20}: {value}")
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    (out / "backup.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
