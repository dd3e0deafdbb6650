"""Free text every caller of a service sends (the page, the API, the
terminal) is bounded in the service (issue 12): a void reason and a review
note of over 2000 characters are refused and change nothing."""
from apps.review.models import ReviewItem
from apps.review.services import review_open, review_resolve
from apps.sales.models import Sale, SaleStatus
from apps.sales.reversals import sale_void
from tests.helpers import assert_error, staff


def test_a_void_reason_over_2000_characters_is_refused(world):
    sale = Sale.objects.get(pk=world.sale_id)
    assert_error("reason_too_long", sale_void, actor=staff("a", "manager"), sale=sale, reason="x" * 2001)
    assert Sale.objects.get(pk=world.sale_id).status == SaleStatus.COMPLETED


def test_a_review_note_over_2000_characters_is_refused(in_shop_a):
    item = review_open(kind="stock_drift", details={})
    assert_error("note_too_long", review_resolve, item=item, actor=staff("a", "manager"), note="x" * 2001)
    assert ReviewItem.objects.get(pk=item.pk).status == ReviewItem.Status.OPEN
