"""One low-stock threshold, the shop's setting: the dashboard page, the
low-stock report, the dashboard API and the items' low-stock API all follow
it; an API caller may still ask for another."""
import re

import pytest

from apps.core.models import AuditEntry
from apps.tenancy.models import LOW_STOCK_THRESHOLD_DEFAULT, Tenant
from tests.helpers import staff_client, text


@pytest.fixture
def stock(make_item):
    """Restockable items with 1 to 4 pieces left."""
    return {n: make_item(sku=f"LOW-{n}", quantity=n) for n in (1, 2, 3, 4)}


def low_on_the_dashboard(client) -> set[str]:
    card = text(client.get("/")).split('id="low-stock"', 1)[1].split("</section>", 1)[0]
    return set(re.findall(r"LOW-\d", card))


def low_in_the_report(client, **params) -> set[str]:
    return set(re.findall(r"LOW-\d", text(client.get("/reports/low-stock/", params))))


def low_in_the_apis(**params) -> tuple[int, int, set[str]]:
    api = staff_client("a", "manager")
    board = api.get("/api/v1/dashboard/", {"low_stock_threshold": params["threshold"]} if params else {}).json()
    items = api.get("/api/v1/items/low-stock/", params).json()["results"]
    return board["low_stock_threshold"], board["low_stock_count"], {i["sku"] for i in items if i["sku"].startswith("LOW-")}


def set_threshold(client, value) -> None:
    response = client.post("/settings/", {"settings": "stock", "low_stock_threshold": str(value)})
    assert response.status_code == 302, text(response)


def test_a_new_shop_warns_at_two_pieces_everywhere(as_manager, stock, shop):
    assert Tenant._meta.get_field("low_stock_threshold").default == LOW_STOCK_THRESHOLD_DEFAULT == 2
    assert shop.low_stock_threshold == 2
    assert low_on_the_dashboard(as_manager) == low_in_the_report(as_manager) == {"LOW-1", "LOW-2"}
    assert low_in_the_apis() == (2, 2, {"LOW-1", "LOW-2"})


def test_the_page_and_the_apis_follow_the_shops_setting(as_owner, as_manager, stock, shop, owner):
    set_threshold(as_owner, 3)
    shop.refresh_from_db()
    assert shop.low_stock_threshold == 3
    entry = AuditEntry.objects.get(action="tenancy.shop_low_stock_threshold_set")
    assert (entry.before, entry.after, entry.actor) == ({"low_stock_threshold": 2}, {"low_stock_threshold": 3}, owner)
    assert 'value="3"' in text(as_owner.get("/settings/"))

    assert low_on_the_dashboard(as_manager) == low_in_the_report(as_manager) == {"LOW-1", "LOW-2", "LOW-3"}
    assert low_in_the_apis() == (3, 3, {"LOW-1", "LOW-2", "LOW-3"})

    set_threshold(as_owner, 1)
    assert low_on_the_dashboard(as_manager) == low_in_the_report(as_manager) == {"LOW-1"}
    assert low_in_the_apis() == (1, 1, {"LOW-1"})


def test_an_explicit_threshold_still_wins(as_owner, as_manager, stock):
    set_threshold(as_owner, 1)
    assert low_in_the_report(as_manager, threshold=4) == {"LOW-1", "LOW-2", "LOW-3", "LOW-4"}
    assert low_in_the_apis(threshold=4) == (4, 4, {"LOW-1", "LOW-2", "LOW-3", "LOW-4"})


def test_only_an_owner_sets_it_and_only_to_a_sensible_number(as_owner, as_manager, shop):
    assert as_manager.post("/settings/", {"settings": "stock", "low_stock_threshold": "5"}).status_code == 403
    response = as_owner.post("/settings/", {"settings": "stock", "low_stock_threshold": "-1"})
    assert response.status_code == 200 and 'id="stock-settings"' in text(response)
    shop.refresh_from_db()
    assert shop.low_stock_threshold == 2


def test_the_report_reads_one_page_of_items_from_the_database(as_manager, stock, monkeypatch):
    """A shop with thousands of items low on stock: the page reads its rows
    (LIMIT), lowest first; the CSV still holds them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.reports import views

    monkeypatch.setattr(views, "REPORT_ROWS_PER_PAGE", 2)
    with CaptureQueriesContext(connection) as queries:
        second = text(as_manager.get("/reports/low-stock/", {"threshold": 4, "page": 2}))
    reads = [q["sql"] for q in queries if 'FROM "inventory_item"' in q["sql"] and "LIMIT" in q["sql"]]
    assert reads and all("LIMIT 2" in sql for sql in reads), reads
    assert set(re.findall(r"LOW-\d", second)) == {"LOW-3", "LOW-4"}
    exported = as_manager.get("/reports/low-stock/", {"threshold": 4, "format": "csv"}).getvalue().decode("utf-8-sig")
    assert set(re.findall(r"LOW-\d", exported)) == {"LOW-1", "LOW-2", "LOW-3", "LOW-4"}
