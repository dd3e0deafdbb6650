"""Fixing the cause of a review entry (apps.sales.review_fixes), through the
page: the stock counted through the ledger, the price accepted, the sale
voided; each resolves the entry, is permission-checked and audited, and bad
input is a form error that changes nothing."""
from django.db.models import Sum

from apps.core.models import AuditEntry
from apps.inventory.models import Item, StockMovement
from apps.inventory.reconciliation import stock_reconcile
from apps.review.models import ReviewItem
from apps.sales.models import Sale
from apps.sales.review_fixes import review_fixes, review_stock_count
from tests.helpers import assert_error, fresh, text


def _ledger(item) -> int:
    return StockMovement.objects.filter(item=item).aggregate(s=Sum("quantity_delta"))["s"]


def test_counting_an_oversold_item_brings_the_stock_back_through_the_ledger(as_manager, oversold, manager):
    item = Item.objects.get(pk=oversold.item_id)
    assert item.quantity == -1
    page = text(as_manager.get("/review/"))
    assert f'action="/review/{oversold.pk}/stock-count/"' in page
    response = as_manager.post(f"/review/{oversold.pk}/stock-count/", {"new_quantity": "2", "note": "Counted two in the safe."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.quantity == 2 and _ledger(item) == 2
    movement = StockMovement.objects.filter(item=item).order_by("-created_at").first()
    assert movement.reason == "adjustment" and movement.quantity_delta == 3 and movement.actor == manager
    entry = fresh(oversold)
    assert entry.status == "resolved" and entry.resolution == "stock_counted" and entry.resolution_note == "Counted two in the safe."
    audit = AuditEntry.objects.filter(action="pos_sync.review_resolve", object_id=str(entry.pk)).get()
    assert audit.after["resolution"] == "stock_counted" and audit.after["quantity_before"] == -1 and audit.after["quantity_after"] == 2
    assert AuditEntry.objects.filter(action="inventory.stock_adjust", object_id=str(item.pk)).exists()


def test_counting_mends_a_drifted_ledger(manager, make_item):
    item = make_item(quantity=3)
    Item.objects.filter(pk=item.pk).update(quantity=5)  # drift: the quantity moved without the ledger
    stock_reconcile()
    entry = ReviewItem.objects.get(kind="stock_drift", item=item)
    review_stock_count(entry=entry, actor=manager, new_quantity=4, note="Counted")
    item.refresh_from_db()
    assert item.quantity == 4 and _ledger(item) == 4
    assert fresh(entry).status == "resolved"
    assert AuditEntry.objects.filter(action="inventory.stock_count_correct", object_id=str(item.pk)).get().before == {
        "quantity": 5, "ledger_sum": 3}


def test_bad_counts_are_form_errors_and_change_nothing(as_manager, oversold):
    for data in ({"new_quantity": "-2", "note": "x"}, {"new_quantity": "lots", "note": "x"},
                 {"new_quantity": "9" * 30, "note": "x"}, {"new_quantity": "1", "note": "  "}, {"new_quantity": "1", "note": "n" * 2001}):
        response = as_manager.post(f"/review/{oversold.pk}/stock-count/", data)
        assert response.status_code == 400, data
        page = text(response)
        assert 'class="errors"' in page and f'id="stock_counted-{oversold.pk}" open' in page
    assert Item.objects.get(pk=oversold.item_id).quantity == -1
    assert fresh(oversold).status == "open"


def test_a_count_in_persian_digits_is_read_and_errors_are_persian(as_manager, manager, oversold):
    manager.language = "fa"
    manager.save(update_fields=["language"])
    refused = text(as_manager.post(f"/review/{oversold.pk}/stock-count/", {"new_quantity": "-۲", "note": "شمارش"}))
    assert "نباید منفی باشد." in refused and "0" not in refused.split('class="errors"')[1].split("</ul>")[0]
    as_manager.post(f"/review/{oversold.pk}/stock-count/", {"new_quantity": "۳", "note": "شمارش"})
    assert Item.objects.get(pk=oversold.item_id).quantity == 3


def test_a_unique_piece_counted_above_one_is_refused_on_the_form(as_manager, shop, gold_rate):
    from tests.pos_sync.catalogue import ring
    from tests.pos_sync.conftest import enrol_device, pos_client
    from tests.pos_sync.ops import op, push, sale_payload

    device = enrol_device(shop, name="Counter 3")
    piece = ring(quantity=1, unique=True)
    push(pos_client("a", device.token), [op(1, sale_payload([(piece, gold_rate, 1)])), op(2, sale_payload([(piece, gold_rate, 1)]))])
    entry = ReviewItem.objects.get(kind="oversold", item=piece)
    response = as_manager.post(f"/review/{entry.pk}/stock-count/", {"new_quantity": "3", "note": "found"})
    assert response.status_code == 409 and "one-of-a-kind" in text(response)
    assert fresh(entry).status == "open"


def test_accepting_the_price_resolves_the_entry_and_keeps_the_sale(as_manager, conflict):
    sale = Sale.objects.get(pk=conflict.sale_id)
    total = sale.total
    page = text(as_manager.get("/review/"))
    assert f'action="/review/{conflict.pk}/accept-price/"' in page
    assert as_manager.post(f"/review/{conflict.pk}/accept-price/", {"note": ""}).status_code == 302
    entry = fresh(conflict)
    assert entry.status == "resolved" and entry.resolution == "price_accepted"
    assert fresh(sale).status == "completed" and fresh(sale).total == total
    audit = AuditEntry.objects.get(action="pos_sync.review_resolve", object_id=str(entry.pk))
    assert audit.after["given"] == conflict.details["given"] and audit.after["expected"] == conflict.details["expected"]
    assert "Price accepted" in text(as_manager.get("/review/", {"status": "resolved"}))


def test_accepting_the_price_is_only_for_a_price_mismatch(as_manager, oversold):
    assert f'action="/review/{oversold.pk}/accept-price/"' not in text(as_manager.get("/review/"))
    response = as_manager.post(f"/review/{oversold.pk}/accept-price/", {"note": ""})
    assert response.status_code == 409 and fresh(oversold).status == "open"


def test_voiding_the_sale_puts_the_pieces_back_and_resolves(as_manager, oversold, manager):
    sale = Sale.objects.get(pk=oversold.sale_id)
    item = Item.objects.get(pk=oversold.item_id)
    refused = as_manager.post(f"/review/{oversold.pk}/void-sale/", {"reason": " "})
    assert refused.status_code == 400 and fresh(sale).status == "completed"
    assert as_manager.post(f"/review/{oversold.pk}/void-sale/", {"reason": "Sold by mistake offline."}).status_code == 302
    sale.refresh_from_db()
    item.refresh_from_db()
    assert sale.status == "voided" and sale.void_reason == "Sold by mistake offline." and sale.voided_by == manager
    assert item.quantity == 1 and _ledger(item) == 1
    entry = fresh(oversold)
    assert entry.status == "resolved" and entry.resolution == "sale_voided"
    assert AuditEntry.objects.filter(action="sales.sale_void", object_id=str(sale.pk)).exists()


def test_fixes_are_permission_checked(as_cashier, oversold, cashier, manager):
    for path, data in (("stock-count", {"new_quantity": "1", "note": "x"}), ("accept-price", {}), ("void-sale", {"reason": "x"})):
        assert as_cashier.post(f"/review/{oversold.pk}/{path}/", data).status_code == 403
    assert_error("permission_denied", review_stock_count, entry=oversold, actor=cashier, new_quantity=1, note="x")
    assert review_fixes(oversold, cashier) == set()
    assert review_fixes(oversold, manager) == {"stock_counted", "sale_voided"}
    assert fresh(oversold).status == "open" and Item.objects.get(pk=oversold.item_id).quantity == -1


def test_a_fix_is_done_once(as_manager, oversold):
    as_manager.post(f"/review/{oversold.pk}/stock-count/", {"new_quantity": "0", "note": "none left"})
    again = as_manager.post(f"/review/{oversold.pk}/void-sale/", {"reason": "late"}, follow=True)
    assert "already been resolved" in text(again)
    assert Sale.objects.get(pk=oversold.sale_id).status == "completed"


def _main(response) -> str:
    return text(response).split("<main", 1)[1].split("</main>", 1)[0]


def test_the_page_reads_in_persian_without_raw_keys_or_ids(as_manager, manager, conflict, oversold):
    manager.language = "fa"
    manager.save(update_fields=["language"])
    page = _main(as_manager.get("/review/"))
    shown = page.replace('value="price_mismatch"', "").replace('value="oversold"', "")  # the filter's option values
    for raw in ("item_id", "quantity_after", "expected", "given", "price_mismatch", "oversold", "sale.create",
                str(conflict.item_id), str(conflict.sale_id), conflict.details["given"]):
        assert raw not in shown.replace(f"/{conflict.sale_id}/", "/").replace(f"/{conflict.item_id}/", "/"), raw
    assert "اختلاف قیمت" in page and "فروش بیش از موجودی" in page
    assert "قیمت فروشگاه" in page and "۴۰٬۰۰۰٬۰۰۰" in page and "موجودی پس از این فروش" in page
    assert f'href="/sales/{conflict.sale_id}/"' in page and f'href="/inventory/{conflict.item_id}/"' in page
    assert "/terminals/#terminal-" in page


def test_the_page_reads_in_english(as_manager, conflict):
    page = _main(as_manager.get("/review/"))
    assert "The shop&#x27;s price" in page and "40,000,000" in page and "Charged at the terminal" in page
    assert "item_id" not in page and "expected" not in page
