"""
Benchmark of the per-transaction search_path (`make bench-pooling`), not a test.

What DATABASE_POOL_MODE=transaction costs (apps/core/db/base.py: a SET LOCAL
search_path in front of every transaction's first statement), measured
against the session mode (django-tenants' one SET per connection and shop),
straight to PostgreSQL and through a real PgBouncer in transaction mode
(tests/pgbouncer.py, ports 6510-6519). In a bench shop of its own:

- query: an autocommit ORM read (one statement, its own transaction);
- atomic: an atomic block of three reads;
- request: a staff API GET (/api/v1/branches/, signed in), every query of
  the middleware, authentication and view.

Each case runs in short alternating rounds; the median and the fastest
round (the least disturbed by other load on the machine) are printed and
written to bench-results/pooling.json, with the statements a request sends.

    .venv/bin/python scripts/bench_pooling.py --rounds 9
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("THROTTLE_USER", "1000000/min")  # thousands of requests a minute, from one user

import django

django.setup()

from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.pgbouncer import PGBOUNCER, PgBouncer

SHOP_DOMAIN = "bench-pooling.localhost"
CASES = {"query": 300, "atomic": 100, "request": 40}


def log(message: str) -> None:
    print(f"[bench-pooling] {message}", flush=True)


def shop_prepare():
    from apps.accounts.models import User
    from apps.tenancy.models import Tenant
    from apps.tenancy.services import shop_create

    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(domains__domain=SHOP_DOMAIN).first()
    if tenant is None:
        tenant = shop_create(name="Bench pooling", domain=SHOP_DOMAIN, owner_email="owner@bench-pooling.test",
                             owner_password=os.urandom(12).hex()).tenant
    with tenant:
        owner = User.objects.get(email="owner@bench-pooling.test")
    return tenant, owner


def run_case(case: str, count: int, tenant, client) -> float:
    """Microseconds per operation."""
    from apps.branches.models import Branch

    connection.set_tenant(tenant)
    started = time.perf_counter()
    for _ in range(count):
        if case == "query":
            Branch.objects.filter(name="Main").exists()
        elif case == "atomic":
            with transaction.atomic():
                Branch.objects.filter(name="Main").exists()
                Branch.objects.count()
                list(Branch.objects.values_list("name", flat=True))
        else:
            response = client.get("/api/v1/branches/")
            assert response.status_code == 200, response.content[:200]
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    return elapsed / count * 1e6


def set_local_cost(pairs: int = 3000) -> dict:
    """What the SET LOCAL adds to one statement on the server and the wire,
    straight to PostgreSQL: the same statement with and without it, in
    interleaved pairs (so both see the same load), median of the pairs'
    differences and each one's median."""
    import psycopg

    database = connections.settings["default"]
    url = f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    plain, prefixed = [], []
    with psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor) as raw:
        cursor = raw.cursor()
        for _ in range(pairs):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            middle = time.perf_counter()
            cursor.execute("SET LOCAL search_path = bench, public; SELECT 1")
            cursor.nextset()
            plain.append(middle - started)
            prefixed.append(time.perf_counter() - middle)
    return {"pairs": pairs, "plain_us": round(statistics.median(plain) * 1e6, 1),
            "with_set_local_us": round(statistics.median(prefixed) * 1e6, 1),
            "difference_us": round(statistics.median(b - a for a, b in zip(plain, prefixed)) * 1e6, 1)}


def use(database: dict, *, host: str, port: str, name: str, pool_mode: str) -> None:
    connection.close()
    database.update(HOST=host, PORT=port, NAME=name, POOL_MODE=pool_mode, DISABLE_SERVER_SIDE_CURSORS=pool_mode == "transaction")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    tenant, owner = shop_prepare()
    client = Client(HTTP_HOST=SHOP_DOMAIN)
    with tenant:
        client.force_login(owner)
    database = connections.settings["default"]
    direct = {key: database[key] for key in ("HOST", "PORT", "NAME")}
    bouncer = PgBouncer(dict(database)).start() if PGBOUNCER else None
    setups = {
        "session, direct": {"host": direct["HOST"], "port": direct["PORT"], "name": direct["NAME"], "pool_mode": "session"},
        "transaction, direct": {"host": direct["HOST"], "port": direct["PORT"], "name": direct["NAME"], "pool_mode": "transaction"},
    }
    if bouncer:
        setups["transaction, PgBouncer"] = {"host": "127.0.0.1", "port": str(bouncer.port), "name": bouncer.name,
                                                "pool_mode": "transaction"}
    else:
        log("no pgbouncer binary (scripts/pgbouncer.sh): measured straight to PostgreSQL only")
    figures = {setup: {case: [] for case in CASES} for setup in setups}
    queries = {}
    try:
        for round_ in range(args.rounds + 1):  # round 0 warms up
            for setup, options in setups.items():
                use(database, **options)
                for case, count in CASES.items():
                    micros = run_case(case, count, tenant, client)
                    if round_:
                        figures[setup][case].append(micros)
                if round_ == 0:
                    connection.set_tenant(tenant)
                    with CaptureQueriesContext(connection) as captured:
                        client.get("/api/v1/branches/")
                    queries[setup] = len(captured)
                    connection.set_schema_to_public()
            log(f"round {round_}/{args.rounds}" + (" (warm-up)" if round_ == 0 else ""))
    finally:
        use(database, host=direct["HOST"], port=direct["PORT"], name=direct["NAME"], pool_mode="session")
        if bouncer:
            bouncer.stop()

    result = {
        "benchmark": "pooling", "at": datetime.now(UTC).isoformat(timespec="seconds"), "rounds": args.rounds,
        "operations_per_round": CASES, "queries_per_request": queries,
        "median_microseconds": {setup: {case: round(statistics.median(v), 1) for case, v in cases.items()}
                                for setup, cases in figures.items()},
        "fastest_round_microseconds": {setup: {case: round(min(v), 1) for case, v in cases.items()}
                                       for setup, cases in figures.items()},
        "set_local_cost": set_local_cost(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"\n{'setup (median / fastest round)':<32}{'query µs':>18}{'atomic µs':>18}{'request µs':>18}{'statements':>12}")
    for setup, cases in result["median_microseconds"].items():
        fastest = result["fastest_round_microseconds"][setup]
        cells = "".join(f"{f'{cases[c]:.0f} / {fastest[c]:.0f}':>18}" for c in CASES)
        print(f"{setup:<32}{cells}{queries[setup]:>12}")
    cost = result["set_local_cost"]
    print(f"SELECT 1: {cost['plain_us']} µs; with SET LOCAL in the same message: {cost['with_set_local_us']} µs "
          f"(median difference of {cost['pairs']} interleaved pairs: {cost['difference_us']} µs)")
    print(f"load average {result['load_average']}")
    out = ROOT / "bench-results" / "pooling.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
