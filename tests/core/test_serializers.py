"""PlainRepresentation (apps/core/serializers.py) gives DRF's output to the
byte: every API list and detail that uses it answers the same with it and
with DRF's own `to_representation`; the items' prices, kept per process
(apps.inventory.apis.Pricer), are the ones worked out afresh."""
from decimal import Decimal

from django.db import connection

from apps.core.serializers import PlainRepresentation
from apps.inventory import apis as inventory_apis
from apps.sales.services import PaymentInput, TradeInInput, sale_create, sale_quote
from tests.helpers import staff, staff_client


def _answers(world, sale_id) -> list[bytes]:
    api = staff_client("a", "owner")
    urls = ["/api/v1/items/?page_size=200", f"/api/v1/items/{world.ring_id}/", "/api/v1/items/low-stock/?threshold=100",
            "/api/v1/sales/", f"/api/v1/sales/{world.sale_id}/", "/api/v1/customers/", f"/api/v1/customers/{world.customer_id}/", f"/api/v1/sales/{sale_id}/"]
    answers = [api.get(url) for url in urls]
    assert all(answer.status_code == 200 for answer in answers), [a.status_code for a in answers]
    return [answer.content for answer in answers]


def test_the_api_answers_as_drf_would(world, shop_a, monkeypatch):
    from apps.branches.models import Branch
    from apps.inventory.models import Item
    from apps.sales.services import LineInput

    connection.set_tenant(shop_a)  # a sale with old gold and two payments, for the list and its own detail
    lines = [LineInput(item_id=Item.objects.get(pk=world.chain_id).pk, quantity=2)]
    trade_ins = [TradeInInput(weight=Decimal("0.1"), fineness=750, description="old <ring> & co")]
    due = sale_quote(lines=lines, trade_ins=trade_ins).due
    half = (due / 2).quantize(Decimal(1))
    sale = sale_create(actor=staff("a", "manager"), branch=Branch.objects.get(pk=world.branch_id), lines=lines,
                       trade_ins=trade_ins, payments=[PaymentInput(method="card", amount=half),
                                                      PaymentInput(method="cash", amount=due - half)])
    plain = _answers(world, sale.pk)
    assert b'"price"' in plain[0] and b"old <ring> & co" in plain[-1] and b'"card"' in plain[-1]

    def drf(self, instance):
        return super(PlainRepresentation, self).to_representation(instance)

    monkeypatch.setattr(PlainRepresentation, "to_representation", drf)
    inventory_apis._SHOWN_PRICES.clear()  # prices worked out afresh, not read from the process's keeping
    assert _answers(world, sale.pk) == plain
