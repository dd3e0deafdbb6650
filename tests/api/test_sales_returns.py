"""The staff API: a return's refund method and document number; store
credit as a payment; old gold worth more than the sale paid out."""
from decimal import Decimal

from django.db import connection

from apps.customers.credit import store_credit_post
from apps.customers.models import Customer
from tests.api.test_sales import RING_TOTAL, sale_body


def test_a_return_is_refunded_as_store_credit_and_numbered(manager, world, shop_a):
    body = {"lines": [{"sale_line_id": str(world.sale_line_id), "quantity": 1}], "reason": "Too small"}
    bad = manager.post(f"/api/v1/sales/{world.sale_id}/returns/", {**body, "refund_method": "voucher"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    response = manager.post(f"/api/v1/sales/{world.sale_id}/returns/", {**body, "refund_method": "store_credit"}, format="json")
    assert response.status_code == 201, response.content
    returned = response.json()
    assert (returned["refund_method"], returned["refund_total"]) == ("store_credit", RING_TOTAL)
    assert returned["label"].endswith(f"-R-{returned['number']:06d}")
    connection.set_tenant(shop_a)
    assert Customer.objects.get(pk=world.customer_id).credit_balance == Decimal(RING_TOTAL)
    sale = manager.get(f"/api/v1/sales/{world.sale_id}/").json()
    assert sale["returns"][0]["label"] == returned["label"]


def test_store_credit_pays_through_the_api_and_is_checked(cashier, world, shop_a):
    connection.set_tenant(shop_a)
    store_credit_post(customer=Customer.objects.get(pk=world.customer_id), amount=Decimal("5954400"), reason="refund",
                      reference="return:api-seed")
    payments = [{"method": "card", "amount": "50000000"}, {"method": "store_credit", "amount": "5954400"}]
    walk_in = cashier.post("/api/v1/sales/", sale_body(world, customer_id=None, payments=payments), format="json")
    assert walk_in.status_code == 400 and walk_in.json()["error"]["code"] == "store_credit_needs_customer"
    ok = cashier.post("/api/v1/sales/", sale_body(world, payments=payments), format="json")
    assert ok.status_code == 201, ok.content
    connection.set_tenant(shop_a)
    assert Customer.objects.get(pk=world.customer_id).credit_balance == 0
    again = cashier.post("/api/v1/sales/", sale_body(world, lines=[{"item_id": str(world.chain_id)}],
                                                     payments=[{"method": "store_credit", "amount": "1100000"}]), format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "insufficient_credit"


def test_old_gold_worth_more_is_paid_out_through_the_api(cashier, world, shop_a):
    body = sale_body(world, lines=[{"item_id": str(world.chain_id)}], trade_ins=[{"weight": "5", "fineness": 750}], payments=[])
    refused = cashier.post("/api/v1/sales/", body, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "payout_method_required"
    response = cashier.post("/api/v1/sales/", {**body, "payout_method": "store_credit"}, format="json")
    assert response.status_code == 201, response.content
    sale = response.json()
    owed = Decimal(sale["payout_total"])
    assert owed > 0 and Decimal(sale["paid_total"]) - owed == Decimal(sale["total"])
    connection.set_tenant(shop_a)
    assert Customer.objects.get(pk=world.customer_id).credit_balance == owed
