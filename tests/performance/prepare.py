"""
Data for the Locust suite (tests/performance/locustfile.py), not a test.

    .venv/bin/python -m tests.performance.prepare prepare --codes 60 --out bench-results/locust-X-setup.json
    .venv/bin/python -m tests.performance.prepare check --terminals bench-results/locust-X-terminals.json

`prepare` makes sure the bench shop (bench.localhost, shared with
`make bench-sync`) exists in the local database with a demo catalogue and
customers (seed_demo), a few hundred high-stock LOAD- items the terminals sell
(so a run never oversells and every sale is a plain one), a current gold
rate, a manager with a password fresh for this run, and N terminals with
one enrolment code each (valid 15 minutes). It writes what Locust needs to a
JSON file (mode 0600: it holds the password).

`check` reads what the terminals reported when Locust stopped and looks at
the database: every sale the server said it applied is there once, no sale
has two rows, no invoice number is used twice, and each device's
last_applied_seq matches what its terminal settled.
"""
import argparse
import json
import os
import random
import secrets
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

SHOP_DOMAIN = "bench.localhost"
OWNER_EMAIL = "owner@bench.localhost"
STAFF_EMAIL = "perf-manager@bench.localhost"
SELL_PREFIX = "LOAD-"
SELL_STOCK = 1_000_000


def log(message: str) -> None:
    print(f"[perf-prepare] {message}", file=sys.stderr, flush=True)


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)


def shop_ensure():
    from apps.tenancy.selectors import shop_get_by_domain
    from apps.tenancy.services import shop_create

    shop = shop_get_by_domain(SHOP_DOMAIN)
    if shop is None:
        log(f"creating shop {SHOP_DOMAIN}")
        shop = shop_create(name="Bench Jewellers", domain=SHOP_DOMAIN, owner_email=OWNER_EMAIL,
                           owner_password=secrets.token_urlsafe(16)).tenant
    return shop


def staff_ensure(*, password: str):
    """The manager the StaffApiUser logs in as, with this run's password."""
    from apps.accounts.models import Role, User
    from apps.accounts.services import user_create, user_set_role

    user = User.objects.filter(email__iexact=STAFF_EMAIL).first()
    if user is None:
        return user_create(email=STAFF_EMAIL, password=password, role=Role.MANAGER, full_name="Load test manager")
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user_set_role(user=user, role=Role.MANAGER)


def sell_items_ensure(*, count: int, actor, branch) -> list[str]:
    """High-stock items only terminals sell; deterministic per SKU."""
    from apps.inventory.models import Category, Item
    from apps.inventory.services import category_create, item_create

    category = Category.objects.filter(name="Load test").first() or category_create(name="Load test")
    skus = [f"{SELL_PREFIX}{n:05d}" for n in range(1, count + 1)]
    existing = set(Item.objects.filter(sku__in=skus).values_list("sku", flat=True))
    for n, sku in enumerate(skus, start=1):
        if sku in existing:
            continue
        rng = random.Random(f"load-item-{n}")
        fixed = n % 10 == 0  # one in ten is a fixed-price piece (a watch, say)
        item_create(
            actor=actor, sku=sku, name=f"Load ring {n}", category=category, branch=branch,
            fineness=rng.choice([750, 750, 705, 916, 585]), gross_weight=Decimal(rng.randint(1500, 25000)) / 1000,
            stone_weight=Decimal(0), making_mode="percent", making_value=Decimal(rng.choice([8, 12, 15, 18])),
            stone_value=Decimal(0), pricing_mode="fixed" if fixed else "gold_rate",
            fixed_price=Decimal(rng.randint(50, 900) * 1_000_000) if fixed else None,
            cost=Decimal(1_000_000), quantity=SELL_STOCK,
        )
    return skus


def prepare(args) -> int:
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.accounts.models import User
    from apps.branches.models import Branch
    from apps.branches.services import terminal_create
    from apps.inventory.selectors import gold_rate_current
    from apps.inventory.services import gold_rate_set
    from apps.pos_sync.services import enrollment_code_issue

    shop = shop_ensure()
    log(f"seed_demo --shop {shop.schema_name} --items {args.items} --customers {args.customers} --sales 0")
    call_command("seed_demo", shop=shop.schema_name, items=args.items, customers=args.customers, sales=0, stdout=sys.stderr)
    password = secrets.token_urlsafe(18)
    run = datetime.now().strftime("%Y%m%d-%H%M%S")
    with shop:
        owner = User.objects.get(email=OWNER_EMAIL)
        branch = Branch.objects.filter(name="Main").first() or Branch.objects.filter(is_active=True).order_by("created_at").first()
        staff_ensure(password=password)
        skus = sell_items_ensure(count=args.sell_items, actor=owner, branch=branch)
        if gold_rate_current() is None:
            gold_rate_set(actor=owner, base_rate=Decimal("65000000"), base_fineness=750)
        codes, terminal_ids = [], []
        for n in range(args.codes):
            terminal = terminal_create(branch=branch, name=f"load {run} {n}")
            codes.append(enrollment_code_issue(terminal=terminal).code)
            terminal_ids.append(str(terminal.pk))
    connection.set_schema_to_public()

    setup = {
        "prepared_at": datetime.now(timezone.utc).isoformat(),
        "shop_host": SHOP_DOMAIN,
        "schema": shop.schema_name,
        "staff": {"email": STAFF_EMAIL, "password": password},
        "enrollment_codes": codes,
        "terminal_ids": terminal_ids,
        "sell_skus": skus,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(setup, handle, indent=2)
    log(f"{len(codes)} enrolment codes, {len(skus)} items to sell, staff {STAFF_EMAIL}: written to {out}")
    return 0


def check(args) -> dict:
    """Exactly-once, as far as the terminals can tell: sales the server
    acknowledged are in the database once; a push whose answer was lost
    (timeout at the end of the run) may have applied more, never fewer."""
    django_setup()
    from django.db import connection
    from django.db.models import Count

    from apps.pos_sync.models import Device
    from apps.sales.models import Sale
    from apps.tenancy.selectors import shop_get_by_domain

    reported = json.loads(Path(args.terminals).read_text())
    devices = reported.get("devices", {})
    acknowledged = sum(d["applied"] + d["duplicate"] for d in devices.values())
    recorded = sum(d["sales_recorded"] for d in devices.values())
    shop = shop_get_by_domain(SHOP_DOMAIN)
    with shop:
        sales = Sale.objects.filter(device_id__in=list(devices))
        count = sales.count()
        distinct = sales.values("client_sale_id").distinct().count()
        reused_invoice_numbers = sales.values("branch_id", "invoice_number").annotate(n=Count("id")).filter(n__gt=1).count()
        seqs = {str(k): v for k, v in Device.objects.filter(id__in=list(devices)).values_list("id", "last_applied_seq")}
    connection.set_schema_to_public()
    # A device may be ahead of its terminal when the last answer was lost.
    behind = [d for d, info in devices.items() if seqs.get(d, -1) < info["settled_seq"]]
    result = {
        "devices": len(devices),
        "sales_recorded_by_terminals": recorded,
        "sales_acknowledged": acknowledged,
        "sales_in_database": count,
        "distinct_client_sale_ids": distinct,
        "reused_invoice_numbers": reused_invoice_numbers,
        "devices_behind_their_terminal": len(behind),
        "ok": acknowledged <= count <= recorded and count == distinct and reused_invoice_numbers == 0 and not behind,
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="bench shop, data, staff password, enrolment codes")
    p.add_argument("--codes", type=int, default=60, help="enrolment codes (one per PosTerminalUser)")
    p.add_argument("--items", type=int, default=500, help="demo items (seed_demo)")
    p.add_argument("--customers", type=int, default=200, help="demo customers (seed_demo)")
    p.add_argument("--sell-items", type=int, default=200, help="high-stock items the terminals sell")
    p.add_argument("--out", required=True)
    c = sub.add_parser("check", help="database check after a run")
    c.add_argument("--terminals", required=True, help="JSON the locustfile wrote at the end (PERF_TERMINALS_OUT)")
    c.add_argument("--out", help="write the result here too")
    args = parser.parse_args()
    if args.command == "prepare":
        return prepare(args)
    result = check(args)
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
