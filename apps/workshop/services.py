"""
Every write of the workshop's repairs: intake, deposits, the craftsman,
status changes, gold added or taken in the work, pickup (invoiced through
the sale writer, `apps.sales.work`), and closing a ticket that is not
collected (given back unrepaired, or cancelled) with its deposit refunded
or kept as the customer's store credit.

A ticket's writes lock its row first (`lock_objects.ticket_lock`), so its
estimate, deposit balance and status are read and changed by one writer at a
time. Every change is audited (`apps.core.services.audit_record`) and every
status change is a `RepairStatusChange` row.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.core.timezones import shop_today
from apps.customers.credit import store_credit_post
from apps.customers.models import Customer, StoreCreditEntry
from apps.inventory import pricing, validation
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness
from apps.inventory.shop_pricing import PURE_FINENESS, RATE_QUANTUM, TradeInPrice, checked_in_currency, tax_rules_for_shop
from apps.sales import rules
from apps.sales.work import WorkLine, WorkQuote, work_quote, work_sale_create
from apps.workshop.lock_objects import ticket_lock
from apps.workshop.models import (
    REPAIR_MOVES,
    AppraisalCounter,
    Craftsman,
    DepositMethod,
    RepairDeposit,
    RepairLine,
    RepairMetal,
    RepairPrice,
    RepairStatus,
    RepairStatusChange,
    RepairTicket,
    ServiceKind,
    TicketCounter,
)

SELL = "accounts.sell"
MANAGE = "accounts.manage_workshop"
MAX_LINES = 20
_ZERO = Decimal(0)

_NEXT_NUMBER_SQL = """
INSERT INTO {table} (branch_id, last_number) VALUES (%s, 1)
ON CONFLICT (branch_id) DO UPDATE SET last_number = {table}.last_number + 1
RETURNING last_number
"""


@dataclass(frozen=True)
class ServiceInput:
    kind: str
    note: str = ""
    price: Decimal | None = None  # default: the shop's price list


@dataclass(frozen=True)
class DepositInput:
    method: str
    amount: Decimal
    reference: str = ""


def _shop():
    return connection.tenant


def _money(value, *, field: str, positive: bool = False) -> Decimal:
    quantum = Decimal(1).scaleb(-tax_rules_for_shop(_shop()).exponent)
    return checked_in_currency(value, code="invalid_amount", quantum=quantum, strictly_positive=positive, field=field,
                               message=f"{field}: an amount in whole minor units of the shop currency, "
                                       f"{'above' if positive else 'at least'} zero.")


def _service_lines(services) -> list[RepairLine]:
    services = list(services)
    if not services:
        raise ApplicationError("no_services", "Choose at least one service.",
                               details=[{"field": "services", "code": "required", "message": "At least one."}])
    if len(services) > MAX_LINES:
        raise ApplicationError("too_many_services", f"At most {MAX_LINES} services on a ticket.")
    prices = dict(RepairPrice.objects.values_list("kind", "price"))
    lines = []
    for index, service in enumerate(services):
        field = f"services[{index}]"
        if service.kind not in ServiceKind.values:
            raise ApplicationError("invalid_service", f"Unknown service '{service.kind}'.",
                                   details=[{"field": f"{field}.kind", "code": "invalid", "message": "Unknown service."}])
        price = prices.get(service.kind, _ZERO) if service.price is None else _money(service.price, field=f"{field}.price")
        lines.append(RepairLine(kind=service.kind, price=price,
                                note=validation.text(service.note, field=f"{field}.note", code="invalid_note",
                                                     max_length=255, required=False)))
    return lines


def next_number(counter: type[TicketCounter | AppraisalCounter], branch: Branch) -> int:
    """The branch's next number in `counter` (tickets, appraisals); the
    counter row stays locked until the caller commits, so numbers have no gaps."""
    table = connection.ops.quote_name(counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL.format(table=table), [branch.pk])
        return cursor.fetchone()[0]


def _status_change(ticket: RepairTicket, *, actor, to: str, note: str = "", also: tuple[str, ...] = ()) -> None:
    """Moves `ticket` to `to`, saving the fields `also` changed with it."""
    before = ticket.status
    RepairStatusChange.objects.create(ticket=ticket, from_status=before, to_status=to, actor=actor, note=note[:255])
    ticket.status = to
    ticket.save(update_fields=["status", "updated_at", *also])
    audit_record(actor=actor, action="workshop.status", obj=ticket, before={"status": before}, after={"status": to},
                 note=note[:255])


@transaction.atomic
def repair_ticket_create(*, actor, branch: Branch, customer: Customer, description: str, gross_weight, fineness,
                         services, promised_on: date, craftsman: Craftsman | None = None, note: str = "",
                         deposit: DepositInput | None = None) -> RepairTicket:
    """Takes a piece in at the counter: what it is, weighed, the services
    asked (at the price list's prices unless given), when it is promised, who
    works on it, and a deposit if one is paid now."""
    rules.require_perm(actor, SELL, "take repairs in")
    if not isinstance(branch, Branch) or not branch.is_active:
        raise ApplicationError("invalid_branch", "Take repairs in at an open branch.")
    if not isinstance(customer, Customer) or customer.is_deleted:
        raise ApplicationError("customer_not_found", "The customer does not exist or has been deleted.", status=404)
    if craftsman is not None and not craftsman.is_active:
        raise ApplicationError("craftsman_inactive", f"{craftsman.name} no longer takes work.")
    if not isinstance(promised_on, date) or promised_on < shop_today():
        raise ApplicationError("invalid_promised_on", "The promised date cannot be in the past.",
                               details=[{"field": "promised_on", "code": "past", "message": "Today or later."}])
    weight = validation.weight(gross_weight, "gross_weight")
    if weight <= 0:
        raise ApplicationError("invalid_weight", "Weigh the piece: its weight must be above zero.",
                               details=[{"field": "gross_weight", "code": "invalid_weight", "message": "Above zero."}])
    lines = _service_lines(services)
    ticket = RepairTicket(
        branch=branch, customer=customer, craftsman=craftsman, promised_on=promised_on, created_by=actor,
        description=validation.text(description, field="description", code="invalid_description", max_length=255),
        gross_weight=weight, fineness=validation.fineness(fineness),
        note=validation.text(note, field="note", code="invalid_note", max_length=2000, required=False),
        estimate=sum((line.price for line in lines), _ZERO), status=RepairStatus.RECEIVED,
    )
    ticket.number = next_number(TicketCounter, branch)
    ticket.save(force_insert=True)
    for line in lines:
        line.ticket = ticket
    RepairLine.objects.bulk_create(lines)
    RepairStatusChange.objects.create(ticket=ticket, from_status="", to_status=RepairStatus.RECEIVED, actor=actor)
    audit_record(actor=actor, action="workshop.intake", obj=ticket,
                 after={"label": ticket.label, "estimate": ticket.estimate, "services": [line.kind for line in lines]})
    if deposit is not None:
        _deposit(ticket, actor=actor, deposit=deposit)
    return ticket


def _deposit(ticket: RepairTicket, *, actor, deposit: DepositInput) -> RepairDeposit:
    if deposit.method not in DepositMethod.values:
        raise ApplicationError("invalid_payment", f"Unknown payment method '{deposit.method}'.",
                               details=[{"field": "deposit.method", "code": "invalid_method", "message": "Unknown method."}])
    amount = _money(deposit.amount, field="deposit.amount", positive=True)
    if ticket.deposit_balance + amount > ticket.estimate:
        raise ApplicationError(
            "deposit_over_estimate", f"Deposits would come to {ticket.deposit_balance + amount}, over the estimate of {ticket.estimate}.",
            status=409, details=[{"field": "deposit.amount", "code": "over_estimate", "estimate": str(ticket.estimate),
                                  "held": str(ticket.deposit_balance), "message": "At most the estimate."}],
        )
    row = RepairDeposit.objects.create(
        ticket=ticket, method=deposit.method, amount=amount, actor=actor,
        reference=validation.text(deposit.reference, field="deposit.reference", code="invalid_reference", max_length=120,
                                  required=False),
    )
    if deposit.method == DepositMethod.STORE_CREDIT:
        store_credit_post(customer=ticket.customer, amount=-amount, reason=StoreCreditEntry.Reason.SPEND,
                          reference=f"repair-deposit:{row.pk}", actor=actor)
    ticket.deposit_balance += amount
    ticket.save(update_fields=["deposit_balance", "updated_at"])
    audit_record(actor=actor, action="workshop.deposit", obj=ticket, after={"method": row.method, "amount": amount})
    return row


@transaction.atomic
def repair_deposit_take(*, actor, ticket: RepairTicket, deposit: DepositInput) -> RepairDeposit:
    """Money paid on an open ticket before pickup; the deposits never come to
    more than the estimate (`deposit_over_estimate`)."""
    rules.require_perm(actor, SELL, "take deposits")
    locked = _open(ticket)
    return _deposit(locked, actor=actor, deposit=deposit)


def _open(ticket: RepairTicket) -> RepairTicket:
    locked = ticket_lock(ticket_id=ticket.pk)
    if locked.status not in REPAIR_MOVES:
        raise ApplicationError("ticket_closed", f"Ticket {locked.label} is {locked.get_status_display().lower()}.", status=409)
    return locked


@transaction.atomic
def repair_ticket_assign(*, actor, ticket: RepairTicket, craftsman: Craftsman | None) -> RepairTicket:
    rules.require_perm(actor, SELL, "assign repairs")
    locked = _open(ticket)
    if craftsman is not None and not craftsman.is_active:
        raise ApplicationError("craftsman_inactive", f"{craftsman.name} no longer takes work.")
    before = locked.craftsman.name if locked.craftsman else None
    locked.craftsman = craftsman
    locked.save(update_fields=["craftsman", "updated_at"])
    audit_record(actor=actor, action="workshop.assign", obj=locked, before={"craftsman": before},
                 after={"craftsman": craftsman.name if craftsman else None})
    return locked


@transaction.atomic
def repair_ticket_move(*, actor, ticket: RepairTicket, to: str, note: str = "") -> RepairTicket:
    """In work, ready, or back to work from ready. Collecting is a pickup,
    giving back or cancelling is `repair_ticket_close`: both settle money."""
    rules.require_perm(actor, SELL, "move repairs")
    locked = _open(ticket)
    if to not in (RepairStatus.IN_WORK, RepairStatus.READY) or to not in REPAIR_MOVES[locked.status]:
        raise ApplicationError("invalid_move", f"Ticket {locked.label} cannot go from {locked.status} to {to}.", status=409)
    _status_change(locked, actor=actor, to=to, note=validation.text(note, field="note", code="invalid_note", max_length=255,
                                                                     required=False))
    return locked


class DepositOutcome:
    REFUND = "refund"  # paid back, in `refund_method`
    CREDIT = "credit"  # kept as the customer's store credit


@transaction.atomic
def repair_ticket_close(*, actor, ticket: RepairTicket, to: str, deposit: str, refund_method: str = "",
                        note: str = "") -> RepairTicket:
    """Gives the piece back unrepaired (`returned`) or cancels the ticket
    (saying why), and settles the deposit held: refunded in cash, by card or
    transfer, or kept as the customer's store credit."""
    rules.require_perm(actor, SELL, "close repairs")
    if to not in (RepairStatus.RETURNED, RepairStatus.CANCELLED):
        raise ApplicationError("invalid_move", "Close a ticket as returned or cancelled.")
    note = validation.text(note, field="note", code="invalid_note", max_length=255, required=to == RepairStatus.CANCELLED)
    locked = _open(ticket)
    held = locked.deposit_balance
    if held:
        if deposit == DepositOutcome.REFUND:
            if refund_method not in (DepositMethod.CASH, DepositMethod.CARD, DepositMethod.BANK_TRANSFER):
                raise ApplicationError("invalid_refund_method", "Refund in cash, by card or by bank transfer.", status=409,
                                       details=[{"field": "refund_method", "code": "required", "message": "Choose how."}])
            RepairDeposit.objects.create(ticket=locked, method=refund_method, amount=-held, actor=actor, reference="refund")
        elif deposit == DepositOutcome.CREDIT:
            RepairDeposit.objects.create(ticket=locked, method=DepositMethod.STORE_CREDIT, amount=-held, actor=actor,
                                         reference="kept as store credit")
            store_credit_post(customer=locked.customer, amount=held, reason=StoreCreditEntry.Reason.DEPOSIT,
                              reference=f"repair:{locked.pk}", actor=actor)
        else:
            raise ApplicationError("invalid_deposit_outcome", "Say what happens to the deposit: refund it or keep it as credit.",
                                   status=409, details=[{"field": "deposit", "code": "required", "held": str(held), "message": "Choose."}])
        locked.deposit_balance = _ZERO
        locked.save(update_fields=["deposit_balance", "updated_at"])
        audit_record(actor=actor, action="workshop.deposit_settled", obj=locked, before={"held": held},
                     after={"outcome": deposit, "method": refund_method})
    _status_change(locked, actor=actor, to=to, note=note)
    return locked


@transaction.atomic
def repair_metal_record(*, actor, ticket: RepairTicket, weight, fineness, note: str = "") -> RepairMetal:
    """Gold the work added (positive grams) or took away (negative), on its
    fine content at the board's fineness-1000 rate of now: the customer pays
    for gold added and is credited for gold taken."""
    rules.require_perm(actor, SELL, "record workshop gold")
    locked = _open(ticket)
    grams = validation.weight_change(weight, "weight")
    if not grams:
        raise ApplicationError("invalid_weight", "Record gold added (positive grams) or removed (negative).",
                               details=[{"field": "weight", "code": "invalid_weight", "message": "Not zero."}])
    if grams < 0 and -grams >= locked.gross_weight:
        raise ApplicationError("invalid_weight", f"The piece weighed {locked.gross_weight} g; it cannot lose {-grams} g.", status=409,
                               details=[{"field": "weight", "code": "more_than_piece", "message": "More than the piece."}])
    fineness = validation.fineness(fineness)
    board = gold_rate_current()
    if board is None:
        raise ApplicationError("no_gold_rate", "No gold rate has been set yet; set one before pricing gold.", status=409)
    pure_rate = gold_rate_for_fineness(gold_rate=board, fineness=PURE_FINENESS).quantize(RATE_QUANTUM, ROUND_HALF_UP)
    valued = pricing.trade_in_value(weight=abs(grams), fineness=fineness, pure_rate=pure_rate, deduction_percent=_ZERO,
                                    currency=_shop().currency)
    sign = 1 if grams > 0 else -1
    row = RepairMetal.objects.create(
        ticket=locked, weight=grams, fineness=fineness, fine_weight=sign * valued.pure_weight, gold_rate=board,
        rate=pure_rate, value=sign * valued.value, actor=actor,
        note=validation.text(note, field="note", code="invalid_note", max_length=255, required=False),
    )
    audit_record(actor=actor, action="workshop.metal", obj=locked,
                 after={"weight": grams, "fineness": fineness, "fine_weight": row.fine_weight, "value": row.value})
    return row


@transaction.atomic
def repair_price_set(*, actor, kind: str, price) -> RepairPrice:
    rules.require_perm(actor, MANAGE, "set workshop prices")
    if kind not in ServiceKind.values:
        raise ApplicationError("invalid_service", f"Unknown service '{kind}'.")
    row = RepairPrice.objects.select_for_update().get(kind=kind)  # a row per kind, from migration 0002
    before, row.price = row.price, _money(price, field="price")
    row.save()
    audit_record(actor=actor, action="workshop.price", obj=row, before={"price": before}, after={"price": row.price})
    return row


@transaction.atomic
def craftsman_create(*, actor, name: str, phone: str = "") -> Craftsman:
    rules.require_perm(actor, MANAGE, "add craftsmen")
    craftsman = Craftsman.objects.create(
        name=validation.text(name, field="name", code="invalid_name", max_length=120),
        phone=validation.text(phone, field="phone", code="invalid_phone", max_length=32, required=False),
    )
    audit_record(actor=actor, action="workshop.craftsman", obj=craftsman, after={"name": craftsman.name})
    return craftsman


@transaction.atomic
def craftsman_set_active(*, actor, craftsman: Craftsman, active: bool) -> Craftsman:
    rules.require_perm(actor, MANAGE, "change craftsmen")
    craftsman = Craftsman.objects.select_for_update().get(pk=craftsman.pk)
    craftsman.is_active = bool(active)
    craftsman.save(update_fields=["is_active"])
    audit_record(actor=actor, action="workshop.craftsman_active", obj=craftsman, after={"active": craftsman.is_active})
    return craftsman


def _work(ticket: RepairTicket, labour: dict) -> tuple[list[WorkLine], list[TradeInPrice]]:
    """The ticket as an invoice's work (each service at its agreed price, or
    the final one in `labour` by line id; the gold added) and the gold
    taken away (old gold the shop keeps, at the rate it was priced at)."""
    lines = list(ticket.lines.all())
    unknown = set(map(str, labour)) - {str(line.pk) for line in lines}
    if unknown:
        raise ApplicationError("invalid_line", "A final price was given for a service not on the ticket.",
                               details=[{"field": "labour", "code": "unknown", "message": line_id} for line_id in sorted(unknown)])
    names = dict(ServiceKind.choices)
    work = [WorkLine(description=f"{ticket.label} {names[line.kind]} {line.note}".strip(), fineness=ticket.fineness,
                     labour=_money(labour.get(line.pk, labour.get(str(line.pk), line.price)), field=f"labour.{line.pk}"))
            for line in lines]
    metal = list(ticket.metal.all())
    work += [WorkLine(description=f"{ticket.label} gold added {row.note}".strip(), fineness=row.fineness, gold=row.value,
                      gold_weight=row.fine_weight, rate=row.rate, gold_rate_id=row.gold_rate_id)
             for row in metal if row.weight > 0]
    taken = [TradeInPrice(description=f"{ticket.label} gold taken {row.note}".strip(), weight=-row.weight, fineness=row.fineness,
                          board_rate=row.rate, pure_rate=row.rate, deduction_percent=_ZERO, pure_weight=-row.fine_weight,
                          gross_value=-row.value, deduction=_ZERO, value=-row.value)
             for row in metal if row.weight < 0]
    return work, taken


def repair_ticket_quote(*, ticket: RepairTicket, labour: dict | None = None) -> WorkQuote:
    """What pickup would invoice now, and what would be left to pay after
    the deposit and the gold taken (the ticket page's figure)."""
    work, taken = _work(ticket, dict(labour or {}))
    return work_quote(work=work, gold_taken=taken, deposit=ticket.deposit_balance)


@transaction.atomic
def repair_ticket_collect(*, actor, ticket: RepairTicket, payments=(), labour: dict | None = None,
                          payout_method: str = "") -> RepairTicket:
    """The customer collects a ready piece: the invoice (`apps.sales.work`)
    bills each service at its agreed price (or the final one in `labour`,
    by line id) and the gold added, credits the gold taken away and the
    deposit held, and the rest is paid in `payments`."""
    rules.require_perm(actor, SELL, "hand over repairs")
    locked = ticket_lock(ticket_id=ticket.pk)
    if locked.status != RepairStatus.READY:
        raise ApplicationError("ticket_not_ready", f"Ticket {locked.label} is {locked.get_status_display().lower()}, not ready.",
                               status=409)
    work, taken = _work(locked, dict(labour or {}))
    sale = work_sale_create(
        actor=actor, branch=locked.branch, customer=locked.customer, work=work, gold_taken=taken,
        deposit=locked.deposit_balance, deposit_reference=locked.label, payments=list(payments), payout_method=payout_method,
        reference=locked.label,
    )
    locked.sale, locked.deposit_balance = sale, _ZERO
    _status_change(locked, actor=actor, to=RepairStatus.COLLECTED, note=f"Invoice {sale.invoice_label}",
                   also=("sale", "deposit_balance"))
    return locked
