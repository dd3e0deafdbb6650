"""
Benchmark of the metrics (`make bench-metrics`), not a test: what a scrape of
/metrics costs as the cluster grows, and what recording costs a request or
a sweep. Needs a database whose public schema is migrated
(`manage.py migrate_schemas --shared`) and Redis; writes only under a cache
prefix of its own and dead letters of a task name of its own, removed after.

1. scrape: `scrape_registry()` + `generate_latest()`, as `/metrics` runs them,
   with 0, 1,000 and 10,000 shops in the outbox-backlog hash (every shop
   with a backlog: the worst case) and 0 or 1,000 open dead letters.
2. record: one latency observation (`http_request_observe`, what every
   request adds) and one `outbox_backlog_publish` (what every sweep adds).

Prints and writes JSON to bench-results/metrics.json.

    .venv/bin/python scripts/bench_metrics.py [--shops 0,1000,10000] [--dead-letters 1000] [--scrapes 30]
"""
import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _ms(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"median_ms": round(statistics.median(samples) * 1000, 3),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shops", default="0,1000,10000")
    parser.add_argument("--dead-letters", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=30)
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-metrics-{uuid.uuid4().hex[:6]}"
    import django

    django.setup()
    from django_redis import get_redis_connection
    from django_tenants.utils import schema_context
    from prometheus_client import generate_latest

    from apps.core import metrics
    from apps.core.deadletters import dead_letter_record
    from apps.core.models import DeadLetter

    redis = get_redis_connection("default")
    task = f"bench.metrics_{uuid.uuid4().hex[:6]}"
    results: dict = {"scrape": [], "record": {}}

    def scrapes() -> dict:
        times, size = [], 0
        for _ in range(args.scrapes):
            started = time.perf_counter()
            size = len(generate_latest(metrics.scrape_registry()))
            times.append(time.perf_counter() - started)
        return {**_ms(times), "bytes": size}

    def fill(shops: int) -> None:
        redis.delete(*metrics._backlog_keys())
        now = datetime.now(UTC)
        for start in range(0, shops, 1000):
            for n in range(start, min(start + 1000, shops)):
                metrics.outbox_backlog_publish(schema_name=f"shop_{n:05d}", unpublished=n % 7 + 1, oldest=now - timedelta(seconds=n))

    try:
        for dead in (0, args.dead_letters):
            with schema_context("public"):
                for _ in range(dead - DeadLetter.objects.filter(task_name=task).count()):
                    dead_letter_record(task_name=task, task_id=str(uuid.uuid4()), args=[], kwargs={}, schema_name="public",
                                       exception="RuntimeError: bench", traceback="", attempts=7)
            for shops in [int(n) for n in args.shops.split(",")]:
                fill(shops)
                row = {"backlog_shops": shops, "dead_letters": dead, **scrapes()}
                results["scrape"].append(row)
                print(f"scrape: {shops:>6} shops with a backlog, {dead:>5} dead letters: "
                      f"median {row['median_ms']:.2f} ms, p95 {row['p95_ms']:.2f} ms, {row['bytes']} bytes", flush=True)

        calls = 100_000
        started = time.perf_counter()
        for n in range(calls):
            metrics.http_request_observe(route="api/pos/v1/sync/push", method="POST", status=200, seconds=n % 100 / 1000)
        results["record"]["http_request_observe_us"] = round((time.perf_counter() - started) / calls * 1e6, 2)
        times = []
        for n in range(500):
            started = time.perf_counter()
            metrics.outbox_backlog_publish(schema_name=f"shop_{n:05d}", unpublished=n % 2, oldest=datetime.now(UTC))
            times.append(time.perf_counter() - started)
        results["record"]["outbox_backlog_publish"] = _ms(times)
        print(f"record: a latency observation {results['record']['http_request_observe_us']} us (in process); "
              f"a sweep's backlog publish median {results['record']['outbox_backlog_publish']['median_ms']} ms", flush=True)
    finally:
        redis.delete(*metrics._backlog_keys())
        with schema_context("public"):
            DeadLetter.objects.filter(task_name=task).delete()

    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out / 'metrics.json'}")


if __name__ == "__main__":
    main()
