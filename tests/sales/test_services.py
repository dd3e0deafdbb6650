from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.models import AuditEntry, OutboxEvent
from apps.customers.services import customer_create
from apps.inventory.models import StockMovement
from apps.inventory.selectors import item_ledger_sum
from apps.inventory.services import gold_rate_set, item_delete
from apps.sales.models import InvoiceCounter, Sale
from apps.sales.selectors import sale_get, sale_list
from apps.inventory.shop_pricing import line_price
from apps.sales.recording import invoice_numbers_allocate
from apps.sales.reversals import sale_return, sale_void
from apps.sales.services import (
    LineInput,
    PaymentInput,
    TradeInInput,
    sale_create,
    sale_quote,
)
from tests.helpers import assert_error, fresh
from tests.vectors import RING_TOTAL as VECTOR_1_TOTAL


def outbox(topic: str, sale) -> list[OutboxEvent]:
    return [e for e in OutboxEvent.objects.filter(topic=topic) if e.payload.get("sale_id") == str(sale.pk)]


# --------------------------------------------------------------------------
# PRICING.md vectors, end to end through sale_create
# --------------------------------------------------------------------------


def test_vector_1_ir_ring_is_sold_and_frozen_on_the_line(make_item, gold_rate, sell):
    item = make_item()
    sale = sell(item, amount=Decimal("53754400"))

    assert (sale.total, sale.subtotal, sale.rounding, sale.paid_total) == (VECTOR_1_TOTAL, VECTOR_1_TOTAL, 0, VECTOR_1_TOTAL)
    assert (sale.gold_total, sale.making_total, sale.profit_total, sale.stones_total, sale.tax_total) == (
        Decimal("40000000"), Decimal("7200000"), Decimal("3304000"), Decimal("2000000"), Decimal("1250400"),
    )
    [line] = fresh(sale).lines.all()
    assert (line.rate, line.gold_rate_id, line.fineness, line.net_weight) == (Decimal("8000000"), gold_rate.pk, 750, Decimal("5.000"))
    assert (line.making_mode, line.making_value) == ("percent", Decimal("18"))
    assert (line.gold, line.making, line.profit, line.stones, line.fixed, line.tax, line.total) == (
        Decimal("40000000"), Decimal("7200000"), Decimal("3304000"), Decimal("2000000"), 0, Decimal("1250400"), VECTOR_1_TOTAL,
    )
    assert line.unit_price == VECTOR_1_TOTAL and line.override is None

    # Frozen: a new board rate does not touch the invoice.
    gold_rate_set(actor=sale.cashier, base_rate=Decimal("9000000"))
    assert fresh(line).total == VECTOR_1_TOTAL


def test_vector_2_per_gram_making(make_item, gold_rate, sell):
    sale = sell(make_item(making_mode="per_gram", making_value=Decimal("500000")), amount=Decimal("48222500"))
    assert (sale.making_total, sale.profit_total, sale.tax_total, sale.total) == (
        Decimal("2500000"), Decimal("2975000"), Decimal("747500"), Decimal("48222500"),
    )


def test_vector_6_total_rounded_down_once_and_rounding_stored(shop, make_item, gold_rate, sell):
    shop.rounding_increment, shop.rounding_mode = Decimal("10000"), "down"
    shop.save()
    sale = sell(make_item(), amount=Decimal("53750000"))
    stored = fresh(sale)
    assert (stored.subtotal, stored.rounding, stored.total, stored.paid_total) == (
        VECTOR_1_TOTAL, Decimal("-4400"), Decimal("53750000"), Decimal("53750000"),
    )
    # The line keeps the unrounded price: rounding lives on the invoice only.
    assert stored.lines.get().total == VECTOR_1_TOTAL


def test_vector_3_india_explicit_916_rate(shop, owner, make_item, sell):
    shop.tax_regime, shop.currency, shop.vat_percent, shop.profit_percent = "IN", "INR", Decimal("3"), Decimal("0")
    shop.save()
    gold_rate_set(actor=owner, base_rate=Decimal("7500.00"), explicit_rates={916: Decimal("9160.00")})
    item = make_item(fineness=916, gross_weight=Decimal("10.000"), stone_weight=Decimal("0"), making_value=Decimal("12"),
                     stone_value=Decimal("30000.00"), cost=Decimal("0"))
    sale = sell(item, amount=Decimal("136569.76"))
    assert (sale.gold_total, sale.making_total, sale.tax_total, sale.total, sale.currency) == (
        Decimal("91600.00"), Decimal("10992.00"), Decimal("3977.76"), Decimal("136569.76"), "INR",
    )


def test_vector_4_uae_per_gram_making(shop, owner, make_item, sell):
    shop.tax_regime, shop.currency, shop.vat_percent, shop.profit_percent = "AE", "AED", Decimal("5"), Decimal("0")
    shop.save()
    gold_rate_set(actor=owner, base_rate=Decimal("380.00"), base_fineness=916)
    item = make_item(fineness=916, gross_weight=Decimal("20.000"), stone_weight=Decimal("0"), making_mode="per_gram",
                     making_value=Decimal("15.00"), stone_value=Decimal("0"), cost=Decimal("0"))
    sale = sell(item, amount=Decimal("8295.00"))
    assert (sale.gold_total, sale.making_total, sale.tax_total, sale.total) == (
        Decimal("7600.00"), Decimal("300.00"), Decimal("395.00"), Decimal("8295.00"),
    )


def test_vector_5_trade_in_is_credited_as_an_old_gold_payment(shop, owner, make_item, sell):
    shop.tax_regime, shop.currency, shop.vat_percent, shop.profit_percent = "AE", "AED", Decimal("5"), Decimal("0")
    shop.save()
    # 7,500 per gram of 750 is 10,000.00 per gram of pure gold.
    gold_rate_set(actor=owner, base_rate=Decimal("7500.00"), base_fineness=750)
    item = make_item(gross_weight=Decimal("30.000"), stone_weight=Decimal("0"), stone_value=Decimal("0"), cost=Decimal("0"))
    trade_in = TradeInInput(weight=Decimal("20.000"), fineness=916, deduction_percent=Decimal("2"), description="old bangle")
    quote = sale_quote(lines=[LineInput(item_id=item.pk)], trade_ins=[trade_in])
    assert quote.credit == Decimal("179536.00")

    sale = sell(item, trade_ins=[trade_in], payments=[PaymentInput(method="card", amount=quote.total - quote.credit)])
    [stored] = sale.trade_ins.all()
    assert (stored.pure_weight, stored.pure_rate, stored.gross_value, stored.deduction, stored.value) == (
        Decimal("18.320"), Decimal("10000"), Decimal("183200.00"), Decimal("3664.00"), Decimal("179536.00"),
    )
    methods = {p.method: (p.amount, p.trade_in_id) for p in sale.payments.all()}
    assert methods == {"old_gold": (Decimal("179536.00"), stored.pk), "card": (quote.total - quote.credit, None)}
    assert fresh(sale).paid_total == fresh(sale).total == quote.total


def test_line_price_applies_quantity_to_every_component(shop, make_item, gold_rate):
    price = line_price(item=make_item(quantity=3), quantity=3, gold_rate=gold_rate, shop=shop, discount=Decimal("400"))
    assert (price.gold, price.making, price.tax, price.unit_price) == (
        Decimal("120000000"), Decimal("21600000"), Decimal("3751200"), VECTOR_1_TOTAL,
    )
    assert price.total == VECTOR_1_TOTAL * 3 - 400
    assert price.total == price.gold + price.making + price.profit + price.stones + price.fixed + price.tax - price.discount


def test_fixed_price_watch_is_taxed_on_its_price_and_needs_no_gold_rate(make_item, sell):
    watch = make_item(pricing_mode="fixed", fixed_price=Decimal("100000000"), making_value=Decimal("0"), stone_value=Decimal("0"))
    sale = sell(watch, amount=Decimal("110000000"))
    line = sale.lines.get()
    assert (line.fixed, line.tax, line.total, line.gold_rate_id, line.rate, line.making_mode) == (
        Decimal("100000000"), Decimal("10000000"), Decimal("110000000"), None, 0, "",
    )


# --------------------------------------------------------------------------
# what sale_create writes
# --------------------------------------------------------------------------


def test_sale_writes_lines_payments_ledger_and_outbox(make_item, gold_rate, sell, cashier, branch):
    customer = customer_create(full_name="مریم احمدی", phone="09121234567")
    ring = make_item(quantity=3)
    pendant = make_item(is_unique_piece=True)
    total = VECTOR_1_TOTAL * 3
    sale = sell(
        None,
        lines=[LineInput(item_id=ring.pk, quantity=2), LineInput(item_id=pendant.pk)],
        payments=[PaymentInput(method="cash", amount=Decimal("53754400")),
                  PaymentInput(method="card", amount=total - Decimal("53754400"), reference="slip 77")],
        customer=customer,
    )

    assert (sale.status, sale.source, sale.cashier, sale.customer, sale.branch) == ("completed", "web", cashier, customer, branch)
    assert sale.occurred_at <= sale.received_at and sale.currency == "IRR"
    assert [(line.line_no, line.quantity) for line in sale.lines.order_by("line_no")] == [(1, 2), (2, 1)]
    assert sorted((p.method, p.amount) for p in sale.payments.all()) == [
        ("card", total - Decimal("53754400")), ("cash", Decimal("53754400"))
    ]
    assert (fresh(ring).quantity, fresh(pendant).quantity, fresh(pendant).status) == (1, 0, "sold")
    moves = StockMovement.objects.filter(reference=str(sale.pk)).order_by("quantity_delta")
    assert [(m.item_id, m.quantity_delta, m.reason, m.actor) for m in moves] == [
        (ring.pk, -2, "sale", cashier), (pendant.pk, -1, "sale", cashier)
    ]
    assert item_ledger_sum(ring) == 1 and item_ledger_sum(pendant) == 0
    [event] = outbox("sale.applied", sale)
    assert event.payload | {"occurred_at": None} == {
        "sale_id": str(sale.pk), "customer_id": str(customer.pk), "total": str(total), "branch_id": str(branch.pk),
        "occurred_at": None, "invoice_number": sale.invoice_number, "source": "web",
    }


def test_same_item_on_two_lines_counts_against_its_stock_once(make_item, gold_rate, sell):
    item = make_item(quantity=2)
    lines = [LineInput(item_id=item.pk), LineInput(item_id=item.pk, quantity=2)]
    error = assert_error("insufficient_stock", sell, item, lines=lines)
    assert error.status == 409 and error.details[0]["available"] == 2 and error.details[0]["requested"] == 3
    sell(item, lines=[LineInput(item_id=item.pk), LineInput(item_id=item.pk)])
    assert fresh(item).quantity == 0


def test_a_sold_unique_piece_is_refused_with_a_clear_error(make_item, gold_rate, sell):
    piece = make_item(is_unique_piece=True)
    sell(piece)
    error = assert_error("item_unavailable", sell, piece, amount=VECTOR_1_TOTAL)
    assert error.status == 409
    assert error.details[0]["sku"] == piece.sku and "sold" in error.message
    assert Sale.objects.filter(lines__item=piece).count() == 1


def test_items_that_cannot_be_sold_here(make_item, gold_rate, sell, owner, other_branch, category):
    from apps.inventory.services import item_create, item_update
    from tests.vectors import RING

    elsewhere = item_create(**RING, sku="ELSE-1", category=category, branch=other_branch, actor=owner)
    assert_error("item_not_in_branch", sell, elsewhere, amount=VECTOR_1_TOTAL)
    gone = make_item()
    item_delete(actor=owner, item=gone)
    assert_error("item_deleted", sell, gone, amount=VECTOR_1_TOTAL)
    repair = make_item(quantity=2)
    item_update(actor=owner, item=repair, status="in_repair")
    assert_error("item_unavailable", sell, repair, amount=VECTOR_1_TOTAL)
    empty = make_item(quantity=0)
    assert_error("insufficient_stock", sell, empty, amount=VECTOR_1_TOTAL)

    import uuid

    assert assert_error("item_not_found", sell, None, lines=[LineInput(item_id=uuid.uuid4())], amount=Decimal(1)).status == 404
    assert not Sale.objects.exists()


def test_payments_must_equal_the_rounded_total(make_item, gold_rate, sell):
    item = make_item()
    error = assert_error(
        "payment_mismatch", sell, item,
        payments=[PaymentInput(method="cash", amount=Decimal("50000000")), PaymentInput(method="card", amount=Decimal("1000"))],
    )
    assert error.details[0]["expected"] == "53754400" and error.details[0]["given"] == "50001000"
    assert_error("payment_mismatch", sell, item, amount=VECTOR_1_TOTAL + 1)
    assert_error("invalid_payment", sell, item, payments=[PaymentInput(method="old_gold", amount=VECTOR_1_TOTAL)])
    assert_error("invalid_payment", sell, item, payments=[PaymentInput(method="cheque", amount=VECTOR_1_TOTAL)])
    assert_error("invalid_payment", sell, item, payments=[PaymentInput(method="cash", amount=Decimal("53754400.5"))])
    assert_error("invalid_payment", sell, item, payments=[PaymentInput(method="cash", amount=53754400.0)])
    # Nothing was written by the refused attempts, not even an invoice number.
    assert fresh(item).quantity == 1 and not Sale.objects.exists()
    assert not InvoiceCounter.objects.exists()


def test_store_credit_and_bank_transfer_are_payments_too(make_item, gold_rate, sell):
    from apps.customers.credit import store_credit_post

    customer = customer_create(full_name="Credit holder", phone="09123330001")
    store_credit_post(customer=customer, amount=Decimal("3754400"), reason="refund", reference="return:payments-too")
    sale = sell(make_item(), customer=customer,
                payments=[PaymentInput(method="store_credit", amount=Decimal("3754400")),
                          PaymentInput(method="bank_transfer", amount=Decimal("50000000"), reference="SATNA-1")])
    assert sorted(sale.payments.values_list("method", flat=True)) == ["bank_transfer", "store_credit"]
    assert fresh(customer).credit_balance == 0


def test_guards_on_who_where_and_when(make_item, gold_rate, sell, branch, other_branch, cashier):
    from apps.accounts.services import user_create
    from apps.branches.services import terminal_create
    from apps.customers.services import customer_update

    item = make_item()
    customer = customer_update(customer=customer_create(full_name="Gone", phone="09121111111"), is_deleted=True)
    assert_error("customer_not_found", sell, item, customer=customer)
    assert_error("invalid_terminal", sell, item, terminal=terminal_create(branch=other_branch, name="Elsewhere"))
    assert_error("invalid_occurred_at", sell, item, occurred_at=timezone.now() + timedelta(hours=1))
    assert_error("invalid_source", sell, item, source="fax")
    assert_error("empty_sale", sale_create, actor=cashier, branch=branch, lines=[], payments=[])
    assert_error("invalid_quantity", sell, item, lines=[LineInput(item_id=item.pk, quantity=0)])
    nobody = user_create(email="nobody@shop-a.test", password="x-Long-pass-1", role="cashier")
    nobody.is_active = False  # permissions come with the role (apps.accounts.backends); a switched-off account has none
    assert assert_error("permission_denied", sell, item, actor=nobody).status == 403

    terminal = terminal_create(branch=branch, name="Counter 1")
    sale = sell(item, terminal=terminal, source="api")
    assert (sale.terminal, sale.source) == (terminal, "api")


def test_a_backdated_sale_uses_the_rate_then_in_force(owner, make_item, sell):
    now = timezone.now()
    old = gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=now - timedelta(days=2))
    gold_rate_set(actor=owner, base_rate=Decimal("9000000"), effective_at=now - timedelta(days=1))
    sale = sell(make_item(), occurred_at=now - timedelta(days=1, hours=5), amount=VECTOR_1_TOTAL)
    assert sale.lines.get().gold_rate_id == old.pk and sale.total == VECTOR_1_TOTAL


def test_gold_needs_a_rate_on_the_board(shop, make_item, sell):
    item = make_item()
    assert_error("no_gold_rate", line_price, item=item, quantity=1, gold_rate=None, shop=shop)
    # Nothing was on the board ten years ago.
    long_ago = timezone.now() - timedelta(days=3650)
    assert_error("no_gold_rate", sell, item, amount=VECTOR_1_TOTAL, occurred_at=long_ago)


# --------------------------------------------------------------------------
# invoice numbers
# --------------------------------------------------------------------------


def test_invoice_numbers_are_per_branch_and_rolled_back_numbers_come_back(branch, other_branch):
    assert invoice_numbers_allocate(branch_id=branch.pk) == [1]
    assert invoice_numbers_allocate(branch_id=branch.pk, count=3) == [2, 3, 4]
    assert invoice_numbers_allocate(branch_id=other_branch.pk) == [1]
    with pytest.raises(RuntimeError), transaction.atomic():
        assert invoice_numbers_allocate(branch_id=branch.pk) == [5]
        raise RuntimeError("the sale failed after taking a number")
    assert invoice_numbers_allocate(branch_id=branch.pk) == [5]
    assert_error("invalid_count", invoice_numbers_allocate, branch_id=branch.pk, count=0)


def test_sales_are_numbered_without_gaps_even_when_one_fails(make_item, gold_rate, sell):
    first = sell(make_item())
    piece = make_item(is_unique_piece=True)
    sell(piece)
    assert_error("item_unavailable", sell, piece, amount=VECTOR_1_TOTAL)
    third = sell(make_item())
    assert third.invoice_number - first.invoice_number == 2


# --------------------------------------------------------------------------
# voids
# --------------------------------------------------------------------------


def test_manager_voids_a_sale_and_the_stock_comes_back(make_item, gold_rate, sell, manager):
    piece = make_item(is_unique_piece=True)
    sale = sell(piece)
    sale_void(actor=manager, sale=sale, reason="  wrong   customer ")

    stored = fresh(sale)
    assert (stored.status, stored.voided_by, stored.void_reason) == ("voided", manager, "wrong customer")
    assert stored.voided_at is not None and sale.status == "voided"
    assert (fresh(piece).quantity, fresh(piece).status) == (1, "in_stock")
    void_moves = StockMovement.objects.filter(reference=str(sale.pk), reason="void")
    assert [(m.item_id, m.quantity_delta, m.actor) for m in void_moves] == [(piece.pk, 1, manager)]
    assert item_ledger_sum(piece) == 1
    [audit] = AuditEntry.objects.filter(action="sales.sale_void", object_id=str(sale.pk))
    assert (audit.actor, audit.before, audit.after["status"], audit.note) == (manager, {"status": "completed"}, "voided", "wrong customer")
    [event] = outbox("sale.voided", sale)
    assert event.payload["total"] == "53754400"  # in the currency's minor unit (IRR: none), as sale.applied says it

    assert_error("sale_already_voided", sale_void, actor=manager, sale=sale, reason="again")
    assert fresh(piece).quantity == 1


def test_a_cashier_cannot_void_and_a_reason_is_required(make_item, gold_rate, sell, cashier, manager):
    sale = sell(make_item())
    assert_error("permission_denied", sale_void, actor=cashier, sale=sale, reason="oops")
    assert_error("reason_required", sale_void, actor=manager, sale=sale, reason=" ")
    assert fresh(sale).status == "completed"


# --------------------------------------------------------------------------
# returns
# --------------------------------------------------------------------------


def test_partial_then_full_return_refunds_the_invoice(shop, make_item, gold_rate, sell, manager):
    shop.rounding_increment, shop.rounding_mode = Decimal("10000"), "down"
    shop.save()
    ring, chain = make_item(quantity=3), make_item(quantity=1, making_value=Decimal("20"))
    sale = sell(None, lines=[LineInput(item_id=ring.pk, quantity=3, discount=Decimal("1")), LineInput(item_id=chain.pk)])
    ring_line, chain_line = sale.lines.order_by("line_no")
    assert ring_line.total == VECTOR_1_TOTAL * 3 - 1

    first = sale_return(actor=manager, sale=sale, lines=[(ring_line.pk, 1)], reason="too small")
    # A third of a line that does not split evenly: rounded half up.
    share = ((VECTOR_1_TOTAL * 3 - 1) / 3).quantize(Decimal(1))
    assert first.refund_total == share == first.lines.get().amount
    assert (fresh(sale).status, fresh(ring_line).returned_quantity, fresh(ring).quantity) == ("partially_returned", 1, 1)

    assert_error("return_exceeds_sold", sale_return, actor=manager, sale=sale, lines=[(ring_line.pk, 3)], reason="x")
    last = sale_return(actor=manager, sale=sale, lines=[(ring_line.pk, 2), (chain_line.pk, 1)], reason="changed mind")
    assert fresh(sale).status == "returned"
    # Everything paid comes back exactly once, invoice rounding included.
    assert first.refund_total + last.refund_total == fresh(sale).total
    assert sum(fresh(sale).lines.values_list("returned_quantity", flat=True)) == 4
    assert (fresh(ring).quantity, fresh(chain).quantity) == (3, 1)
    assert item_ledger_sum(ring) == 3
    moves = StockMovement.objects.filter(reference=str(sale.pk), reason="return")
    assert sorted((m.item_id == ring.pk, m.quantity_delta) for m in moves) == [(False, 1), (True, 1), (True, 2)]
    assert AuditEntry.objects.filter(action="sales.sale_return", object_id=str(sale.pk)).count() == 2
    assert len(outbox("sale.returned", sale)) == 2

    assert_error("return_exceeds_sold", sale_return, actor=manager, sale=sale, lines=[(chain_line.pk, 1)], reason="x")
    assert_error("sale_has_returns", sale_void, actor=manager, sale=sale, reason="x")


def test_return_guards(make_item, gold_rate, sell, cashier, manager):
    import uuid

    piece = make_item(is_unique_piece=True)
    sale = sell(piece)
    line = sale.lines.get()
    assert_error("permission_denied", sale_return, actor=cashier, sale=sale, lines=[(line.pk, 1)], reason="x")
    assert_error("sale_line_not_found", sale_return, actor=manager, sale=sale, lines=[(uuid.uuid4(), 1)], reason="x")
    assert_error("invalid_quantity", sale_return, actor=manager, sale=sale, lines=[(line.pk, 0)], reason="x")
    assert_error("empty_return", sale_return, actor=manager, sale=sale, lines=[], reason="x")

    returned = sale_return(actor=manager, sale=sale, lines=[(line.pk, 1)], reason="broken clasp")
    assert returned.refund_total == sale.total
    assert (fresh(piece).quantity, fresh(piece).status) == (1, "in_stock")
    # Back in stock, the piece can be sold again.
    again = sell(piece)
    assert again.status == "completed" and fresh(piece).status == "sold"

    voided = sell(make_item())
    sale_void(actor=manager, sale=voided, reason="test")
    assert_error("sale_voided", sale_return, actor=manager, sale=voided, lines=[(voided.lines.get().pk, 1)], reason="x")


# --------------------------------------------------------------------------
# selectors
# --------------------------------------------------------------------------


def test_sale_list_filters_and_loads_everything_in_few_queries(
    make_item, gold_rate, sell, branch, manager, django_assert_max_num_queries
):
    customer = customer_create(full_name="Sara", phone="09351112233")
    kept = sell(make_item(), customer=customer)
    voided = sell(make_item())
    sale_void(actor=manager, sale=voided, reason="test")
    old = sell(make_item(), occurred_at=timezone.now() - timedelta(days=10), amount=None)

    with django_assert_max_num_queries(5):
        sales = list(sale_list(filters={"branch_id": branch.pk}))
        assert [s.pk for s in sales] == [voided.pk, kept.pk, old.pk]
        assert all(s.lines.all()[0].item.sku and s.branch.name for s in sales)
    assert [s.pk for s in sale_list(filters={"status": "voided"})] == [voided.pk]
    assert [s.pk for s in sale_list(filters={"customer_id": str(customer.pk)})] == [kept.pk]
    assert [s.pk for s in sale_list(filters={"search": "935111"})] == [kept.pk]
    assert [s.pk for s in sale_list(filters={"search": str(old.invoice_number)})] == [old.pk]
    recent = sale_list(filters={"date_from": (timezone.now() - timedelta(days=1)).date()})
    assert {s.pk for s in recent} == {kept.pk, voided.pk}
    assert [s.pk for s in sale_list(filters={"date_to": (timezone.now() - timedelta(days=9)).date()})] == [old.pk]
    assert_error("invalid_filter", sale_list, filters={"colour": "red"})
    assert_error("invalid_filter", sale_list, filters={"status": "lost"})

    assert sale_get(sale_id=kept.pk).customer == customer
    assert_error("sale_not_found", sale_get, sale_id="not-a-uuid")
