"""Opening and resolving review items through apps.review.services, and the
items other apps open (loyalty, stock reconciliation) reaching the queue."""
import pytest
from django.db import connection

from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry, OutboxEvent
from apps.customers.services import points_redeem
from apps.sales.tasks import loyalty_events_task
from apps.inventory.models import Item
from apps.inventory.tasks import stock_reconcile_task
from apps.review.models import ReviewItem
from apps.review.selectors import review_list, review_open_count, review_open_exists, review_open_item_kinds
from apps.review.services import review_open, review_open_many, review_resolve
from tests.background import shop_data
from tests.helpers import text


def events_of(sale, topic: str) -> list[str]:
    events = OutboxEvent.objects.filter(payload__sale_id=str(sale.pk), topic=topic).order_by("created_at")
    return [str(pk) for pk in events.values_list("pk", flat=True)]

# --------------------------------------------------------------------------
# review_open / review_open_many
# --------------------------------------------------------------------------


def test_an_opened_item_waits_in_the_queue(in_shop_a):
    before = review_open_count()
    item = review_open(kind=ReviewItem.Kind.STALE, details={"op_id": "x-1"})
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.OPEN and item.resolved_at is None and item.details == {"op_id": "x-1"}
    assert review_open_count() == before + 1
    assert item in review_list(kind=ReviewItem.Kind.STALE)


def test_a_batch_is_opened_in_one_insert(in_shop_a, django_assert_num_queries):
    batch = [ReviewItem(kind=ReviewItem.Kind.REJECTED, details={"n": n}) for n in range(3)]
    before = review_open_count()  # the schema's search path is set on the first query
    with django_assert_num_queries(1):
        opened = review_open_many(items=batch)
    assert len(opened) == 3 and review_open_count() == before + 3
    assert ReviewItem.objects.filter(pk__in=[i.pk for i in opened], status="open").count() == 3
    with django_assert_num_queries(0):
        assert review_open_many(items=[]) == []


def test_only_open_items_count_as_already_waiting(in_shop_a, manager):
    piece = shop_data.ring(shop_data.branch(), quantity=1)
    first = review_open(kind=ReviewItem.Kind.STOCK_DRIFT, item=piece, details={"reference": "r-1"})
    assert review_open_exists(kind=ReviewItem.Kind.STOCK_DRIFT, item=piece)
    assert review_open_exists(kind=ReviewItem.Kind.STOCK_DRIFT, item=piece, details={"reference": "r-1"})
    assert not review_open_exists(kind=ReviewItem.Kind.STOCK_DRIFT, item=piece, details={"reference": "r-2"})
    assert not review_open_exists(kind=ReviewItem.Kind.OVERSOLD, item=piece)
    kinds = [ReviewItem.Kind.STOCK_DRIFT, ReviewItem.Kind.OVERSOLD]
    assert review_open_item_kinds(item_ids=[piece.pk], kinds=kinds) == {(piece.pk, "stock_drift")}

    review_resolve(item=first, actor=manager, note="counted again")
    assert not review_open_exists(kind=ReviewItem.Kind.STOCK_DRIFT, item=piece)
    assert review_open_item_kinds(item_ids=[piece.pk], kinds=kinds) == set()


# --------------------------------------------------------------------------
# review_resolve
# --------------------------------------------------------------------------


def test_resolving_is_done_once_and_by_whoever_may(conflict, manager, cashier):
    with pytest.raises(ApplicationError) as denied:
        review_resolve(item=conflict, actor=cashier, note="x")
    assert denied.value.code == "permission_denied"
    review_resolve(item=conflict, actor=manager, note="checked")
    with pytest.raises(ApplicationError) as again:
        review_resolve(item=conflict, actor=manager, note="again")
    assert again.value.code == "review_already_resolved"


def test_a_resolution_needs_a_note_is_audited_and_updates_the_callers_object(conflict, manager):
    with pytest.raises(ApplicationError) as empty:
        review_resolve(item=conflict, actor=manager, note="   ")
    assert empty.value.code == "note_required" and empty.value.status == 400
    with pytest.raises(ApplicationError) as nobody:
        review_resolve(item=conflict, actor=None, note="x")
    assert nobody.value.code == "permission_denied" and nobody.value.status == 403
    assert ReviewItem.objects.get(pk=conflict.pk).status == "open"

    locked = review_resolve(item=conflict, actor=manager, note="  Customer paid the difference. ")
    assert conflict.status == locked.status == "resolved" and conflict.resolved_by == manager
    assert conflict.resolution_note == "Customer paid the difference."
    [entry] = AuditEntry.objects.filter(object_id=str(conflict.pk))
    assert (entry.action, entry.actor, entry.note) == ("pos_sync.review_resolve", manager, "Customer paid the difference.")
    assert (entry.before, entry.after) == ({"status": "open"}, {"status": "resolved", "resolution": "note"})
    with pytest.raises(ApplicationError) as again:
        review_resolve(item=conflict, actor=manager, note="again")
    assert again.value.status == 409


# --------------------------------------------------------------------------
# opened by other apps, seen in the queue
# --------------------------------------------------------------------------


def test_points_loyalty_cannot_take_back_reach_the_queue_once(as_manager):
    at = shop_data.branch()
    buyer = shop_data.customer()
    sale = shop_data.sell(shop_data.ring(at, quantity=2), at=at, customer=buyer)
    loyalty_events_task(events_of(sale, "sale.applied"))
    points_redeem(customer=buyer, points=50, reference="spent-at-the-counter")
    shop_data.void(sale)
    loyalty_events_task(events_of(sale, "sale.voided"))
    loyalty_events_task(events_of(sale, "sale.voided"))  # delivered again: no second item

    [review] = ReviewItem.objects.filter(kind="points_unreversed", sale=sale)
    page = text(as_manager.get("/review/", {"kind": "points_unreversed"}))
    assert f'id="review-{review.pk}"' in page


def test_stock_drift_found_by_reconciliation_reaches_the_queue(as_manager):
    piece = shop_data.ring(shop_data.branch(), quantity=4)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Item._meta.db_table} SET quantity = 7 WHERE id = %s", [piece.pk])
    stock_reconcile_task()

    [review] = ReviewItem.objects.filter(kind="stock_drift", item=piece)
    page = text(as_manager.get("/review/"))
    assert f'id="review-{review.pk}"' in page and piece.sku in page
