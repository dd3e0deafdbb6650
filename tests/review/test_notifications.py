"""Managers hear about new review items: one e-mail per round, each item
announced once, run as the worker runs it (the task body), in shop A inside
the test's transaction."""
from datetime import timedelta

import pytest

from apps.review.models import ReviewItem
from apps.review.notifications import review_notify
from apps.review.services import review_open, review_resolve
from apps.review.tasks import review_notify_task
from tests.background import shop_data


def _review(kind="oversold", **details) -> ReviewItem:
    return review_open(kind=kind, details=details)


@pytest.fixture
def announced(in_shop_a, mailoutbox):
    """Whatever was open in shop A before the test has been announced."""
    review_notify(settle=timedelta(0))
    mailoutbox.clear()
    return mailoutbox


def test_managers_get_one_email_listing_new_review_items_and_never_the_same_twice(announced):
    mailoutbox = announced
    _review(sku="R-0001")
    _review(kind="price_mismatch", sku="R-0002")
    review_resolve(item=_review(kind="rejected"), actor=shop_data.staff("manager"), note="seen")  # nothing to do

    assert review_notify_task() == 2
    [mail] = mailoutbox
    assert mail.to == ["manager@shop-a.test", "owner@shop-a.test"]  # accounts.resolve_review; not the cashier
    assert "2 new item(s) to review" in mail.subject
    assert "Oversold (R-0001)" in mail.body and "Price mismatch (R-0002)" in mail.body

    assert review_notify_task() == 0
    assert len(mailoutbox) == 1

    _review(sku="R-0003")
    review_notify(settle=timedelta(0))
    assert len(mailoutbox) == 2
    assert "R-0003" in mailoutbox[1].body and "R-0001" not in mailoutbox[1].body


def test_items_younger_than_the_settle_time_wait_for_the_next_round(announced):
    mailoutbox = announced
    _review(sku="R-0009")
    assert review_notify(settle=timedelta(minutes=5)) is None
    assert mailoutbox == []
    assert review_notify(settle=timedelta(0)).result["items"] == 1


@pytest.fixture(autouse=True)
def _no_settle(settings):
    settings.REVIEW_NOTIFY_SETTLE_SECONDS = 0
