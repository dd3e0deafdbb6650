from datetime import timedelta

from django.db import connection
from django.utils import timezone

from apps.core.models import AuditEntry
from tests.helpers import staff_client


def test_no_rate_yet_is_404_no_gold_rate(shop_a):
    response = staff_client("a", "cashier").get("/api/v1/gold-rates/current/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_gold_rate"


def test_current_rate_with_rates_by_fineness(world):
    body = staff_client("a", "cashier").get("/api/v1/gold-rates/current/").json()
    assert (body["id"], body["base_rate"], body["base_fineness"]) == (str(world.gold_rate_id), "8000000.000000", 750)
    rates = {r["fineness"]: r["rate"] for r in body["rates"]}
    assert rates[750] == "8000000.0000"
    assert rates[999] == "10656000.0000"  # scaled by purity
    assert rates[916] == "9770666.6667"


def test_setting_todays_rate_makes_it_current_keeps_history_and_reprices(world, shop_a):
    manager = staff_client("a", "manager")
    response = manager.post(
        "/api/v1/gold-rates/", {"base_rate": "8500000", "explicit_rates": [{"fineness": 999, "rate": "11400000"}]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["set_by"] == "manager@shop-a.test"
    assert body["explicit_rates"] == [{"fineness": 999, "rate": "11400000.0000"}]
    assert {r["fineness"]: r["rate"] for r in body["rates"]}[999] == "11400000.0000"  # explicit wins over scaling

    assert manager.get("/api/v1/gold-rates/current/").json()["id"] == body["id"]
    history = manager.get("/api/v1/gold-rates/").json()["results"]
    assert [r["id"] for r in history] == [body["id"], str(world.gold_rate_id)]
    assert manager.get(f"/api/v1/items/{world.ring_id}/").json()["price"]["gold"] == "42500000.00"
    connection.set_tenant(shop_a)
    assert AuditEntry.objects.filter(action="inventory.gold_rate_set", object_id=body["id"]).exists()


def test_a_rate_set_for_later_is_not_current_yet(world):
    owner = staff_client("a", "owner")
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    assert owner.post("/api/v1/gold-rates/", {"base_rate": "9000000", "effective_at": later}, format="json").status_code == 201
    assert owner.get("/api/v1/gold-rates/current/").json()["id"] == str(world.gold_rate_id)


def test_bad_rates_are_400(world):
    owner = staff_client("a", "owner")
    for body in ({"base_rate": "0"}, {"base_rate": 8500000.5}, {"base_rate": "8500000", "base_fineness": 1001},
                 {"base_rate": "8500000", "explicit_rates": [{"fineness": 999, "rate": "1"}, {"fineness": 999, "rate": "2"}]}):
        response = owner.post("/api/v1/gold-rates/", body, format="json")
        assert response.status_code == 400, (body, response.content)
