from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from apps.branches.models import Branch
from apps.inventory.models import Item
from apps.review.models import ReviewItem
from apps.sales.models import Sale
from apps.sales.reversals import sale_void
from apps.sales.services import LineInput, PaymentInput, sale_create
from tests.helpers import staff, staff_client
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, push, sale_payload


def sell_chains(*, quantity: int, payments, days_ago: int = 0, void: bool = False):
    chain = Item.objects.get(sku="A-C-1")
    sale = sale_create(actor=staff("a", "manager"), branch=Branch.objects.get(name="Bazaar"),
                       lines=[LineInput(item_id=chain.pk, quantity=quantity)], payments=payments,
                       occurred_at=timezone.now() - timedelta(days=days_ago))
    if void:
        sale_void(actor=staff("a", "manager"), sale=sale, reason="test")
    return sale


def test_dashboard_shows_today_at_a_glance(world, shop_a):
    connection.set_tenant(shop_a)
    sell_chains(quantity=2, payments=[PaymentInput(method="card", amount=2000000), PaymentInput(method="cash", amount=200000)])
    sell_chains(quantity=1, payments=[PaymentInput(method="cash", amount=1100000)], void=True)  # voids never count
    sell_chains(quantity=1, payments=[PaymentInput(method="cash", amount=1100000)], days_ago=2)  # not today
    device = enrol_device(shop_a, name="Counter 9", branch_name="Bazaar")
    bad = sale_payload([(Item.objects.get(sku="A-C-1"), None, 1)])
    bad["lines"][0]["item_id"] = "00000000-0000-0000-0000-000000000000"
    assert push(pos_client("a", device.token), [op(1, bad)]).json()["results"][0]["status"] == "rejected"
    connection.set_tenant(shop_a)
    assert ReviewItem.objects.filter(status="open").count() == 1

    body = staff_client("a", "manager").get("/api/v1/dashboard/", {"low_stock_threshold": 7}).json()
    assert body["date"] == str(timezone.localdate(timezone=ZoneInfo("Asia/Tehran")))
    assert (body["sales_count"], body["sales_total"]) == (2, "55954400.00")  # the world's ring and two chains
    assert body["by_payment_method"] == [
        {"method": "cash", "count": 2, "amount": "53954400.00"},
        {"method": "card", "count": 1, "amount": "2000000.00"},
    ]
    assert [(i["sku"], i["quantity"], i["total"]) for i in body["top_items"]] == [
        ("A-C-1", 2, "2200000.00"), ("A-R-2", 1, "53754400.00")]
    assert (body["low_stock_threshold"], body["low_stock_count"]) == (7, 1)  # 10 - 2 - 1 chains left: 7
    assert body["pending_sync_conflicts"] == 1


def test_dashboard_of_one_branch(world):
    manager = staff_client("a", "manager")
    main = next(b["id"] for b in manager.get("/api/v1/branches/").json()["results"] if b["name"] == "Main")
    body = manager.get("/api/v1/dashboard/", {"branch": main}).json()
    assert (body["sales_count"], body["sales_total"], body["top_items"]) == (0, "0.00", [])


def test_voided_today_counts_nothing(world, shop_a):
    connection.set_tenant(shop_a)
    sale_void(actor=staff("a", "manager"), sale=Sale.objects.get(pk=world.sale_id), reason="test")
    body = staff_client("a", "owner").get("/api/v1/dashboard/").json()
    assert (body["sales_count"], body["sales_total"], body["by_payment_method"]) == (0, "0.00", [])
