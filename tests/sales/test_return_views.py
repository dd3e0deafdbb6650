"""The return pages (form, document, PDF), and the counter's store credit and old-gold payout, as a browser without
JavaScript and an API client would use them."""
from decimal import Decimal

import pytest

from apps.customers.credit import store_credit_post
from apps.customers.services import customer_create
from apps.sales.models import Return, Sale
from apps.sales.services import LineInput, TradeInInput, sale_quote
from tests.helpers import fresh, text
from tests.vectors import RING_TOTAL


@pytest.fixture
def buyer(shop):
    return customer_create(full_name="Sara Karimi", phone="09127654321")


def _qty(line) -> str:
    return f"qty-{line.pk}"


def test_the_invoice_offers_a_return_to_those_who_may_take_one(as_manager, as_cashier, make_item, gold_rate, sell):
    sale = sell(make_item())
    assert f"/sales/{sale.pk}/return/" in text(as_manager.get(f"/sales/{sale.pk}/"))
    assert f"/sales/{sale.pk}/return/" not in text(as_cashier.get(f"/sales/{sale.pk}/"))
    assert as_cashier.get(f"/sales/{sale.pk}/return/").status_code == 403


def test_a_return_from_the_page_makes_a_document_with_its_pdf(as_manager, make_item, gold_rate, sell, buyer):
    ring = make_item(quantity=3)
    sale = sell(ring, quantity=3, customer=buyer)
    line = sale.lines.get()
    form = text(as_manager.get(f"/sales/{sale.pk}/return/"))
    assert _qty(line) in form and 'value="store_credit"' in form

    response = as_manager.post(f"/sales/{sale.pk}/return/", {_qty(line): "۲", "reason": "too small", "refund_method": "store_credit"})
    taken = Return.objects.get(sale=sale)
    assert response.status_code == 302 and response["Location"] == f"/sales/returns/{taken.pk}/"
    assert (taken.refund_method, taken.refund_total, fresh(line).returned_quantity) == ("store_credit", RING_TOTAL * 2, 2)
    assert fresh(buyer).credit_balance == RING_TOTAL * 2 and fresh(ring).quantity == 2

    page = text(as_manager.get(f"/sales/returns/{taken.pk}/"))
    assert taken.label in page and sale.invoice_label in page and "too small" in page
    invoice = text(as_manager.get(f"/sales/{sale.pk}/"))
    assert f"/sales/returns/{taken.pk}/" in invoice and taken.label in invoice
    pdf = as_manager.get(f"/sales/returns/{taken.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Only one piece is left to return: the form says so and asks for no more.
    assert "/ 1" in text(as_manager.get(f"/sales/{sale.pk}/return/"))


@pytest.mark.parametrize("value, message", [
    ("3", "Only 2 left to return."), ("-1", "Enter a whole number of pieces."), ("1.5", "Enter a whole number of pieces."),
    ("two", "Enter a whole number of pieces."), ("0", "Enter how many pieces"), ("", "Enter how many pieces"),
    ("9" * 30, "Only 2 left to return."),
])
def test_bad_quantities_are_form_errors(as_manager, make_item, gold_rate, sell, value, message):
    sale = sell(make_item(quantity=2), quantity=2)
    line = sale.lines.get()
    response = as_manager.post(f"/sales/{sale.pk}/return/", {_qty(line): value, "reason": "x", "refund_method": "cash"})
    assert response.status_code == 400 and message in text(response)
    assert not Return.objects.filter(sale=sale).exists() and fresh(line).returned_quantity == 0


def test_no_reason_and_store_credit_without_customer_are_form_errors(as_manager, make_item, gold_rate, sell):
    sale = sell(make_item())
    line = sale.lines.get()
    no_reason = as_manager.post(f"/sales/{sale.pk}/return/", {_qty(line): "1", "reason": " ", "refund_method": "cash"})
    assert no_reason.status_code == 400 and "This field is required." in text(no_reason)
    credit = as_manager.post(f"/sales/{sale.pk}/return/", {_qty(line): "1", "reason": "x", "refund_method": "store_credit"})
    assert credit.status_code == 400 and "Select a valid choice" in text(credit)
    assert 'value="store_credit"' not in text(credit)  # a walk-in sale is not offered store credit
    assert not Return.objects.filter(sale=sale).exists()


# --------------------------------------------------------------------------
# the counter
# --------------------------------------------------------------------------


def test_the_counter_shows_the_credit_and_takes_it_as_payment(as_cashier, make_item, gold_rate, buyer):
    store_credit_post(customer=buyer, amount=Decimal("5000000"), reason="refund", reference="return:counter-seed")
    ring = make_item(sku="SC-1")
    as_cashier.post("/pos/scan/", {"code": "SC-1"})
    as_cashier.post("/pos/payments/", {"method": "store_credit", "amount": "1000"})
    assert "Choose the customer first" in text(as_cashier.get("/pos/"))
    as_cashier.post("/pos/customer/", {"customer_id": str(buyer.pk)})
    page = text(as_cashier.get("/pos/"))
    assert 'id="customer-credit"' in page and "5,000,000" in page
    as_cashier.post("/pos/payments/", {"method": "store_credit", "amount": "5000001"})
    assert "only 5,000,000 rial in store credit" in text(as_cashier.get("/pos/"))
    as_cashier.post("/pos/payments/", {"method": "store_credit", "amount": "5000000"})
    as_cashier.post("/pos/payments/", {"method": "cash", "amount": str(RING_TOTAL - 5000000)})
    as_cashier.post("/pos/checkout/")
    sale = Sale.objects.get(lines__item=ring)
    assert sorted(sale.payments.values_list("method", flat=True)) == ["cash", "store_credit"]
    assert fresh(buyer).credit_balance == 0


def test_old_gold_worth_more_says_so_and_pays_out(as_cashier, make_item, gold_rate, buyer):
    ring = make_item(sku="PO-1")
    as_cashier.post("/pos/scan/", {"code": "PO-1"})
    as_cashier.post("/pos/trade-ins/", {"weight": "20", "fineness": "750"})
    quote = sale_quote(lines=[LineInput(item_id=ring.pk)], trade_ins=[TradeInInput(weight=Decimal("20"), fineness=750)])
    owed = quote.credit - quote.total
    page = text(as_cashier.get("/pos/"))
    assert "The shop owes the customer" in page and f"{owed:,.0f}" in page
    assert 'id="checkout-button" class="btn gold big" type="submit" disabled' in page
    as_cashier.post("/pos/payout/", {"method": "store_credit"})
    assert "Choose the customer first" in text(as_cashier.get("/pos/"))
    as_cashier.post("/pos/customer/", {"customer_id": str(buyer.pk)})
    as_cashier.post("/pos/payout/", {"method": "store_credit"})
    page = text(as_cashier.get("/pos/"))
    assert 'id="payout-chosen"' in page and 'type="submit" disabled' not in page.split('id="checkout-button"')[1][:60]
    as_cashier.post("/pos/checkout/")
    sale = Sale.objects.get(lines__item=ring)
    assert (sale.payout_total, sale.payout_method) == (owed, "store_credit")
    assert fresh(buyer).credit_balance == owed


def test_an_exchange_from_the_invoice_goes_through_the_counter(as_manager, make_item, gold_rate, sell, buyer):
    old = sell(make_item(), customer=buyer)
    line = old.lines.get()
    assert f"/sales/{old.pk}/exchange/" in text(as_manager.get(f"/sales/{old.pk}/"))
    response = as_manager.post(f"/sales/{old.pk}/exchange/", {_qty(line): "1", "reason": "another size"})
    assert response.status_code == 302 and response["Location"] == "/pos/"
    new_item = make_item(sku="EX-NEW", making_value=Decimal("30"))
    as_manager.post("/pos/scan/", {"code": "EX-NEW"})
    page = text(as_manager.get("/pos/"))
    assert 'id="exchange-credit"' in page and "53,754,400" in page and old.invoice_label in page
    difference = sale_quote(lines=[LineInput(item_id=new_item.pk)]).total - RING_TOTAL
    as_manager.post("/pos/payments/", {"method": "cash", "amount": str(difference)})
    as_manager.post("/pos/checkout/")
    new = Sale.objects.get(lines__item=new_item)
    taken = Return.objects.get(sale=old)
    assert taken.exchange_sale_id == new.pk and taken.refund_method == "exchange"
    assert taken.label in text(as_manager.get(f"/sales/{new.pk}/"))
    assert new.invoice_label in text(as_manager.get(f"/sales/{old.pk}/"))
    assert (as_manager.session.get("pos_cart") or {}).get("exchange") is None
