"""
Undoing sales: a manager's void, a return in full or in part. The pieces go
back to stock through the ledger, the loyalty points come back through the
outbox event, and the invoice keeps its number. A return is a document of
its own, numbered gaplessly per branch ("B1-R-000001"), refunded in cash, by
card or as the customer's store credit (posted in the same transaction).
"""
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.money import currency_exponent, money_text, quantize_money
from apps.core.ids import ledger_id
from apps.core.services import audit_record, outbox_event_add
from apps.customers.credit import store_credit_post
from apps.customers.models import Customer, StoreCreditEntry
from apps.inventory.models import MovementReason
from apps.inventory.services import stock_move_many
from apps.inventory.shop_pricing import checked_count
from apps.sales import rules
from apps.sales.lock_objects import sale_lock
from apps.sales.models import RefundMethod, Return, ReturnCounter, ReturnLine, Sale, SaleLine, SaleSource, SaleStatus
from apps.sales.recording import ALLOCATE_SQL

_ZERO = Decimal(0)


REASON_MAX_LENGTH = 2000  # as the staff API says; the page and the terminal send theirs here too


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError("reason_required", "Say why.", details=[{"field": "reason", "code": "required", "message": "Required."}])
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError("reason_too_long", f"Say why in at most {REASON_MAX_LENGTH} characters.",
                               details=[{"field": "reason", "code": "max_length", "message": "Too long."}])
    return reason


@transaction.atomic
def return_number_allocate(*, branch_id: UUID) -> int:
    """The branch's next return number. As for invoices, the UPSERT keeps the
    counter row locked until the transaction ends: gapless, in commit order."""
    table = connection.ops.quote_name(ReturnCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATE_SQL.format(table=table), [branch_id, 1])
        (number,) = cursor.fetchone()
    return number


def refund_method_checked(method: str, *, customer_id) -> str:
    """Refunds go back as cash, to the card, or as store credit, which needs
    the sale's customer."""
    if method not in RefundMethod.values:
        raise ApplicationError("invalid_refund_method", f"Refund by one of {', '.join(RefundMethod.values)}.",
                               details=[{"field": "refund_method", "code": "invalid", "message": "Not a refund method."}])
    if method == RefundMethod.STORE_CREDIT and customer_id is None:
        raise ApplicationError("store_credit_needs_customer", "Store credit needs the sale's customer; this sale has none.",
                               details=[{"field": "refund_method", "code": "needs_customer", "message": "No customer."}])
    return method


@transaction.atomic
def sale_void(*, actor, sale: Sale, reason: str, device=None) -> Sale:
    """Cancels a sale by a manager: every piece goes back to stock through
    the ledger (reason "void"). A sale with returns cannot be voided (take a
    return of the rest instead); a voided one cannot be voided again."""
    # A POS device's offline void was authorised at the terminal; it stands in for the user.
    if device is None:
        rules.require_perm(actor, "accounts.void_sale", "void a sale")
    reason = _reason(reason)
    locked = sale_lock(sale_id=sale.pk)
    _not_workshop(locked)
    if locked.status == SaleStatus.VOIDED:
        raise ApplicationError("sale_already_voided", f"Invoice {locked.invoice_label} is already voided.", status=409)
    if locked.status != SaleStatus.COMPLETED:
        raise ApplicationError(
            "sale_has_returns", f"Invoice {locked.invoice_label} has returns; return the rest instead of voiding.", status=409
        )
    before = locked.status
    locked.status, locked.voided_at, locked.voided_by, locked.void_reason = SaleStatus.VOIDED, timezone.now(), actor, reason
    locked.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])

    moves = [(line.item_id, line.quantity) for line in locked.lines.all()]
    stock_move_many(moves=moves, reason=MovementReason.VOID, reference=str(locked.pk), actor=actor)
    audit_record(actor=actor, action="sales.sale_void", obj=locked, before={"status": before},
                 after={"status": locked.status, "total": locked.total},
                 note=reason if device is None else f"{reason} (offline, device {device.pk})")
    outbox_event_add(
        topic="sale.voided",
        payload={"sale_id": locked.pk, "customer_id": locked.customer_id, "total": money_text(locked.total, locked.currency),
                 "branch_id": locked.branch_id, "invoice_number": locked.invoice_number, "voided_at": locked.voided_at},
    )
    for name in ("status", "voided_at", "voided_by", "void_reason"):
        setattr(sale, name, getattr(locked, name))
    return locked


@dataclass(frozen=True)
class ReturnPlan:
    requested: dict
    sale_lines: dict
    amounts: dict
    completes: bool
    refund_total: Decimal


def _not_workshop(sale: Sale) -> None:
    """Work done on a customer's own piece is neither voided nor returned
    here: its job would stay collected with no invoice (apps.sales.work)."""
    if sale.source == SaleSource.WORKSHOP:
        raise ApplicationError("workshop_invoice", f"Invoice {sale.invoice_label} is for work collected from the workshop; "
                               "it cannot be voided or returned.", status=409)


def _return_plan(locked: Sale, lines: Sequence[tuple[UUID, int]]) -> ReturnPlan:
    """Checks what is asked back against what is left and works out each
    line's refund (see sale_return). Reads only."""
    _not_workshop(locked)
    requested: dict[UUID, int] = defaultdict(int)
    for index, (line_id, quantity) in enumerate(lines):
        requested[line_id] += checked_count(quantity, code="invalid_quantity", field=f"lines[{index}].quantity",
                                            message="A returned quantity must be a whole number of at least 1.")
    if not requested:
        raise ApplicationError("empty_return", "Say which lines come back.")
    sale_lines = {line.pk: line for line in SaleLine.objects.filter(sale=locked).order_by("line_no")}
    unknown = sorted(str(i) for i in set(requested) - set(sale_lines))
    if unknown:
        raise ApplicationError(
            "sale_line_not_found", "Some lines are not on this invoice.", status=404,
            details=[{"field": "lines", "code": "sale_line_not_found", "message": i} for i in unknown],
        )
    for line_id, quantity in requested.items():
        line = sale_lines[line_id]
        if quantity > line.quantity - line.returned_quantity:
            left = line.quantity - line.returned_quantity
            raise ApplicationError(
                "return_exceeds_sold", f"Line {line.line_no}: {quantity} asked back, {left} left to return.", status=409,
                details=[{"field": "lines", "code": "return_exceeds_sold", "sale_line_id": str(line_id),
                          "returnable": left, "requested": quantity}],
            )

    exponent = currency_exponent(locked.currency)
    refunded = dict(
        ReturnLine.objects.filter(sale_line__sale=locked).values("sale_line").annotate(s=Sum("amount")).values_list("sale_line", "s")
    )
    amounts = {}
    for line_id, quantity in requested.items():
        line = sale_lines[line_id]
        if line.returned_quantity + quantity == line.quantity:
            amounts[line_id] = line.total - refunded.get(line_id, _ZERO)
        else:
            amounts[line_id] = quantize_money(line.total * quantity / line.quantity, exponent)
    completes = all(line.returned_quantity + requested.get(pk, 0) == line.quantity for pk, line in sale_lines.items())
    refund_total = sum(amounts.values(), _ZERO)
    if completes:
        refund_total = max(refund_total + locked.rounding, _ZERO)

    return ReturnPlan(requested=dict(requested), sale_lines=sale_lines, amounts=amounts, completes=completes,
                      refund_total=refund_total)


def return_quote(*, sale: Sale, lines: Sequence[tuple[UUID, int]]) -> Decimal:
    """What taking these lines back would refund now, without writing or
    locking (what the counter shows for an exchange before checkout)."""
    if sale.status == SaleStatus.VOIDED:
        raise ApplicationError("sale_voided", f"Invoice {sale.invoice_label} is voided; nothing to return.", status=409)
    return _return_plan(sale, lines).refund_total


@transaction.atomic
def sale_return(*, actor, sale: Sale, lines: Sequence[tuple[UUID, int]], reason: str, device=None,
                refund_method: str = RefundMethod.CASH, exchange_sale_id: UUID | None = None) -> Return:
    """Takes goods back, in full or in part; they go back to stock through
    the ledger (reason "return").

    Each line refunds its share of the line total (discount included):
    total * quantity / sold, in whole minor units, and the last pieces of a
    line refund what is left of it so a line never refunds more or less than
    it cost. The return that completes the sale also settles the invoice
    rounding (never below zero), so a full return refunds the invoice total.
    A store-credit refund is posted to the sale's customer (reference
    "return:<id>"). Locks: the sale, the items, the customer, the branch's
    return counter last.
    """
    if device is None:  # as for voids: a device's offline return was authorised at the terminal
        rules.require_perm(actor, "accounts.return_sale", "take a return")
    reason = _reason(reason)
    locked = sale_lock(sale_id=sale.pk)
    refund_method = refund_method_checked(refund_method, customer_id=locked.customer_id)
    if locked.status == SaleStatus.VOIDED:
        raise ApplicationError("sale_voided", f"Invoice {locked.invoice_label} is voided; nothing to return.", status=409)

    plan = _return_plan(locked, lines)
    requested, sale_lines, amounts, completes, refund_total = (
        plan.requested, plan.sale_lines, plan.amounts, plan.completes, plan.refund_total)

    stock_move_many(
        moves=[(sale_lines[line_id].item_id, quantity) for line_id, quantity in requested.items()],
        reason=MovementReason.RETURN, reference=str(locked.pk), actor=actor,
    )
    return_id = ledger_id()
    if refund_method == RefundMethod.STORE_CREDIT and refund_total > 0:
        store_credit_post(customer=Customer(pk=locked.customer_id), amount=refund_total, reason=StoreCreditEntry.Reason.REFUND,
                          reference=f"return:{return_id}", actor=actor, note=f"Return of invoice {locked.invoice_label}")
    number = return_number_allocate(branch_id=locked.branch_id)
    sale_return_row = Return.objects.create(
        id=return_id, sale=locked, branch_id=locked.branch_id, number=number, refund_method=refund_method,
        exchange_sale_id=exchange_sale_id, reason=reason, refund_total=refund_total, actor=actor,
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(sale_return=sale_return_row, sale_line_id=line_id, quantity=quantity, amount=amounts[line_id])
        for line_id, quantity in requested.items()
    )
    for line_id, quantity in requested.items():
        SaleLine.objects.filter(pk=line_id).update(returned_quantity=F("returned_quantity") + quantity)
    before = locked.status
    locked.status = SaleStatus.RETURNED if completes else SaleStatus.PARTIALLY_RETURNED
    locked.save(update_fields=["status"])

    returned = [
        {"sale_line_id": line_id, "item_id": sale_lines[line_id].item_id, "quantity": quantity,
         "amount": money_text(amounts[line_id], locked.currency)}
        for line_id, quantity in requested.items()
    ]
    audit_record(
        actor=actor, action="sales.sale_return", obj=locked, before={"status": before},
        after={"status": locked.status, "return_id": sale_return_row.pk, "return_label": sale_return_row.label,
               "refund_total": money_text(refund_total, locked.currency), "refund_method": refund_method, "lines": returned},
        note=reason if device is None else f"{reason} (offline, device {device.pk})",
    )
    outbox_event_add(
        topic="sale.returned",
        payload={"return_id": sale_return_row.pk, "sale_id": locked.pk, "customer_id": locked.customer_id,
                 "refund_total": money_text(refund_total, locked.currency), "refund_method": refund_method,
                 "return_number": number, "branch_id": locked.branch_id, "lines": returned},
    )
    sale.status = locked.status
    return sale_return_row


def return_exchange_link(*, sale_return_row: Return, sale: Sale) -> None:
    """Names the sale an exchange's return paid for (apps.sales.exchange)."""
    Return.objects.filter(pk=sale_return_row.pk, exchange_sale__isnull=True).update(exchange_sale=sale)
    sale_return_row.exchange_sale = sale
