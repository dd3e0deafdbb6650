"""The review queue page: open items listed, resolved with a note."""
from apps.review.models import ReviewItem
from tests.helpers import text


def test_the_queue_lists_open_items_and_resolves_them_with_a_note(as_manager, conflict):
    page = text(as_manager.get("/review/"))
    assert f'id="review-{conflict.pk}"' in page and "Price mismatch" in page
    refused = as_manager.post(f"/review/{conflict.pk}/resolve/", {"note": "  "})
    assert refused.status_code == 400 and f'id="note-{conflict.pk}" open' in text(refused)
    conflict.refresh_from_db()
    assert conflict.status == "open"
    as_manager.post(f"/review/{conflict.pk}/resolve/", {"note": "Customer paid the difference."})
    conflict.refresh_from_db()
    assert conflict.status == "resolved" and conflict.resolution_note == "Customer paid the difference."
    assert conflict.resolved_by.email == "manager@shop-a.test"
    assert f'id="review-{conflict.pk}"' not in text(as_manager.get("/review/"))
    assert "Customer paid the difference." in text(as_manager.get("/review/", {"status": "resolved"}))


def test_the_queue_filters_by_kind(as_manager, conflict):
    assert f'id="review-{conflict.pk}"' in text(as_manager.get("/review/", {"kind": "price_mismatch"}))
    assert f'id="review-{conflict.pk}"' not in text(as_manager.get("/review/", {"kind": "stock_drift"}))


def test_resolving_twice_on_the_page_says_so_and_changes_nothing(as_manager, conflict):
    as_manager.post(f"/review/{conflict.pk}/resolve/", {"note": "checked"})
    again = as_manager.post(f"/review/{conflict.pk}/resolve/", {"note": "again"}, follow=True)
    assert again.status_code == 200 and "already been resolved" in text(again)  # said at the top of the queue
    assert ReviewItem.objects.get(pk=conflict.pk).resolution_note == "checked"


def test_cashiers_do_not_see_the_queue(as_cashier, conflict):
    assert as_cashier.get("/review/").status_code == 403
