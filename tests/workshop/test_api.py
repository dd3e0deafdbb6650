"""The workshop on the staff API: a repair from intake to its invoice, with
real JWTs; bad input is a JSON error with a code and changes nothing."""

import pytest

from apps.sales.models import Sale
from apps.workshop.models import RepairTicket
from tests.helpers import staff_client


def _intake(world, **changes) -> dict:
    body = {"branch_id": str(world.branch_id), "customer_id": str(world.customer_id), "description": "Bracelet, broken link",
            "gross_weight": "8.100", "fineness": 750, "services": [{"kind": "soldering", "price": "400000", "note": "two links"}],
            "promised_on": "2099-01-01", "deposit": {"method": "card", "amount": "100000", "reference": "slip 3"}}
    return {**body, **changes}


def test_a_repair_through_the_api_from_intake_to_invoice(world, shop_a):
    api = staff_client("a", "cashier")
    created = api.post("/api/v1/repairs/", _intake(world), format="json")
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["label"].endswith("-W-000002") and ticket["estimate"] == "400000.00" and ticket["deposit_balance"] == "100000.00"
    assert [c["to_status"] for c in ticket["changes"]] == ["received"] and ticket["deposits"][0]["reference"] == "slip 3"
    base = f"/api/v1/repairs/{ticket['id']}/"
    assert api.post(base + "status/", {"to": "ready"}, format="json").json()["error"]["code"] == "invalid_move"
    assert api.post(base + "status/", {"to": "in_work"}, format="json").status_code == 200
    metal = api.post(base + "metal/", {"weight": "-0.150", "fineness": 750, "note": "link removed"}, format="json")
    assert metal.status_code == 200 and metal.json()["metal"][0]["fine_weight"] == "-0.113"
    api.post(base + "status/", {"to": "ready"}, format="json")
    quote = api.get(base + "quote/").json()
    # 400,000 + 10% VAT, less the deposit and 0.113 fine grams at 10,666,666.6667 (1,205,333).
    assert quote == {"total": "440000.00", "rounding": "0.00", "credit": "1305333.00", "due": "-865333.00"}
    refused = api.post(base + "collect/", {"payments": [{"method": "cash", "amount": "1"}]}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_not_needed"
    done = api.post(base + "collect/", {"payout_method": "cash"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "collected"
    sale = staff_client("a", "manager").get(f"/api/v1/sales/{done.json()['sale_id']}/").json()
    assert sale["source"] == "workshop" and sale["payout_total"] == "865333.00"
    assert sorted(p["method"] for p in sale["payments"]) == ["deposit", "old_gold"]


@pytest.mark.parametrize("changes, status, code", [
    ({"gross_weight": "-1"}, 400, "validation_error"),
    ({"gross_weight": 3.25}, 400, "validation_error"),  # never a float
    ({"services": []}, 400, "validation_error"),
    ({"services": [{"kind": "welding"}]}, 400, "validation_error"),
    ({"fineness": 1001}, 400, "validation_error"),
    ({"promised_on": "2000-01-01"}, 400, "invalid_promised_on"),
    ({"deposit": {"method": "cash", "amount": "400001"}}, 409, "deposit_over_estimate"),
    ({"deposit": {"method": "cash", "amount": "10.5"}}, 409, "invalid_amount"),  # the rial has no minor unit
    ({"customer_id": "5a5d1b8e-1c5f-4f43-9d25-3f0e9c2f2b11"}, 404, "customer_not_found"),
])
def test_bad_intake_is_a_coded_error_and_saves_nothing(world, shop_a, changes, status, code):
    before = RepairTicket.objects.count()
    answer = staff_client("a", "cashier").post("/api/v1/repairs/", _intake(world, **changes), format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.content
    assert RepairTicket.objects.count() == before


def test_pickup_of_a_cancelled_ticket_is_refused(world, shop_a):
    api = staff_client("a", "cashier")
    base = f"/api/v1/repairs/{world.ticket_id}/"
    assert api.post(base + "close/", {"to": "cancelled"}, format="json").json()["error"]["code"] == "invalid_note"
    closed = api.post(base + "close/", {"to": "cancelled", "note": "no longer wanted", "deposit": "credit"}, format="json")
    assert closed.status_code == 200 and closed.json()["deposit_balance"] == "0.00"
    again = api.post(base + "collect/", {"payments": [{"method": "cash", "amount": "1150000"}]}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "ticket_not_ready")
    assert not Sale.objects.filter(source="workshop").exists()
    assert RepairTicket.objects.get(pk=world.ticket_id).status == "cancelled"


def test_the_price_list_and_craftsmen_are_the_managers(world, shop_a):
    assert staff_client("a", "cashier").post("/api/v1/repair-prices/", {"kind": "sizing", "price": "1"}, format="json").status_code == 403
    manager = staff_client("a", "manager")
    assert manager.post("/api/v1/repair-prices/", {"kind": "sizing", "price": "1750000"}, format="json").json()["price"] == "1750000.00"
    assert {p["kind"]: p["price"] for p in manager.get("/api/v1/repair-prices/").json()}["sizing"] == "1750000.00"
    assert manager.post("/api/v1/craftsmen/", {"name": "Sara"}, format="json").status_code == 201
    assert [c["name"] for c in staff_client("a", "cashier").get("/api/v1/craftsmen/").json()] == ["Sara"]
