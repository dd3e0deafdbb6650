"""
Benchmark of serving many shops (`make bench-shops`), not a test.

A database of its own (zargar_bench_shops unless --database says otherwise)
with N shops (default 1,000), each made through shop_create and seeded with
~50 items, a gold rate and a POS terminal through the services. Then gunicorn
with production settings (2 workers x 4 threads, as the Dockerfile and k8s run
it) serves them and the SAME load runs against it twice over: 20 clients, each
sending a fixed mix of staff API reads, a staff page and a POS pull,

    (A) all to one shop,   (B) each request to a shop chosen at random,

after a warm-up, in phases interleaved A/B/A/B (the machine is noisy). Prints
p50 / p95 / p99 of A and B and the ratio of their p95; with --setups, once per
setting of DB_CONN_MAX_AGE (how long a worker keeps its PostgreSQL
connection, and so its backend's per-schema caches). Also measures, on one
fresh connection, what a backend pays for a shop it has not touched yet (the
first request's extra time and the memory PostgreSQL 15 reports in
pg_backend_memory_contexts). Writes bench-results/shops.json.

    .venv/bin/python scripts/bench_many_shops.py --shops 1000 --setups 60,3600
"""
import argparse
import json
import os
import random
import secrets
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def database_url_for(name: str) -> str:
    """DATABASE_URL (or the default server) with another database name."""
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zargar"))
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_ensure(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


# The bench's database is chosen before Django reads its settings.
_argv = " ".join(sys.argv[1:]).replace("--database ", "--database=").split()
_db = next((a.split("=", 1)[1] for a in _argv if a.startswith("--database=")), "zargar_bench_shops")
os.environ["DATABASE_URL"] = os.environ["DIRECT_DATABASE_URL"] = database_url_for(_db)
# One key for the tokens and sessions minted here and the gunicorn that checks them.
os.environ["SECRET_KEY"] = SECRET_KEY = secrets.token_urlsafe(50)
os.environ["DJANGO_DEBUG"] = "0"  # no query log in the in-process measurements
database_ensure(os.environ["DATABASE_URL"])

import django

django.setup()

import logging

import httpx
from bench_dashboard import machine, summary
from bench_sync import gunicorn_start
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("axes").setLevel(logging.WARNING)

SUFFIX = ".bench-shops.localhost"
ITEM_PREFIX = "SHOP-"
# The request mix each client sends in turn (a shop's staff and its POS).
MIX = (
    ("api_items", "/api/v1/items/?page_size=20", "jwt"),
    ("page_inventory", "/inventory/", "session"),
    ("api_gold_rate", "/api/v1/gold-rates/current/", "jwt"),
    ("pos_pull", "/api/pos/v1/sync/pull?limit=100", "device"),
)


def log(message: str) -> None:
    print(f"[bench-shops] {message}", flush=True)


def platform_prepare() -> None:
    """Public schema and template migrated; the shops are made from the
    template as it is, so they are current too (after a new migration: drop
    the bench database, or migrate it with the project's upgrade command)."""
    call_command("migrate_schemas", shared=True, verbosity=0)
    call_command("setup_platform", verbosity=0)
    from apps.tenancy.models import Tenant

    template = Tenant.objects.filter(is_template=True).values_list("schema_name", flat=True).first()
    if template:
        call_command("migrate_schemas", schema_name=template, verbosity=0)


def shop_seed(shop, *, items: int) -> None:
    """~50 items, a gold rate and a terminal, through the services (one transaction)."""
    from apps.accounts.models import Role, User
    from apps.branches.models import Branch, Terminal
    from apps.branches.services import terminal_create
    from apps.inventory.models import Category, Item
    from apps.inventory.selectors import gold_rate_current
    from apps.inventory.services import category_create, gold_rate_set, item_create

    with shop, transaction.atomic():
        owner = User.objects.filter(role=Role.OWNER).order_by("pk").first()
        branch = Branch.objects.order_by("created_at", "pk").first()
        category = Category.objects.filter(name="Bench").first() or category_create(name="Bench")
        for n in range(Item.objects.filter(sku__startswith=ITEM_PREFIX).count(), items):
            item_create(
                actor=owner, sku=f"{ITEM_PREFIX}{n:04d}", name=f"Bench ring {n}", category=category, branch=branch,
                fineness=(750, 750, 916, 875, 585)[n % 5], gross_weight=Decimal(1500 + (n * 7919) % 23500) / 1000,
                stone_weight=Decimal(0), making_mode="percent", making_value=Decimal(18), stone_value=Decimal(0),
                pricing_mode="gold_rate", cost=Decimal(1000000), quantity=1 + n % 40,
            )
        if gold_rate_current() is None:
            gold_rate_set(actor=owner, base_rate=Decimal(8000000), base_fineness=750)
        if not Terminal.objects.filter(branch=branch, name="bench").exists():
            terminal_create(branch=branch, name="bench")


# What the copy takes from the first shop, and the columns that name the
# shop's own rows instead (its owner, its first branch).
COPIED = (("inventory_category", {}), ("inventory_goldrate", {"set_by_id": "owner"}),
          ("inventory_item", {"branch_id": "branch"}), ("inventory_stockmovement", {"actor_id": "owner"}))


def shop_seed_copy(shop, source: str) -> None:
    """The first shop's category, gold rate, items and their stock movements
    copied set-wise (a few statements instead of 50 services' calls: 1,000
    shops in minutes on a busy machine; the serving reads see the same rows),
    and a terminal through the service."""
    from apps.accounts.models import Role, User
    from apps.branches.models import Branch
    from apps.branches.services import terminal_create

    with shop, transaction.atomic():
        ids = {"owner": User.objects.filter(role=Role.OWNER).order_by("pk").values_list("pk", flat=True).first(),
               "branch": Branch.objects.order_by("created_at", "pk").first()}
        with connection.cursor() as cursor:
            for table, swapped in COPIED:
                cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                               "AND NOT attisdropped ORDER BY attnum", [f'"{source}".{table}'])
                columns = [name for (name,) in cursor.fetchall()]
                picked = ", ".join("%s" if name in swapped else f'"{name}"' for name in columns)
                values = [getattr(ids[swapped[name]], "pk", ids[swapped[name]]) for name in columns if name in swapped]
                cursor.execute(f'INSERT INTO {table} ({", ".join(columns)}) SELECT {picked} FROM "{source}".{table}', values)
        terminal_create(branch=ids["branch"], name="bench")


def shops_prepare(count: int, *, items: int, start: int = 0) -> tuple[list, dict]:
    """Shops s0000 ... up to `count`, made and seeded where missing (the
    first through the services, the others copy it)."""
    from apps.tenancy.models import Tenant
    from apps.tenancy.services import shop_create

    have = {d: t for t, d in ((t, t.domains.first().domain) for t in
                              Tenant.objects.filter(domains__domain__endswith=SUFFIX).prefetch_related("domains"))}
    created, seconds = 0, []
    # The owners' passwords are never used (the bench mints its sessions and
    # tokens): a fast hasher keeps 1,000 shops to minutes.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for n in range(start, count):
            domain = f"s{n:04d}{SUFFIX}"
            if domain in have or Tenant.objects.filter(domains__domain=domain).exists():  # or another run made it
                have.setdefault(domain, Tenant.objects.filter(domains__domain=domain).first())
                continue
            provisioned = shop_create(name=f"Bench shop {n}", domain=domain, owner_email=f"owner@{domain}",
                                      owner_password=secrets.token_urlsafe(16))
            started = time.perf_counter()
            if n == 0 or f"s0000{SUFFIX}" not in have:
                shop_seed(provisioned.tenant, items=items)
            else:
                shop_seed_copy(provisioned.tenant, have[f"s0000{SUFFIX}"].schema_name)
            connection.set_schema_to_public()
            seconds.append((provisioned.seconds, time.perf_counter() - started))
            shop = provisioned.tenant
            have[domain] = shop
            created += 1
            if created % 50 == 0:
                log(f"{created} shops made, the last in {seconds[-1][0]:.2f} s and seeded in {seconds[-1][1]:.2f} s")
    shops = [have[f"s{n:04d}{SUFFIX}"] for n in range(start, count)]
    mean = lambda values: round(sum(values) / len(values), 2) if values else None
    facts = {"shops_made_this_run": created, "shop_create_seconds_mean": mean([a for a, _ in seconds]),
             "seed_seconds_mean": mean([b for _, b in seconds])}
    return shops, facts


def credentials(shops) -> list[dict]:
    """Per shop: a JWT and a session of its owner, a device token of its
    terminal (made in-process: a password check per shop would be the bench)."""
    from django.test import Client

    from apps.accounts.models import Role, User
    from apps.accounts.tokens import ShopAccessToken
    from apps.branches.models import Terminal
    from apps.pos_sync.services import device_enroll, enrollment_code_issue

    out = []
    for shop in shops:
        with shop:
            owner = User.objects.filter(role=Role.OWNER).order_by("pk").first()
            client = Client()
            client.force_login(owner)
            terminal = Terminal.objects.filter(name="bench").first()
            if terminal is None:  # made, then its run stopped before the seeding (one transaction)
                shop_seed_copy(shop, shops[0].schema_name)
                terminal = Terminal.objects.get(name="bench")
            device = device_enroll(code=enrollment_code_issue(terminal=terminal).code, name="bench")
            out.append({
                "host": shop.domains.first().domain,
                "jwt": {"Authorization": f"Bearer {ShopAccessToken.for_user(owner)}"},
                "session": {"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
                "device": {"Authorization": f"Device {device.token}"},
            })
    connection.set_schema_to_public()
    return out


def backend_costs(creds: list[dict], shops: list, *, sample: int) -> dict:
    """What PostgreSQL pays for a shop a backend has not touched yet. The
    mix is sent once in-process (Django's test client, the whole middleware
    stack) and its SELECTs recorded; a fresh connection then runs them in
    `sample` shops' schemas, then again: the first touch's extra time per
    shop, and the cache memory the backend keeps per shop touched
    (pg_backend_memory_contexts, PostgreSQL 15+). Django's own time is the
    same on every shop, so it is left out of this figure."""
    import psycopg
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        for kind, path, auth in MIX:
            response = Client().get(path, headers={"Host": creds[-1]["host"], **creds[-1][auth]})
            if response.status_code != 200:
                raise SystemExit(f"{kind} on {creds[-1]['host']} in-process: {response.status_code}")
    connection.set_schema_to_public()
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]

    def cache_bytes(conn) -> tuple[int, int]:
        """CacheMemoryContext with its children (relation and index
        entries), and alone (the catalog caches)."""
        row = conn.execute("SELECT coalesce(sum(total_bytes), 0), coalesce(sum(total_bytes) FILTER "
                           "(WHERE name = 'CacheMemoryContext'), 0) FROM pg_backend_memory_contexts "
                           "WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext'").fetchone()
        return int(row[0]), int(row[1])

    def run(conn, schema: str) -> float:
        started = time.perf_counter()
        conn.execute(f'SET search_path = "{schema}", public')
        for sql in selects:
            conn.execute(sql.replace("%", "%%")).fetchall()
        return time.perf_counter() - started

    schemas = [shop.schema_name for shop in shops[:sample]]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        run(conn, shops[-1].schema_name)  # public's tables and the statements' shapes, outside the sample
        before = cache_bytes(conn)
        first = [run(conn, schema) for schema in schemas]
        after = cache_bytes(conn)
        again = [run(conn, schema) for schema in schemas]
    mean_ms = lambda values: round(sum(values) / len(values) * 1000, 2)
    return {
        "shops_touched": len(schemas), "requests_per_shop": len(MIX), "selects_per_shop": len(selects),
        "first_touch_ms_mean": mean_ms(first), "again_ms_mean": mean_ms(again),
        "first_touch_extra_ms_per_shop": round(mean_ms(first) - mean_ms(again), 2),
        "cache_memory_kb_per_shop_touched": round((after[0] - before[0]) / len(schemas) / 1024, 1),
        "catalog_cache_only_kb_per_shop_touched": round((after[1] - before[1]) / len(schemas) / 1024, 1),
        "cache_memory_mb_after": round(after[0] / 1024 / 1024, 1),
    }


def load(port: int, creds: list[dict], *, pick, clients: int, seconds: float) -> list[float]:
    """`clients` threads, each sending the mix in turn to the shop `pick`
    gives, one request after another, for `seconds`; returns latencies."""
    latencies, errors, lock = [], [], threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(n: int):
        rng = random.Random(n * 7919 + int(time.time()))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            step = n
            while time.monotonic() < stop_at:
                shop = creds[pick(rng)]
                kind, path, auth = MIX[step % len(MIX)]
                step += 1
                started = time.perf_counter()
                response = client.get(path, headers={"Host": shop["host"], "X-Forwarded-Proto": "https", **shop[auth]})
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code != 200:
                        errors.append(f"{kind} {shop['host']}: {response.status_code} {response.text[:120]}")
                    latencies.append(elapsed)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return latencies


def backends_memory_mb(since: datetime) -> list[float]:
    """The private memory (RssAnon) of the PostgreSQL backends connected to
    this database since `since` (the gunicorn's), when /proc shows them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = "
                       "'client backend' AND pid <> pg_backend_pid() AND backend_start >= %s", [since])
        pids = [pid for (pid,) in cursor.fetchall()]
    sizes = []
    for pid in pids:
        try:
            line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("RssAnon:"))
        except (OSError, StopIteration):
            continue
        sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sorted(sizes)


def measure_setup(args, creds, *, max_age: str) -> dict:
    """One gunicorn with DB_CONN_MAX_AGE=max_age; warm-up, then A/B phases."""
    since = datetime.now(UTC)
    server = gunicorn_start(args.port, args.workers, args.threads, extra_env={"DB_CONN_MAX_AGE": max_age, "SECRET_KEY": SECRET_KEY})
    one = lambda rng: 0
    anyone = lambda rng: rng.randrange(len(creds))
    try:
        log(f"DB_CONN_MAX_AGE={max_age}: warming up {args.warmup:.0f} s (random shops, then one shop)")
        load(args.port, creds, pick=anyone, clients=args.clients, seconds=args.warmup)
        load(args.port, creds, pick=one, clients=args.clients, seconds=min(10.0, args.warmup))
        runs = {"one_shop": [], "random_shops": []}
        rounds = []
        for round_ in range(args.rounds):
            a = load(args.port, creds, pick=one, clients=args.clients, seconds=args.phase)
            b = load(args.port, creds, pick=anyone, clients=args.clients, seconds=args.phase)
            runs["one_shop"] += a
            runs["random_shops"] += b
            sa, sb = summary(a), summary(b)
            rounds.append({"one_shop_p95": sa["p95"], "random_shops_p95": sb["p95"],
                           "ratio_p95": round(sb["p95"] / sa["p95"], 2)})
            log(f"  round {round_ + 1}: p95 one shop {sa['p95']} ms, random shops {sb['p95']} ms "
                f"(x{rounds[-1]['ratio_p95']}); {sa['requests']} / {sb['requests']} requests")
        memory = backends_memory_mb(since)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    a, b = summary(runs["one_shop"]), summary(runs["random_shops"])
    result = {"one_shop_ms": a, "random_shops_ms": b, "rounds": rounds, "backends_private_memory_mb_at_end": memory,
              "ratio": {k: round(b[k] / a[k], 2) for k in ("p50", "p95", "p99")},
              "throughput_rps": {"one_shop": round(a["requests"] / (args.phase * args.rounds), 1),
                                 "random_shops": round(b["requests"] / (args.phase * args.rounds), 1)}}
    log(f"DB_CONN_MAX_AGE={max_age}: p95 one shop {a['p95']} ms, random shops {b['p95']} ms, "
        f"ratio x{result['ratio']['p95']} (p50 x{result['ratio']['p50']}, p99 x{result['ratio']['p99']})")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="zargar_bench_shops", help="the bench's own database (made if missing)")
    parser.add_argument("--shops", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--warmup", type=float, default=60, help="seconds of load before measuring")
    parser.add_argument("--phase", type=float, default=30, help="seconds of each A or B phase")
    parser.add_argument("--rounds", type=int, default=3, help="A/B pairs")
    parser.add_argument("--setups", default="3600", help="DB_CONN_MAX_AGE values to measure, comma-separated")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", "4")))
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    parser.add_argument("--make-only-from", type=int, default=None, metavar="K",
                        help="only make shops K ... --shops, and stop (a second process making shops at once)")
    args = parser.parse_args()
    if args.make_only_from is not None:
        platform_prepare()
        shops_prepare(args.shops, items=args.items, start=args.make_only_from)
        return 0

    platform_prepare()
    log(f"preparing {args.shops} shops of {args.items} items in database {args.database}")
    shops, facts = shops_prepare(args.shops, items=args.items)
    creds = credentials(shops)
    costs = backend_costs(creds, shops, sample=min(len(creds) - 1, 200))
    log(f"a backend's first touch of a shop: +{costs['first_touch_extra_ms_per_shop']} ms, "
        f"{costs['cache_memory_kb_per_shop_touched']} KB of cache per shop touched")
    host = machine()
    measured = {}
    for max_age in filter(None, args.setups.split(",")):
        measured[max_age.strip()] = measure_setup(args, creds, max_age=max_age.strip())
    host["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "many-shops", "at": datetime.now(UTC).isoformat(),
        "shops": args.shops, "items_per_shop": args.items, **facts,
        "load": {"clients": args.clients, "mix": [kind for kind, *_ in MIX], "warmup_s": args.warmup,
                 "phase_s": args.phase, "rounds": args.rounds, "order": "A/B interleaved"},
        "server": {"gunicorn_workers": args.workers, "threads": args.threads, "settings": "config.settings.production"},
        "machine": host, "backend_per_shop": costs, "by_db_conn_max_age": measured,
        "target_ratio_p95": 1.2,
        "ok": all(m["ratio"]["p95"] <= 1.2 for m in measured.values()),
    }
    Path(args.out).mkdir(exist_ok=True)
    out = Path(args.out) / "shops.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    log(f"written to {out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
