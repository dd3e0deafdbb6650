from decimal import Decimal

import pytest
from django.db import connection

from apps.core.models import AuditEntry
from apps.inventory.models import Item, StockMovement
from apps.inventory.services import category_create, item_create
from tests.helpers import staff, staff_client
from tests.vectors import RING, RING_TOTAL
from tests.world import CHAIN


def skus(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()["results"]]


def more_items(world, shop_a):
    """A 22k bangle in another category and a heavy fixed-price coin."""
    connection.set_tenant(shop_a)
    from apps.branches.models import Branch
    from apps.inventory.models import Category

    owner, branch = staff("a", "owner"), Branch.objects.get(pk=world.branch_id)
    bangles = category_create(name="Bangles")
    item_create(**{**RING, "name": "22k bangle", "fineness": 916, "gross_weight": Decimal("20.000"), "stone_weight": Decimal("0")},
                sku="A-B-1", category=bangles, branch=branch, actor=owner)
    item_create(**{**CHAIN, "name": "Gold coin", "fixed_price": Decimal("90000000")}, sku="A-K-1",
                category=Category.objects.get(pk=world.category_id), branch=branch, actor=owner)


def test_list_is_paginated_and_ordered_by_sku(manager, world):
    body = manager.get("/api/v1/items/?page_size=2").json()
    assert body["count"] == 3
    assert [r["sku"] for r in body["results"]] == ["A-C-1", "A-R-1"]
    assert body["next"] is not None
    assert skus(manager.get("/api/v1/items/?page_size=2&page=2")) == ["A-R-2"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("fineness=916", ["A-B-1"]),
        ("status=sold", ["A-R-2"]),
        ("pricing_mode=fixed", ["A-C-1", "A-K-1"]),
        ("net_weight_min=5&net_weight_max=10", ["A-C-1", "A-K-1", "A-R-1", "A-R-2"]),
        ("net_weight_max=9.999", ["A-R-1", "A-R-2"]),
        ("net_weight_min=10.001", ["A-B-1"]),
        ("fixed_price_min=2000000", ["A-K-1"]),
        ("fixed_price_max=2000000", ["A-C-1"]),
        ("search=a-r-1", ["A-R-1"]),
        ("search=62600000a01", ["A-R-1"]),
        ("search=bangle", ["A-B-1"]),
        ("ordering=-net_weight,sku", ["A-B-1", "A-C-1", "A-K-1", "A-R-1", "A-R-2"]),
    ],
)
def test_filters_search_and_ordering(manager, world, shop_a, query, expected):
    more_items(world, shop_a)
    assert skus(manager.get(f"/api/v1/items/?{query}")) == expected


def test_filter_by_category_and_branch(manager, world, shop_a):
    more_items(world, shop_a)
    assert skus(manager.get(f"/api/v1/items/?category={world.category_id}")) == ["A-C-1", "A-K-1", "A-R-1", "A-R-2"]
    assert skus(manager.get(f"/api/v1/items/?branch={world.branch_id}&fineness=750")) == ["A-R-1", "A-R-2"]
    main = manager.get("/api/v1/branches/").json()["results"]
    other = next(b["id"] for b in main if b["id"] != str(world.branch_id))
    assert skus(manager.get(f"/api/v1/items/?branch={other}")) == []


@pytest.mark.parametrize("query", ["fineness=abc", "ordering=cost", "branch=not-a-uuid", "status=lost", "net_weight_min=-1"])
def test_bad_filters_are_400(manager, world, query):
    response = manager.get(f"/api/v1/items/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_detail_prices_at_todays_rate_with_breakdown(cashier, world):
    body = cashier.get(f"/api/v1/items/{world.ring_id}/").json()
    assert body["price"] == {
        "currency": "IRR", "gold_rate_id": str(world.gold_rate_id), "rate": "8000000.0000", "net_weight": "5.000",
        "gold": "40000000.00", "making": "7200000.00", "profit": "3304000.00", "stones": "2000000.00", "fixed": "0.00",
        "tax": "1250400.00", "total": "53754400.00",
    }
    assert Decimal(body["price"]["total"]) == RING_TOTAL
    assert body["price_unavailable"] is None
    assert body["cost"] is None  # a cashier does not see what the shop paid


def test_manager_sees_cost(manager, world):
    assert manager.get(f"/api/v1/items/{world.ring_id}/").json()["cost"] == "30000000.00"


def test_gold_piece_without_a_rate_has_no_price_and_says_why(shop_a):
    manager = staff_client("a", "manager")
    connection.set_tenant(shop_a)
    from apps.branches.models import Branch

    ring = item_create(**RING, sku="NO-RATE", category=category_create(name="Loose"), branch=Branch.objects.get(name="Bazaar"),
                       actor=staff("a", "owner"))
    body = manager.get(f"/api/v1/items/{ring.pk}/").json()
    assert body["price"] is None
    assert body["price_unavailable"]["code"] == "no_gold_rate"


def test_unknown_item_is_404(manager, world):
    response = manager.get("/api/v1/items/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def item_body(world, **overrides):
    body = {
        "sku": "NEW-1", "name": "18k pendant", "category_id": str(world.category_id), "branch_id": str(world.branch_id),
        "fineness": 750, "gross_weight": "3.200", "stone_weight": "0.200", "making_mode": "per_gram",
        "making_value": "500000", "stone_value": "0", "pricing_mode": "gold_rate", "cost": "20000000", "quantity": 2,
    }
    return {**body, **overrides}


def test_manager_creates_item_with_initial_stock_in_the_ledger(manager, world, shop_a):
    response = manager.post("/api/v1/items/", item_body(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["net_weight"] == "3.000"
    assert body["quantity"] == 2
    assert body["price"]["gold"] == "24000000.00"
    connection.set_tenant(shop_a)
    item = Item.objects.get(sku="NEW-1")
    assert list(StockMovement.objects.filter(item=item).values_list("quantity_delta", "reason")) == [(2, "purchase")]


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"gross_weight": 3.2}, 400, "validation_error"),  # a JSON float is not a weight
        ({"stone_weight": "5.000"}, 400, "invalid_weight"),
        ({"gross_weight": "3.2001"}, 400, "validation_error"),
        ({"pricing_mode": "fixed"}, 400, "fixed_price_required"),
        ({"category_id": "00000000-0000-0000-0000-000000000000"}, 400, "validation_error"),
        ({"sku": "A-R-1"}, 409, "sku_taken"),
        ({"quantity": 2, "is_unique_piece": True}, 400, "invalid_quantity"),
    ],
)
def test_bad_item_is_refused_with_its_code(manager, world, overrides, status, code):
    response = manager.post("/api/v1/items/", item_body(world, **overrides), format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_update_changes_only_what_is_sent_and_audits_price_fields(manager, world, shop_a):
    response = manager.patch(f"/api/v1/items/{world.ring_id}/", {"name": "Rose ring", "making_value": "20"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["making_value"], body["sku"]) == ("Rose ring", "20.00", "A-R-1")
    assert body["price"]["making"] == "8000000.00"
    connection.set_tenant(shop_a)
    audit = AuditEntry.objects.get(action="inventory.item_price_change", object_id=str(world.ring_id))
    assert audit.before == {"making_value": "18.00"} and audit.after == {"making_value": "20.00"}


def test_sold_status_is_never_set_by_hand(manager, world):
    response = manager.patch(f"/api/v1/items/{world.ring_id}/", {"status": "sold"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "status"


def test_stock_adjustment_writes_the_difference_to_the_ledger(manager, world, shop_a):
    response = manager.post(f"/api/v1/items/{world.chain_id}/stock-adjustment/", {"new_quantity": 7, "note": "Counted"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() | {"movement_id": None} == {
        "item_id": str(world.chain_id), "quantity": 7, "status": "in_stock", "movement_id": None, "quantity_delta": -3,
    }
    same = manager.post(f"/api/v1/items/{world.chain_id}/stock-adjustment/", {"new_quantity": 7, "note": "Again"}, format="json")
    assert same.json()["movement_id"] is None and same.json()["quantity_delta"] == 0
    connection.set_tenant(shop_a)
    assert Item.objects.get(pk=world.chain_id).quantity == 7
    assert StockMovement.objects.filter(item_id=world.chain_id, reason="adjustment").count() == 1


def test_stock_adjustment_needs_a_note(manager, world):
    response = manager.post(f"/api/v1/items/{world.chain_id}/stock-adjustment/", {"new_quantity": 7, "note": " "}, format="json")
    assert response.status_code == 400


def test_low_stock_lists_items_at_or_below_the_threshold(manager, world):
    assert skus(manager.get("/api/v1/items/low-stock/")) == []
    assert skus(manager.get("/api/v1/items/low-stock/?threshold=10")) == ["A-C-1"]  # unique pieces are never restocked
    assert manager.get("/api/v1/items/low-stock/?threshold=-1").status_code == 400
