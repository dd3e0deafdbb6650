"""Review queue fixtures: real review items opened by a POS push (shop A's
staff are the suite's shared fixtures)."""
from decimal import Decimal

import pytest

from apps.review.models import ReviewItem
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


@pytest.fixture
def oversold(shop, gold_rate):
    """A real oversold entry: a terminal sold 2 of a piece the shop had 1 of
    (the item is at -1)."""
    device = enrol_device(shop, name="Counter 2")
    piece = ring(quantity=1)
    body = push(pos_client("a", device.token), [op(1, sale_payload([(piece, gold_rate, 2)]))]).json()
    assert body["results"][0]["status"] == "applied"
    return ReviewItem.objects.get(kind="oversold", item=piece)
