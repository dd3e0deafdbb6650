"""
Benchmark of `seed_demo` at its defaults (500 items, 200 customers, 100
sales), not a test: the suite checks what the command makes
(tests/sales/test_seed_demo.py); how long it takes is measured here.

A shop of its own is provisioned, seeded, seeded again (the idempotent
re-run, which only reads) and dropped. Prints and writes JSON to
bench-results/seed_demo.json. Needs a migrated database, as after
`make run` or `make bench-sync`:

    .venv/bin/python scripts/bench_seed_demo.py [--runs 3] [--keep]
"""
import argparse
import json
import os
import secrets
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

DOMAIN = "seed-bench.localhost"


def log(message: str) -> None:
    print(f"[bench-seed-demo] {message}", flush=True)


def shop_fresh():
    """The bench shop, provisioned anew (a left-over one is dropped first)."""
    from apps.tenancy.models import Tenant
    from apps.tenancy.services import shop_create

    for old in Tenant.objects.filter(domains__domain=DOMAIN):
        old.delete(force_drop=True)
    return shop_create(name="Seed Bench", domain=DOMAIN, owner_email="owner@seed-bench.localhost",
                       owner_password=secrets.token_urlsafe(16)).tenant


def timed_seed(schema: str) -> tuple[float, str]:
    out = StringIO()
    started = time.perf_counter()
    call_command("seed_demo", shop=schema, stdout=out)
    seconds = time.perf_counter() - started
    connection.set_schema_to_public()
    return seconds, out.getvalue().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="fresh shops seeded one after the other")
    parser.add_argument("--keep", action="store_true", help="leave the last bench shop in place")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    first_runs, reruns = [], []
    for run in range(1, args.runs + 1):
        shop = shop_fresh()
        seconds, output = timed_seed(shop.schema_name)
        first_runs.append(seconds)
        log(f"run {run}: {output}")
        seconds, output = timed_seed(shop.schema_name)
        reruns.append(seconds)
        log(f"run {run}, again: {output}")
        if run < args.runs or not args.keep:
            shop.delete(force_drop=True)

    result = {
        "benchmark": "seed_demo defaults (500 items, 200 customers, 100 sales)",
        "runs": args.runs,
        "first_run_seconds": [round(s, 2) for s in first_runs],
        "first_run_median_seconds": round(statistics.median(first_runs), 2),
        "rerun_seconds": [round(s, 2) for s in reruns],
        "rerun_median_seconds": round(statistics.median(reruns), 2),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "seed_demo.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
