"""Voiding from the invoice page asks for confirmation: the invoice's form
shows what a void does and changes nothing; only the confirmation voids."""
from apps.inventory.models import Item
from apps.sales.models import Sale
from tests.helpers import text
from tests.vectors import RING_TOTAL as VECTOR_1_TOTAL


def _sale(as_cashier, make_item, sku):
    make_item(sku=sku, quantity=2)
    as_cashier.post("/pos/scan/", {"code": sku})
    as_cashier.post("/pos/payments/", {"method": "cash", "amount": str(VECTOR_1_TOTAL)})
    as_cashier.post("/pos/checkout/")
    return Sale.objects.get(lines__item__sku=sku)


def test_the_invoice_form_asks_before_voiding_and_changes_nothing(as_cashier, as_manager, make_item, gold_rate):
    sale = _sale(as_cashier, make_item, "CONFIRM-1")
    void = f"/sales/{sale.pk}/void/"
    page = text(as_manager.post(void, {"reason": "  typed   by mistake "}))
    assert 'id="void-confirm"' in page and 'name="confirm" value="yes"' in page
    assert 'value="typed by mistake"' in page and f'href="/sales/{sale.pk}/"' in page  # the way back
    assert Sale.objects.get(pk=sale.pk).status == "completed"
    assert Item.objects.get(sku="CONFIRM-1").quantity == 1
    for unconfirmed in ({"reason": "x", "confirm": "no"}, {"reason": "x", "confirm": ""}, {"confirm": "yes"}):
        as_manager.post(void, unconfirmed)
        assert Sale.objects.get(pk=sale.pk).status == "completed", unconfirmed
    too_long = as_manager.post(void, {"reason": "r" * 2001}, follow=True)
    assert "at most 2000 characters" in text(too_long) and 'id="void-confirm"' not in text(too_long)

    as_manager.post(void, {"reason": "typed by mistake", "confirm": "yes"})
    sale.refresh_from_db()
    assert (sale.status, sale.void_reason) == ("voided", "typed by mistake")
    assert Item.objects.get(sku="CONFIRM-1").quantity == 2


def test_a_voided_invoice_is_not_offered_again(as_cashier, as_manager, make_item, gold_rate):
    sale = _sale(as_cashier, make_item, "CONFIRM-2")
    as_manager.post(f"/sales/{sale.pk}/void/", {"reason": "once", "confirm": "yes"})
    again = as_manager.post(f"/sales/{sale.pk}/void/", {"reason": "twice"}, follow=True)
    assert 'id="void-confirm"' not in text(again) and "already voided" in text(again)


def test_the_confirmation_in_persian(as_cashier, as_manager, manager, make_item, gold_rate):
    sale = _sale(as_cashier, make_item, "CONFIRM-3")
    manager.language = "fa"
    manager.save(update_fields=["language"])
    page = text(as_manager.post(f"/sales/{sale.pk}/void/", {"reason": "اشتباه"}))
    assert "بله، این فاکتور ابطال شود" in page and "۱" in page
