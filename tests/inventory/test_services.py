import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.core.models import AuditEntry
from apps.inventory.models import Category, GoldRate, Item, StockMovement
from apps.inventory.selectors import gold_rate_current, item_ledger_sum
from apps.inventory.services import (
    category_create,
    gold_rate_set,
    item_create,
    item_delete,
    item_update,
    stock_adjust,
    stock_move,
    stock_move_many,
)
from apps.tenancy.models import Tenant
from tests.conftest import SHOPS, run_committed
from tests.helpers import assert_error, fresh
from tests.vectors import RING


def audits(action: str, obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


# --------------------------------------------------------------------------
# categories
# --------------------------------------------------------------------------


def test_category_names_are_unique_ignoring_case(in_shop_a):
    parent = category_create(name="Jewellery")
    child = category_create(name=" Rings ", parent=parent)
    assert (child.name, child.parent) == ("Rings", parent)
    assert_error("category_exists", category_create, name="RINGS")
    assert_error("invalid_category_name", category_create, name="  ")


# --------------------------------------------------------------------------
# item_create
# --------------------------------------------------------------------------


def test_item_create_computes_net_weight_and_books_initial_stock(make_item, owner):
    item = make_item(quantity=3, barcode="6260000000017")

    stored = fresh(item)
    assert stored.net_weight == Decimal("5.000")
    assert (stored.quantity, stored.status, stored.barcode) == (3, "in_stock", "6260000000017")
    [purchase] = StockMovement.objects.filter(item=item)
    assert (purchase.quantity_delta, purchase.reason, purchase.actor) == (3, "purchase", owner)


def test_item_created_without_stock_has_no_ledger_row(make_item):
    item = make_item(quantity=0)
    assert fresh(item).quantity == 0
    assert not StockMovement.objects.filter(item=item).exists()


def test_blank_barcodes_are_stored_as_null(make_item):
    first, second = make_item(barcode=""), make_item(barcode="   ")
    assert fresh(first).barcode is None and fresh(second).barcode is None


def test_taken_sku_or_barcode_is_refused_and_nothing_is_written(make_item):
    make_item(sku="R-TAKEN", barcode="BC-1")
    items, movements = Item.objects.count(), StockMovement.objects.count()

    assert_error("sku_taken", make_item, sku="R-TAKEN")
    assert_error("barcode_taken", make_item, sku="R-NEW", barcode="BC-1")

    assert (Item.objects.count(), StockMovement.objects.count()) == (items, movements)


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"stone_weight": Decimal("6")}, "invalid_weight"),
        ({"gross_weight": Decimal("-1")}, "invalid_weight"),
        ({"gross_weight": 5.25}, "invalid_weight"),  # floats are inexact: refused
        ({"gross_weight": Decimal("5.2501")}, "invalid_weight"),  # not silently rounded
        ({"fineness": 0}, "invalid_fineness"),
        ({"fineness": 1001}, "invalid_fineness"),
        ({"making_mode": "free"}, "invalid_making_mode"),
        ({"making_value": Decimal("-1")}, "invalid_amount"),
        ({"pricing_mode": "fixed"}, "fixed_price_required"),
        ({"fixed_price": Decimal("100")}, "fixed_price_not_allowed"),
        ({"pricing_mode": "barter"}, "invalid_pricing_mode"),
        ({"quantity": -1}, "invalid_quantity"),
        ({"quantity": 2, "is_unique_piece": True}, "invalid_quantity"),
        ({"sku": " "}, "invalid_sku"),
        ({"name": ""}, "invalid_name"),
    ],
)
def test_item_create_refuses_bad_input(make_item, overrides, code):
    before = Item.objects.count()
    assert_error(code, make_item, **overrides)
    assert Item.objects.count() == before


def test_fixed_price_item(make_item):
    item = make_item(pricing_mode="fixed", fixed_price=Decimal("15000000"), making_value=Decimal("0"))
    assert fresh(item).fixed_price == Decimal("15000000")


# --------------------------------------------------------------------------
# item_update / item_delete
# --------------------------------------------------------------------------


def test_price_change_is_audited_with_before_and_after(make_item, owner):
    item = make_item()
    item_update(actor=owner, item=item, making_value=Decimal("20"), stone_weight=Decimal("0.500"))

    stored = fresh(item)
    assert (stored.making_value, stored.net_weight) == (Decimal("20"), Decimal("4.750"))
    [entry] = audits("inventory.item_price_change", item)
    assert entry.actor == owner
    assert entry.before == {"making_value": "18.00", "stone_weight": "0.250", "net_weight": "5.000"}
    assert entry.after == {"making_value": "20.00", "stone_weight": "0.500", "net_weight": "4.750"}


def test_non_price_change_is_not_audited(make_item, owner):
    item = make_item()
    item_update(actor=owner, item=item, name="Wedding band", cost=Decimal("1"))
    assert fresh(item).name == "Wedding band"
    assert audits("inventory.item_price_change", item) == []


def test_switching_to_gold_rate_pricing_drops_the_fixed_price(make_item, owner):
    item = make_item(pricing_mode="fixed", fixed_price=Decimal("15000000"))
    item_update(actor=owner, item=item, pricing_mode="gold_rate")
    assert (fresh(item).pricing_mode, fresh(item).fixed_price) == ("gold_rate", None)
    [entry] = audits("inventory.item_price_change", item)
    assert entry.before == {"pricing_mode": "fixed", "fixed_price": "15000000.00"}


def test_item_update_refuses_bad_changes_and_changes_nothing(make_item, owner):
    item, other = make_item(), make_item()
    assert_error("unknown_field", item_update, actor=owner, item=item, quantity=5)
    assert_error("sku_taken", item_update, actor=owner, item=item, sku=other.sku)
    assert_error("invalid_weight", item_update, actor=owner, item=item, stone_weight=Decimal("9"))
    assert_error("invalid_status", item_update, actor=owner, item=item, status="sold")
    assert fresh(item).sku == item.sku and fresh(item).stone_weight == Decimal("0.250")


def test_item_delete_is_soft_and_audited(make_item, owner):
    item = make_item()
    item_delete(actor=owner, item=item)
    assert fresh(item).is_deleted
    assert len(audits("inventory.item_delete", item)) == 1
    assert_error("item_deleted", item_update, actor=owner, item=item, name="Back")


# --------------------------------------------------------------------------
# stock
# --------------------------------------------------------------------------


def test_quantity_equals_ledger_sum_after_a_mix_of_moves(make_item, owner):
    ring, chain = make_item(quantity=2), make_item(quantity=5)

    stock_move(item=ring, delta=3, reason="purchase", actor=owner)
    stock_move(item=ring, delta=-4, reason="sale", reference="S-1")
    assert ring.quantity == 1  # the caller's instance follows stock_move
    stock_move_many(moves=[(ring.pk, -2), (chain.pk, -1), (ring.pk, -1)], reason="sync", reference="batch-1")
    stock_move(item=chain, delta=1, reason="return", reference="S-2")
    stock_adjust(actor=owner, item=chain, new_quantity=9, note="Counted")

    assert fresh(ring).quantity == item_ledger_sum(ring) == 2 + 3 - 4 - 2 - 1 == -2  # oversold offline
    assert fresh(chain).quantity == item_ledger_sum(chain) == 9


def test_unique_piece_is_sold_at_zero_and_back_in_stock_on_return(make_item):
    piece = make_item(is_unique_piece=True)
    stock_move(item=piece, delta=-1, reason="sale")
    assert fresh(piece).status == "sold"
    stock_move(item=piece, delta=1, reason="return")
    assert fresh(piece).status == "in_stock"

    stock_move_many(moves=[(piece.pk, -1)], reason="sync", reference="b1")
    assert fresh(piece).status == "sold"
    stock_move_many(moves=[(piece.pk, -1)], reason="sync", reference="b2")  # oversold offline
    assert (fresh(piece).quantity, fresh(piece).status) == (-1, "sold")
    stock_move_many(moves=[(piece.pk, 2)], reason="void", reference="b2")
    assert (fresh(piece).quantity, fresh(piece).status) == (1, "in_stock")


def test_a_reserved_unique_piece_stays_reserved_while_in_stock(make_item, owner):
    piece = make_item(is_unique_piece=True)
    item_update(actor=owner, item=piece, status="reserved")
    stock_move_many(moves=[(piece.pk, -1), (piece.pk, 1)], reason="sync", reference="b3")
    assert fresh(piece).status == "reserved"
    stock_move(item=piece, delta=-1, reason="sale")
    assert fresh(piece).status == "sold"
    assert_error("item_sold", item_update, actor=owner, item=piece, status="in_stock")


def test_stock_move_many_is_set_wise(make_item):
    items = [make_item(quantity=10) for _ in range(20)]

    def statements(count: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            stock_move_many(moves=[(i.pk, -1) for i in items[:count]], reason="sale", reference=f"n{count}")
        return len(queries)

    assert statements(2) == statements(20)
    assert all(fresh(i).quantity == item_ledger_sum(i) for i in items)


def test_stock_move_many_with_an_unknown_item_changes_nothing(make_item):
    item = make_item(quantity=4)
    movements = StockMovement.objects.count()
    missing = uuid.uuid4()

    error = assert_error("item_not_found", stock_move_many, moves=[(item.pk, -1), (missing, -1)], reason="sale", reference="x")

    assert error.details[0]["message"] == str(missing)
    assert (fresh(item).quantity, StockMovement.objects.count()) == (4, movements)


@pytest.mark.parametrize("delta", [0, 1.0, True, "1"])
def test_stock_move_refuses_a_bad_delta(make_item, delta):
    item = make_item()
    assert_error("invalid_delta", stock_move, item=item, delta=delta, reason="sale")
    assert_error("invalid_delta", stock_move_many, moves=[(item.pk, delta)], reason="sale", reference="")
    assert fresh(item).quantity == 1


def test_stock_move_refuses_an_unknown_reason(make_item):
    item = make_item()
    assert_error("invalid_reason", stock_move, item=item, delta=1, reason="gift")


def test_stock_adjust_is_audited(make_item, owner):
    item = make_item(quantity=5)
    movement = stock_adjust(actor=owner, item=item, new_quantity=3, note="Two missing after count")

    assert (movement.quantity_delta, movement.reason, movement.note) == (-2, "adjustment", "Two missing after count")
    [entry] = audits("inventory.stock_adjust", item)
    assert (entry.before, entry.after, entry.actor) == ({"quantity": 5}, {"quantity": 3}, owner)
    assert entry.note == "Two missing after count"


def test_stock_adjust_to_the_same_count_writes_nothing(make_item, owner):
    item = make_item(quantity=5)
    assert stock_adjust(actor=owner, item=item, new_quantity=5, note="Count matches") is None
    assert audits("inventory.stock_adjust", item) == []


def test_stock_adjust_refuses_bad_input(make_item, owner):
    item, piece = make_item(quantity=5), make_item(is_unique_piece=True)
    assert_error("note_required", stock_adjust, actor=owner, item=item, new_quantity=3, note=" ")
    assert_error("invalid_quantity", stock_adjust, actor=owner, item=item, new_quantity=-1, note="x")
    assert_error("invalid_quantity", stock_adjust, actor=owner, item=piece, new_quantity=2, note="x")
    assert fresh(item).quantity == 5 and audits("inventory.stock_adjust", item) == []


# --------------------------------------------------------------------------
# gold rate board
# --------------------------------------------------------------------------


def test_gold_rate_history_and_current_selection(owner):
    now = timezone.now()
    old = gold_rate_set(actor=owner, base_rate=Decimal("7900000"), effective_at=now - timedelta(days=1))
    new = gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=now - timedelta(minutes=1))
    gold_rate_set(actor=owner, base_rate=Decimal("8100000"), effective_at=now + timedelta(hours=1))

    assert gold_rate_current() == new
    assert gold_rate_current(at=now - timedelta(hours=1)) == old
    assert gold_rate_current(at=now - timedelta(days=2)) is None
    assert GoldRate.objects.count() == 3  # history is kept
    assert new.set_by == owner


def test_gold_rate_change_is_audited_with_before_and_after(owner):
    gold_rate_set(actor=owner, base_rate=Decimal("7900000"))
    second = gold_rate_set(actor=owner, base_rate=Decimal("8000000"), explicit_rates={916: Decimal("9800000")}, source="mazaneh")

    [entry] = audits("inventory.gold_rate_set", second)
    assert entry.actor == owner
    assert entry.before["base_rate"] == "7900000.000000" and entry.before["explicit_rates"] == {}
    assert entry.after["base_rate"] == "8000000.000000" and entry.after["explicit_rates"] == {"916": "9800000.000000"}
    assert entry.after["source"] == "mazaneh"


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"base_rate": Decimal("0")}, "invalid_rate"),
        ({"base_rate": Decimal("-5")}, "invalid_rate"),
        ({"base_rate": 8000000.0}, "invalid_rate"),
        ({"base_rate": Decimal("NaN")}, "invalid_rate"),
        ({"base_rate": Decimal("1"), "base_fineness": 0}, "invalid_fineness"),
        ({"base_rate": Decimal("1"), "explicit_rates": {916: Decimal("0")}}, "invalid_rate"),
        ({"base_rate": Decimal("1"), "explicit_rates": {2000: Decimal("1")}}, "invalid_fineness"),
        ({"base_rate": Decimal("1"), "effective_at": timezone.now().replace(tzinfo=None)}, "invalid_effective_at"),
        ({"base_rate": Decimal("1"), "source": ""}, "invalid_source"),
    ],
)
def test_gold_rate_set_refuses_bad_input(owner, kwargs, code):
    assert_error(code, gold_rate_set, actor=owner, **kwargs)
    assert not GoldRate.objects.exists() and not AuditEntry.objects.filter(action="inventory.gold_rate_set").exists()


# --------------------------------------------------------------------------
# concurrency: real threads, real connections, committed rows
# --------------------------------------------------------------------------


def committed(shop: Tenant, fn):
    """Runs `fn` in the shop's schema, committed (tests.conftest.run_committed)."""

    def in_shop():
        connection.set_tenant(shop)
        return fn()

    return run_committed(in_shop)


@contextmanager
def committed_items(shop: Tenant, count: int, quantity: int):
    """Committed items, removed afterwards. Not `transactional_db`: its flush
    would empty the public schema's tables and take the session's shops too."""
    tag = uuid.uuid4().hex[:8]

    def create():
        category = category_create(name=f"Threads {tag}")
        owner = User.objects.get(email=SHOPS["a"]["owner"])
        branch = Branch.objects.get(name=SHOPS["a"]["branch"])
        return [
            item_create(**{**RING, "sku": f"T-{tag}-{n}", "category": category, "branch": branch, "actor": owner, "quantity": quantity})
            for n in range(count)
        ]

    def remove():
        StockMovement.objects.filter(item__sku__startswith=f"T-{tag}-").delete()
        Item.objects.filter(sku__startswith=f"T-{tag}-").delete()
        Category.objects.filter(name=f"Threads {tag}").delete()

    try:
        yield committed(shop, create)
    finally:
        committed(shop, remove)


def run_in_threads(shop: Tenant, work, count: int = 10) -> list[BaseException]:
    """Runs `work(n)` in `count` threads released at once; returns the errors."""
    barrier, errors = threading.Barrier(count), []

    def target(n: int):
        try:
            connection.set_tenant(shop)
            barrier.wait(timeout=10)
            work(n)
        except BaseException as exc:  # reported to the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return errors


def assert_session_shops_survived() -> None:
    connection.set_schema_to_public()
    domains = [spec["domain"] for spec in SHOPS.values()]
    assert Tenant.objects.filter(domains__domain__in=domains).count() == len(domains)


def test_concurrent_stock_moves_on_one_item_lose_nothing(in_shop_a):
    with committed_items(in_shop_a, count=1, quantity=5) as [item]:

        def sell_and_return(n: int):
            for delta in (-1, -1, 1, -2):
                stock_move(item=Item(pk=item.pk), delta=delta, reason="sale", reference=f"thread-{n}")

        errors = run_in_threads(in_shop_a, sell_and_return)

        assert errors == []
        expected = 5 + 10 * (-1 - 1 + 1 - 2)
        assert fresh(item).quantity == item_ledger_sum(item) == expected == -25
        assert StockMovement.objects.filter(item=item).count() == 1 + 10 * 4
    assert not Item.objects.filter(pk=item.pk).exists()
    assert_session_shops_survived()


def test_concurrent_sales_and_returns_keep_a_unique_piece_status_consistent(in_shop_a):
    with committed_items(in_shop_a, count=1, quantity=1) as [piece]:
        committed(in_shop_a, lambda: Item.objects.filter(pk=piece.pk).update(is_unique_piece=True))

        def sell_or_return(n: int):
            for _ in range(5):
                stock_move(item=Item(pk=piece.pk), delta=-1 if n % 2 else 1, reason="sale" if n % 2 else "return")
                stock_move(item=Item(pk=piece.pk), delta=1 if n % 2 else -1, reason="return" if n % 2 else "sale")

        errors = run_in_threads(in_shop_a, sell_or_return)

        assert errors == []
        stored = fresh(piece)
        assert stored.quantity == item_ledger_sum(piece) == 1
        assert stored.status == "in_stock"
    assert_session_shops_survived()


def test_concurrent_batches_in_opposite_orders_do_not_deadlock(in_shop_a):
    with committed_items(in_shop_a, count=2, quantity=100) as (first, second):

        def batch(n: int):
            moves = [(first.pk, -1), (second.pk, -2)]
            for _ in range(5):
                stock_move_many(moves=moves if n % 2 else moves[::-1], reason="sync", reference=f"thread-{n}")

        errors = run_in_threads(in_shop_a, batch)

        assert errors == []
        assert fresh(first).quantity == item_ledger_sum(first) == 100 - 50
        assert fresh(second).quantity == item_ledger_sum(second) == 100 - 100
    assert_session_shops_survived()
