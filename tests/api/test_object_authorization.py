"""
Broken object level authorisation: shop A's staff never reach shop B's
records. For every endpoint with an id in its path (taken from the
permission matrix, so a new one is covered too), shop B's id on shop A's
host is 404 and shop A's token on shop B's host is 401; neither answer
carries any of B's data, and nothing of B's changes.
"""
import pytest
from django.db import connection

from apps.inventory.models import Item
from apps.sales.models import Sale
from apps.workshop.models import RepairTicket
from tests.api.test_permissions import ROWS, body_for, url_for
from tests.helpers import staff_client

DETAIL_ROWS = [(method, path) for method, path, _ in ROWS if "{" in path]


def state_of(world, shop) -> tuple:
    connection.set_tenant(shop)
    ring, sale = Item.objects.get(pk=world.ring_id), Sale.objects.get(pk=world.sale_id)
    ticket = RepairTicket.objects.get(pk=world.ticket_id)
    return (ring.name, ring.quantity, sale.status, sale.lines.get().returned_quantity, ticket.status, ticket.deposit_balance,
            ticket.metal.count())


def assert_no_data_of(response, world_b):
    text = response.content.decode()
    assert set(response.json()) == {"error"}
    for value in ("B-R-1", "B-C-1", "+989121234568", "53754400"):
        assert value not in text


def test_detail_endpoints_are_all_covered():
    assert len(DETAIL_ROWS) == 24


def unknown_ids(world_b):
    """The same world with ids no shop has."""
    from dataclasses import replace
    from uuid import uuid4

    return replace(world_b, terminal_id=uuid4(), ring_id=uuid4(), customer_id=uuid4(), sale_id=uuid4(), sale_line_id=uuid4(),
                   staff_id=999_999_999, ticket_id=uuid4())


@pytest.mark.parametrize("method, path", DETAIL_ROWS, ids=[f"{m} {p}" for m, p in DETAIL_ROWS])
def test_shop_b_ids_on_shop_a_host_are_404(world, world_b, shop_b, method, path):
    before = state_of(world_b, shop_b)
    client = staff_client("a", "owner")
    response = getattr(client, method.lower())(url_for(path, world_b), body_for(method, path, "owner", world_b), format="json")
    assert response.status_code == 404, response.content
    assert_no_data_of(response, world_b)
    assert state_of(world_b, shop_b) == before
    # Indistinguishable from an id no shop has: B's records do not even show they exist.
    unknown = unknown_ids(world_b)
    other = getattr(client, method.lower())(url_for(path, unknown), body_for(method, path, "owner", unknown), format="json")
    other_text = other.content.decode()
    for real, fake in zip((world_b.terminal_id, world_b.ring_id, world_b.customer_id, world_b.sale_id, world_b.staff_id, world_b.ticket_id),
                          (unknown.terminal_id, unknown.ring_id, unknown.customer_id, unknown.sale_id, unknown.staff_id, unknown.ticket_id)):
        other_text = other_text.replace(str(fake), str(real))
    assert (other.status_code, other_text) == (response.status_code, response.content.decode())


@pytest.mark.parametrize("method, path", DETAIL_ROWS, ids=[f"{m} {p}" for m, p in DETAIL_ROWS])
def test_shop_a_token_on_shop_b_host_is_401(world, world_b, shop_b, method, path):
    before = state_of(world_b, shop_b)
    client = staff_client("b", None)
    client.credentials(**staff_client("a", "owner")._credentials)
    response = getattr(client, method.lower())(url_for(path, world_b), body_for(method, path, "owner", world_b), format="json")
    assert response.status_code == 401, response.content
    assert_no_data_of(response, world_b)
    assert state_of(world_b, shop_b) == before


def test_ids_of_shop_b_inside_a_body_are_unknown_on_shop_a(world, world_b):
    client = staff_client("a", "owner")
    sale = {"branch_id": str(world.branch_id), "lines": [{"item_id": str(world_b.chain_id)}],
            "payments": [{"method": "cash", "amount": "1100000"}]}
    assert client.post("/api/v1/sales/", sale, format="json").status_code == 404
    sale = {**sale, "lines": [{"item_id": str(world.chain_id)}], "customer_id": str(world_b.customer_id)}
    assert client.post("/api/v1/sales/", sale, format="json").status_code == 400
    item = {"sku": "X-1", "name": "X", "category_id": str(world_b.category_id), "branch_id": str(world.branch_id),
            "fineness": 750, "gross_weight": "1.000"}
    assert client.post("/api/v1/items/", item, format="json").status_code == 400
    assert client.get("/api/v1/sales/", {"customer": str(world_b.customer_id)}).json()["results"] == []
    assert client.get("/api/v1/items/", {"category": str(world_b.category_id)}).json()["results"] == []
