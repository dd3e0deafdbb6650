"""
Benchmark of background work against the number of shops (`make bench-shopwork`),
not a test: N shops (1,000) of which A (10) are active, on a Redis server of
the benchmark's own and the database of DATABASE_URL (migrated, with the
template schema: `manage.py setup_platform`).

Per tick of the outbox sweep, before and after (apps.core.shopwork):

- before: `core.fan_out` of `core.outbox_sweep` to every active shop (what
  beat sent every 30 s), then each of those sweeps run (in this process, one
  after the other, as a worker would run them, without Celery's own cost);
- after: the dirty tick (`core.outbox_dirty_sweep`), then its sweeps; the
  full check (`core.fan_out` with the `outbox_backlog` filter, every 5 min
  and on broker recovery), then its sweeps; and the hourly reconciliation's
  fan-out with and without its `stock_moved` filter (sent only, not run).

Figures: tasks sent per tick, seconds to send them, seconds to run the sweeps,
and the locks one chunk query holds. Median of --ticks runs. Prints a table and
writes bench-results/shopwork.json.

The bench shops are Tenant rows of their own (`benchw_0000` ...) whose schemas
are real but hold only the tables the measured work reads (core_outboxevent,
inventory_stockmovement, pos_sync_reviewitem: `CREATE TABLE ... (LIKE
zargar_template.<table> INCLUDING ALL)`, indexes included), made with
--schemas lite (the default: a full shop costs seconds to provision here).
With --schemas full they are made by `shop_create` (slow without the
constant-time provisioning). They are dropped at the end unless --keep.

    DATABASE_URL=... .venv/bin/python scripts/bench_shopwork.py [--shops 1000] [--active 10] [--ticks 5]
        [--redis-port 6540] [--schemas lite|full] [--keep]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFIX = {"lite": "benchw_", "full": "benchf_"}
LITE_TABLES = ("core_outboxevent", "inventory_stockmovement", "pos_sync_reviewitem")


def log(message: str) -> None:
    print(f"[bench-shopwork] {message}", file=sys.stderr, flush=True)


def redis_start(port: int, directory: str) -> subprocess.Popen:
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server is not installed (apt-get install redis-server): the benchmark runs a Redis of its own.")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"redis-server did not start on port {port}")


def shops_make(count: int, mode: str) -> list[str]:
    from django.db import connection, transaction

    from apps.tenancy.models import Tenant
    from apps.tenancy.services import shop_create

    names = [f"{PREFIX[mode]}{n:04d}" for n in range(count)]
    have = set(Tenant.objects.filter(schema_name__in=names).values_list("schema_name", flat=True))
    started = time.perf_counter()
    for n, name in enumerate(names):
        if name in have:
            continue
        if mode == "full":
            made = shop_create(name=f"Bench {name}", domain=f"{name.replace('_', '-')}.localhost", owner_email=f"owner@{name.replace('_', '-')}.test",
                               owner_password="bench-password-0123456789").tenant
            if made.schema_name != name:
                sys.exit(f"shop_create named the schema {made.schema_name}, not {name}: drop it and run again")
            connection.set_schema_to_public()
            if n % 50 == 49:
                log(f"{n + 1} shops made ({time.perf_counter() - started:.0f} s)")
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
            for table in LITE_TABLES:
                cursor.execute(f'CREATE TABLE "{name}"."{table}" (LIKE zargar_template."{table}" INCLUDING ALL)')
            Tenant.objects.bulk_create([Tenant(schema_name=name, name=f"Bench {name}")])
        if n % 200 == 199:
            log(f"{n + 1} shops made ({time.perf_counter() - started:.0f} s)")
    return names


def shops_drop(names: list[str]) -> None:
    from django.db import connection, transaction

    from apps.tenancy.models import Domain, Tenant

    for name in names:  # one transaction each: a whole shop's DROP takes hundreds of locks
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            Domain.objects.filter(tenant__schema_name=name).delete()
            Tenant.objects.filter(schema_name=name).delete()


def events_add(schemas: list[str], *, age: timedelta) -> None:
    """One event per shop through the real write (its on-commit hand-off marks the shop), `age` old."""
    from django.db import transaction
    from django.utils import timezone as dj_timezone
    from django_tenants.utils import schema_context

    from apps.core.models import OutboxEvent
    from apps.core.services import outbox_event_add

    for schema in schemas:
        with schema_context(schema):
            with transaction.atomic():
                event = outbox_event_add(topic="bench.noop", payload={"n": 1})
            OutboxEvent.objects.filter(pk=event.pk).update(created_at=dj_timezone.now() - age)


def sweeps_run(schemas: list[str]) -> float:
    from django_tenants.utils import schema_context

    from apps.core.outbox import outbox_sweep

    started = time.perf_counter()
    for schema in schemas:
        with schema_context(schema):
            outbox_sweep()
    return time.perf_counter() - started


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started


def chunk_locks(schemas: list[str], chunk: int) -> int:
    """Locks one chunk query holds at its end (inside a transaction, before it commits)."""
    from django.db import connection, transaction
    from django.utils import timezone as dj_timezone

    from apps.core.shopwork import shops_with_work, work_filter

    with transaction.atomic():
        shops_with_work(schemas=schemas[:chunk], found=work_filter("outbox_backlog", now=dj_timezone.now(), kwargs={}), chunk=chunk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'")
            return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=1000)
    parser.add_argument("--active", type=int, default=10)
    parser.add_argument("--ticks", type=int, default=5)
    parser.add_argument("--redis-port", type=int, default=6540)
    parser.add_argument("--schemas", choices=["lite", "full"], default="lite")
    parser.add_argument("--keep", action="store_true", help="keep the bench shops for the next run")
    parser.add_argument("--drop", action="store_true", help="only drop the bench shops of --schemas and --shops")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-shopwork-")
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    os.environ.update(CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url, CELERY_TASK_DEFAULT_QUEUE="bench_shopwork",
                      DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"))
    redis_process = redis_start(args.redis_port, workdir)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        from apps.core.selectors import shop_list_active
        from apps.core.tasks import fan_out_task, outbox_dirty_sweep_task
        from config.celery_app import app

        app.conf.task_always_eager = False
        import redis

        broker = redis.Redis.from_url(redis_url)
        connection.set_schema_to_public()
        if args.drop:
            shops_drop([f"{PREFIX[args.schemas]}{n:04d}" for n in range(args.shops)])
            return
        log(f"making {args.shops} shops ({args.schemas})")
        names, made_s = timed(shops_make, args.shops, args.schemas)
        active_total = shop_list_active().count()
        active = names[:: max(1, args.shops // args.active)][: args.active]
        log(f"{len(names)} bench shops in {made_s:.1f} s; {active_total} active shops in all; {len(active)} with work")
        sweep = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["kwargs"]
        full = settings.CELERY_BEAT_SCHEDULE["outbox-full-check"]["kwargs"]

        rows = {key: [] for key in ("before_send", "before_run", "tick_send", "tick_run", "full_send", "full_run",
                                    "reconcile_all_send", "reconcile_filtered_send")}
        counts = {}
        for tick in range(args.ticks):
            broker.flushdb()
            events_add(active, age=timedelta(minutes=1))  # older than the grace: a sweep relays them
            # Before: one sweep per active shop.
            sent, seconds = timed(fan_out_task.apply, kwargs={"task_name": "core.outbox_sweep", "expires": full["expires"]})
            before = [schema for schema, _ in sent.get()]
            rows["before_send"].append(seconds)
            rows["before_run"].append(sweeps_run(before))
            counts["before"] = len(before)
            # After: the dirty tick.
            broker.flushdb()
            events_add(active, age=timedelta(minutes=1))
            sent, seconds = timed(outbox_dirty_sweep_task.apply, kwargs=sweep)
            dirty = [schema for schema, _ in sent.get()]
            rows["tick_send"].append(seconds)
            rows["tick_run"].append(sweeps_run(dirty))
            counts["tick"] = len(dirty)
            # After: the full check (events that left no mark).
            broker.flushdb()
            events_add(active, age=timedelta(minutes=1))
            broker.flushdb()
            sent, seconds = timed(fan_out_task.apply, kwargs=full)
            found = [schema for schema, _ in sent.get()]
            rows["full_send"].append(seconds)
            rows["full_run"].append(sweeps_run(found))
            counts["full_check"] = len(found)
            # The hourly reconciliation's fan-out (sent only).
            sent, seconds = timed(fan_out_task.apply, kwargs={"task_name": "inventory.stock_reconcile", "expires": 3000})
            rows["reconcile_all_send"].append(seconds)
            counts["reconcile_all"] = len(sent.get())
            sent, seconds = timed(fan_out_task.apply, kwargs={"task_name": "inventory.stock_reconcile", "expires": 3000,
                                                               "only": "stock_moved"})
            rows["reconcile_filtered_send"].append(seconds)
            counts["reconcile_filtered"] = len(sent.get())
            log(f"tick {tick + 1}/{args.ticks}: before {counts['before']} sweeps, dirty tick {counts['tick']}, "
                f"full check {counts['full_check']}")
        locks = chunk_locks(names, settings.SHOP_WORK_CHUNK)
        medians = {key: round(statistics.median(values), 4) for key, values in rows.items()}
        result = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "shops_active": active_total, "bench_shops": len(names), "with_work": len(active), "schemas": args.schemas,
            "ticks": args.ticks, "chunk": settings.SHOP_WORK_CHUNK, "locks_per_chunk_query": locks,
            "tasks_sent": counts, "seconds_median": medians, "seconds_all": {k: [round(v, 4) for v in vs] for k, vs in rows.items()},
            "per_10000_shops_tasks_per_second": {"before": round(10000 / settings.OUTBOX_SWEEP_SECONDS, 1),
                                                 "after_tick": round(counts["tick"] / settings.OUTBOX_SWEEP_SECONDS, 2)},
            "machine": {"cpus": os.cpu_count()},
        }
        out = ROOT / "bench-results" / "shopwork.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
        print(f"\n{active_total} active shops ({len(names)} bench, {args.schemas} schemas), {len(active)} with work; "
              f"median of {args.ticks} ticks\n")
        print("| what | tasks sent | send (s) | run the sweeps (s) |")
        print("|---|---:|---:|---:|")
        print(f"| before: fan-out of the sweep to every shop | {counts['before']} | {medians['before_send']:.3f} | {medians['before_run']:.3f} |")
        print(f"| after: dirty tick (every {settings.OUTBOX_SWEEP_SECONDS} s) | {counts['tick']} | {medians['tick_send']:.3f} | {medians['tick_run']:.3f} |")
        print(f"| after: full check (every {settings.OUTBOX_FULL_CHECK_SECONDS} s, on recovery) | {counts['full_check']} | {medians['full_send']:.3f} | {medians['full_run']:.3f} |")
        print(f"| hourly reconciliation, every shop | {counts['reconcile_all']} | {medians['reconcile_all_send']:.3f} | |")
        print(f"| hourly reconciliation, stock moved | {counts['reconcile_filtered']} | {medians['reconcile_filtered_send']:.3f} | |")
        print(f"\nlocks held by one chunk query ({settings.SHOP_WORK_CHUNK} schemas): {locks}\nwrote {out}")
        if not args.keep:
            log("dropping the bench shops")
            shops_drop(names)
    finally:
        redis_process.terminate()
        redis_process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
