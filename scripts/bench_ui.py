"""
Benchmark of the staff pages at 20 users (`make bench-ui`), not a test.

A bench shop of its own (bench-ui.localhost) the size of a busy shop: 10,000
items, over a million sales over two years and three branches (written
set-wise by scripts/bench_history.py through bench_dashboard's preparation,
with a whole average day's worth today), 2,000 customers, terminals and an
open review queue. A second run reuses the shop.

Then gunicorn with production settings serves it, 20 staff users (owners, so
that each may open every page) log in through the login form before anything
is measured, and Locust (tests/performance/staff_locustfile.py) runs 20
concurrent users over every staff page of the navigation and the counter's
htmx actions (search, add, remove, customer search, a one-item checkout).

Besides Locust's latencies (p50 / p95 / p99 per request type) it records
what the machine was doing: the load average sampled during the run, and the
CPU the gunicorn workers and their PostgreSQL backends spent (from /proc).
Latency on a shared 2-core machine follows its load; CPU time per request
does much less, so after the load run each request type is asked for again,
one at a time, and the workers' and backends' CPU per request is measured.
Prints and writes JSON to bench-results/ui.json (and a dated copy).

    .venv/bin/python scripts/bench_ui.py                       # defaults: 20 users, 120 s
    .venv/bin/python scripts/bench_ui.py --run-time 60s --cpu-requests 10
    .venv/bin/python scripts/bench_ui.py --prepare-only         # seed the shop, measure nothing
"""
import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from bench_dashboard import history_prepare, shop_prepare  # noqa: E402
from bench_sync import schema_vacuum  # noqa: E402
from django.db import connection  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("axes").setLevel(logging.WARNING)

STAFF_PREFIX = "bench-staff-"
REVIEW_ITEMS = 60
TERMINALS_PER_BRANCH = 3


def log(message: str) -> None:
    print(f"[bench-ui] {message}", flush=True)


# --------------------------------------------------------------------------
# the shop
# --------------------------------------------------------------------------


def extras_prepare(shop, *, users: int, password: str) -> list[str]:
    """Terminals, an open review queue and `users` staff (owners, half of
    them in Persian) with this run's password, through the services; returns
    the staff e-mails."""
    from apps.accounts.models import Role, User
    from apps.accounts.services import user_create, user_language_set, user_set_role
    from apps.branches.models import Branch, Terminal
    from apps.branches.services import terminal_create
    from apps.inventory.models import Item
    from apps.review.models import ReviewItem
    from apps.review.services import review_open
    from apps.sales.models import Sale

    domain = shop.get_primary_domain().domain
    with shop:
        for branch in Branch.objects.order_by("created_at", "pk"):
            for n in range(Terminal.objects.filter(branch=branch).count(), TERMINALS_PER_BRANCH):
                terminal_create(branch=branch, name=f"Counter {n + 1}")
        missing = REVIEW_ITEMS - ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count()
        if missing > 0:
            sales = list(Sale.objects.order_by("-occurred_at")[:missing])
            items = list(Item.objects.order_by("sku")[:missing])
            for n in range(missing):
                if n % 2:
                    review_open(kind=ReviewItem.Kind.PRICE_MISMATCH, sale=sales[n % len(sales)],
                                details={"line": 1, "expected": "1000", "got": "990"})
                else:
                    review_open(kind=ReviewItem.Kind.STOCK_DRIFT, item=items[n % len(items)],
                                details={"quantity": 3, "ledger": 4})
        emails = []
        for n in range(users):
            email = f"{STAFF_PREFIX}{n + 1:02d}@{domain}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=password, role=Role.OWNER, full_name=f"Bench staff {n + 1}")
            else:
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
                user_set_role(user=user, role=Role.OWNER)
            if user.language != ("fa", "en")[n % 2]:  # half the staff in Persian (digits, Jalali dates), half in English
                user_language_set(user=user, language=("fa", "en")[n % 2])
            emails.append(email)
    connection.set_schema_to_public()
    return emails


def catalogue(shop, *, sample: int = 400) -> dict:
    """What the Locust users pick from: items that can be sold (several
    pieces in stock, so checkouts do not run the shop dry), customers, sales
    of the last days and words to search for."""
    from apps.branches.models import Branch
    from apps.customers.models import Customer
    from apps.inventory.models import Item
    from apps.sales.models import Sale

    with shop:
        main = Branch.objects.order_by("created_at", "pk").first()
        sellable = list(Item.objects.filter(is_deleted=False, status=Item.Status.IN_STOCK, quantity__gte=10, branch=main)
                        .order_by("?").values_list("id", "sku", "name")[:sample])
        customers = list(Customer.objects.filter(is_deleted=False).order_by("?").values_list("id", "full_name", "phone")[:sample])
        sales = list(Sale.objects.order_by("-occurred_at").select_related("branch")[:sample])
        result = {
            "items": [{"id": str(i), "sku": s, "name": n} for i, s, n in sellable],
            "customers": [{"id": str(i), "name": n, "phone": p} for i, n, p in customers],
            "sales": [{"id": str(s.pk), "label": s.invoice_label} for s in sales],
            "branches": [str(b) for b in Branch.objects.order_by("created_at").values_list("pk", flat=True)],
            "items_in_shop": Item.objects.filter(is_deleted=False).count(),
            "customers_in_shop": Customer.objects.filter(is_deleted=False).count(),
        }
    connection.set_schema_to_public()
    return result


# --------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", default="bench-ui.localhost")
    parser.add_argument("--sales", type=int, default=1_100_000, help="sales before today to have in the shop")
    parser.add_argument("--days", type=int, default=730, help="days the history spreads over")
    parser.add_argument("--branches", type=int, default=3)
    parser.add_argument("--aggregate-days", type=int, default=40,
                        help="daily aggregates rebuilt for the last N days only (the pages read 30; all 730 take an hour)")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=20, help="concurrent Locust users, each its own staff login")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="120s")
    parser.add_argument("--cpu-requests", type=int, default=8, help="requests of each type, one at a time, for CPU per request")
    parser.add_argument("--port", type=int, default=8630)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    parser.add_argument("--code", default=str(ROOT), help="the checkout gunicorn serves (an A/B against another commit)")
    parser.add_argument("--prepare-only", action="store_true", help="seed the bench shop and stop")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    password = secrets.token_urlsafe(16)
    started = time.monotonic()
    shop, _email, manager_id = shop_prepare(domain=args.domain, branches=args.branches, items=args.items,
                                            customers=args.customers, password=password, name="Staff UI Bench")
    facts = history_prepare(shop, sales=args.sales, days=args.days, cashier_id=manager_id, aggregate_days=args.aggregate_days)
    emails = extras_prepare(shop, users=args.users, password=password)
    log(f"the shop is ready in {time.monotonic() - started:.0f} s: {facts['sales_in_shop']:,} sales, "
        f"{facts['sales_today']:,} of them today")
    log(f"vacuumed the bench shop's tables in {schema_vacuum(shop.schema_name):.1f} s")
    if args.prepare_only:
        return 0
    from bench_ui_run import measure  # the Locust run and the CPU pass

    picks = catalogue(shop)
    facts.update(items_in_shop=picks.pop("items_in_shop"), customers_in_shop=picks.pop("customers_in_shop"))
    return measure(args, shop=shop, facts=facts, picks=picks, emails=emails, password=password)


if __name__ == "__main__":
    sys.exit(main())
