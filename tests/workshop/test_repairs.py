"""Repair tickets through the services, as the counter takes them in: the
price list, deposits (a real payment, never more than the estimate), the
craftsman, status changes with who and when, gold added or taken priced at
the board, and closing a ticket with its deposit refunded or kept as credit.
Bad input is a clear error and changes nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.workshop.models import RepairDeposit, RepairMetal, RepairPrice, RepairStatus, RepairTicket, TicketCounter
from apps.workshop.services import (
    DepositInput,
    ServiceInput,
    craftsman_create,
    repair_deposit_take,
    repair_metal_record,
    repair_price_set,
    repair_ticket_assign,
    repair_ticket_close,
    repair_ticket_create,
    repair_ticket_move,
)
from tests.helpers import assert_error, fresh, staff


def _snapshot(ticket):
    ticket = fresh(ticket)
    return (ticket.status, ticket.estimate, ticket.deposit_balance, ticket.craftsman_id, ticket.deposits.count(),
            ticket.metal.count(), ticket.changes.count(), ticket.customer.credit_balance)


def test_intake_prices_from_the_list_numbers_per_branch_and_takes_a_deposit(intake):
    before = TicketCounter.objects.get(branch=intake["branch"]).last_number  # the world's ring is in already
    first = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("1000000")))
    second = repair_ticket_create(**{**intake, "services": [ServiceInput("soldering", price=Decimal("250000"))]})
    first, second = fresh(first), fresh(second)
    assert (first.number, second.number) == (before + 1, before + 2)
    assert first.label == f"{first.branch.code}-W-{before + 1:06d}"
    assert first.estimate == Decimal("2000000") and second.estimate == Decimal("250000")
    assert [(line.kind, line.price, line.note) for line in first.lines.order_by("price")] == [
        ("polishing", Decimal("500000.00"), ""), ("sizing", Decimal("1500000.00"), "52 to 56")]
    assert first.deposit_balance == Decimal("1000000") and first.deposits.get().method == "cash"
    assert first.status == RepairStatus.RECEIVED and first.changes.get().actor == intake["actor"]
    assert AuditEntry.objects.filter(object_id=str(first.pk), action="workshop.intake").exists()


def test_the_life_of_a_ticket_is_recorded_with_who_and_when(intake):
    ticket = repair_ticket_create(**intake)
    worker, manager = staff("a", "cashier"), staff("a", "manager")
    repair_ticket_move(actor=worker, ticket=ticket, to=RepairStatus.IN_WORK)
    repair_ticket_move(actor=manager, ticket=ticket, to=RepairStatus.READY, note="polished")
    repair_ticket_move(actor=manager, ticket=ticket, to=RepairStatus.IN_WORK, note="stone loose")
    changes = list(fresh(ticket).changes.values_list("from_status", "to_status", "actor__role", "note"))
    assert changes == [("", "received", "cashier", ""), ("received", "in_work", "cashier", ""),
                       ("in_work", "ready", "manager", "polished"), ("ready", "in_work", "manager", "stone loose")]
    assert AuditEntry.objects.filter(object_id=str(ticket.pk), action="workshop.status").count() == 3
    assert_error("invalid_move", repair_ticket_move, actor=worker, ticket=ticket, to=RepairStatus.COLLECTED)
    assert_error("invalid_move", repair_ticket_move, actor=worker, ticket=ticket, to=RepairStatus.RECEIVED)


def test_deposits_never_come_to_more_than_the_estimate(intake):
    ticket = repair_ticket_create(**intake, deposit=DepositInput("card", Decimal("1500000"), "slip 4"))
    before = _snapshot(ticket)
    error = assert_error("deposit_over_estimate", repair_deposit_take, actor=intake["actor"], ticket=ticket,
                         deposit=DepositInput("cash", Decimal("500001")))
    assert error.details[0]["held"] == "1500000.00"
    assert _snapshot(ticket) == before
    repair_deposit_take(actor=intake["actor"], ticket=ticket, deposit=DepositInput("cash", Decimal("500000")))
    assert fresh(ticket).deposit_balance == fresh(ticket).estimate == Decimal("2000000")


@pytest.mark.parametrize("deposit, code", [
    (DepositInput("cash", Decimal("0")), "invalid_amount"),
    (DepositInput("cash", Decimal("-5")), "invalid_amount"),
    (DepositInput("cash", Decimal("10.5")), "invalid_amount"),  # IRR has no minor unit
    (DepositInput("old_gold", Decimal("1000")), "invalid_payment"),
    (DepositInput("store_credit", Decimal("1000")), "insufficient_credit"),
])
def test_a_bad_deposit_is_refused_and_changes_nothing(intake, deposit, code):
    ticket = repair_ticket_create(**intake)
    before = _snapshot(ticket)
    assert_error(code, repair_deposit_take, actor=intake["actor"], ticket=ticket, deposit=deposit)
    assert _snapshot(ticket) == before


@pytest.mark.parametrize("change, code", [
    ({"gross_weight": Decimal("-1")}, "invalid_weight"),
    ({"gross_weight": Decimal("0")}, "invalid_weight"),
    ({"gross_weight": 3.25}, "invalid_weight"),  # a float is not an exact weight
    ({"fineness": 1001}, "invalid_fineness"),
    ({"services": []}, "no_services"),
    ({"services": [ServiceInput("welding")]}, "invalid_service"),
    ({"services": [ServiceInput("sizing", price=Decimal("-1"))]}, "invalid_amount"),
    ({"description": "  "}, "invalid_description"),
    ({"promised_on": timezone.localdate() - timedelta(days=1)}, "invalid_promised_on"),
])
def test_a_bad_intake_is_refused_and_saves_nothing(intake, change, code):
    before = (RepairTicket.objects.count(), list(TicketCounter.objects.values_list("last_number", flat=True)))
    assert_error(code, repair_ticket_create, **{**intake, **change})
    assert (RepairTicket.objects.count(), list(TicketCounter.objects.values_list("last_number", flat=True))) == before


def test_a_deposit_over_the_estimate_at_intake_saves_no_ticket(intake):
    before = (RepairTicket.objects.count(), RepairDeposit.objects.count())
    assert_error("deposit_over_estimate", repair_ticket_create, **intake, deposit=DepositInput("cash", Decimal("2000001")))
    assert (RepairTicket.objects.count(), RepairDeposit.objects.count()) == before


def test_gold_added_and_taken_is_priced_at_the_board_in_fine_grams(intake):
    ticket = repair_ticket_create(**intake)
    added = repair_metal_record(actor=intake["actor"], ticket=ticket, weight=Decimal("0.400"), fineness=750, note="shank")
    taken = repair_metal_record(actor=intake["actor"], ticket=ticket, weight=Decimal("-0.100"), fineness=750)
    # The board: 8,000,000 a gram at 750, so 10,666,666.6667 at 1000 (rounded to 4 places).
    assert added.rate == Decimal("10666666.6667")
    assert (added.fine_weight, added.value) == (Decimal("0.300"), Decimal("3200000"))
    assert (taken.fine_weight, taken.value) == (Decimal("-0.075"), Decimal("-800000"))
    assert RepairMetal.objects.filter(ticket=ticket).count() == 2
    for weight, code in ((Decimal("0"), "invalid_weight"), (Decimal("-3.250"), "invalid_weight"), (0.1, "invalid_weight")):
        assert_error(code, repair_metal_record, actor=intake["actor"], ticket=ticket, weight=weight, fineness=750)
    assert RepairMetal.objects.filter(ticket=ticket).count() == 2


def test_cancel_refunds_the_deposit(intake):
    ticket = repair_ticket_create(**intake, deposit=DepositInput("card", Decimal("700000")))
    assert_error("invalid_deposit_outcome", repair_ticket_close, actor=intake["actor"], ticket=ticket, to="cancelled",
                 deposit="", note="customer changed mind")
    assert_error("invalid_refund_method", repair_ticket_close, actor=intake["actor"], ticket=ticket, to="cancelled",
                 deposit="refund", note="customer changed mind")
    assert_error("invalid_note", repair_ticket_close, actor=intake["actor"], ticket=ticket, to="cancelled",
                 deposit="refund", refund_method="card")
    assert fresh(ticket).status == RepairStatus.RECEIVED
    repair_ticket_close(actor=intake["actor"], ticket=ticket, to="cancelled", deposit="refund", refund_method="card",
                        note="customer changed mind")
    ticket = fresh(ticket)
    assert ticket.status == RepairStatus.CANCELLED and ticket.deposit_balance == 0
    assert sorted(ticket.deposits.values_list("method", "amount")) == [("card", Decimal("-700000")), ("card", Decimal("700000"))]
    for call, kwargs in ((repair_deposit_take, {"deposit": DepositInput("cash", Decimal("1"))}),
                         (repair_ticket_move, {"to": "in_work"}), (repair_metal_record, {"weight": Decimal("1"), "fineness": 750})):
        assert_error("ticket_closed", call, actor=intake["actor"], ticket=ticket, **kwargs)


def test_returned_unrepaired_keeps_the_deposit_as_store_credit(intake):
    ticket = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("900000")))
    customer = intake["customer"]
    repair_ticket_close(actor=intake["actor"], ticket=ticket, to="returned", deposit="credit")
    assert fresh(customer).credit_balance == customer.credit_balance + Decimal("900000")
    entry = fresh(customer).credit_entries.get(reason="deposit")
    assert entry.amount == Decimal("900000") and entry.reference == f"repair:{ticket.pk}"
    assert fresh(ticket).status == RepairStatus.RETURNED and fresh(ticket).deposit_balance == 0
    # And spent again on the next ticket's deposit.
    again = repair_ticket_create(**intake, deposit=DepositInput("store_credit", Decimal("900000")))
    assert fresh(again).deposit_balance == Decimal("900000") and fresh(customer).credit_balance == customer.credit_balance


def test_roles(intake):
    cashier = intake["actor"]
    assert_error("permission_denied", repair_price_set, actor=cashier, kind="sizing", price=Decimal("1"))
    assert_error("permission_denied", craftsman_create, actor=cashier, name="Ali")
    assert RepairPrice.objects.get(kind="sizing").price == Decimal("1500000")
    ticket = repair_ticket_create(**intake)
    other = craftsman_create(actor=staff("a", "owner"), name="Sara")
    repair_ticket_assign(actor=cashier, ticket=ticket, craftsman=other)
    assert fresh(ticket).craftsman == other
