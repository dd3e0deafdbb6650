from decimal import Decimal

import pytest

from apps.branches.models import Terminal
from apps.core.errors import ApplicationError
from apps.pos_sync.models import ReviewItem
from apps.pos_sync.services import review_item_resolve
from tests.helpers import text
from tests.pos_sync.catalogue import ring
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, push, sale_payload


@pytest.fixture
def conflict(shop, gold_rate):
    """A real review item: an offline sale priced far below the server's."""
    device = enrol_device(shop)
    piece = ring(quantity=2)
    body = push(pos_client("a", device.token), [op(1, sale_payload([(piece, gold_rate, 1, Decimal("40000000"))]))]).json()
    assert body["results"][0]["status"] == "applied"
    return ReviewItem.objects.get(kind="price_mismatch")


def test_the_queue_lists_open_items_and_resolves_them_with_a_note(as_manager, conflict):
    page = text(as_manager.get("/review/"))
    assert f'id="review-{conflict.pk}"' in page and "Price mismatch" in page
    refused = as_manager.post(f"/review/{conflict.pk}/resolve/", {"note": "  "})
    assert refused.status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == "open"
    as_manager.post(f"/review/{conflict.pk}/resolve/", {"note": "Customer paid the difference."})
    conflict.refresh_from_db()
    assert conflict.status == "resolved" and conflict.resolution_note == "Customer paid the difference."
    assert conflict.resolved_by.email == "manager@shop-a.test"
    assert f'id="review-{conflict.pk}"' not in text(as_manager.get("/review/"))
    assert "Customer paid the difference." in text(as_manager.get("/review/", {"status": "resolved"}))


def test_resolving_is_done_once_and_by_whoever_may(conflict, manager, cashier):
    with pytest.raises(ApplicationError) as denied:
        review_item_resolve(item=conflict, actor=cashier, note="x")
    assert denied.value.code == "permission_denied"
    review_item_resolve(item=conflict, actor=manager, note="checked")
    with pytest.raises(ApplicationError) as again:
        review_item_resolve(item=conflict, actor=manager, note="again")
    assert again.value.code == "review_already_resolved"


def test_the_dashboard_shows_terminals_and_open_conflicts(as_manager, conflict):
    page = text(as_manager.get("/"))
    assert 'id="terminals"' in page and "open in the review queue" in page


def test_cashiers_cannot_touch_terminals_or_the_queue(as_cashier, conflict):
    terminal = Terminal.objects.first()
    assert as_cashier.post(f"/terminals/{terminal.pk}/revoke/").status_code == 403
    assert as_cashier.post(f"/review/{conflict.pk}/resolve/", {"note": "x"}).status_code == 403
