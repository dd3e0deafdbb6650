"""Real threads on real connections, each sale committed: what the row locks
and the invoice counter promise must hold under contention.

The data is committed (a rolled-back test transaction cannot be seen by
other connections) and deleted again in `finally`.
"""
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection, connections
from django.utils import timezone

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry, OutboxEvent
from apps.inventory.models import Category, GoldRate, Item, StockMovement
from apps.inventory.services import category_create, gold_rate_set, item_create
from apps.sales.models import InvoiceCounter, Sale
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.conftest import run_committed
from tests.vectors import RING


@dataclass
class Stock:
    branch_id: uuid.UUID
    category_id: uuid.UUID
    gold_rate_id: uuid.UUID
    item_ids: list
    total: Decimal


def _stock(shop, *, pieces: int) -> Stock:
    connection.set_tenant(shop)
    owner = User.objects.get(email="owner@shop-a.test")
    branch = Branch.objects.get(name="Bazaar")
    category = category_create(name=f"Race {uuid.uuid4().hex[:8]}")
    rate = gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=timezone.now() - timedelta(seconds=1))
    items = [
        item_create(**RING, sku=f"RACE-{uuid.uuid4().hex[:10]}", category=category, branch=branch, actor=owner,
                    is_unique_piece=True)
        for _ in range(pieces)
    ]
    total = sale_quote(lines=[LineInput(item_id=items[0].pk)]).total
    return Stock(branch.pk, category.pk, rate.pk, [i.pk for i in items], total)


def _clean(shop, stock: Stock) -> None:
    connection.set_tenant(shop)
    sale_ids = list(Sale.objects.filter(lines__item_id__in=stock.item_ids).values_list("pk", flat=True).distinct())
    OutboxEvent.objects.filter(payload__sale_id__in=[str(pk) for pk in sale_ids]).delete()
    AuditEntry.objects.filter(object_id__in=[str(stock.gold_rate_id)]).delete()
    Sale.objects.filter(pk__in=sale_ids).delete()
    StockMovement.objects.filter(item_id__in=stock.item_ids).delete()
    Item.objects.filter(pk__in=stock.item_ids).delete()
    Category.objects.filter(pk=stock.category_id).delete()
    GoldRate.objects.filter(pk=stock.gold_rate_id).delete()
    InvoiceCounter.objects.filter(branch_id=stock.branch_id).delete()


def _race(shop, stock: Stock, item_for_thread: list) -> list:
    """One thread per entry of `item_for_thread`, all released at once, each
    selling that item on its own connection; returns what each got."""
    barrier = threading.Barrier(len(item_for_thread))
    results = []

    def attempt(item_id):
        try:
            connection.set_tenant(shop)
            cashier = User.objects.get(email="cashier@shop-a.test")
            branch = Branch.objects.get(pk=stock.branch_id)
            barrier.wait(30)
            sale = sale_create(
                actor=cashier, branch=branch, lines=[LineInput(item_id=item_id)],
                payments=[PaymentInput(method="cash", amount=stock.total)],
            )
            results.append(("sold", item_id, sale.pk, sale.invoice_number))
        except ApplicationError as exc:
            results.append((exc.code, item_id, exc.status, exc.message))
        except BaseException as exc:  # anything else is a failure of the test
            results.append(("crash", item_id, None, repr(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(item_id,)) for item_id in item_for_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a sale hung"
    return results


def _state(shop, stock: Stock) -> dict:
    connection.set_tenant(shop)
    items = Item.objects.filter(pk__in=stock.item_ids)
    return {
        "sales": list(Sale.objects.filter(lines__item_id__in=stock.item_ids).values_list("pk", "invoice_number")),
        "items": {i.pk: (i.quantity, i.status) for i in items},
        "ledger": {
            i.pk: list(StockMovement.objects.filter(item=i).order_by("created_at").values_list("reason", "quantity_delta"))
            for i in items
        },
        "outbox": OutboxEvent.objects.filter(topic="sale.applied", payload__sale_id__in=[
            str(pk) for pk in Sale.objects.filter(lines__item_id__in=stock.item_ids).values_list("pk", flat=True)
        ]).count(),
    }


def test_twenty_concurrent_sales_of_one_unique_piece_make_exactly_one_sale(shop_a, django_db_blocker):
    with django_db_blocker.unblock():
        stock = run_committed(_stock, shop_a, pieces=1)
        try:
            [piece] = stock.item_ids
            results = run_committed(_race, shop_a, stock, [piece] * 20)
            state = run_committed(_state, shop_a, stock)
        finally:
            run_committed(_clean, shop_a, stock)

    assert len(results) == 20
    assert not [r for r in results if r[0] == "crash"], results
    sold = [r for r in results if r[0] == "sold"]
    refused = [r for r in results if r[0] != "sold"]
    assert len(sold) == 1
    assert len(refused) == 19
    assert {(code, status) for code, _, status, _ in refused} == {("item_unavailable", 409)}
    assert all("not available" in message for *_, message in refused)

    [(sale_id, _)] = state["sales"]
    assert sale_id == sold[0][2]
    assert state["items"][piece] == (0, "sold")
    assert state["ledger"][piece] == [("purchase", 1), ("sale", -1)]  # quantity == sum of the ledger
    assert state["outbox"] == 1


def test_concurrent_sales_in_one_branch_get_consecutive_invoice_numbers(shop_a, django_db_blocker):
    """Six pieces, two threads racing for each: six sales, numbered with no
    gap and no repeat whatever the commit order, and six clean refusals."""
    with django_db_blocker.unblock():
        stock = run_committed(_stock, shop_a, pieces=6)
        try:
            results = run_committed(_race, shop_a, stock, [pk for pk in stock.item_ids for _ in range(2)])
            state = run_committed(_state, shop_a, stock)
        finally:
            run_committed(_clean, shop_a, stock)

    assert not [r for r in results if r[0] == "crash"], results
    numbers = sorted(number for *_, number in state["sales"])
    assert len(numbers) == 6
    assert numbers == list(range(numbers[0], numbers[0] + 6))
    assert sorted(r[1] for r in results if r[0] == "sold") == sorted(stock.item_ids)
    assert [r[0] for r in results].count("item_unavailable") == 6
    assert all(state["items"][pk] == (0, "sold") for pk in stock.item_ids)
