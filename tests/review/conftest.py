"""Review queue fixtures: shop A's staff (from the staff UI fixtures) and a
real review item opened by a POS push."""
from decimal import Decimal

import pytest

from apps.review.models import ReviewItem
from tests.pos_sync.catalogue import ring
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, push, sale_payload
from tests.ui.conftest import as_cashier, as_manager, cashier, gold_rate, manager, owner, shop  # noqa: F401  (fixtures)


@pytest.fixture
def conflict(shop, gold_rate):  # noqa: F811
    """A real review item: an offline sale priced far below the server's."""
    device = enrol_device(shop)
    piece = ring(quantity=2)
    body = push(pos_client("a", device.token), [op(1, sale_payload([(piece, gold_rate, 1, Decimal("40000000"))]))]).json()
    assert body["results"][0]["status"] == "applied"
    return ReviewItem.objects.get(kind="price_mismatch")
