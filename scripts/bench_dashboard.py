"""
Benchmark of the dashboard (`make bench-dashboard`), not a test.

A bench shop of its own (bench-dashboard.localhost: the sync benchmark's shop
keeps its size) with a long history: over a million sales spread over two
years and three branches, written set-wise (scripts/bench_history.py), and
as many again today as on an average day (the dashboard reads today's sales
live, so a busy evening is its worst case); the daily aggregates rebuilt through the service the
nightly job runs. Then gunicorn with production settings serves it, a
manager logs in (the login form for the page, a JWT for the API), and the
dashboard page (/) and the dashboard API (/api/v1/dashboard/) are asked for
one after the other, N times each. Prints and writes JSON to bench-results/:
latency p50 / p95 / p99 of each, the shop's size, the machine.

A second run reuses the shop (it tops today up to a day's share and rebuilds
the days since the last run). It asks for `--requests` page views and
API calls one at a time: latency, not throughput.

    .venv/bin/python scripts/bench_dashboard.py --sales 1100000 --requests 200
"""
import argparse
import json
import os
import re
import secrets
import signal
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from bench_history import sales_seed  # noqa: E402
from bench_sync import gunicorn_start, percentile, schema_vacuum  # noqa: E402
from django.db import connection  # noqa: E402

import logging  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("axes").setLevel(logging.WARNING)

ITEM_PREFIX = "DASH-"
RATE = 8_000_000
TARGET_P95_MS = 150


def log(message: str) -> None:
    print(f"[bench-dashboard] {message}", flush=True)


def shop_prepare(*, domain: str, branches: int, items: int, customers: int, password: str,
                 name: str = "Dashboard Bench"):
    """The shop, its branches, items, customers and a gold rate, through the
    services; a manager with this run's password. (scripts/bench_ui.py makes
    its own shop with this, under another name.)"""
    from apps.accounts.models import Role, User
    from apps.accounts.services import user_create, user_set_role
    from apps.branches.models import Branch
    from apps.branches.services import branch_create
    from apps.customers.models import Customer
    from apps.customers.services import customer_create
    from apps.inventory.models import Category, Item
    from apps.inventory.selectors import gold_rate_current
    from apps.inventory.services import category_create, gold_rate_set, item_create
    from apps.tenancy.selectors import shop_get_by_domain
    from apps.tenancy.services import shop_create

    shop = shop_get_by_domain(domain)
    if shop is None:
        log(f"creating shop {domain}")
        shop = shop_create(name=name, domain=domain, owner_email=f"owner@{domain}",
                           owner_password=secrets.token_urlsafe(16)).tenant
    with shop:
        owner = User.objects.get(email=f"owner@{domain}")
        for n in range(Branch.objects.count(), branches):
            branch_create(name=f"Branch {n + 1}")
        main = Branch.objects.order_by("created_at", "pk").first()
        category = Category.objects.filter(name="Bench").first() or category_create(name="Bench")
        for n in range(Item.objects.filter(sku__startswith=ITEM_PREFIX).count(), items):
            if n and n % 1000 == 0:
                log(f"{n:,} items")
            item_create(
                actor=owner, sku=f"{ITEM_PREFIX}{n:05d}", name=f"Bench ring {n}", category=category, branch=main,
                fineness=(750, 750, 916, 875, 585)[n % 5], gross_weight=Decimal(1500 + (n * 7919) % 23500) / 1000,
                stone_weight=Decimal(0), making_mode="percent", making_value=Decimal(18), stone_value=Decimal(0),
                pricing_mode="gold_rate", cost=Decimal(1000000), quantity=1 + n % 40,  # a few run low
            )
        for n in range(Customer.objects.count(), customers):
            customer_create(full_name=f"Bench customer {n}", phone=f"+98912{n:07d}")
        if gold_rate_current() is None:
            gold_rate_set(actor=owner, base_rate=Decimal(RATE), base_fineness=750)
        email = f"bench-manager@{domain}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(email=email, password=password, role=Role.MANAGER, full_name="Bench manager")
        else:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
            user_set_role(user=user, role=Role.MANAGER)
    connection.set_schema_to_public()
    return shop, email, user.pk


def history_prepare(shop, *, sales: int, days: int, cashier_id: int, aggregate_days: int | None = None) -> dict:
    """Tops the shop up to `sales` sales before today (over `days` days) and
    today to a whole day's share (between midnight and now); rebuilds the daily aggregates of every
    day written (the whole history the first time), or of the last
    `aggregate_days` at most (the staff pages read the last 30: bench_ui)."""
    from django.utils import timezone

    from apps.branches.models import Branch
    from apps.reports.models import DailySales
    from apps.core.timezones import shop_timezone
    from apps.reports.services import daily_sales_rebuild, day_bounds
    from apps.sales.models import Sale

    with shop:
        tz = shop_timezone()
        today = timezone.localdate(timezone=tz)
        midnight = day_bounds(today, tz)[0]
        past = Sale.objects.filter(occurred_at__lt=midnight).count()
        started = time.monotonic()
        seeded = sales_seed(count=sales - past, tz=str(tz), currency=shop.currency, cashier_id=cashier_id,
                            item_prefix=ITEM_PREFIX, rate=RATE, first_day=today - timedelta(days=days), days=days)
        if seeded:
            log(f"wrote {seeded:,} past sales in {time.monotonic() - started:.0f} s")
        now = timezone.now()
        share = sales // days  # a whole day's worth already today, whatever the hour: the dashboard's busiest case
        on_today = Sale.objects.filter(occurred_at__gte=midnight).count()
        seeded_today = sales_seed(count=share - on_today, tz=str(tz), currency=shop.currency, cashier_id=cashier_id,
                                  item_prefix=ITEM_PREFIX, rate=RATE, live=(midnight, now))
        seed_seconds = time.monotonic() - started
        first_sale = Sale.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
        oldest = first_sale.astimezone(tz).date() if first_sale else today
        span = (today - oldest).days + 1
        last = DailySales.objects.order_by("-day").values_list("day", flat=True).first()
        whole = DailySales.objects.filter(day__gte=oldest).count() >= Branch.objects.count() * span
        # the whole history unless every day has its rows already; then the days since the last run
        rebuild_days = span if seeded or not whole or last is None else max(2, (today - min(last, today)).days + 1)
        if aggregate_days:
            whole = DailySales.objects.filter(day__gt=today - timedelta(days=aggregate_days)).count() >= Branch.objects.count() * aggregate_days
            rebuild_days = min(rebuild_days if seeded or not whole else max(2, (today - min(last or today, today)).days + 1), aggregate_days)
        started = time.monotonic()
        log(f"rebuilding the daily aggregates of {rebuild_days} days")
        rows = daily_sales_rebuild(days=rebuild_days, today=today)
        rebuild_seconds = time.monotonic() - started
        log(f"rebuilt {rows:,} (branch, day) rows in {rebuild_seconds:.0f} s")
        facts = {
            "sales_in_shop": Sale.objects.count(),
            "sales_today": Sale.objects.filter(occurred_at__gte=midnight).count(),
            "first_day": oldest.isoformat(), "today": today.isoformat(), "timezone": str(tz),
            "seeded_this_run": seeded + seeded_today, "seed_seconds": round(seed_seconds, 1),
            "aggregate_days_rebuilt": rebuild_days, "rebuild_seconds": round(rebuild_seconds, 1),
        }
        with connection.cursor() as cursor:
            for table in ("sales_saleline", "reports_dailysales", "reports_dailyitemsales", "reports_dailycustomersales"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                facts[f"{table}_rows"] = cursor.fetchone()[0]
    connection.set_schema_to_public()
    return facts


def cookies_of(response: httpx.Response) -> dict[str, str]:
    """The cookies a response sets (read by hand: they are Secure, and the
    bench speaks plain HTTP to gunicorn behind a pretend TLS proxy)."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def staff_sessions(client: httpx.Client, *, domain: str, email: str, password: str) -> tuple[dict, dict]:
    """Headers for the page (a session from the login form) and for the API (a JWT)."""
    page = client.get("/accounts/login/")
    csrf = cookies_of(page)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = client.post("/accounts/login/", data={"username": email, "password": password, "csrfmiddlewaretoken": token},
                       headers={"Cookie": f"csrftoken={csrf}", "Referer": f"https://{domain}/accounts/login/"})
    if done.status_code != 302 or "sessionid" not in cookies_of(done):
        raise SystemExit(f"login failed: {done.status_code}")
    session = {"Cookie": f"sessionid={cookies_of(done)['sessionid']}; csrftoken={csrf}"}
    access = client.post("/api/v1/auth/token/", json={"email": email, "password": password}).json()["access"]
    return session, {"Authorization": f"Bearer {access}"}


def summary(latencies: list[float]) -> dict:
    ms = lambda p: round(percentile(latencies, p) * 1000, 1)  # noqa: E731
    return {"requests": len(latencies), "p50": ms(50), "p95": ms(95), "p99": ms(99), "max": ms(100),
            "mean": round(statistics.fmean(latencies) * 1000, 1)}


def page_ok(response):
    if response.status_code != 200 or 'id="top-items"' not in response.text:
        raise SystemExit(f"dashboard page: {response.status_code}")


def api_ok(response):
    if response.status_code != 200 or "sales_count" not in response.json():
        raise SystemExit(f"dashboard API: {response.status_code} {response.text[:200]}")


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "cpu_model": model, "load_average_before": [round(x, 2) for x in os.getloadavg()],
            "postgresql": pg}


def serve_and_measure(args, *, setups: dict[str, dict], email: str, password: str) -> dict:
    """One gunicorn with production settings per setup (its extra
    environment), all at once; a manager logged in on each; then, round after
    round, the page and the API of each setup once, one request at a time:
    the setups share whatever else the machine is doing."""
    servers, targets = [], []
    try:
        for n, (name, extra_env) in enumerate(setups.items()):
            port = args.port + n
            servers.append(gunicorn_start(port, args.workers, code=Path(args.code), extra_env=extra_env))
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                  headers={"Host": args.domain, "X-Forwarded-Proto": "https"})
            session, bearer = staff_sessions(client, domain=args.domain, email=email, password=password)
            targets += [(name, "page", client, "/", session, page_ok),
                        (name, "api", client, "/api/v1/dashboard/", bearer, api_ok)]
        latencies = {(name, kind): [] for name, kind, *_ in targets}
        for round_ in range(args.warmup + args.requests):
            for name, kind, client, path, headers, check in targets:
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = time.perf_counter() - started
                check(response)
                if round_ >= args.warmup:
                    latencies[(name, kind)].append(elapsed)
        for target in targets:
            target[2].close()
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    out: dict = {}
    for (name, kind), values in latencies.items():
        out.setdefault(name, {})[kind] = summary(values)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", default="bench-dashboard.localhost")
    parser.add_argument("--sales", type=int, default=1_100_000, help="sales before today to have in the shop")
    parser.add_argument("--days", type=int, default=730, help="days the history spreads over")
    parser.add_argument("--branches", type=int, default=3)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200, help="measured requests of each of the page and the API")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "3")))
    parser.add_argument("--code", default=str(ROOT), help="the checkout gunicorn serves (an A/B against another commit)")
    parser.add_argument("--skip-uncached", action="store_true", help="do not measure again with REPORTS_CACHE_SECONDS=0")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    password = secrets.token_urlsafe(16)
    shop, email, manager_id = shop_prepare(domain=args.domain, branches=args.branches, items=args.items,
                                           customers=args.customers, password=password)
    facts = history_prepare(shop, sales=args.sales, days=args.days, cashier_id=manager_id)
    log(f"{facts['sales_in_shop']:,} sales in the shop, {facts['sales_today']:,} of them today")
    log(f"vacuumed the bench shop's tables in {schema_vacuum(shop.schema_name):.1f} s")
    host = machine()
    setups = {"cached": {}} if args.skip_uncached else {"cached": {}, "uncached": {"REPORTS_CACHE_SECONDS": "0"}}
    log(f"measuring {args.requests} rounds ({', '.join(setups)}; page and API), one request at a time, after {args.warmup} to warm up")
    measured = serve_and_measure(args, setups=setups, email=email, password=password)
    host["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "dashboard", "at": datetime.now(dt_timezone.utc).isoformat(), "code": args.code,
        "server": {"gunicorn_workers": args.workers, "settings": "config.settings.production"},
        "machine": host, "shop": facts,
        "dashboard_page_ms": measured["cached"]["page"], "dashboard_api_ms": measured["cached"]["api"],
        "without_the_reports_cache": measured.get("uncached"), "target_p95_ms": TARGET_P95_MS,
        "ok": all(measured["cached"][kind]["p95"] < TARGET_P95_MS for kind in ("page", "api")),
    }
    Path(args.out).mkdir(exist_ok=True)
    out = Path(args.out) / f"dashboard-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    log(f"written to {out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
