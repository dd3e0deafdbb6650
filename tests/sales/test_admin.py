"""The sales admin shows everything and changes nothing."""
from decimal import Decimal

import pytest

from apps.customers.services import customer_create
from apps.sales.reversals import sale_return
from apps.sales.services import LineInput, TradeInInput


@pytest.fixture
def sales(make_item, gold_rate, sell, manager):
    customer = customer_create(full_name="نرگس کریمی", phone="09127654321")
    first = sell(make_item(), customer=customer, receipt_number="B1T1-000042",
                 trade_ins=[TradeInInput(weight=Decimal("1.000"), fineness=750)])
    second = sell(None, lines=[LineInput(item_id=make_item(quantity=2).pk, quantity=2)])
    sale_return(actor=manager, sale=second, lines=[(second.lines.get().pk, 1)], reason="too big")
    return first, second


def listed(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("model", ["sale", "saleline", "payment", "tradein", "return", "returnline", "invoicecounter"])
def test_every_list_page_renders_and_searches(admin_client, sales, model, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):  # no query per row
        listed(admin_client.get(f"/admin/sales/{model}/"))
    if model != "invoicecounter":
        listed(admin_client.get(f"/admin/sales/{model}/", {"q": "B1T1-000042"}))


def test_sale_search_by_invoice_receipt_and_phone(admin_client, sales):
    first, second = sales

    def found(q) -> set:
        response = admin_client.get("/admin/sales/sale/", {"q": q})
        return {s.pk for s in response.context["cl"].result_list}

    assert found(str(second.invoice_number)) == {second.pk}
    assert found("b1t1-000042") == {first.pk}
    assert found("0912 765 4321") == {first.pk}
    assert found("۰۹۱۲۷۶۵") == {first.pk}  # Persian digits
    assert found("no such thing") == set()


def test_sale_filters(admin_client, sales, branch):
    first, second = sales
    response = admin_client.get("/admin/sales/sale/", {"status__exact": "partially_returned"})
    assert {s.pk for s in response.context["cl"].result_list} == {second.pk}
    response = admin_client.get("/admin/sales/sale/", {"branch__id__exact": str(branch.pk), "source__exact": "web"})
    assert {s.pk for s in response.context["cl"].result_list} == {first.pk, second.pk}


def test_everything_is_read_only(admin_client, sales):
    first, _ = sales
    page = listed(admin_client.get(f"/admin/sales/sale/{first.pk}/change/"))
    assert first.lines.get().item.sku in page  # the lines are shown inline
    assert admin_client.get("/admin/sales/sale/add/").status_code == 403
    assert admin_client.post(f"/admin/sales/sale/{first.pk}/delete/").status_code == 403
    response = admin_client.post(f"/admin/sales/sale/{first.pk}/change/", {"status": "voided"})
    assert response.status_code == 403
    first.refresh_from_db()
    assert first.status == "completed"


def test_a_manager_may_look(client_a, sales, manager):
    client_a.force_login(manager)
    assert client_a.get("/admin/sales/sale/").status_code == 200
