"""
Benchmark of the POS sync push (`make bench-sync`), not a test.

N reference terminals (pos_terminal) enrol in a bench shop and pull its
catalogue; each records its sales offline first (batches of 50 sales of 1 to
5 lines, 3 on average); then, for a set time, all of them push at once
against gunicorn with production settings. Prints and writes JSON: sales per
second committed, push latency p50 / p95 / p99, errors, and an exactly-once
check of the database afterwards.

    .venv/bin/python scripts/bench_sync.py --devices 100 --seconds 30
"""
import argparse
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from pos_terminal.client import Terminal  # noqa: E402
from pos_terminal.pricing import money, sale_total  # noqa: E402

SHOP_DOMAIN = "bench.localhost"
BATCH = 50


import logging  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("axes").setLevel(logging.WARNING)


def log(message: str) -> None:
    print(f"[bench-sync] {message}", flush=True)


def shop_prepare(*, devices: int, items: int):
    """The bench shop with a fresh set of terminals (one enrolment code each)
    and enough stock that a run never goes negative."""
    from apps.accounts.models import User
    from apps.branches.models import Branch
    from apps.branches.services import terminal_create
    from apps.inventory.models import Category, Item
    from apps.inventory.selectors import gold_rate_current
    from apps.inventory.services import category_create, gold_rate_set, item_create
    from apps.pos_sync.services import enrollment_code_issue
    from apps.tenancy.selectors import shop_get_by_domain
    from apps.tenancy.services import shop_create

    shop = shop_get_by_domain(SHOP_DOMAIN)
    if shop is None:
        shop = shop_create(name="Bench Jewellers", domain=SHOP_DOMAIN, owner_email="owner@bench.localhost",
                           owner_password=secrets.token_urlsafe(16)).tenant
    codes = []
    with shop:
        owner = User.objects.get(email="owner@bench.localhost")
        branch = Branch.objects.get(name="Main")
        category = Category.objects.filter(name="Bench").first() or category_create(name="Bench")
        have = Item.objects.filter(sku__startswith="BENCH-").count()
        rng = random.Random(7)
        for n in range(have, items):
            item_create(
                actor=owner, sku=f"BENCH-{n:05d}", name=f"Bench ring {n}", category=category, branch=branch,
                fineness=rng.choice([750, 750, 916, 875, 585]), gross_weight=Decimal(rng.randint(1500, 25000)) / 1000,
                stone_weight=Decimal(0), making_mode="percent", making_value=Decimal(rng.choice([12, 15, 18])),
                stone_value=Decimal(0), pricing_mode="gold_rate", cost=Decimal(1000000), quantity=1_000_000,
            )
        if gold_rate_current() is None:
            gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
        run = datetime.now().strftime("%H%M%S")
        for n in range(devices):
            terminal = terminal_create(branch=branch, name=f"bench {run} {n}")
            codes.append(enrollment_code_issue(terminal=terminal).code)
    connection.set_schema_to_public()
    return shop, codes


def schema_vacuum(schema: str) -> float:
    """VACUUM (ANALYZE) of every table of the bench shop; returns seconds.

    Production PostgreSQL runs autovacuum; this machine's PostgreSQL has it
    turned off (its CI configuration). Without it, every earlier run leaves
    its dead row versions behind: each sale line updates its item's stock
    row, so the 300 item rows gain about a million dead versions per
    400,000 sales and every later run is slower than the one before."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        for (table,) in cursor.fetchall():
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(schema)}.{connection.ops.quote_name(table)}")
    return time.monotonic() - started


def sales_in_shop(shop) -> int:
    from apps.sales.models import Sale

    with shop:
        count = Sale.objects.count()
    connection.set_schema_to_public()
    return count


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def gunicorn_start(port: int, workers: int, threads: int = 1, *, code: Path = ROOT, extra_env: dict | None = None) -> subprocess.Popen:
    """gunicorn with production settings serving the code in `code` (another
    checkout for an A/B), throttles opened wide for a benchmark; returns once
    /healthz answers."""
    if not port_free(port):
        raise SystemExit(f"port {port} is busy (a server left from an earlier run?); pass --port")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": ".localhost,localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "THROTTLE_USER": "1000000/min",
        "THROTTLE_AUTH": "1000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(code),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread" if threads > 1 else "sync",
         "--no-control-socket", "--log-level", "warning"],
        cwd=code, env=env, start_new_session=True,
    )
    import httpx

    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}, timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def terminals_enroll(codes: list[str], workdir: Path, url: str) -> list[Terminal]:
    """One reference terminal per enrolment code, enrolled and pulled, its
    store in workdir."""
    terminals = []
    for n, code in enumerate(codes):
        terminal = Terminal(workdir / f"t{n}.sqlite", url, SHOP_DOMAIN, timeout=60)
        terminal.enroll(code, name=f"bench {n}")
        terminal.pull()
        terminals.append(terminal)
    return terminals


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def exactly_once_check(shop, device_ids: list[str], applied: int, sent_ops: dict) -> dict:
    from django.db.models import Count, Sum

    from apps.inventory.models import Item, StockMovement
    from apps.pos_sync.models import Device
    from apps.sales.models import Sale

    with shop:
        sales = Sale.objects.filter(device_id__in=device_ids)
        count = sales.count()
        distinct = sales.values("client_sale_id").distinct().count()
        ledger = dict(StockMovement.objects.filter(item__sku__startswith="BENCH-").values_list("item_id").annotate(s=Sum("quantity_delta")))
        drift = [str(i) for i, q in Item.objects.filter(sku__startswith="BENCH-").values_list("id", "quantity") if ledger.get(i, 0) != q]
        seqs = {str(d.id): d.last_applied_seq for d in Device.objects.filter(id__in=device_ids)}
        numbers = sales.values("branch_id", "invoice_number").annotate(n=Count("id")).filter(n__gt=1).count()
    connection.set_schema_to_public()
    return {
        "sales_in_database": count,
        "sales_applied_by_responses": applied,
        "distinct_client_sale_ids": distinct,
        "duplicate_invoice_numbers": numbers,
        "items_with_stock_not_equal_to_ledger": len(drift),
        "devices_with_unexpected_last_seq": sum(1 for d, seq in seqs.items() if seq != sent_ops.get(d)),
        "ok": count == applied == distinct and not drift and numbers == 0
              and all(seqs.get(d) == n for d, n in sent_ops.items()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "1")))
    parser.add_argument("--rate-guess", type=float, default=1500, help="sales/s used to size the offline queues")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    log(f"preparing shop {SHOP_DOMAIN}: {args.items} items, {args.devices} terminals")
    shop, codes = shop_prepare(devices=args.devices, items=args.items)
    log(f"vacuumed the bench shop's tables in {schema_vacuum(shop.schema_name):.1f} s")
    sales_before = sales_in_shop(shop)
    server = gunicorn_start(args.port, args.workers, args.threads)
    # Terminal stores on tmpfs when there is one: the bench measures the server.
    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        url = f"http://127.0.0.1:{args.port}"
        terminals = terminals_enroll(codes, workdir, url)
        item_ids = [row["id"] for row in terminals[0].store.rows("items")]
        per_device = max(BATCH, int(args.rate_guess * args.seconds / args.devices / BATCH + 1) * BATCH)
        log(f"recording {per_device} sales offline on each of {args.devices} terminals")
        rng = random.Random(11)
        # Each item priced once with the terminal's own offline pricing; the
        # sales are then queued straight into each terminal's durable store.
        priced = {item_id: terminals[0].quote([(item_id, 1)])[0][0] for item_id in item_ids}
        tax_rule = terminals[0].store.tax_rule()
        for terminal in terminals:
            for _ in range(per_device):
                lines = [priced[rng.choice(item_ids)] for _ in range(rng.choice([1, 2, 3, 4, 5]))]
                total = money(sale_total(lines, tax_rule).total)
                terminal.store.record_sale(lines=[line.as_payload() for line in lines],
                                           payments=[{"method": "cash", "amount": total}], total=total)

        latencies, errors, applied, stop_at = [], [], [0], [0.0]
        lock = threading.Lock()

        def hook(method, path, status, seconds, error):
            if path.endswith("/sync/push"):
                with lock:
                    latencies.append(seconds)
                    if error is not None or (status or 0) >= 400:
                        errors.append(f"{status} {error}")

        paths = [t.store.path for t in terminals]
        for terminal in terminals:  # SQLite connections belong to one thread
            terminal.close()

        def run(path):
            try:
                with Terminal(path, timeout=60, on_request=hook) as terminal:
                    while time.monotonic() < stop_at[0] and terminal.store.pending(1):
                        summary = terminal.push(max_batch=BATCH, max_batches=1)
                        with lock:
                            applied[0] += summary.applied
            except Exception as exc:  # counted, and the run fails
                with lock:
                    errors.append(f"{exc.__class__.__name__}: {exc}")

        threads = [threading.Thread(target=run, args=(path,)) for path in paths]
        log(f"pushing for up to {args.seconds:.0f} s against gunicorn ({args.workers} workers x {args.threads} threads)")
        started = time.monotonic()
        stop_at[0] = started + args.seconds
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

        sent_ops = {}
        for path in paths:
            with Terminal(path) as terminal:
                done = [op for op in terminal.store.operations() if op.state in ("applied", "duplicate", "rejected")]
                sent_ops[str(terminal.store.device().device_id)] = max((op.seq for op in done), default=0)
        check = exactly_once_check(shop, list(sent_ops), applied[0], sent_ops)
        result = {
            "benchmark": "sync-push",
            "at": datetime.now(timezone.utc).isoformat(),
            "devices": args.devices, "batch_size": BATCH, "seconds": round(elapsed, 2),
            "server": {"gunicorn_workers": args.workers, "threads": args.threads, "settings": "config.settings.production"},
            "database": {"sales_in_shop_before_run": sales_before, "vacuumed_before_run": True},
            "sales_committed": applied[0],
            "sales_per_second": round(applied[0] / elapsed, 1),
            "pushes": len(latencies),
            "push_latency_ms": {"p50": round(percentile(latencies, 50) * 1000, 1), "p95": round(percentile(latencies, 95) * 1000, 1),
                                "p99": round(percentile(latencies, 99) * 1000, 1),
                                "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0},
            "errors": len(errors), "error_samples": errors[:5],
            "exactly_once": check,
        }
        Path(args.out).mkdir(exist_ok=True)
        out = Path(args.out) / f"sync-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
        log(f"written to {out}")
        return 0 if check["ok"] and not errors and applied[0] else 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
