"""
Writes on sales, in the current shop's schema: selling at the counter,
voiding and taking returns. Pricing follows PRICING.md through
`apps.inventory.pricing`; one function, `line_price`, prices a line for the
counter and for the POS sync alike.

A sale is one transaction: items locked in primary-key order, lines priced
with the rate on the board when the sale happened, payments checked against
the rounded total, a gapless invoice number, the rows, the stock ledger and
the outbox event. Either all of it is committed or none.
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.branches.models import Branch, Terminal
from apps.core.errors import ApplicationError
from apps.core.services import audit_record, outbox_event_add
from apps.customers.models import Customer
from apps.inventory import pricing
from apps.inventory.lock_objects import items_lock_ids
from apps.inventory.models import GoldRate, Item, MovementReason
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness, tax_rules_for_shop
from apps.inventory.services import stock_move_many
from apps.sales import rules
from apps.sales.lock_objects import sale_lock
from apps.sales.models import (
    InvoiceCounter,
    Payment,
    PaymentMethod,
    Return,
    ReturnLine,
    Sale,
    SaleLine,
    SaleSource,
    SaleStatus,
    TradeIn,
)
from apps.tenancy.models import Tenant

RATE_QUANTUM = Decimal("0.0001")  # SaleLine.rate / TradeIn.pure_rate places
MONEY_FIELD_QUANTUM = Decimal("0.01")  # making_value is stored with 2 places
WEIGHT_QUANTUM = Decimal("0.001")
PURE_FINENESS = 1000
# A counter sale may be entered a little after the fact, never in the future
# (beyond clock drift between the till and the server).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Payments the cashier enters; old gold is credited from the trade-ins.
ENTERED_METHODS = frozenset(PaymentMethod.values) - {PaymentMethod.OLD_GOLD}

_ZERO = Decimal(0)


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One line as the counter asks for it. `rate` (per gram at the item's
    fineness) and `making_value` (in the item's making mode) are None to use
    the board and the tag; `discount` is money off the whole line."""

    item_id: UUID
    quantity: int = 1
    rate: Decimal | None = None
    making_value: Decimal | None = None
    discount: Decimal = _ZERO
    description: str = ""


@dataclass(frozen=True)
class PaymentInput:
    method: str
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True)
class TradeInInput:
    """Old gold taken in. `pure_rate` (per gram of fineness 1000) is None to
    pay the board's pure-gold rate."""

    weight: Decimal
    fineness: int
    deduction_percent: Decimal = _ZERO
    pure_rate: Decimal | None = None
    description: str = ""


# --------------------------------------------------------------------------
# pricing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LinePrice:
    """A priced line, every component for all pieces (`quantity` applied).

    `board_rate` / `item_making_value` are what the board and the tag say,
    `rate` / `making_value` what was used. `gross` is the line before the
    discount; `total == gold + making + profit + stones + fixed + tax -
    discount`. `unit_price` is one piece, tax included, before discount.
    """

    quantity: int
    fineness: int
    net_weight: Decimal
    gold_rate_id: UUID | None
    board_rate: Decimal
    rate: Decimal
    making_mode: str
    item_making_value: Decimal
    making_value: Decimal
    unit: pricing.PriceBreakdown
    gold: Decimal
    making: Decimal
    profit: Decimal
    stones: Decimal
    fixed: Decimal
    tax: Decimal
    gross: Decimal
    discount: Decimal
    unit_price: Decimal
    total: Decimal


def _decimal(value, *, code: str, message: str, quantum: Decimal | None = None, minimum: Decimal = _ZERO,
             strictly_positive: bool = False, field: str = "") -> Decimal:
    """A finite Decimal (or int) within bounds, with no more places than
    `quantum` allows. Floats are refused: they are not exact money."""
    ok = isinstance(value, (Decimal, int)) and not isinstance(value, bool)
    if ok:
        value = Decimal(value)
        ok = value.is_finite() and (value > minimum if strictly_positive else value >= minimum)
        ok = ok and (quantum is None or value == value.quantize(quantum))
    if not ok:
        raise ApplicationError(code, message, details=[{"field": field, "code": code, "message": message}] if field else None)
    return value


def _whole_number(value, *, code: str, message: str, field: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApplicationError(code, message, details=[{"field": field, "code": code, "message": message}] if field else None)
    return value


def line_price(
    *,
    item: Item,
    quantity: int,
    gold_rate: GoldRate | None,
    shop: Tenant,
    rate_override: Decimal | None = None,
    making_override: Decimal | None = None,
    discount: Decimal = _ZERO,
) -> LinePrice:
    """Prices `quantity` pieces of `item` for `shop` at `gold_rate`.

    The per-gram rate for the item's fineness is brought to 4 places (what
    the line stores) *before* it is used, so the frozen rate reproduces the
    frozen gold value. One piece is priced by the engine and multiplied by
    the quantity (every component is already in whole minor units). The
    discount is taken off the line total, tax included.
    """
    rules_ = tax_rules_for_shop(shop)
    exponent = rules_.exponent
    money_quantum = Decimal(1).scaleb(-exponent)
    quantity = _whole_number(quantity, code="invalid_quantity", message="The quantity must be a whole number of at least 1.")
    discount = _decimal(
        discount, code="invalid_discount", quantum=money_quantum,
        message=f"A discount must be a non-negative amount in whole {rules_.currency} minor units.",
    )

    if item.pricing_mode == Item.PricingMode.FIXED:
        if rate_override is not None or making_override is not None:
            raise ApplicationError(
                "invalid_override", f"Item {item.sku} has a fixed price: it has no rate or making charge to change."
            )
        unit = pricing.price_fixed_item(price=item.fixed_price, rules=rules_)
        board_rate = rate = _ZERO
        making_mode, item_making, making_value = "", _ZERO, _ZERO
        gold_rate_id = None
    else:
        if gold_rate is None:
            raise ApplicationError("no_gold_rate", "No gold rate has been set yet; set one before selling gold.", status=409)
        board_rate = gold_rate_for_fineness(gold_rate=gold_rate, fineness=item.fineness).quantize(RATE_QUANTUM, ROUND_HALF_UP)
        rate = board_rate if rate_override is None else _decimal(
            rate_override, code="invalid_rate", quantum=RATE_QUANTUM, strictly_positive=True,
            message="A rate must be a positive amount with at most 4 decimal places.",
        )
        making_mode, item_making = item.making_mode, item.making_value
        making_value = item_making if making_override is None else _decimal(
            making_override, code="invalid_making_value", quantum=MONEY_FIELD_QUANTUM,
            message="A making charge must be a non-negative amount with at most 2 decimal places.",
        )
        gold_rate_id = gold_rate.pk
        try:
            unit = pricing.price_gold_piece(
                net_weight=item.net_weight,
                rate=rate,
                making=pricing.Making(mode=making_mode, value=making_value),
                stone_value=item.stone_value,
                rules=rules_,
            )
        except (TypeError, ValueError) as exc:
            raise ApplicationError("invalid_price", f"Item {item.sku} cannot be priced: {exc}") from exc

    gross = unit.total * quantity
    if discount > gross:
        raise ApplicationError("invalid_discount", f"The discount {discount} is more than the line ({gross}).")
    return LinePrice(
        quantity=quantity,
        fineness=item.fineness,
        net_weight=item.net_weight,
        gold_rate_id=gold_rate_id,
        board_rate=board_rate,
        rate=rate,
        making_mode=making_mode,
        item_making_value=item_making,
        making_value=making_value,
        unit=unit,
        gold=unit.gold * quantity,
        making=unit.making * quantity,
        profit=unit.profit * quantity,
        stones=unit.stones * quantity,
        fixed=unit.fixed * quantity,
        tax=unit.tax * quantity,
        gross=gross,
        discount=discount,
        unit_price=unit.total,
        total=gross - discount,
    )


@dataclass(frozen=True)
class TradeInPrice:
    description: str
    weight: Decimal
    fineness: int
    board_rate: Decimal
    pure_rate: Decimal
    deduction_percent: Decimal
    pure_weight: Decimal
    gross_value: Decimal
    deduction: Decimal
    value: Decimal


def trade_in_price(*, trade_in: TradeInInput, gold_rate: GoldRate | None, shop: Tenant, index: int = 0) -> TradeInPrice:
    """Values old gold on its pure content at the board's fineness-1000 rate
    (or the given `pure_rate`), less the deduction (PRICING.md vector 5)."""
    field = f"trade_ins[{index}]"
    if gold_rate is None:
        raise ApplicationError("no_gold_rate", "No gold rate has been set yet; set one before taking old gold.", status=409)
    board_rate = gold_rate_for_fineness(gold_rate=gold_rate, fineness=PURE_FINENESS).quantize(RATE_QUANTUM, ROUND_HALF_UP)
    weight = _decimal(trade_in.weight, code="invalid_trade_in", quantum=WEIGHT_QUANTUM, strictly_positive=True, field=field,
                      message="A trade-in weight must be positive grams with at most 3 decimal places.")
    fineness = trade_in.fineness
    if isinstance(fineness, bool) or not isinstance(fineness, int) or not 1 <= fineness <= 1000:
        raise ApplicationError("invalid_trade_in", "A trade-in fineness is a whole number from 1 to 1000.",
                               details=[{"field": field, "code": "invalid_trade_in", "message": "Bad fineness."}])
    deduction_percent = _decimal(trade_in.deduction_percent, code="invalid_trade_in", quantum=MONEY_FIELD_QUANTUM, field=field,
                                 message="A trade-in deduction is a percent from 0 to 100 with at most 2 decimal places.")
    if deduction_percent > 100:
        raise ApplicationError("invalid_trade_in", "A trade-in deduction cannot be over 100%.")
    pure_rate = board_rate if trade_in.pure_rate is None else _decimal(
        trade_in.pure_rate, code="invalid_trade_in", quantum=RATE_QUANTUM, strictly_positive=True, field=field,
        message="A trade-in rate must be positive with at most 4 decimal places.",
    )
    value = pricing.trade_in_value(
        weight=weight, fineness=fineness, pure_rate=pure_rate, deduction_percent=deduction_percent, currency=shop.currency
    )
    if value.value <= 0:
        raise ApplicationError("invalid_trade_in", f"Trade-in {index + 1} is worth nothing; leave it out.")
    return TradeInPrice(
        description=(trade_in.description or "").strip()[:255],
        weight=weight,
        fineness=fineness,
        board_rate=board_rate,
        pure_rate=pure_rate,
        deduction_percent=deduction_percent,
        pure_weight=value.pure_weight,
        gross_value=value.gross_value,
        deduction=value.deduction,
        value=value.value,
    )


@dataclass(frozen=True)
class SaleQuote:
    """What a sale comes to: `total` after the shop's rounding, `credit` from
    old gold, `due` what the other payments must add up to."""

    lines: tuple[LinePrice, ...]
    trade_ins: tuple[TradeInPrice, ...]
    gold_rate: GoldRate | None
    subtotal: Decimal
    rounding: Decimal
    total: Decimal
    credit: Decimal
    due: Decimal


def _current_shop() -> Tenant:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.is_template or tenant.schema_name == get_public_schema_name():
        raise ApplicationError("no_shop", "Sales happen inside a shop.", status=409)
    return tenant


def _quote(*, items: dict[UUID, Item], lines: Sequence[LineInput], trade_ins: Sequence[TradeInInput],
           shop: Tenant, at: datetime) -> SaleQuote:
    needs_rate = bool(trade_ins) or any(item.pricing_mode == Item.PricingMode.GOLD_RATE for item in items.values())
    gold_rate = gold_rate_current(at=at) if needs_rate else None
    prices = tuple(
        line_price(
            item=items[line.item_id], quantity=line.quantity, gold_rate=gold_rate, shop=shop,
            rate_override=line.rate, making_override=line.making_value, discount=line.discount,
        )
        for line in lines
    )
    traded = tuple(trade_in_price(trade_in=t, gold_rate=gold_rate, shop=shop, index=i) for i, t in enumerate(trade_ins))
    rounded = pricing.invoice_total([p.total for p in prices], tax_rules_for_shop(shop))
    credit = sum((t.value for t in traded), _ZERO)
    subtotal = sum((p.total for p in prices), _ZERO)
    return SaleQuote(
        lines=prices, trade_ins=traded, gold_rate=gold_rate, subtotal=subtotal, rounding=rounded.rounding,
        total=rounded.total, credit=credit, due=rounded.total - credit,
    )


def sale_quote(*, lines: Sequence[LineInput], trade_ins: Sequence[TradeInInput] = (), occurred_at: datetime | None = None) -> SaleQuote:
    """Prices a sale without writing or locking anything (what the counter
    shows before taking payment). Availability is checked by `sale_create`."""
    lines, trade_ins = list(lines), list(trade_ins)
    ids = {line.item_id for line in lines}
    items = {item.pk: item for item in Item.objects.filter(pk__in=ids)}
    _check_found(ids, items)
    return _quote(items=items, lines=lines, trade_ins=trade_ins, shop=_current_shop(), at=occurred_at or timezone.now())


# --------------------------------------------------------------------------
# invoice numbers
# --------------------------------------------------------------------------

_ALLOCATE_SQL = """
INSERT INTO {table} (branch_id, last_number) VALUES (%s, %s)
ON CONFLICT (branch_id) DO UPDATE SET last_number = {table}.last_number + EXCLUDED.last_number
RETURNING last_number
"""


@transaction.atomic
def invoice_numbers_allocate(*, branch_id: UUID, count: int = 1) -> list[int]:
    """The next `count` invoice numbers of a branch, in one statement.

    The UPSERT leaves the branch's counter row locked until the caller's
    transaction ends, so numbers are handed out in commit order with no gaps:
    a transaction that rolls back gives its numbers back. Call it as late as
    possible in a transaction: it serializes the branch's sales from there on.
    """
    count = _whole_number(count, code="invalid_count", message="Allocate at least one invoice number.")
    table = connection.ops.quote_name(InvoiceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_ALLOCATE_SQL.format(table=table), [branch_id, count])
        (last,) = cursor.fetchone()
    return list(range(last - count + 1, last + 1))


# --------------------------------------------------------------------------
# selling
# --------------------------------------------------------------------------


def _require_perm(actor, permission: str, doing: str) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(permission):
        raise ApplicationError("permission_denied", f"You are not allowed to {doing}.", status=403)


def _check_found(ids: Iterable[UUID], items: dict) -> None:
    missing = sorted(str(i) for i in set(ids) - set(items))
    if missing:
        raise ApplicationError(
            "item_not_found", f"{len(missing)} item(s) do not exist.", status=404,
            details=[{"field": "item_id", "code": "item_not_found", "message": m} for m in missing],
        )


def _item_error(code: str, item: Item, message: str, **extra) -> ApplicationError:
    detail = {"field": "item_id", "code": code, "item_id": str(item.pk), "sku": item.sku, "message": message, **extra}
    return ApplicationError(code, message, status=409, details=[detail])


def _check_available(*, item: Item, quantity: int, branch: Branch) -> None:
    """Online the server knows the stock: a piece already sold is refused."""
    if item.is_deleted:
        raise _item_error("item_deleted", item, f"Item {item.sku} has been deleted.")
    if item.branch_id != branch.pk:
        raise _item_error("item_not_in_branch", item, f"Item {item.sku} is not in branch {branch.name}.")
    if item.status != Item.Status.IN_STOCK or (item.is_unique_piece and item.quantity <= 0):
        state = "sold" if item.quantity <= 0 else item.get_status_display().lower()
        raise _item_error("item_unavailable", item, f"Item {item.sku} is not available: it is {state}.", item_status=item.status)
    if item.quantity < quantity:
        raise _item_error(
            "insufficient_stock", item, f"Only {max(item.quantity, 0)} of item {item.sku} in stock; {quantity} asked.",
            available=item.quantity, requested=quantity,
        )


def _lock_items(item_ids: Iterable[UUID]) -> dict[UUID, Item]:
    """Locks the items (primary-key order), then reads them: the read comes
    after the lock, so it sees what the previous holder committed."""
    locked = items_lock_ids(item_ids=item_ids)
    return {item.pk: item for item in Item.objects.filter(pk__in=locked)}


def _check_occurred_at(occurred_at: datetime | None, now: datetime) -> datetime:
    if occurred_at is None:
        return now
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        raise ApplicationError("invalid_occurred_at", "occurred_at must be a timezone-aware datetime.")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ApplicationError("invalid_occurred_at", "A sale cannot happen in the future.")
    return occurred_at


def _check_parties(*, branch: Branch, terminal: Terminal | None, customer: Customer | None) -> None:
    if not isinstance(branch, Branch) or branch._state.adding:
        raise ApplicationError("invalid_branch", "The branch must be an existing branch.")
    if not branch.is_active:
        raise ApplicationError("branch_inactive", f"Branch {branch.name} is closed.", status=409)
    if terminal is not None and (terminal.branch_id != branch.pk or not terminal.is_active):
        raise ApplicationError("invalid_terminal", "The terminal must be an active terminal of the sale's branch.")
    if customer is not None and (customer._state.adding or customer.is_deleted):
        raise ApplicationError("customer_not_found", "The customer does not exist or has been deleted.", status=404)


def _checked_payments(payments: Sequence[PaymentInput], exponent: int) -> list[PaymentInput]:
    quantum = Decimal(1).scaleb(-exponent)
    checked = []
    for index, payment in enumerate(payments):
        field = f"payments[{index}]"
        if payment.method not in ENTERED_METHODS:
            message = (
                "Old gold is credited from the trade-ins, not entered as a payment."
                if payment.method == PaymentMethod.OLD_GOLD
                else f"Unknown payment method '{payment.method}'."
            )
            raise ApplicationError("invalid_payment", message, details=[{"field": field, "code": "invalid_method", "message": message}])
        amount = _decimal(payment.amount, code="invalid_payment", quantum=quantum, strictly_positive=True, field=field,
                          message="A payment must be a positive amount in whole minor units of the shop currency.")
        checked.append(PaymentInput(method=payment.method, amount=amount, reference=(payment.reference or "").strip()[:120]))
    return checked


def _wanted_quantities(lines: Sequence[LineInput]) -> dict[UUID, int]:
    wanted: dict[UUID, int] = defaultdict(int)
    for index, line in enumerate(lines):
        if not isinstance(line.item_id, UUID):
            raise ApplicationError("invalid_item", "Every line needs an item id.",
                                   details=[{"field": f"lines[{index}].item_id", "code": "invalid", "message": "Not a UUID."}])
        wanted[line.item_id] += _whole_number(
            line.quantity, code="invalid_quantity", field=f"lines[{index}].quantity",
            message="The quantity must be a whole number of at least 1.",
        )
    return wanted


@transaction.atomic
def sale_create(
    *,
    actor,
    branch: Branch,
    lines: Sequence[LineInput],
    payments: Sequence[PaymentInput],
    trade_ins: Sequence[TradeInInput] = (),
    customer: Customer | None = None,
    terminal: Terminal | None = None,
    source: str = SaleSource.WEB,
    occurred_at: datetime | None = None,
    receipt_number: str = "",
) -> Sale:
    """Sells at the counter (online): the server knows the stock, so a piece
    already sold is refused (`item_unavailable`, 409) and so is a shortfall
    (`insufficient_stock`). Payments, old-gold credit included, must equal
    the rounded total (`payment_mismatch`). Counter rules: apps.sales.rules.
    """
    _require_perm(actor, "accounts.sell", "sell")
    shop = _current_shop()
    now = timezone.now()
    occurred_at = _check_occurred_at(occurred_at, now)
    if source not in SaleSource.values:
        raise ApplicationError("invalid_source", f"Source must be one of {', '.join(SaleSource.values)}.")
    _check_parties(branch=branch, terminal=terminal, customer=customer)
    lines, trade_ins = list(lines), list(trade_ins)
    if not lines:
        raise ApplicationError("empty_sale", "A sale needs at least one line.")
    wanted = _wanted_quantities(lines)
    checked_payments = _checked_payments(list(payments), tax_rules_for_shop(shop).exponent)

    items = _lock_items(wanted)
    _check_found(wanted, items)
    for item_id, quantity in wanted.items():
        _check_available(item=items[item_id], quantity=quantity, branch=branch)

    quote = _quote(items=items, lines=lines, trade_ins=trade_ins, shop=shop, at=occurred_at)
    overrides = [
        rules.line_override(
            actor=actor, line_no=no, board_rate=price.board_rate, rate=price.rate,
            item_making_value=price.item_making_value, making_value=price.making_value,
            discount=price.discount, gross=price.gross,
        )
        for no, price in enumerate(quote.lines, start=1)
    ]
    trade_in_overrides = [
        rules.trade_in_override(actor=actor, index=i, board_rate=t.board_rate, rate=t.pure_rate)
        for i, t in enumerate(quote.trade_ins)
    ]
    given = quote.credit + sum((p.amount for p in checked_payments), _ZERO)
    if given != quote.total:
        raise ApplicationError(
            "payment_mismatch",
            f"Payments come to {given} but the invoice total is {quote.total}.",
            details=[{"field": "payments", "code": "payment_mismatch", "expected": str(quote.total), "given": str(given),
                      "credit": str(quote.credit), "due": str(quote.due)}],
        )

    [invoice_number] = invoice_numbers_allocate(branch_id=branch.pk)
    sale = Sale.objects.create(
        branch=branch, terminal=terminal, cashier=actor, customer=customer,
        invoice_number=invoice_number, receipt_number=(receipt_number or "").strip()[:40],
        source=source, status=SaleStatus.COMPLETED, occurred_at=occurred_at, received_at=now,
        currency=shop.currency,
        gold_total=sum((p.gold for p in quote.lines), _ZERO),
        making_total=sum((p.making for p in quote.lines), _ZERO),
        profit_total=sum((p.profit for p in quote.lines), _ZERO),
        stones_total=sum((p.stones for p in quote.lines), _ZERO),
        fixed_total=sum((p.fixed for p in quote.lines), _ZERO),
        tax_total=sum((p.tax for p in quote.lines), _ZERO),
        discount_total=sum((p.discount for p in quote.lines), _ZERO),
        subtotal=quote.subtotal, rounding=quote.rounding, total=quote.total, paid_total=given,
    )
    sale_lines = SaleLine.objects.bulk_create(
        SaleLine(
            sale=sale, line_no=no, item=items[line.item_id], quantity=price.quantity,
            description=(line.description or items[line.item_id].name)[:255],
            fineness=price.fineness, net_weight=price.net_weight, gold_rate_id=price.gold_rate_id, rate=price.rate,
            making_mode=price.making_mode, making_value=price.making_value,
            gold=price.gold, making=price.making, profit=price.profit, stones=price.stones, fixed=price.fixed,
            tax=price.tax, discount=price.discount, total=price.total, unit_price=price.unit_price,
            override=override, override_by=actor if override else None,
        )
        for no, (line, price, override) in enumerate(zip(lines, quote.lines, overrides), start=1)
    )
    traded = TradeIn.objects.bulk_create(
        TradeIn(
            sale=sale, description=t.description, weight=t.weight, fineness=t.fineness, pure_weight=t.pure_weight,
            pure_rate=t.pure_rate, deduction_percent=t.deduction_percent, gross_value=t.gross_value,
            deduction=t.deduction, value=t.value,
        )
        for t in quote.trade_ins
    )
    Payment.objects.bulk_create(
        [Payment(sale=sale, method=PaymentMethod.OLD_GOLD, amount=t.value, trade_in=t) for t in traded]
        + [Payment(sale=sale, method=p.method, amount=p.amount, reference=p.reference) for p in checked_payments]
    )
    stock_move_many(
        moves=[(item_id, -quantity) for item_id, quantity in wanted.items()],
        reason=MovementReason.SALE, reference=str(sale.pk), actor=actor,
    )

    where = f"Invoice {branch.code}-{invoice_number}"
    for line, override in zip(sale_lines, overrides):
        if override:
            audit_record(actor=actor, action="sales.price_override", obj=line, after=override, note=where)
    for trade_in, override in zip(traded, trade_in_overrides):
        if override:
            audit_record(actor=actor, action="sales.trade_in_override", obj=trade_in, after=override, note=where)
    outbox_event_add(
        topic="sale.applied",
        payload={
            "sale_id": sale.pk, "customer_id": customer.pk if customer else None, "total": _money(sale.total, sale.currency),
            "branch_id": branch.pk, "occurred_at": occurred_at, "invoice_number": invoice_number, "source": source,
        },
    )
    return sale


# --------------------------------------------------------------------------
# voids and returns
# --------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> str:
    """Money for event payloads: in the currency's minor unit, as a string
    ("53754400", "136569.76"), however the Decimal came out of the database."""
    return str(pricing.quantize_money(amount, pricing.currency_exponent(currency)))


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError("reason_required", "Say why.", details=[{"field": "reason", "code": "required", "message": "Required."}])
    return reason


@transaction.atomic
def sale_void(*, actor, sale: Sale, reason: str, device=None) -> Sale:
    """Cancels a sale by a manager: every piece goes back to stock through
    the ledger (reason "void"). A sale with returns cannot be voided (take a
    return of the rest instead); a voided one cannot be voided again."""
    # A POS device's offline void was authorised at the terminal; it stands in for the user.
    if device is None:
        _require_perm(actor, "accounts.void_sale", "void a sale")
    reason = _reason(reason)
    locked = sale_lock(sale_id=sale.pk)
    if locked.status == SaleStatus.VOIDED:
        raise ApplicationError("sale_already_voided", f"Invoice {locked.invoice_number} is already voided.", status=409)
    if locked.status != SaleStatus.COMPLETED:
        raise ApplicationError(
            "sale_has_returns", f"Invoice {locked.invoice_number} has returns; return the rest instead of voiding.", status=409
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
        payload={"sale_id": locked.pk, "customer_id": locked.customer_id, "total": _money(locked.total, locked.currency),
                 "branch_id": locked.branch_id, "invoice_number": locked.invoice_number, "voided_at": locked.voided_at},
    )
    for name in ("status", "voided_at", "voided_by", "void_reason"):
        setattr(sale, name, getattr(locked, name))
    return locked


@transaction.atomic
def sale_return(*, actor, sale: Sale, lines: Sequence[tuple[UUID, int]], reason: str, device=None) -> Return:
    """Takes goods back, in full or in part; they go back to stock through
    the ledger (reason "return").

    Each line refunds its share of the line total (discount included):
    total * quantity / sold, in whole minor units, and the last pieces of a
    line refund what is left of it so a line never refunds more or less than
    it cost. The return that completes the sale also settles the invoice
    rounding (never below zero), so a full return refunds the invoice total.
    """
    if device is None:  # as for voids: a device's offline return was authorised at the terminal
        _require_perm(actor, "accounts.return_sale", "take a return")
    reason = _reason(reason)
    locked = sale_lock(sale_id=sale.pk)
    if locked.status == SaleStatus.VOIDED:
        raise ApplicationError("sale_voided", f"Invoice {locked.invoice_number} is voided; nothing to return.", status=409)

    requested: dict[UUID, int] = defaultdict(int)
    for index, (line_id, quantity) in enumerate(lines):
        requested[line_id] += _whole_number(quantity, code="invalid_quantity", field=f"lines[{index}].quantity",
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

    exponent = pricing.currency_exponent(locked.currency)
    refunded = dict(
        ReturnLine.objects.filter(sale_line__sale=locked).values("sale_line").annotate(s=Sum("amount")).values_list("sale_line", "s")
    )
    amounts = {}
    for line_id, quantity in requested.items():
        line = sale_lines[line_id]
        if line.returned_quantity + quantity == line.quantity:
            amounts[line_id] = line.total - refunded.get(line_id, _ZERO)
        else:
            amounts[line_id] = pricing.quantize_money(line.total * quantity / line.quantity, exponent)
    completes = all(line.returned_quantity + requested.get(pk, 0) == line.quantity for pk, line in sale_lines.items())
    refund_total = sum(amounts.values(), _ZERO)
    if completes:
        refund_total = max(refund_total + locked.rounding, _ZERO)

    sale_return_row = Return.objects.create(sale=locked, reason=reason, refund_total=refund_total, actor=actor)
    ReturnLine.objects.bulk_create(
        ReturnLine(sale_return=sale_return_row, sale_line_id=line_id, quantity=quantity, amount=amounts[line_id])
        for line_id, quantity in requested.items()
    )
    for line_id, quantity in requested.items():
        SaleLine.objects.filter(pk=line_id).update(returned_quantity=F("returned_quantity") + quantity)
    before = locked.status
    locked.status = SaleStatus.RETURNED if completes else SaleStatus.PARTIALLY_RETURNED
    locked.save(update_fields=["status"])

    stock_move_many(
        moves=[(sale_lines[line_id].item_id, quantity) for line_id, quantity in requested.items()],
        reason=MovementReason.RETURN, reference=str(locked.pk), actor=actor,
    )
    returned = [
        {"sale_line_id": line_id, "item_id": sale_lines[line_id].item_id, "quantity": quantity,
         "amount": _money(amounts[line_id], locked.currency)}
        for line_id, quantity in requested.items()
    ]
    audit_record(
        actor=actor, action="sales.sale_return", obj=locked, before={"status": before},
        after={"status": locked.status, "return_id": sale_return_row.pk, "refund_total": _money(refund_total, locked.currency),
               "lines": returned},
        note=reason if device is None else f"{reason} (offline, device {device.pk})",
    )
    outbox_event_add(
        topic="sale.returned",
        payload={"return_id": sale_return_row.pk, "sale_id": locked.pk, "customer_id": locked.customer_id,
                 "refund_total": _money(refund_total, locked.currency), "branch_id": locked.branch_id, "lines": returned},
    )
    sale.status = locked.status
    return sale_return_row
