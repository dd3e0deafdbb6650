"""Pickup: a ready repair is invoiced through the sale writer (apps.sales.work)
with the branch's next invoice number, its labour taxed, the gold added
billed, the gold taken and the deposit credited, the rest paid; reports,
loyalty and the outbox see it as a sale. Bad input changes nothing."""
from decimal import Decimal

import pytest

from apps.core.models import OutboxEvent
from apps.inventory.models import StockMovement
from apps.reports.selectors import figures
from apps.reports.selectors.periods import Period, today
from apps.reports.selectors.sales import period_sales
from apps.sales.models import InvoiceCounter, Sale
from apps.sales.reversals import sale_return, sale_void
from apps.sales.services import PaymentInput
from apps.workshop.models import RepairStatus
from apps.workshop.services import (
    DepositInput,
    repair_metal_record,
    repair_ticket_collect,
    repair_ticket_create,
    repair_ticket_move,
)
from tests.helpers import assert_error, fresh, staff, staff_client


@pytest.fixture
def ready(intake):
    """Sizing (1,500,000) and polishing (500,000), a deposit of 1,000,000,
    0.4 g of 750 added (3,200,000) and 0.1 g taken (800,000): ready."""
    ticket = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("1000000")))
    actor = intake["actor"]
    repair_ticket_move(actor=actor, ticket=ticket, to=RepairStatus.IN_WORK)
    repair_metal_record(actor=actor, ticket=ticket, weight=Decimal("0.400"), fineness=750, note="new shank")
    repair_metal_record(actor=actor, ticket=ticket, weight=Decimal("-0.100"), fineness=750)
    repair_ticket_move(actor=actor, ticket=ticket, to=RepairStatus.READY)
    return fresh(ticket)


def _counter(branch_id) -> int:
    row = InvoiceCounter.objects.filter(branch_id=branch_id).first()
    return row.last_number if row else 0


def test_pickup_invoices_the_work_and_credits_deposit_and_gold(ready, intake):
    invoices_before, moves_before = _counter(ready.branch_id), StockMovement.objects.count()
    day_before = period_sales(Period(today(), today())).totals
    ticket = repair_ticket_collect(actor=intake["actor"], ticket=ready, payments=[PaymentInput("card", Decimal("3600000"), "slip 8")])

    sale = Sale.objects.get(pk=fresh(ticket).sale_id)
    assert fresh(ticket).status == RepairStatus.COLLECTED and fresh(ticket).deposit_balance == 0
    assert sale.source == "workshop" and sale.invoice_number == invoices_before + 1 and sale.receipt_number == ready.label
    lines = list(sale.lines.order_by("line_no").values_list("item_id", "fixed", "gold", "tax", "total"))
    assert sorted(lines, key=lambda line: line[4]) == [
        (None, Decimal("500000"), Decimal("0"), Decimal("50000"), Decimal("550000")),
        (None, Decimal("1500000"), Decimal("0"), Decimal("150000"), Decimal("1650000")),
        (None, Decimal("0"), Decimal("3200000"), Decimal("0"), Decimal("3200000")),  # raw gold is not taxed in Iran
    ]
    assert sale.total == Decimal("5400000")
    assert sorted(sale.payments.values_list("method", "amount")) == [
        ("card", Decimal("3600000")), ("deposit", Decimal("1000000")), ("old_gold", Decimal("800000"))]
    assert sale.trade_ins.get().pure_weight == Decimal("0.075")
    assert StockMovement.objects.count() == moves_before  # no item, no stock
    assert OutboxEvent.objects.filter(topic="sale.applied", payload__sale_id=str(sale.pk)).exists()
    assert fresh(ticket).changes.last().note == f"Invoice {sale.invoice_label}"
    # The day's figures count it; the items' reports leave its lines out.
    day = period_sales(Period(today(), today())).totals
    assert (day["sales_count"], day["gross_total"]) == (day_before["sales_count"] + 1, day_before["gross_total"] + sale.total)
    assert all(row["item_id"] is not None for row in figures.lines_by_item(start=Period(today(), today()).start,
                                                                           end=Period(today(), today()).end))
    # Its invoice reads like any other, through the API.
    answer = staff_client("a", "manager").get(f"/api/v1/sales/{sale.pk}/")
    assert answer.status_code == 200 and {line["sku"] for line in answer.json()["lines"]} == {None}


def test_a_workshop_invoice_is_neither_voided_nor_returned(ready, intake):
    ticket = repair_ticket_collect(actor=intake["actor"], ticket=ready, payments=[PaymentInput("cash", Decimal("3600000"))])
    sale = fresh(ticket).sale
    manager = staff("a", "manager")
    assert_error("workshop_invoice", sale_void, actor=manager, sale=sale, reason="mistake")
    assert_error("workshop_invoice", sale_return, actor=manager, sale=sale, lines=[(sale.lines.first().pk, 1)], reason="no")
    assert fresh(sale).status == "completed"


@pytest.mark.parametrize("payments, code", [
    ([PaymentInput("cash", Decimal("3599999"))], "payment_mismatch"),
    ([], "payment_mismatch"),
    ([PaymentInput("deposit", Decimal("3600000"))], "invalid_payment"),  # a deposit is credited, not entered
    ([PaymentInput("cash", Decimal("-1"))], "invalid_payment"),
])
def test_a_bad_pickup_changes_nothing(ready, intake, payments, code):
    invoices_before = _counter(ready.branch_id)
    assert_error(code, repair_ticket_collect, actor=intake["actor"], ticket=ready, payments=payments)
    ticket = fresh(ready)
    assert ticket.status == RepairStatus.READY and ticket.sale_id is None and ticket.deposit_balance == Decimal("1000000")
    assert _counter(ready.branch_id) == invoices_before


def test_only_a_ready_ticket_is_collected(intake):
    ticket = repair_ticket_create(**intake)
    assert_error("ticket_not_ready", repair_ticket_collect, actor=intake["actor"], ticket=ticket,
                 payments=[PaymentInput("cash", Decimal("2200000"))])
    assert fresh(ticket).status == RepairStatus.RECEIVED and fresh(ticket).sale_id is None


def test_final_labour_below_the_deposit_pays_the_difference_out(intake):
    """The deposit covered the estimate; the work came cheaper: the customer
    is owed the difference, kept here as store credit."""
    ticket = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("2000000")))
    actor = intake["actor"]
    repair_ticket_move(actor=actor, ticket=ticket, to=RepairStatus.IN_WORK)
    repair_ticket_move(actor=actor, ticket=ticket, to=RepairStatus.READY)
    sizing, polishing = sorted(fresh(ticket).lines.all(), key=lambda line: line.kind == "polishing")
    final = {sizing.pk: Decimal("1000000"), polishing.pk: Decimal("0")}  # polishing waived
    assert_error("payout_method_required", repair_ticket_collect, actor=actor, ticket=ticket, labour=final)
    credit_before = intake["customer"].credit_balance
    collected = repair_ticket_collect(actor=actor, ticket=ticket, labour=final, payout_method="store_credit")
    sale = fresh(collected).sale
    assert sale.total == Decimal("1100000") and sale.payout_total == Decimal("900000")
    assert fresh(intake["customer"]).credit_balance == credit_before + Decimal("900000")
    entry = intake["customer"].credit_entries.get(reference=f"sale:{sale.pk}")
    assert (entry.reason, entry.amount) == ("deposit", Decimal("900000"))  # the deposit's excess, not old gold
