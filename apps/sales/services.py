"""
Selling at the counter and through the staff API: a sale priced, checked
against the stock the server knows and the counter rules, then recorded by
`apps.sales.recording.sales_record` (the one writer of sales, shared with the
POS push) as a batch of one. Voids and returns: `apps.sales.reversals`.

A sale is one transaction: items locked in primary-key order, lines priced
with the rate on the board when the sale happened, payments checked against
the rounded total, the rows, the stock ledger, a gapless invoice number and
the outbox event. Either all of it is committed or none.
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.branches.models import Branch, Terminal
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.customers.lock_objects import customer_lock
from apps.customers.models import Customer
from apps.inventory import pricing
from apps.inventory.lock_objects import items_lock
from apps.inventory.models import GoldRate, Item
from apps.inventory.selectors import gold_rate_current
from apps.inventory.shop_pricing import (
    LinePrice,
    TradeInPrice,
    checked_count,
    checked_in_currency,
    line_price,
    tax_rules_for_shop,
    trade_in_price,
)
from apps.sales import rules
from apps.sales.models import (
    ENTERED_PAYMENT_METHODS,
    PaymentMethod,
    PayoutMethod,
    Sale,
    SaleLine,
    SaleSource,
    TradeIn,
    invoice_label,
)
from apps.sales.recording import DraftLine, DraftPayment, SaleDraft, recorded_sale, sales_record
from apps.tenancy.models import Tenant

# A counter sale may be entered a little after the fact, never in the future
# (beyond clock drift between the till and the server).
FUTURE_TOLERANCE = timedelta(minutes=5)

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
# quoting
# --------------------------------------------------------------------------


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


# What a money column holds (18 digits, 2 of them decimals), and the amounts of a line.
MONEY_LIMIT = Decimal(10) ** 16
LINE_AMOUNTS = ("gold", "making", "profit", "stones", "fixed", "tax", "discount", "total", "unit_price")


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
    traded = tuple(
        trade_in_price(weight=t.weight, fineness=t.fineness, deduction_percent=t.deduction_percent, pure_rate=t.pure_rate,
                       description=t.description, gold_rate=gold_rate, shop=shop, index=i)
        for i, t in enumerate(trade_ins)
    )
    rounded = pricing.invoice_total([p.total for p in prices], tax_rules_for_shop(shop))
    credit = sum((t.value for t in traded), _ZERO)
    subtotal = sum((p.total for p in prices), _ZERO)
    amounts = [subtotal, rounded.total, credit, *(getattr(p, k) for p in prices for k in LINE_AMOUNTS),
               *(getattr(t, k) for t in traded for k in ("gross_value", "deduction", "value"))]
    if any(abs(amount) >= MONEY_LIMIT for amount in amounts):
        # The items' weights and charges and the board's rates are stored state: a conflict (409).
        raise ApplicationError("amount_out_of_range", "These rates, weights and quantities give an amount too large "
                               "to record (16 digits at most); check them.", status=409)
    return SaleQuote(
        lines=prices, trade_ins=traded, gold_rate=gold_rate, subtotal=subtotal, rounding=rounded.rounding,
        total=rounded.total, credit=credit, due=rounded.total - credit,
    )


def sale_quote(*, lines: Sequence[LineInput], trade_ins: Sequence[TradeInInput] = (), occurred_at: datetime | None = None,
               items: dict[UUID, Item] | None = None) -> SaleQuote:
    """Prices a sale without writing or locking anything (what the counter
    shows before taking payment). Availability is checked by `sale_create`.
    `items`: the lines' items by id, when the caller has read them already."""
    lines, trade_ins = list(lines), list(trade_ins)
    ids = {line.item_id for line in lines}
    items = {pk: item for pk, item in items.items() if pk in ids} if items is not None \
        else {item.pk: item for item in Item.objects.filter(pk__in=ids)}
    _check_found(ids, items)
    return _quote(items=items, lines=lines, trade_ins=trade_ins, shop=_current_shop(), at=occurred_at or timezone.now())


# --------------------------------------------------------------------------
# selling
# --------------------------------------------------------------------------


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
    # Locked: a merge of this customer waits for the sale, or the sale for the merge (and sees the tombstone).
    if customer is not None and (customer._state.adding or customer_lock(customer_id=customer.pk).is_deleted):
        raise ApplicationError("customer_not_found", "The customer does not exist or has been deleted.", status=404)


def _checked_payments(payments: Sequence[PaymentInput], exponent: int) -> list[PaymentInput]:
    quantum = Decimal(1).scaleb(-exponent)
    checked = []
    for index, payment in enumerate(payments):
        field = f"payments[{index}]"
        if payment.method not in ENTERED_PAYMENT_METHODS:
            message = (
                "Old gold is credited from the trade-ins, not entered as a payment."
                if payment.method == PaymentMethod.OLD_GOLD
                else f"Unknown payment method '{payment.method}'."
            )
            raise ApplicationError("invalid_payment", message, details=[{"field": field, "code": "invalid_method", "message": message}])
        amount = checked_in_currency(payment.amount, code="invalid_payment", quantum=quantum, strictly_positive=True, field=field,
                                     message="A payment must be a positive amount in whole minor units of the shop currency.")
        checked.append(PaymentInput(method=payment.method, amount=amount, reference=(payment.reference or "").strip()[:120]))
    return checked


def _wanted_quantities(lines: Sequence[LineInput]) -> dict[UUID, int]:
    wanted: dict[UUID, int] = defaultdict(int)
    for index, line in enumerate(lines):
        if not isinstance(line.item_id, UUID):
            raise ApplicationError("invalid_item", "Every line needs an item id.",
                                   details=[{"field": f"lines[{index}].item_id", "code": "invalid", "message": "Not a UUID."}])
        wanted[line.item_id] += checked_count(
            line.quantity, code="invalid_quantity", field=f"lines[{index}].quantity",
            message="The quantity must be a whole number of at least 1.",
        )
    return wanted


def _payout(*, quote: SaleQuote, payments: Sequence[PaymentInput], method: str, customer: Customer | None,
            exchange_credit: Decimal = _ZERO) -> Decimal:
    """What the shop owes the customer when old gold (or an exchange's
    refund) is worth more than the sale (0 otherwise); it must be settled by
    a payout method."""
    owed = quote.credit + exchange_credit - quote.total
    if owed <= 0:
        if method:
            raise ApplicationError("no_payout", "Nothing is owed to the customer: the old gold does not cover the sale.",
                                   details=[{"field": "payout_method", "code": "no_payout", "message": "Nothing to pay out."}])
        return _ZERO
    if payments:
        raise ApplicationError("payment_not_needed", "The old gold already pays for the sale; take no other payment.",
                               details=[{"field": "payments", "code": "payment_not_needed", "message": "Nothing left to pay."}])
    if method not in PayoutMethod.values:
        raise ApplicationError(
            "payout_method_required", f"The shop owes the customer {owed}: pay it out in cash or keep it as store credit.",
            details=[{"field": "payout_method", "code": "required", "owed": str(owed), "message": "Cash or store credit."}],
        )
    if method == PayoutMethod.STORE_CREDIT and customer is None:
        raise ApplicationError("store_credit_needs_customer", "Keeping it as store credit needs the customer chosen.",
                               details=[{"field": "payout_method", "code": "store_credit_needs_customer", "message": "Choose the customer."}])
    return owed


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
    payout_method: str = "",
    exchange_credit: Decimal = _ZERO,
    exchange_reference: str = "",
) -> Sale:
    """Sells at the counter (online): the server knows the stock, so a piece
    already sold is refused (`item_unavailable`, 409) and so is a shortfall
    (`insufficient_stock`). Payments, old-gold credit included, must equal
    the rounded total (`payment_mismatch`). Counter rules: apps.sales.rules.

    Store credit pays only for a sale with a customer who has enough of it
    (`store_credit_needs_customer`, `insufficient_credit`). Old gold worth
    more than the sale is settled by `payout_method`: the shop pays the
    difference out in cash or keeps it as the customer's store credit; no
    other payment may be entered then. `exchange_credit` is the refund of
    the return this sale is exchanged for (apps.sales.exchange), recorded as
    an "exchange" payment.
    """
    rules.require_perm(actor, "accounts.sell", "sell")
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

    items = items_lock(item_ids=wanted)
    _check_found(wanted, items)
    for item_id, quantity in wanted.items():
        _check_available(item=items[item_id], quantity=quantity, branch=branch)

    quote = _quote(items=items, lines=lines, trade_ins=trade_ins, shop=shop, at=occurred_at)
    overrides, trade_in_overrides = rules.quote_overrides(actor=actor, quote=quote)
    if customer is None and any(p.method == PaymentMethod.STORE_CREDIT for p in checked_payments):
        raise ApplicationError("store_credit_needs_customer", "Store credit pays only for a sale with its customer chosen.",
                               details=[{"field": "payments", "code": "store_credit_needs_customer", "message": "Choose the customer."}])
    payout = _payout(quote=quote, payments=checked_payments, method=payout_method, customer=customer,
                     exchange_credit=exchange_credit)
    given = quote.credit + exchange_credit + sum((p.amount for p in checked_payments), _ZERO)
    if given != quote.total + payout:
        raise ApplicationError(
            "payment_mismatch",
            f"Payments come to {given} but the invoice total is {quote.total}.",
            details=[{"field": "payments", "code": "payment_mismatch", "expected": str(quote.total), "given": str(given),
                      "credit": str(quote.credit), "due": str(quote.due)}],
        )

    draft = SaleDraft(
        occurred_at=occurred_at, total=quote.total, customer_id=customer.pk if customer else None,
        receipt_number=(receipt_number or "").strip()[:40],
        lines=[
            DraftLine(item_id=line.item_id, description=(line.description or items[line.item_id].name)[:255], price=price,
                      making=price.making, discount=price.discount, override=override,
                      override_by_id=actor.pk if override else None)
            for line, price, override in zip(lines, quote.lines, overrides)
        ],
        trade_ins=list(quote.trade_ins), payout=payout, payout_method=payout_method if payout else "",
        payments=[DraftPayment(method=p.method, amount=p.amount, reference=p.reference) for p in checked_payments]
        + ([DraftPayment(method=PaymentMethod.EXCHANGE, amount=exchange_credit, reference=exchange_reference[:120])]
           if exchange_credit > 0 else []),
    )
    recorded = sales_record(drafts=[draft], branch=branch, source=source, currency=shop.currency, received_at=now,
                            terminal_id=terminal.pk if terminal else None, cashier=actor)
    where = f"Invoice {invoice_label(branch.code, recorded.invoice_numbers[draft.id])}"
    for line in draft.lines:
        if line.override:
            audit_record(actor=actor, action="sales.price_override", obj=SaleLine(pk=line.id), after=line.override, note=where)
    for trade_in_id, override in zip(recorded.trade_in_ids.get(draft.id, []), trade_in_overrides):
        if override:
            audit_record(actor=actor, action="sales.trade_in_override", obj=TradeIn(pk=trade_in_id), after=override, note=where)
    return recorded_sale(recorded, draft.id, branch=branch, cashier=actor, customer=customer, terminal=terminal,
                         skus={item_id: item.sku for item_id, item in items.items()})
