"""Returns as documents (numbered, refunded in cash, by card or as store
credit), store credit spent at the counter, and old gold worth more than the
sale paid out: through the services, against the real database."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from apps.core.models import AuditEntry, OutboxEvent
from apps.customers.credit import store_credit_post
from apps.customers.models import PointsEntry, StoreCreditEntry
from apps.customers.services import customer_create
from apps.inventory.models import StockMovement
from apps.sales.loyalty import loyalty_sale_settle
from apps.sales.models import Return, ReturnCounter, Sale, return_label
from apps.sales.reversals import sale_return
from apps.sales.services import LineInput, PaymentInput, TradeInInput, sale_create, sale_quote
from tests.helpers import assert_error, fresh
from tests.vectors import RING_TOTAL


@pytest.fixture
def buyer(shop):
    return customer_create(full_name="مریم احمدی", phone="09121234567")


def _credit_entries(customer) -> list:
    return list(StoreCreditEntry.objects.filter(customer=customer).order_by("created_at").values_list("reason", "amount", "reference"))


# --------------------------------------------------------------------------
# returns as documents
# --------------------------------------------------------------------------


def test_returns_get_gapless_numbers_per_branch_and_a_label(make_item, gold_rate, sell, manager, branch, other_branch):
    sales = [sell(make_item(quantity=2), quantity=2) for _ in range(2)]
    elsewhere = sell(make_item(branch=other_branch), branch=other_branch)
    start = (ReturnCounter.objects.filter(branch=branch).values_list("last_number", flat=True).first() or 0) + 1
    first = sale_return(actor=manager, sale=sales[0], lines=[(sales[0].lines.get().pk, 1)], reason="too big")
    other = sale_return(actor=manager, sale=elsewhere, lines=[(elsewhere.lines.get().pk, 1)], reason="scratched")
    second = sale_return(actor=manager, sale=sales[1], lines=[(sales[1].lines.get().pk, 2)], reason="gift")
    third = sale_return(actor=manager, sale=sales[0], lines=[(sales[0].lines.get().pk, 1)], reason="the other one too")

    assert [first.number, second.number, third.number] == [start, start + 1, start + 2]
    assert other.branch_id == other_branch.pk and other.number >= 1
    assert first.label == return_label(branch.code, start) == f"{branch.code}-R-{start:06d}"
    assert first.refund_method == "cash" and first.branch_id == branch.pk
    # A failed return gives no number away.
    assert_error("return_exceeds_sold", sale_return, actor=manager, sale=sales[0], lines=[(sales[0].lines.get().pk, 1)], reason="x")
    again = sell(make_item())
    assert sale_return(actor=manager, sale=again, lines=[(again.lines.get().pk, 1)], reason="y").number == start + 3

    audit = AuditEntry.objects.filter(action="sales.sale_return", object_id=str(sales[0].pk)).order_by("at").first()
    assert audit.after["return_label"] == first.label and audit.after["refund_method"] == "cash"
    event = OutboxEvent.objects.filter(topic="sale.returned", payload__return_id=str(first.pk)).get()
    assert (event.payload["refund_method"], event.payload["return_number"]) == ("cash", start)


def test_two_returns_cannot_share_a_number(make_item, gold_rate, sell, manager):
    sale = sell(make_item(quantity=2), quantity=2)
    taken = sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Return.objects.create(sale=sale, branch_id=taken.branch_id, number=taken.number, reason="dup", refund_total=0)


def test_a_refund_as_store_credit_goes_to_the_customer(make_item, gold_rate, sell, manager, buyer):
    sale = sell(make_item(quantity=2), quantity=2, customer=buyer)
    taken = sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="changed mind",
                        refund_method="store_credit")
    assert taken.refund_method == "store_credit" and taken.refund_total == RING_TOTAL
    assert fresh(buyer).credit_balance == RING_TOTAL
    assert _credit_entries(buyer) == [("refund", RING_TOTAL, f"return:{taken.pk}")]
    assert AuditEntry.objects.filter(action="customer.credit_refund", object_id=str(buyer.pk)).count() == 1

    card = sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="x", refund_method="card")
    assert card.refund_method == "card" and fresh(buyer).credit_balance == RING_TOTAL  # card refunds touch no credit


def test_refund_method_guards(make_item, gold_rate, sell, manager, buyer):
    walk_in = sell(make_item())
    line = walk_in.lines.get()
    assert_error("store_credit_needs_customer", sale_return, actor=manager, sale=walk_in, lines=[(line.pk, 1)], reason="x",
                 refund_method="store_credit")
    assert_error("invalid_refund_method", sale_return, actor=manager, sale=walk_in, lines=[(line.pk, 1)], reason="x",
                 refund_method="old_gold")
    assert_error("reason_required", sale_return, actor=manager, sale=walk_in, lines=[(line.pk, 1)], reason="  ")
    assert_error("invalid_quantity", sale_return, actor=manager, sale=walk_in, lines=[(line.pk, -1)], reason="x")
    # Nothing moved for the refusals.
    assert fresh(line).returned_quantity == 0 and not Return.objects.filter(sale=walk_in).exists()


def test_a_return_takes_the_points_back(make_item, gold_rate, sell, manager, buyer):
    sale = sell(make_item(quantity=2), quantity=2, customer=buyer)
    earned = loyalty_sale_settle(sale_id=sale.pk).earned
    assert earned > 0 and fresh(buyer).points_balance == earned
    sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="x", refund_method="store_credit")
    half = loyalty_sale_settle(sale_id=sale.pk)
    assert half.reversed == earned and 0 < fresh(buyer).points_balance < earned
    sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="x")
    loyalty_sale_settle(sale_id=sale.pk)
    loyalty_sale_settle(sale_id=sale.pk)  # a replayed event changes nothing
    assert fresh(buyer).points_balance == 0
    assert PointsEntry.objects.filter(customer=buyer).aggregate(s=Sum("points"))["s"] == 0
    assert StockMovement.objects.filter(reference=str(sale.pk), reason="return").count() == 2


# --------------------------------------------------------------------------
# store credit as a payment
# --------------------------------------------------------------------------


def test_store_credit_pays_for_a_sale_in_part(make_item, gold_rate, cashier, branch, buyer):
    store_credit_post(customer=buyer, amount=Decimal("10000000"), reason="refund", reference="return:seed-1")
    item = make_item()
    total = sale_quote(lines=[LineInput(item_id=item.pk)]).total
    sale = sale_create(actor=cashier, branch=branch, customer=buyer, lines=[LineInput(item_id=item.pk)],
                       payments=[PaymentInput(method="store_credit", amount=Decimal("10000000")),
                                 PaymentInput(method="cash", amount=total - Decimal("10000000"))])
    assert fresh(buyer).credit_balance == 0
    assert _credit_entries(buyer)[-1] == ("spend", Decimal("-10000000"), f"sale:{sale.pk}")
    assert sorted(sale.payments.values_list("method", flat=True)) == ["cash", "store_credit"]
    # A replayed spend of the same sale is the first entry again, never a second spend.
    replay = store_credit_post(customer=buyer, amount=Decimal("-10000000"), reason="spend", reference=f"sale:{sale.pk}")
    assert replay.reference == f"sale:{sale.pk}" and fresh(buyer).credit_balance == 0
    assert StoreCreditEntry.objects.filter(reference=f"sale:{sale.pk}").count() == 1


def test_store_credit_needs_a_customer_with_enough(make_item, gold_rate, cashier, branch, buyer):
    store_credit_post(customer=buyer, amount=Decimal("1000"), reason="refund", reference="return:seed-2")
    item = make_item()
    total = sale_quote(lines=[LineInput(item_id=item.pk)]).total
    pay = [PaymentInput(method="store_credit", amount=total)]
    assert_error("store_credit_needs_customer", sale_create, actor=cashier, branch=branch, lines=[LineInput(item_id=item.pk)],
                 payments=pay)
    exc = assert_error("insufficient_credit", sale_create, actor=cashier, branch=branch, customer=buyer,
                       lines=[LineInput(item_id=item.pk)], payments=pay)
    assert exc.status == 409
    # All or nothing: no sale, no stock moved, the credit untouched.
    assert fresh(item).quantity == 1 and fresh(item).status == "in_stock"
    assert not Sale.objects.filter(lines__item=item).exists()
    assert fresh(buyer).credit_balance == Decimal("1000")


# --------------------------------------------------------------------------
# old gold worth more than the sale
# --------------------------------------------------------------------------


def _big_trade_in():
    return [TradeInInput(weight=Decimal("20"), fineness=750)]


@pytest.mark.parametrize("method", ["cash", "store_credit"])
def test_old_gold_worth_more_is_paid_out_or_kept_as_credit(make_item, gold_rate, cashier, branch, buyer, method):
    item = make_item()
    quote = sale_quote(lines=[LineInput(item_id=item.pk)], trade_ins=_big_trade_in())
    owed = quote.credit - quote.total
    assert owed > 0
    sale = sale_create(actor=cashier, branch=branch, customer=buyer, lines=[LineInput(item_id=item.pk)], payments=[],
                       trade_ins=_big_trade_in(), payout_method=method)
    assert (sale.total, sale.paid_total, sale.payout_total, sale.payout_method) == (quote.total, quote.credit, owed, method)
    assert fresh(buyer).credit_balance == (owed if method == "store_credit" else 0)
    if method == "store_credit":
        assert _credit_entries(buyer) == [("trade_in", owed, f"sale:{sale.pk}")]
    # The database keeps payments - payout = total.
    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.filter(pk=sale.pk).update(payout_total=owed + 1)


def test_payout_guards(make_item, gold_rate, cashier, branch, buyer):
    item = make_item()
    kwargs = dict(actor=cashier, branch=branch, lines=[LineInput(item_id=item.pk)], trade_ins=_big_trade_in())
    exc = assert_error("payout_method_required", sale_create, payments=[], **kwargs)
    assert "owes the customer" in exc.message
    assert_error("store_credit_needs_customer", sale_create, payments=[], payout_method="store_credit", **kwargs)
    assert_error("payment_not_needed", sale_create, payments=[PaymentInput(method="cash", amount=Decimal(1))],
                 payout_method="cash", **kwargs)
    small = dict(actor=cashier, branch=branch, lines=[LineInput(item_id=item.pk)])
    total = sale_quote(lines=[LineInput(item_id=item.pk)]).total
    assert_error("no_payout", sale_create, payments=[PaymentInput(method="cash", amount=total)], payout_method="cash", **small)
    assert fresh(item).status == "in_stock"


# --------------------------------------------------------------------------
# exchanges
# --------------------------------------------------------------------------


def test_an_exchange_returns_and_sells_in_one_transaction(make_item, gold_rate, sell, manager, branch, buyer):
    from apps.sales.exchange import sale_exchange

    old = sell(make_item(quantity=2), quantity=2, customer=buyer)
    line = old.lines.get()
    dearer = make_item(making_value=Decimal("30"))
    new_total = sale_quote(lines=[LineInput(item_id=dearer.pk)]).total
    difference = new_total - RING_TOTAL
    assert difference > 0
    taken, new = sale_exchange(actor=manager, sale=old, return_lines=[(line.pk, 1)], reason="another size", branch=branch,
                               lines=[LineInput(item_id=dearer.pk)], customer=buyer,
                               payments=[PaymentInput(method="cash", amount=difference)])
    assert (taken.refund_method, taken.refund_total, fresh(taken).exchange_sale_id) == ("exchange", RING_TOTAL, new.pk)
    assert sorted(new.payments.values_list("method", "amount")) == [("cash", difference), ("exchange", RING_TOTAL)]
    assert new.payments.get(method="exchange").reference == taken.label
    assert fresh(old).status == "partially_returned" and fresh(dearer).quantity == 0 and fresh(line).returned_quantity == 1
    assert AuditEntry.objects.filter(action="sales.sale_exchange", object_id=str(new.pk)).count() == 1


def test_an_exchange_worth_less_pays_out_and_a_failed_one_changes_nothing(make_item, gold_rate, sell, manager, branch, buyer):
    from apps.sales.exchange import sale_exchange

    ring = make_item()
    old = sell(ring, customer=buyer)
    from tests.world import CHAIN

    cheaper = make_item(**CHAIN)
    kwargs = dict(actor=manager, sale=old, return_lines=[(old.lines.get().pk, 1)], reason="cheaper", branch=branch,
                  lines=[LineInput(item_id=cheaper.pk)], customer=buyer, payments=[])
    assert_error("payout_method_required", sale_exchange, **kwargs)
    # All or nothing: the refused exchange took nothing back.
    assert fresh(old).status == "completed" and not Return.objects.filter(sale=old).exists() and fresh(ring).quantity == 0
    taken, new = sale_exchange(payout_method="store_credit", **kwargs)
    assert new.payout_total == RING_TOTAL - new.total and new.payout_method == "store_credit"
    assert fresh(buyer).credit_balance == new.payout_total
    assert _credit_entries(buyer) == [("refund", new.payout_total, f"sale:{new.pk}")]
    assert fresh(old).status == "returned" and fresh(ring).quantity == 1
