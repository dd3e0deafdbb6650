import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.customers.models import Customer
from apps.inventory.models import Category, GoldRate, Item, StockMovement
from apps.sales.models import Sale

SMALL = {"items": 60, "customers": 25, "sales": 20}


def seed(shop, **counts) -> str:
    out = StringIO()
    call_command("seed_demo", shop=shop.schema_name, stdout=out, **counts)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "items": Item.objects.filter(sku__startswith="DEMO-").count(),
        "customers": Customer.objects.count(),
        "sales": Sale.objects.count(),
        "rates": GoldRate.objects.count(),
        "categories": Category.objects.count(),
        "movements": StockMovement.objects.count(),
    }


def test_seed_demo_fills_a_shop_with_a_believable_month(in_shop_a):
    output = seed(in_shop_a, **SMALL)
    assert "20 sales added" in output
    connection.set_tenant(in_shop_a)  # the command restores the schema it found; be explicit

    items = Item.objects.filter(sku__startswith="DEMO-")
    assert sorted(items.values_list("sku", flat=True))[:2] == ["DEMO-00001", "DEMO-00002"] and items.count() == 60
    assert set(items.filter(pricing_mode="gold_rate").values_list("fineness", flat=True)) <= {750, 916, 875, 999, 585, 705}
    assert len(set(items.values_list("fineness", flat=True))) >= 4
    assert items.filter(is_unique_piece=True).exists() and items.filter(pricing_mode="fixed").exists()
    for gross in items.values_list("gross_weight", flat=True):
        assert Decimal(1) <= gross <= Decimal(60) and gross == gross.quantize(Decimal("0.001"))
    assert {c.items.exists() for c in Category.objects.filter(items__sku__startswith="DEMO-").distinct()} == {True}
    assert Category.objects.filter(items__sku__startswith="DEMO-").distinct().count() >= 5

    customers = Customer.objects.all()
    assert customers.count() == 25
    assert all(re.fullmatch(r"\+989\d{9}", c.phone) for c in customers)
    assert all(re.search(r"[\u0600-\u06FF]", c.full_name) for c in customers)  # Persian names

    sales = Sale.objects.all()
    assert sales.count() == 20 and set(sales.values_list("status", flat=True)) == {"completed"}
    now = timezone.now()
    times = sorted(sales.values_list("occurred_at", flat=True))
    assert now - timedelta(days=31) < times[0] and times[-1] < now
    assert times[-1] - times[0] > timedelta(days=20)  # spread over the month, not bunched
    assert sales.filter(customer__isnull=False).exists()
    for sale in sales.prefetch_related("lines", "payments"):
        assert sum(p.amount for p in sale.payments.all()) == sale.total
        for line in sale.lines.all():
            assert line.gold_rate_id is not None or line.fixed > 0
    # Every sale went through the ledger.
    sold = StockMovement.objects.filter(reason="sale").aggregate(n=Sum("quantity_delta"))["n"]
    assert -sold == sum(sum(line.quantity for line in s.lines.all()) for s in sales.prefetch_related("lines"))
    assert GoldRate.objects.filter(source="demo").count() >= 30


def test_seed_demo_twice_adds_nothing_and_more_tops_up(in_shop_a):
    seed(in_shop_a, **SMALL)
    connection.set_tenant(in_shop_a)
    first = snapshot()
    first_names = dict(Customer.objects.values_list("phone", "full_name"))

    output = seed(in_shop_a, **SMALL)
    connection.set_tenant(in_shop_a)
    assert snapshot() == first
    assert "0 items, 0 customers, 0 sales added" in output

    seed(in_shop_a, items=70, customers=30, sales=22)
    connection.set_tenant(in_shop_a)
    after = snapshot()
    assert (after["items"], after["customers"], after["sales"]) == (70, 30, 22)
    # Deterministic: the first customers are the same people.
    assert {p: n for p, n in Customer.objects.values_list("phone", "full_name") if p in first_names} == first_names


def test_seed_demo_needs_a_real_shop(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", shop="no_such_shop", stdout=StringIO())


def test_seed_demo_defaults_make_what_they_say_and_a_rerun_writes_nothing(in_shop_a):
    """The defaults (--items 500 --customers 200 --sales 100) at full size;
    how long they take is measured by scripts/bench_seed_demo.py, not here."""
    output = seed(in_shop_a)
    connection.set_tenant(in_shop_a)
    assert "500 items, 200 customers, 100 sales added" in output
    assert (Item.objects.filter(sku__startswith="DEMO-").count(), Customer.objects.count(), Sale.objects.count()) == (500, 200, 100)
    first = snapshot()

    with CaptureQueriesContext(connection) as queries:
        again = seed(in_shop_a)
    connection.set_tenant(in_shop_a)
    assert "0 gold rates, 0 items, 0 customers, 0 sales added" in again
    assert snapshot() == first
    # Idempotent the cheap way: the second run only reads.
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
