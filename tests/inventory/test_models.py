"""The database itself refuses bad stock rows and stamps change numbers.

Rows here are written with the raw ORM on purpose: the point is that the
constraints hold even when the services are bypassed.
"""
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from apps.branches.models import Branch
from apps.inventory.models import Category, GoldRate, GoldRateFineness, Item, StockMovement
from apps.inventory.services import category_create, category_update, item_update, stock_move, stock_move_many


def raw_item(category, branch, **overrides) -> Item:
    values = {
        "sku": "RAW-1", "name": "Raw ring", "category": category, "branch": branch, "fineness": 750,
        "gross_weight": Decimal("5.250"), "stone_weight": Decimal("0.250"), "net_weight": Decimal("5.000"),
        "making_mode": "percent", "making_value": Decimal("18"), "pricing_mode": "gold_rate",
    }
    values.update(overrides)
    return Item.objects.create(**values)


def assert_rejected(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_valid_raw_row_is_accepted(category, branch):
    item = raw_item(category, branch)
    assert Item.objects.get(pk=item.pk).net_weight == Decimal("5.000")


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"net_weight": Decimal("5.250")}, id="net-not-gross-minus-stone"),
        pytest.param({"gross_weight": Decimal("-1.000"), "stone_weight": Decimal("0"), "net_weight": Decimal("-1.000")}, id="negative-gross"),
        pytest.param({"stone_weight": Decimal("-0.250"), "net_weight": Decimal("5.500")}, id="negative-stone"),
        pytest.param({"gross_weight": Decimal("1"), "stone_weight": Decimal("2"), "net_weight": Decimal("-1")}, id="stone-exceeds-gross"),
        pytest.param({"pricing_mode": "fixed"}, id="fixed-pricing-without-price"),
        pytest.param({"fixed_price": Decimal("100")}, id="gold-rate-with-fixed-price"),
        pytest.param({"fineness": 0}, id="fineness-zero"),
        pytest.param({"fineness": 1001}, id="fineness-over-1000"),
        pytest.param({"making_mode": "free"}, id="unknown-making-mode"),
        pytest.param({"making_value": Decimal("-1")}, id="negative-making"),
        pytest.param({"status": "lost"}, id="unknown-status"),
        pytest.param({"barcode": ""}, id="blank-barcode"),
    ],
)
def test_database_rejects_an_inconsistent_item(category, branch, overrides):
    assert_rejected(lambda: raw_item(category, branch, **overrides))


def test_fixed_pricing_with_a_price_is_accepted(category, branch):
    item = raw_item(category, branch, pricing_mode="fixed", fixed_price=Decimal("1500000"))
    assert item.fixed_price == Decimal("1500000")


def test_duplicate_sku_and_barcode_are_rejected(category, branch):
    raw_item(category, branch, sku="DUP", barcode="6260000000017")
    assert_rejected(lambda: raw_item(category, branch, sku="DUP"))
    assert_rejected(lambda: raw_item(category, branch, sku="OTHER", barcode="6260000000017"))


def test_many_items_may_have_no_barcode(category, branch):
    raw_item(category, branch, sku="N-1", barcode=None)
    raw_item(category, branch, sku="N-2", barcode=None)
    assert Item.objects.filter(barcode__isnull=True, sku__startswith="N-").count() == 2


def test_quantity_may_be_negative(category, branch):
    item = raw_item(category, branch)
    Item.objects.filter(pk=item.pk).update(quantity=-3)
    assert Item.objects.get(pk=item.pk).quantity == -3


def test_category_names_are_unique_ignoring_case(in_shop_a):
    Category.objects.create(name="Rings")
    assert_rejected(lambda: Category.objects.create(name="RINGS"))


def test_category_cannot_be_its_own_parent(in_shop_a):
    category = Category.objects.create(name="Loop")
    assert_rejected(lambda: Category.objects.filter(pk=category.pk).update(parent=category))


def test_a_movement_must_change_the_quantity(category, branch):
    item = raw_item(category, branch)
    assert_rejected(lambda: StockMovement.objects.create(item=item, quantity_delta=0, reason="adjustment"))
    assert_rejected(lambda: StockMovement.objects.create(item=item, quantity_delta=1, reason="gift"))


def test_an_item_with_movements_cannot_be_deleted(category, branch):
    item = raw_item(category, branch)
    StockMovement.objects.create(item=item, quantity_delta=1, reason="purchase")
    with pytest.raises(ProtectedError), transaction.atomic():
        item.delete()


def test_gold_rate_rows_are_checked(owner):
    from django.utils import timezone

    assert_rejected(lambda: GoldRate.objects.create(base_rate=Decimal("0"), effective_at=timezone.now()))
    assert_rejected(lambda: GoldRate.objects.create(base_rate=Decimal("1"), base_fineness=0, effective_at=timezone.now()))
    rate = GoldRate.objects.create(base_rate=Decimal("8000000"), effective_at=timezone.now())
    GoldRateFineness.objects.create(gold_rate=rate, fineness=916, rate=Decimal("9770000"))
    assert_rejected(lambda: GoldRateFineness.objects.create(gold_rate=rate, fineness=916, rate=Decimal("1")))
    assert_rejected(lambda: GoldRateFineness.objects.create(gold_rate=rate, fineness=585, rate=Decimal("-1")))


# --------------------------------------------------------------------------
# change numbers
# --------------------------------------------------------------------------


def change_number_of(model, pk) -> int:
    return model.objects.values_list("change_number", flat=True).get(pk=pk)


def sequence_last_value(schema: str) -> int:
    with connection.cursor() as cursor:
        # last_value is the next value until the sequence has been called once
        cursor.execute(f'SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM "{schema}".sync_change_seq')
        return cursor.fetchone()[0]


def test_insert_stamps_a_change_number_and_returns_it(make_item):
    item = make_item()
    assert item.change_number > 0
    # stock_move already updated the row once after the insert
    assert change_number_of(Item, item.pk) == item.change_number


def test_every_update_moves_the_change_number_forward(make_item, owner):
    item = make_item(quantity=0)
    seen = [change_number_of(Item, item.pk)]

    item_update(actor=owner, item=item, name="Renamed ring")
    seen.append(change_number_of(Item, item.pk))

    stock_move(item=item, delta=2, reason="purchase")
    seen.append(change_number_of(Item, item.pk))

    stock_move_many(moves=[(item.pk, -1)], reason="sale", reference="S-1")
    seen.append(change_number_of(Item, item.pk))

    Item.objects.filter(pk=item.pk).update(name="Queryset update")
    seen.append(change_number_of(Item, item.pk))

    with connection.cursor() as cursor:  # a raw set-wise UPDATE, bypassing Django entirely
        cursor.execute("UPDATE inventory_item SET quantity = quantity + d.delta FROM unnest(%s::uuid[], %s::int[]) AS d(id, delta) WHERE inventory_item.id = d.id", [[item.pk], [1]])
    seen.append(change_number_of(Item, item.pk))

    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen


def test_category_changes_are_stamped_too(in_shop_a):
    category = category_create(name="Necklaces")
    first = change_number_of(Category, category.pk)
    category_update(category=category, name="Chains")
    assert change_number_of(Category, category.pk) > first > 0


def test_items_and_categories_share_one_sequence(make_item, category):
    numbers = [change_number_of(Category, category.pk)]
    for n in range(3):
        numbers.append(make_item().change_number)
        numbers.append(change_number_of(Category, category_create(name=f"Cat {n}").pk))
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers)


def test_each_shop_has_its_own_sequence(make_item, shop_a, shop_b):
    b_before = sequence_last_value(shop_b.schema_name)
    a_before = sequence_last_value(shop_a.schema_name)

    make_item()

    assert sequence_last_value(shop_a.schema_name) > a_before
    assert sequence_last_value(shop_b.schema_name) == b_before


def test_a_cloned_shop_schema_stamps_with_its_own_sequence(shop_b):
    """Shop B was cloned from the template: its trigger and function came along."""
    connection.set_tenant(shop_b)
    before = sequence_last_value(shop_b.schema_name)
    category = category_create(name="Bangles")
    assert category.change_number == before + 1
    assert Branch.objects.filter(name="Airport").exists()
