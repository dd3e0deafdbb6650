import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from apps.branches.models import Branch
from apps.core.models import IdempotencyKey, OutboxEvent
from apps.inventory.models import Item, StockMovement
from apps.inventory.services import category_create, item_create
from apps.sales.models import InvoiceCounter, Sale
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.conftest import run_committed
from tests.helpers import at_once, staff, staff_client
from tests.world import CHAIN

RING_TOTAL = "53754400.00"
CHAIN_TOTAL = "1100000.00"  # 1,000,000 fixed + 10% VAT


def sale_body(world, **overrides):
    body = {
        "branch_id": str(world.branch_id),
        "customer_id": str(world.customer_id),
        "lines": [{"item_id": str(world.ring_id)}, {"item_id": str(world.chain_id), "quantity": 2}],
        "payments": [{"method": "card", "amount": "50000000", "reference": "slip 17"}, {"method": "cash", "amount": "5954400"}],
    }
    return {**body, **overrides}


def test_quote_tells_what_the_payments_must_add_up_to(cashier, world):
    response = cashier.post("/api/v1/sales/quote/", {"lines": sale_body(world)["lines"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [line["total"] for line in body["lines"]] == [RING_TOTAL, "2200000.00"]
    assert (body["total"], body["credit"], body["due"]) == ("55954400.00", "0.00", "55954400.00")


def test_cashier_sells_online_through_sale_create(cashier, world, shop_a):
    response = cashier.post("/api/v1/sales/", sale_body(world), format="json")
    assert response.status_code == 201, response.content
    sale = response.json()
    assert (sale["source"], sale["status"], sale["cashier"], sale["total"]) == ("api", "completed", "cashier@shop-a.test", "55954400.00")
    assert sale["customer"]["id"] == str(world.customer_id)
    assert [(line["sku"], line["quantity"], line["total"]) for line in sale["lines"]] == [
        ("A-R-1", 1, RING_TOTAL), ("A-C-1", 2, "2200000.00")]
    assert sorted((p["method"], p["amount"]) for p in sale["payments"]) == [("card", "50000000.00"), ("cash", "5954400.00")]
    connection.set_tenant(shop_a)
    assert Item.objects.get(pk=world.ring_id).status == "sold"
    assert Item.objects.get(pk=world.chain_id).quantity == 8
    assert cashier.get(f"/api/v1/sales/{sale['id']}/").json() == sale


def test_old_gold_is_credited_from_trade_ins(cashier, world):
    body = sale_body(world, lines=[{"item_id": str(world.chain_id)}], trade_ins=[{"weight": "0.100", "fineness": 750}])
    quote = cashier.post("/api/v1/sales/quote/", {"lines": body["lines"], "trade_ins": body["trade_ins"]}, format="json").json()
    body["payments"] = [{"method": "cash", "amount": quote["due"]}]
    response = cashier.post("/api/v1/sales/", body, format="json")
    assert response.status_code == 201, response.content
    sale = response.json()
    assert sale["trade_ins"][0]["value"] == quote["credit"]
    assert {p["method"] for p in sale["payments"]} == {"old_gold", "cash"}


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"payments": [{"method": "cash", "amount": "1"}]}, 400, "payment_mismatch"),
        ({"payments": [{"method": "cash", "amount": 55954400.0}]}, 400, "validation_error"),  # money is never a float
        ({"payments": [{"method": "old_gold", "amount": "55954400"}]}, 400, "validation_error"),
        ({"lines": []}, 400, "validation_error"),
        ({"lines": [{"item_id": str(uuid.uuid4())}]}, 404, "item_not_found"),
        ({"customer_id": str(uuid.uuid4())}, 400, "validation_error"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, 400, "invalid_occurred_at"),
    ],
)
def test_bad_sales_are_refused_and_change_nothing(cashier, world, shop_a, overrides, status, code):
    response = cashier.post("/api/v1/sales/", sale_body(world, **overrides), format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    connection.set_tenant(shop_a)
    assert Sale.objects.count() == 1


def test_a_piece_already_sold_is_409(cashier, world):
    assert cashier.post("/api/v1/sales/", sale_body(world), format="json").status_code == 201
    again = cashier.post("/api/v1/sales/", sale_body(world), format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "item_unavailable"


def test_cashier_discount_over_the_limit_is_403(cashier, world):
    lines = [{"item_id": str(world.chain_id), "discount": "500000"}]
    response = cashier.post("/api/v1/sales/", sale_body(world, lines=lines, payments=[{"method": "cash", "amount": "600000"}]), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "discount_over_limit"


def sale_in(world, shop_a, *, days_ago: int, role: str = "cashier", branch_name: str = "Bazaar", status: str = "completed"):
    """A sale of one chain `days_ago` days back, made through the service."""
    connection.set_tenant(shop_a)
    branch = Branch.objects.get(name=branch_name)
    item = Item.objects.get(pk=world.chain_id)
    if item.branch_id != branch.pk:
        item = item_create(**CHAIN, sku=f"C-{uuid.uuid4().hex[:6]}", category=item.category, branch=branch, actor=staff("a", "owner"))
    lines = [LineInput(item_id=item.pk)]
    sale = sale_create(actor=staff("a", role), branch=branch, lines=lines, occurred_at=timezone.now() - timedelta(days=days_ago),
                       payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])
    if status == "voided":
        from apps.sales.reversals import sale_void

        sale_void(actor=staff("a", "manager"), sale=sale, reason="test")
    return str(sale.pk)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["results"]]


def test_list_filters_by_date_branch_cashier_and_status(cashier, world, shop_a):
    old = sale_in(world, shop_a, days_ago=10, role="manager")
    voided = sale_in(world, shop_a, days_ago=3, status="voided")
    elsewhere = sale_in(world, shop_a, days_ago=1, branch_name="Main")
    today = str(world.sale_id)
    assert ids(cashier.get("/api/v1/sales/")) == [today, elsewhere, voided, old]

    day = timezone.localdate(timezone.now() - timedelta(days=10), ZoneInfo(shop_a.timezone))  # the API's days are the shop's
    assert ids(cashier.get("/api/v1/sales/", {"date_from": str(day), "date_to": str(day)})) == [old]
    assert ids(cashier.get("/api/v1/sales/", {"date_from": str(day + timedelta(days=1))})) == [today, elsewhere, voided]
    assert ids(cashier.get("/api/v1/sales/", {"branch": str(world.branch_id)})) == [today, voided, old]
    connection.set_tenant(shop_a)
    manager_id = staff("a", "manager").pk
    assert ids(cashier.get("/api/v1/sales/", {"cashier": manager_id})) == [old]
    assert ids(cashier.get("/api/v1/sales/", {"status": "voided"})) == [voided]
    assert ids(cashier.get("/api/v1/sales/", {"customer": str(world.customer_id)})) == [today]


@pytest.mark.parametrize("query", ["date_from=yesterday", "status=lost", "cashier=abc", "branch=1"])
def test_bad_sale_filters_are_400(cashier, query):
    response = cashier.get(f"/api/v1/sales/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_void_puts_the_stock_back(manager, world, shop_a):
    response = manager.post(f"/api/v1/sales/{world.sale_id}/void/", {"reason": "Wrong ring"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["voided_by"], body["void_reason"]) == ("voided", "manager@shop-a.test", "Wrong ring")
    connection.set_tenant(shop_a)
    sold_item = Sale.objects.get(pk=world.sale_id).lines.get().item
    assert (sold_item.quantity, sold_item.status) == (1, "in_stock")
    again = manager.post(f"/api/v1/sales/{world.sale_id}/void/", {"reason": "Twice"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "sale_already_voided"


def test_return_refunds_and_restocks(manager, world, shop_a):
    body = {"lines": [{"sale_line_id": str(world.sale_line_id), "quantity": 1}], "reason": "Too small"}
    response = manager.post(f"/api/v1/sales/{world.sale_id}/returns/", body, format="json")
    assert response.status_code == 201, response.content
    returned = response.json()
    assert (returned["sale_id"], returned["refund_total"], returned["actor"]) == (str(world.sale_id), RING_TOTAL, "manager@shop-a.test")
    assert returned["lines"] == [{"sale_line_id": str(world.sale_line_id), "quantity": 1, "amount": RING_TOTAL}]
    sale = manager.get(f"/api/v1/sales/{world.sale_id}/").json()
    assert sale["status"] == "returned"
    assert [r["id"] for r in sale["returns"]] == [returned["id"]]
    assert sale["lines"][0]["returned_quantity"] == 1
    more = manager.post(f"/api/v1/sales/{world.sale_id}/returns/", body, format="json")
    assert more.status_code == 409
    assert more.json()["error"]["code"] == "return_exceeds_sold"


def test_return_of_a_line_of_another_sale_is_404(manager, world):
    body = {"lines": [{"sale_line_id": str(uuid.uuid4()), "quantity": 1}], "reason": "?"}
    response = manager.post(f"/api/v1/sales/{world.sale_id}/returns/", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "sale_line_not_found"


def test_replayed_sale_post_returns_the_same_sale(cashier, world, shop_a):
    first = cashier.post("/api/v1/sales/", sale_body(world), format="json", HTTP_IDEMPOTENCY_KEY="till-7-0001")
    second = cashier.post("/api/v1/sales/", sale_body(world), format="json", HTTP_IDEMPOTENCY_KEY="till-7-0001")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    connection.set_tenant(shop_a)
    assert Sale.objects.count() == 2  # the world's sale and this one


# --------------------------------------------------------------------------
# one Idempotency-Key from eight threads at once: one sale
# --------------------------------------------------------------------------


def _committed_chain(shop) -> Item:
    """Twenty fixed-price chains in their own category, committed."""
    connection.set_tenant(shop)
    category = category_create(name=f"Race {uuid.uuid4().hex[:8]}")
    return item_create(**CHAIN, sku=f"RACE-{uuid.uuid4().hex[:10]}", category=category, branch=Branch.objects.get(name="Bazaar"),
                       actor=staff("a", "owner"), quantity=20)


def _outcome(shop, chain: Item) -> tuple[int, int]:
    connection.set_tenant(shop)
    return Sale.objects.filter(lines__item=chain).count(), Item.objects.get(pk=chain.pk).quantity


def _clean(shop, chain: Item, key: str) -> None:
    connection.set_tenant(shop)
    sales = Sale.objects.filter(lines__item=chain)
    OutboxEvent.objects.filter(payload__sale_id__in=[str(pk) for pk in sales.values_list("pk", flat=True)]).delete()
    sales.delete()
    StockMovement.objects.filter(item=chain).delete()
    IdempotencyKey.objects.filter(key=key).delete()
    chain.delete()
    chain.category.delete()
    if not Sale.objects.filter(branch_id=chain.branch_id).exists():  # numbering starts again at 1, as before
        InvoiceCounter.objects.filter(branch_id=chain.branch_id).delete()


def test_concurrent_posts_with_one_key_make_one_sale(shop_a, django_db_blocker):
    key = f"race-{uuid.uuid4()}"
    with django_db_blocker.unblock():
        chain = run_committed(_committed_chain, shop_a)
        try:
            client = run_committed(staff_client, "a", "cashier")
            body = {"branch_id": str(chain.branch_id), "lines": [{"item_id": str(chain.pk)}],
                    "payments": [{"method": "cash", "amount": "1100000"}]}

            def fire():
                response = client.post("/api/v1/sales/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
                return response.status_code, response.json()

            results = at_once(fire, times=8)
            sales, quantity = run_committed(_outcome, shop_a, chain)
        finally:
            run_committed(_clean, shop_a, chain, key)

    assert len(results) == 8
    assert {code for code, _ in results} <= {201, 409}, results
    assert len({body["id"] for code, body in results if code == 201}) == 1  # every 201 is the one sale (a replay)
    assert all(body["error"]["code"] == "idempotency_in_progress" for code, body in results if code == 409)
    assert (sales, quantity) == (1, 19)
