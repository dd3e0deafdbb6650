"""
Benchmark of a broker outage (`make bench-outbox`), not a test. Two parts,
on a Redis server of the benchmark's own (the shared one is never touched):

1. hand-off: what the outage costs a request. The on-commit outbox hand-off
   (`apps.core.outbox.relay_hand_off`) against the port while nothing
   listens there: the failed try, then the open breaker. No database.
2. drain: how long the outbox takes to catch up once Redis is back. N POS
   terminals (30) enrol in the bench shop and record sales offline, then all
   push at once to gunicorn (production settings) while a real Celery worker
   and beat consume the outbox. Part way through the burst Redis is killed
   (SIGKILL, tasks held by the worker and queued on the broker), the burst
   goes on without it, and after the outage Redis is started again on the
   same append-only file, as docker-compose.yml runs it. Measured from the
   restart: until every event of the burst is relayed (outbox backlog 0) and
   until every consumer has applied every event. Then an exactly-once check
   of the consumers' effects (one `ProcessedEvent` per event and consumer,
   one loyalty entry per sale with a customer, the daily aggregate equal to
   the sales).

The suite checks what happens (tests/background/test_delivery.py,
tests/background/test_outage.py); the times are measured here. Prints and
writes JSON to bench-results/outbox_outage.json.

    .venv/bin/python scripts/bench_outbox_outage.py [--tries 20] [--skip-drain]
        [--devices 30] [--sales-per-device 250] [--outage 15] [--concurrency 2]
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS_SERVER = shutil.which("redis-server")


def log(message: str) -> None:
    print(f"[bench-outbox] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A local port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hand_off_part(tries: int) -> dict:
    """Part 1: the broker's port refuses connections (our Redis is not up yet)."""
    from apps.core.outbox import relay_breaker_reset, relay_hand_off

    failed, skipped = [], []
    for _ in range(tries):
        relay_breaker_reset()
        started = time.perf_counter()
        assert relay_hand_off(schema_name="bench", event_ids=["00000000-0000-0000-0000-000000000000"]) is False
        failed.append(time.perf_counter() - started)
        started = time.perf_counter()  # the breaker is open now: the next request does not try
        assert relay_hand_off(schema_name="bench", event_ids=["00000000-0000-0000-0000-000000000000"]) is False
        skipped.append(time.perf_counter() - started)

    def ms(values):
        return {"median_ms": round(statistics.median(values) * 1000, 2), "max_ms": round(max(values) * 1000, 2)}

    return {"tries": tries, "failed_try": ms(failed), "breaker_open": ms(skipped)}


class Redis:
    """redis-server on `port`, append-only file in `directory` (kept across restarts)."""

    def __init__(self, port: int, directory: Path):
        self.port, self.directory, self.process = port, directory, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        for _ in range(150):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def celery_start(kind: str, env: dict, logfile: Path, queue: str, concurrency: int, workdir: Path) -> subprocess.Popen:
    args = [str(ROOT / ".venv/bin/celery"), "-A", "config.celery_app", kind, "--loglevel=INFO", f"--logfile={logfile}"]
    if kind == "worker":
        args += [f"--concurrency={concurrency}", "-Q", queue, "-n", f"bench-{queue}@%h"]
    else:
        args += [f"--schedule={workdir / 'beat-schedule'}"]
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def run_prepare(shop, *, devices: int, items: int, customers: int = 30) -> list[str]:
    """A branch of this run's own (today's aggregates start empty), its items
    and terminals (one enrolment code each), and the shop's bench customers."""
    from decimal import Decimal

    from django.db import connection

    from apps.accounts.models import User
    from apps.branches.services import branch_create, terminal_create
    from apps.customers.models import Customer
    from apps.customers.services import customer_create
    from apps.inventory.models import Category
    from apps.inventory.services import category_create, item_create
    from apps.pos_sync.services import enrollment_code_issue

    run = datetime.now().strftime("%H%M%S")
    with shop:
        owner = User.objects.get(email="owner@bench.localhost")
        for n in range(Customer.objects.filter(full_name__startswith="Bench customer").count(), customers):
            customer_create(full_name=f"Bench customer {n}", phone=f"+98935{n:07d}")
        branch = branch_create(name=f"Outage {run}")
        category = Category.objects.filter(name="Bench").first() or category_create(name="Bench")
        for n in range(items):
            item_create(actor=owner, sku=f"OUT-{run}-{n:03d}", name=f"Outage ring {n}", category=category, branch=branch,
                        fineness=750, gross_weight=Decimal(3 + n % 7), stone_weight=Decimal(0), making_mode="percent",
                        making_value=Decimal(15), stone_value=Decimal(0), pricing_mode="gold_rate",
                        cost=Decimal(1000000), quantity=1_000_000)
        codes = [enrollment_code_issue(terminal=terminal_create(branch=branch, name=f"outage {run} {n}")).code
                 for n in range(devices)]
    connection.set_schema_to_public()
    return codes


def backlog_set_aside(shop) -> int:
    """Marks what an interrupted earlier run left unpublished as published,
    so that this run's sweep relays this run's events only."""
    from django.db import connection
    from django.utils import timezone as dj_timezone

    from apps.core.models import OutboxEvent

    with shop:
        count = OutboxEvent.objects.filter(published_at__isnull=True).update(published_at=dj_timezone.now())
    connection.set_schema_to_public()
    return count


def progress(shop, since) -> dict:
    """The burst's events: how many, still unpublished, applied per consumer."""
    from django.db import connection

    from apps.core.models import OutboxEvent, ProcessedEvent

    with shop:
        events = OutboxEvent.objects.filter(created_at__gte=since)
        found = {
            "events": events.count(),
            "unpublished": events.filter(published_at__isnull=True).count(),
            "daily_sales": ProcessedEvent.objects.filter(consumer="daily_sales", event_id__in=events.values("id")).count(),
            "loyalty": ProcessedEvent.objects.filter(consumer="loyalty", event_id__in=events.values("id")).count(),
            "loyalty_due": events.filter(payload__has_key="customer_id").exclude(payload__customer_id=None).count(),
            "relayed_more_than_once": events.filter(attempts__gt=1).count(),
        }
    connection.set_schema_to_public()
    return found


def effects_check(shop, since, device_ids: list[str]) -> dict:
    """Each effect once: one loyalty earn per sale with a customer, today's
    aggregate equal to the sales, one record per event and consumer."""
    from django.db import connection
    from django.db.models import Count, Sum

    from apps.core.models import ProcessedEvent
    from apps.customers.models import PointsEntry
    from apps.reports.models import DailySales
    from apps.sales.models import Sale

    with shop:
        sales = Sale.objects.filter(device_id__in=device_ids)
        with_customer = [str(pk) for pk in sales.filter(customer__isnull=False).values_list("id", flat=True)]
        entries = PointsEntry.objects.filter(reference__in=with_customer).values("reference").annotate(n=Count("id"))
        twice = sum(1 for row in entries if row["n"] > 1)
        branch_ids = list(sales.values_list("branch_id", flat=True).distinct())
        counted = DailySales.objects.filter(branch_id__in=branch_ids).aggregate(s=Sum("sales_count"))["s"] or 0
        all_sales = Sale.objects.filter(branch_id__in=branch_ids).count()
        doubles = (ProcessedEvent.objects.values("event_id", "consumer").annotate(n=Count("id")).filter(n__gt=1).count())
    connection.set_schema_to_public()
    return {"sales_with_customer": len(with_customer),
            "loyalty_entries": sum(row["n"] for row in entries), "sales_with_two_loyalty_entries": twice,
            "daily_sales_count": counted, "sales_in_branches": all_sales, "processed_event_doubles": doubles,
            "ok": twice == 0 and doubles == 0 and counted == all_sales and len(entries) == len(with_customer)}


def drain_part(args, port: int, workdir: Path) -> dict:
    import random

    from bench_sync import BATCH, SHOP_DOMAIN, gunicorn_start, schema_vacuum, shop_prepare, terminals_enroll
    from django.utils import timezone as dj_timezone
    from pos_terminal.client import Terminal
    from pos_terminal.pricing import money, sale_total

    redis = Redis(port, workdir)
    url = f"redis://127.0.0.1:{port}/0"
    queue = f"bench-outbox-{secrets.token_hex(3)}"
    broker_env = {"REDIS_URL": url, "CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url, "CELERY_TASK_DEFAULT_QUEUE": queue}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": ".localhost,localhost,127.0.0.1", "SECURE_SSL_REDIRECT": "0", "PYTHONPATH": str(ROOT), **broker_env}

    log(f"preparing {SHOP_DOMAIN}: {args.devices} terminals, customers")
    shop, _ = shop_prepare(devices=0, items=0)  # the shop, its owner and the board rate
    codes = run_prepare(shop, devices=args.devices, items=args.items)
    set_aside = backlog_set_aside(shop)
    if set_aside:
        log(f"{set_aside} unpublished events left by an interrupted earlier run set aside (not part of this run)")
    schema_vacuum(shop.schema_name)
    redis.start()
    server = gunicorn_start(args.port, args.web_workers, extra_env={**broker_env, "THROTTLE_ANON": "1000000/min"})
    worker = celery_start("worker", env, workdir / "worker.log", queue, args.concurrency, workdir)
    beat = celery_start("beat", env, workdir / "beat.log", queue, 1, workdir)
    try:
        base = f"http://127.0.0.1:{args.port}"
        terminals = terminals_enroll(codes, workdir, base)
        item_ids = [row["id"] for row in terminals[0].store.rows("items")]
        customer_ids = [row["id"] for row in terminals[0].store.rows("customers")]
        priced = {item_id: terminals[0].quote([(item_id, 1)])[0][0] for item_id in item_ids}
        tax_rule = terminals[0].store.tax_rule()
        rng = random.Random(13)
        for terminal in terminals:
            for _ in range(args.sales_per_device):
                lines = [priced[rng.choice(item_ids)] for _ in range(rng.choice([1, 2, 3]))]
                total = money(sale_total(lines, tax_rule).total)
                customer = rng.choice(customer_ids) if customer_ids and rng.random() < 0.2 else None
                terminal.store.record_sale(lines=[line.as_payload() for line in lines], customer_id=customer,
                                           payments=[{"method": "cash", "amount": total}], total=total)
        paths, device_ids = [t.store.path for t in terminals], [str(t.store.device().device_id) for t in terminals]
        for terminal in terminals:
            terminal.close()
        total_sales = args.devices * args.sales_per_device
        applied, errors, lock = [0], [], threading.Lock()

        def push_all(path):
            try:
                with Terminal(path, timeout=60) as terminal:
                    while terminal.store.pending(1):
                        summary = terminal.push(max_batch=BATCH, max_batches=1)
                        with lock:
                            applied[0] += summary.applied
            except Exception as exc:  # noqa: BLE001 - counted; the run fails
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

        since = dj_timezone.now()
        threads = [threading.Thread(target=push_all, args=(path,)) for path in paths]
        log(f"burst: {args.devices} terminals push {total_sales} sales; Redis is killed at {args.kill_at:.0%} of them")
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while applied[0] < total_sales * args.kill_at and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        redis.kill()
        killed_at = time.monotonic()
        at_kill = progress(shop, since)
        log(f"Redis killed after {killed_at - started:.1f} s: {at_kill}")
        time.sleep(max(0.0, args.outage - (time.monotonic() - killed_at)))
        redis.start()
        restarted = time.monotonic()
        log(f"Redis back after an outage of {restarted - killed_at:.1f} s")
        for thread in threads:
            thread.join()
        burst_done = time.monotonic()
        relayed_after = consumed_after = None
        samples = []
        while time.monotonic() - restarted < args.max_wait:
            now = progress(shop, since)
            samples.append({"t": round(time.monotonic() - restarted, 1), **now})
            if relayed_after is None and now["unpublished"] == 0 and not any(t.is_alive() for t in threads):
                relayed_after = time.monotonic() - restarted
            if (now["unpublished"] == 0 and now["daily_sales"] == now["events"] and now["loyalty"] == now["loyalty_due"]):
                consumed_after = time.monotonic() - restarted
                break
            time.sleep(0.5)
        final = progress(shop, since)
        result = {
            "devices": args.devices, "earlier_backlog_set_aside": set_aside, "sales": applied[0], "sales_planned": total_sales, "push_errors": len(errors),
            "error_samples": errors[:3], "worker_concurrency": args.concurrency, "web_workers": args.web_workers,
            "outage_seconds": round(restarted - killed_at, 1), "burst_seconds": round(burst_done - started, 1),
            "at_kill": at_kill, "at_restart_plus_burst_end": samples[0] if samples else None,
            "relayed_after_restart_s": round(relayed_after, 1) if relayed_after is not None else None,
            "drained_after_restart_s": round(consumed_after, 1) if consumed_after is not None else None,
            "gave_up_after_s": None if consumed_after is not None else args.max_wait, "final": final,
            "settings": _celery_settings(env),
            "effects": effects_check(shop, since, device_ids),
            "timeline": samples[:: max(1, len(samples) // 20)],
        }
        result["worker_log"] = worker_log_read(workdir / "worker.log")
        return result
    finally:
        for process in (beat, worker, server):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (beat, worker, server):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        redis.stop()
        logs = Path(args.out) / "outbox_outage_logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name in ("worker.log", "beat.log"):
            if (workdir / name).exists():
                shutil.copy(workdir / name, logs / name)


def worker_log_read(path: Path) -> dict:
    """From the worker's log: the longest run of each task, sweeps dropped
    as expired, held messages given back after the reconnection, and how
    long each sweep waited between its fan-out and its start."""
    import re

    text = path.read_text()
    longest: dict[str, float] = {}
    for name, seconds in re.findall(r"Task ([\w.]+)\[[^]]+\] succeeded in ([\d.]+)s", text):
        longest[name] = max(longest.get(name, 0.0), round(float(seconds), 2))
    stamp = r"^\[?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})"
    fanned, waits = None, []
    for line in text.splitlines():
        found = re.match(stamp, line)
        if not found:
            continue
        at = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        if "core.fan_out[" in line and "succeeded" in line:
            fanned = at
        elif "core.outbox_sweep[" in line and "received" in line and fanned is not None:
            waits.append(round(at - fanned, 1))
    given_back = re.findall(r"(\d+) held message\(s\) given back", text)
    return {"longest_run_s": longest, "sweeps_discarded_expired": text.count("Discarding revoked task: core.outbox_sweep"),
            "held_messages_given_back": sum(int(n) for n in given_back), "connection_lost": text.count("Connection to broker lost"),
            "sweep_wait_after_fan_out_s": {"max": max(waits, default=None), "count": len(waits)}}


def _celery_settings(env: dict) -> dict:
    code = ("import django; django.setup(); from django.conf import settings as s; import json; "
            "print(json.dumps({'visibility_timeout': s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
            "'sweep_seconds': s.OUTBOX_SWEEP_SECONDS, 'sweep_expires': s.CELERY_BEAT_SCHEDULE['outbox-sweep']['kwargs']['expires'], "
            "'batch_size': s.OUTBOX_BATCH_SIZE, 'grace_seconds': s.OUTBOX_SWEEP_GRACE_SECONDS}))")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {"error": done.stderr[-300:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--devices", type=int, default=30)
    parser.add_argument("--sales-per-device", type=int, default=250)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of the burst pushed when Redis is killed")
    parser.add_argument("--outage", type=float, default=15, help="seconds Redis stays down")
    parser.add_argument("--max-wait", type=float, default=300, help="give up this long after the restart")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    port = free_port()
    down = f"redis://127.0.0.1:{port}/0"
    os.environ.update(CELERY_BROKER_URL=down, CELERY_RESULT_BACKEND=down, REDIS_URL=down)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import logging

    import django

    django.setup()
    logging.getLogger("apps.core.outbox").setLevel(logging.ERROR)  # one warning per failed try otherwise
    result = {"benchmark": "broker outage", "at": datetime.now(timezone.utc).isoformat(), "hand_off": hand_off_part(args.tries)}
    if not args.skip_drain:
        if REDIS_SERVER is None:
            raise SystemExit("redis-server is not installed")
        sys.path.insert(0, str(ROOT / "scripts"))
        workdir = Path(tempfile.mkdtemp(prefix="bench-outbox-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
        try:
            result["drain"] = drain_part(args, port, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "outbox_outage.json").write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))
    drain = result.get("drain")
    return 0 if drain is None or (drain["drained_after_restart_s"] is not None and drain["effects"]["ok"]) else 1


if __name__ == "__main__":
    sys.exit(main())
