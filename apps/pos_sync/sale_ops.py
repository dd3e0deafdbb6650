"""
`sale.create` from a terminal: checked one by one in memory, then written
set-wise (docs/sync-protocol.md, "Applying a batch").

An offline sale is a fact. It is refused only when it can never make sense
(unknown item, malformed line, payments not equal to the total); stock that
runs out, a price that differs from the server's, or an old sale are applied
and reported as conflicts for a manager.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

from apps.core.bulk import copy_insert
from apps.core.errors import ApplicationError
from apps.core.ids import ledger_id
from apps.core.services import outbox_events_add
from apps.customers.models import Customer
from apps.inventory.models import GoldRate, Item, MovementReason
from apps.inventory.services import stock_moves_apply
from apps.sales.models import Payment, PaymentMethod, Sale, SaleLine, SaleSource, SaleStatus, TradeIn
from apps.sales.services import LinePrice, TradeInInput, invoice_numbers_allocate, line_price, trade_in_price

MAX_LINES = 100
OFFLINE_METHODS = set(PaymentMethod.values) - {PaymentMethod.OLD_GOLD}


class Rejected(Exception):
    """A permanent error in one operation: it is stored, reviewed, skipped."""

    def __init__(self, code: str, message: str, field_name: str | None = None):
        super().__init__(message)
        self.errors = [{"code": code, "field": field_name, "message": message}]


@dataclass
class SalePlan:
    """A checked sale, ready to write; ids are chosen here so that every row
    can be inserted in one statement per table."""

    op: object
    sale_id: uuid.UUID
    client_sale_id: uuid.UUID
    receipt_number: str
    customer_id: uuid.UUID | None
    occurred_at: datetime
    lines: list[tuple[Item, LinePrice, Decimal]]  # item, server price, terminal's line total
    trade_ins: list
    payments: list[tuple[str, Decimal, str]]
    total: Decimal
    conflicts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Catalogue:
    """What a batch of sales refers to, loaded in a few queries."""

    items: dict
    gold_rates: dict
    customers: set
    taken_client_ids: set
    prices: dict = field(default_factory=dict)

    def line_price(self, *, item, quantity: int, gold_rate, shop) -> LinePrice:
        """The same piece at the same rate is priced once per batch."""
        key = (item.pk, gold_rate.pk if gold_rate else None, quantity)
        if key not in self.prices:
            self.prices[key] = line_price(item=item, quantity=quantity, gold_rate=gold_rate, shop=shop)
        return self.prices[key]

    @classmethod
    def load(cls, payloads: list) -> "Catalogue":
        item_ids, rate_ids, customer_ids, client_ids = set(), set(), set(), set()
        for payload in payloads:
            if not isinstance(payload, dict):
                continue
            for line in payload.get("lines") or []:
                if isinstance(line, dict):
                    item_ids.add(_uuid_or_none(line.get("item_id")))
                    rate_ids.add(_uuid_or_none(line.get("gold_rate_id")))
            for trade_in in payload.get("trade_ins") or []:
                if isinstance(trade_in, dict):
                    rate_ids.add(_uuid_or_none(trade_in.get("gold_rate_id")))
            customer = payload.get("customer")
            if isinstance(customer, dict):
                customer_ids.add(_uuid_or_none(customer.get("id")))
            client_ids.add(_uuid_or_none(payload.get("client_sale_id")))
        item_ids.discard(None), rate_ids.discard(None), customer_ids.discard(None), client_ids.discard(None)
        return cls(
            items=Item.objects.in_bulk(item_ids),
            gold_rates=GoldRate.objects.prefetch_related("fineness_rates").in_bulk(rate_ids),
            customers=set(Customer.objects.filter(pk__in=customer_ids).values_list("pk", flat=True)),
            taken_client_ids=set(Sale.objects.filter(client_sale_id__in=client_ids).values_list("client_sale_id", flat=True)),
        )


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _decimal(value, field_name: str, *, places: int) -> Decimal:
    """Money and weights arrive as decimal strings; a float is not exact."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Rejected("invalid_amount", "Amounts are decimal strings.", field_name)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Rejected("invalid_amount", f"'{value}' is not a decimal number.", field_name) from exc
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal(1).scaleb(-places)):
        raise Rejected("invalid_amount", f"'{value}' must be non-negative with at most {places} decimal places.", field_name)
    return number


def sale_plan(*, op, shop, exponent: int, catalogue: Catalogue, claimed: set, received_at: datetime) -> SalePlan:
    payload = op.payload
    if not isinstance(payload, dict):
        raise Rejected("invalid_payload", "The payload must be an object.", "payload")
    if op.occurred_at is None:
        raise Rejected("invalid_occurred_at", "occurred_at must be an RFC 3339 time with an offset.", "occurred_at")
    client_sale_id = _uuid_or_none(payload.get("client_sale_id"))
    if client_sale_id is None:
        raise Rejected("invalid_client_sale_id", "client_sale_id must be a UUID.", "payload.client_sale_id")
    if client_sale_id in catalogue.taken_client_ids or client_sale_id in claimed:
        raise Rejected("client_sale_id_taken", "Another operation already recorded a sale with this client_sale_id.", "payload.client_sale_id")
    receipt_number = payload.get("receipt_number", "")
    if not isinstance(receipt_number, str) or len(receipt_number) > 40:
        raise Rejected("invalid_receipt_number", "receipt_number is text of at most 40 characters.", "payload.receipt_number")

    lines = payload.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise Rejected("invalid_lines", f"A sale has 1 to {MAX_LINES} lines.", "payload.lines")
    conflicts: list[dict] = []
    priced = [_line(line, f"payload.lines[{i}]", shop=shop, exponent=exponent, catalogue=catalogue)
              for i, line in enumerate(lines)]

    trade_ins = payload.get("trade_ins") or []
    if not isinstance(trade_ins, list):
        raise Rejected("invalid_trade_ins", "trade_ins must be a list.", "payload.trade_ins")
    default_rate = next((price.gold_rate_id for _, price, _ in priced if price.gold_rate_id), None)
    valued = [_trade_in(t, i, shop=shop, catalogue=catalogue, default_rate=default_rate) for i, t in enumerate(trade_ins)]

    payments = payload.get("payments")
    if not isinstance(payments, list) or not (payments or valued):
        raise Rejected("invalid_payments", "A sale needs payments.", "payload.payments")
    checked_payments = []
    for i, payment in enumerate(payments):
        where = f"payload.payments[{i}]"
        if not isinstance(payment, dict) or payment.get("method") not in OFFLINE_METHODS:
            raise Rejected("invalid_payment", f"method must be one of {', '.join(sorted(OFFLINE_METHODS))} (old gold goes in trade_ins).", where)
        amount = _decimal(payment.get("amount"), f"{where}.amount", places=exponent)
        if amount <= 0:
            raise Rejected("invalid_payment", "A payment amount must be positive.", f"{where}.amount")
        checked_payments.append((payment["method"], amount, str(payment.get("reference", ""))[:120]))

    total = _decimal(payload.get("total"), "payload.total", places=exponent)
    paid = sum((amount for _, amount, _ in checked_payments), Decimal(0)) + sum((t.value for t in valued), Decimal(0))
    if paid != total:
        raise Rejected("payment_mismatch", f"Payments and old-gold credit come to {paid}, the sale total is {total}.", "payload.payments")

    customer_id = None
    customer = payload.get("customer")
    if customer is not None:
        customer_id = _uuid_or_none(customer.get("id") if isinstance(customer, dict) else None)
        if customer_id is None:
            raise Rejected("invalid_customer", "customer must be {\"id\": \"<uuid>\"}.", "payload.customer")
        if customer_id not in catalogue.customers and not Customer.objects.filter(pk=customer_id).exists():
            # A customer created offline that the server refused: keep the sale, flag it.
            conflicts.append({"kind": "unknown_customer", "customer_id": str(customer_id)})
            customer_id = None

    tolerance = shop.price_tolerance_percent / 100
    for item, price, given in priced:
        if abs(given - price.total) > price.total * tolerance:
            conflicts.append({"kind": "price_mismatch", "item_id": str(item.pk), "expected": str(price.total), "given": str(given)})
    if received_at - op.occurred_at > timedelta(hours=settings.POS_MAX_OFFLINE_HOURS):
        conflicts.append({"kind": "stale", "occurred_at": op.occurred_at.isoformat(), "max_offline_hours": settings.POS_MAX_OFFLINE_HOURS})

    claimed.add(client_sale_id)
    return SalePlan(
        op=op, sale_id=ledger_id(), client_sale_id=client_sale_id, receipt_number=receipt_number,
        customer_id=customer_id, occurred_at=op.occurred_at, lines=priced, trade_ins=valued,
        payments=checked_payments, total=total, conflicts=conflicts,
    )


def _line(line, where: str, *, shop, exponent: int, catalogue: Catalogue):
    if not isinstance(line, dict):
        raise Rejected("invalid_line", "A line must be an object.", where)
    item = catalogue.items.get(_uuid_or_none(line.get("item_id")))
    if item is None:
        raise Rejected("unknown_item", f"No item {line.get('item_id')} in this shop.", f"{where}.item_id")
    quantity = line.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
        raise Rejected("invalid_quantity", "quantity must be a whole number from 1.", f"{where}.quantity")
    gold_rate = None
    if item.pricing_mode == Item.PricingMode.GOLD_RATE:
        gold_rate = catalogue.gold_rates.get(_uuid_or_none(line.get("gold_rate_id")))
        if gold_rate is None:
            raise Rejected("unknown_gold_rate", f"No gold rate {line.get('gold_rate_id')} in this shop.", f"{where}.gold_rate_id")
    unit_price = _decimal(line.get("unit_price"), f"{where}.unit_price", places=exponent)
    try:
        price = catalogue.line_price(item=item, quantity=quantity, gold_rate=gold_rate, shop=shop)
    except ApplicationError as exc:
        raise Rejected(exc.code, exc.message, where) from exc
    return item, price, unit_price * quantity


def _trade_in(raw, index: int, *, shop, catalogue: Catalogue, default_rate):
    where = f"payload.trade_ins[{index}]"
    if not isinstance(raw, dict):
        raise Rejected("invalid_trade_in", "A trade-in must be an object.", where)
    rate_id = _uuid_or_none(raw.get("gold_rate_id")) or default_rate
    gold_rate = catalogue.gold_rates.get(rate_id) or GoldRate.objects.prefetch_related("fineness_rates").filter(pk=rate_id).first()
    if gold_rate is None:
        raise Rejected("unknown_gold_rate", "A trade-in needs the gold rate it was valued at.", f"{where}.gold_rate_id")
    try:
        return trade_in_price(
            trade_in=TradeInInput(
                weight=_decimal(raw.get("weight"), f"{where}.weight", places=3),
                fineness=raw.get("fineness"),
                deduction_percent=_decimal(raw.get("deduction_percent", "0"), f"{where}.deduction_percent", places=2),
                pure_rate=_decimal(raw["pure_rate"], f"{where}.pure_rate", places=4) if raw.get("pure_rate") is not None else None,
                description=str(raw.get("description", "")),
            ),
            gold_rate=gold_rate, shop=shop, index=index,
        )
    except ApplicationError as exc:
        raise Rejected(exc.code, exc.message, where) from exc


def _oversold(plans: list[SalePlan], *, after: dict) -> None:
    """Replays the batch's stock moves, in order, from the quantities they
    ended at: a line that took an item below zero is an `oversold` conflict."""
    taken: dict = {}
    for plan in plans:
        for item, price, _ in plan.lines:
            taken[item.pk] = taken.get(item.pk, 0) + price.quantity
    running = {item_id: after[item_id] + quantity for item_id, quantity in taken.items()}
    for plan in plans:
        plan.conflicts = [c for c in plan.conflicts if c["kind"] != "oversold"]  # a retried write starts afresh
        for item, price, _ in plan.lines:
            running[item.pk] -= price.quantity
            if running[item.pk] < 0:
                plan.conflicts.append({"kind": "oversold", "item_id": str(item.pk), "quantity_after": running[item.pk]})


def _booked(price: LinePrice, given: Decimal) -> tuple[Decimal, Decimal]:
    """The terminal's line total is what the customer paid. A shortfall
    against the server's price is booked as a discount, an excess as extra
    making (what a cashier raising the making charge would produce)."""
    difference = price.total - given
    if difference >= 0:
        return price.discount + difference, price.making
    return price.discount, price.making - difference


def sales_write(*, plans: list[SalePlan], device, shop, received_at: datetime) -> dict[uuid.UUID, int]:
    """Writes checked sales set-wise: one statement per table. Row locks are
    what concurrent pushes wait for, so they come last: lines, trade-ins and
    payments first (their key to the sale is checked at commit), then stock
    (items locked in primary-key order), then the branch's invoice counter
    and the sales. Returns each sale's invoice number; adds `oversold`
    conflicts to the plans."""
    branch = device.terminal.branch
    sales, lines, trade_ins, payments, moves = [], [], [], [], []
    for plan in plans:
        totals = dict.fromkeys(("gold", "making", "profit", "stones", "fixed", "tax", "discount"), Decimal(0))
        subtotal = Decimal(0)
        for line_no, (item, price, given) in enumerate(plan.lines, start=1):
            discount, making = _booked(price, given)
            line = {
                "gold": price.gold, "making": making, "profit": price.profit, "stones": price.stones,
                "fixed": price.fixed, "tax": price.tax, "discount": discount,
            }
            for key, value in line.items():
                totals[key] += value
            line_total = sum(value for key, value in line.items() if key != "discount") - discount
            subtotal += line_total
            lines.append(line | {
                "id": ledger_id(), "sale_id": plan.sale_id, "line_no": line_no, "item_id": item.pk,
                "quantity": price.quantity, "description": item.name[:255], "fineness": price.fineness,
                "net_weight": price.net_weight, "gold_rate_id": price.gold_rate_id, "rate": price.rate,
                "making_mode": price.making_mode, "making_value": price.making_value, "total": line_total,
                "unit_price": price.unit_price, "returned_quantity": 0, "override_by_id": None, "override": None,
            })
            moves.append((item.pk, -price.quantity, str(plan.sale_id)))
        sales.append({
            "id": plan.sale_id, "branch_id": branch.pk, "terminal_id": device.terminal_id, "device_id": device.pk,
            "cashier_id": None, "customer_id": plan.customer_id,
            "receipt_number": plan.receipt_number, "client_sale_id": plan.client_sale_id, "source": SaleSource.OFFLINE,
            "status": SaleStatus.COMPLETED, "occurred_at": plan.occurred_at, "received_at": received_at,
            "currency": shop.currency, "gold_total": totals["gold"], "making_total": totals["making"],
            "profit_total": totals["profit"], "stones_total": totals["stones"], "fixed_total": totals["fixed"],
            "tax_total": totals["tax"], "discount_total": totals["discount"], "subtotal": subtotal,
            "rounding": plan.total - subtotal, "total": plan.total, "paid_total": plan.total,
            "voided_at": None, "voided_by_id": None, "void_reason": "",
        })
        for valued in plan.trade_ins:
            trade_in_id = ledger_id()
            trade_ins.append({
                "id": trade_in_id, "sale_id": plan.sale_id, "description": valued.description, "weight": valued.weight,
                "fineness": valued.fineness, "pure_weight": valued.pure_weight, "pure_rate": valued.pure_rate,
                "deduction_percent": valued.deduction_percent, "gross_value": valued.gross_value,
                "deduction": valued.deduction, "value": valued.value,
            })
            payments.append({"id": ledger_id(), "sale_id": plan.sale_id, "method": PaymentMethod.OLD_GOLD,
                             "amount": valued.value, "reference": "", "trade_in_id": trade_in_id})
        payments.extend({"id": ledger_id(), "sale_id": plan.sale_id, "method": method, "amount": amount,
                         "reference": reference, "trade_in_id": None} for method, amount, reference in plan.payments)

    for model, rows in ((SaleLine, lines), (TradeIn, trade_ins), (Payment, payments)):
        copy_insert(model, rows)
    _oversold(plans, after=stock_moves_apply(moves=moves, reason=MovementReason.SALE))

    numbers = invoice_numbers_allocate(branch_id=branch.pk, count=len(plans))
    for sale, number in zip(sales, numbers):
        sale["invoice_number"] = number
    copy_insert(Sale, sales)
    outbox_events_add(events=[("sale.applied", {
        "sale_id": plan.sale_id, "customer_id": plan.customer_id, "total": str(plan.total), "branch_id": branch.pk,
        "occurred_at": plan.occurred_at, "invoice_number": number, "source": SaleSource.OFFLINE,
    }) for plan, number in zip(plans, numbers)])
    return {plan.sale_id: number for plan, number in zip(plans, numbers)}
