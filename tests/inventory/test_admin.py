"""The admin writes only through the services: audited, ledgered, validated."""
from decimal import Decimal

import pytest

from apps.core.models import AuditEntry
from apps.inventory.models import GoldRate, Item, StockMovement
from apps.inventory.services import gold_rate_set, stock_move


def item_form(category, branch, **overrides) -> dict:
    data = {
        "sku": "ADM-1", "barcode": "", "name": "Admin ring", "category": category.pk, "branch": branch.pk,
        "fineness": 750, "gross_weight": "5.250", "stone_weight": "0.250", "making_mode": "percent",
        "making_value": "18", "stone_value": "2000000", "pricing_mode": "gold_rate", "fixed_price": "",
        "cost": "0", "initial_quantity": "2",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("model", ["category", "item", "stockmovement", "goldrate", "goldratefineness"])
def test_every_list_page_renders(admin_client, make_item, owner, model):
    item = make_item()
    stock_move(item=item, delta=1, reason="purchase")
    gold_rate_set(actor=owner, base_rate=Decimal("8000000"), explicit_rates={916: Decimal("9800000")})

    response = admin_client.get(f"/admin/inventory/{model}/", {"q": "R"} if model != "goldratefineness" else {})
    assert response.status_code == 200


def test_item_added_in_admin_books_initial_stock(admin_client, category, branch):
    response = admin_client.post("/admin/inventory/item/add/", item_form(category, branch))
    assert response.status_code == 302, response.content

    item = Item.objects.get(sku="ADM-1")
    assert (item.quantity, item.net_weight, item.barcode) == (2, Decimal("5.000"), None)
    assert list(StockMovement.objects.filter(item=item).values_list("quantity_delta", "reason")) == [(2, "purchase")]


def test_bad_item_is_shown_back_with_the_error(admin_client, category, branch):
    response = admin_client.post("/admin/inventory/item/add/", item_form(category, branch, stone_weight="6"))
    assert response.status_code == 200
    assert b"exceeds gross weight" in response.content
    assert not Item.objects.filter(sku="ADM-1").exists()


def test_item_changed_in_admin_is_audited_and_keeps_its_quantity(admin_client, make_item):
    item = make_item(quantity=3)
    data = item_form(item.category, item.branch, sku=item.sku, making_value="20", quantity="99")
    data.pop("initial_quantity")

    response = admin_client.post(f"/admin/inventory/item/{item.pk}/change/", data)
    assert response.status_code == 302, response.content

    item.refresh_from_db()
    assert (item.making_value, item.quantity) == (Decimal("20"), 3)
    entry = AuditEntry.objects.get(action="inventory.item_price_change", object_id=str(item.pk))
    assert entry.after == {"making_value": "20.00"}


def test_item_deleted_in_admin_is_only_marked_deleted(admin_client, make_item):
    item, other = make_item(), make_item()  # both have a ledger row, which must not block
    response = admin_client.post(f"/admin/inventory/item/{item.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    response = admin_client.post(
        "/admin/inventory/item/", {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert list(Item.objects.filter(pk__in=[item.pk, other.pk]).values_list("is_deleted", flat=True)) == [True, True]
    assert StockMovement.objects.filter(item__in=[item, other]).count() == 2


def test_gold_rate_added_in_admin_goes_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/inventory/goldrate/add/",
        {"base_rate": "8000000", "base_fineness": "750", "effective_at": "", "source": "manual", "explicit_rates": "916=9800000\n585 = 6300000"},
    )
    assert response.status_code == 302, response.content

    rate = GoldRate.objects.get()
    assert dict(rate.fineness_rates.values_list("fineness", "rate")) == {585: Decimal("6300000"), 916: Decimal("9800000")}
    assert AuditEntry.objects.filter(action="inventory.gold_rate_set", object_id=str(rate.pk)).exists()


def test_bad_explicit_rate_is_shown_back(admin_client):
    response = admin_client.post(
        "/admin/inventory/goldrate/add/",
        {"base_rate": "8000000", "base_fineness": "750", "source": "manual", "explicit_rates": "916=-1"},
    )
    assert response.status_code == 200
    assert not GoldRate.objects.exists()


def test_gold_rate_cannot_be_changed_after_creation(admin_client, owner):
    rate = gold_rate_set(actor=owner, base_rate=Decimal("8000000"))
    page = admin_client.get(f"/admin/inventory/goldrate/{rate.pk}/change/")
    assert page.status_code == 200 and b'name="base_rate"' not in page.content

    admin_client.post(f"/admin/inventory/goldrate/{rate.pk}/change/", {"base_rate": "1", "base_fineness": "750", "source": "x"})
    rate.refresh_from_db()
    assert rate.base_rate == Decimal("8000000")

