"""A changed price or item is never served stale: the API's list and detail,
the inventory page and the counter show a new gold rate, a shop's new VAT
and an edited item on the very next request (what a cache keyed on the wrong
thing would get wrong)."""
from decimal import Decimal

from django.db import connection

from apps.inventory.models import Item
from apps.inventory.services import gold_rate_set, item_update
from tests.helpers import logged_in, staff, staff_client


def _api_prices(client, item_id) -> tuple[str, str]:
    listed = next(row for row in client.get("/api/v1/items/?page_size=200").json()["results"] if row["id"] == str(item_id))
    return listed["price"]["total"], client.get(f"/api/v1/items/{item_id}/").json()["price"]["total"]


def test_a_new_rate_a_new_vat_and_an_edited_item_show_at_once(world, shop_a):
    api, page = staff_client("a", "owner"), logged_in(staff("a", "owner"))
    first = _api_prices(api, world.ring_id)
    assert first[0] == first[1]

    connection.set_tenant(shop_a)
    gold_rate_set(actor=staff("a", "manager"), base_rate=Decimal(9_000_000))
    after_rate = _api_prices(api, world.ring_id)
    assert after_rate[0] == after_rate[1] and Decimal(after_rate[0]) > Decimal(first[0])

    connection.set_tenant(shop_a)
    shop_a.vat_percent += Decimal(5)
    shop_a.save()
    after_vat = _api_prices(api, world.ring_id)
    assert after_vat[0] == after_vat[1] and Decimal(after_vat[0]) > Decimal(after_rate[0])

    connection.set_tenant(shop_a)
    ring = Item.objects.get(pk=world.ring_id)
    item_update(actor=staff("a", "owner"), item=ring, name="Ring, renamed", making_value=ring.making_value + 5)
    after_edit = _api_prices(api, world.ring_id)
    assert after_edit[0] == after_edit[1] and Decimal(after_edit[0]) > Decimal(after_vat[0])
    assert api.get(f"/api/v1/items/{world.ring_id}/").json()["name"] == "Ring, renamed"
    assert "Ring, renamed" in page.get(f"/inventory/{world.ring_id}/").content.decode()
    assert "Ring, renamed" in page.get("/inventory/?q=renamed").content.decode()

    quote = api.post("/api/v1/sales/quote/", {"branch_id": str(world.branch_id), "lines": [{"item_id": str(world.ring_id)}]},
                     format="json")
    assert quote.status_code == 200 and quote.json()["lines"][0]["total"] == after_edit[0]


def test_a_new_rate_s_explicit_fineness_rates_show_at_once(world, shop_a):
    """A board row's explicit rates are read once per process (rows never
    change); each new row is a new read."""
    api = staff_client("a", "owner")
    connection.set_tenant(shop_a)
    fineness = Item.objects.get(pk=world.ring_id).fineness
    manager = staff("a", "manager")
    gold_rate_set(actor=manager, base_rate=Decimal(9_000_000))
    scaled = _api_prices(api, world.ring_id)
    connection.set_tenant(shop_a)
    gold_rate_set(actor=manager, base_rate=Decimal(9_000_000), explicit_rates={fineness: Decimal(20_000_000)})
    explicit = _api_prices(api, world.ring_id)
    assert explicit[0] == explicit[1] and Decimal(explicit[0]) > Decimal(scaled[0])
    connection.set_tenant(shop_a)
    gold_rate_set(actor=manager, base_rate=Decimal(9_000_000))
    assert _api_prices(api, world.ring_id) == scaled
