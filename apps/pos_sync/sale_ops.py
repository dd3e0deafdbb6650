"""
`sale.create` from a terminal: checked one by one in memory into drafts,
then written set-wise by the one writer of sales,
`apps.sales.recording.sales_record` (docs/sync-protocol.md, "Applying a
batch").

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

from apps.core.errors import ApplicationError
from apps.customers.models import Customer
from apps.inventory.models import GoldRate, Item
from apps.inventory.shop_pricing import LinePrice, line_price, trade_in_price
from apps.sales.models import ENTERED_PAYMENT_METHODS, PaymentMethod, Sale, SaleSource
from apps.sales.recording import DraftLine, DraftPayment, SaleDraft, sales_record

MAX_LINES = 100


class Rejected(Exception):
    """A permanent error in one operation: it is stored, reviewed, skipped."""

    def __init__(self, code: str, message: str, field_name: str | None = None):
        super().__init__(message)
        self.errors = [{"code": code, "field": field_name, "message": message}]


@dataclass
class SalePlan:
    """A checked offline sale: the draft the writer records, and what this
    sale will be reported with (conflicts for a manager)."""

    op: object
    draft: SaleDraft
    conflicts: list[dict] = field(default_factory=list)

    @property
    def sale_id(self) -> uuid.UUID:
        return self.draft.id


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


def _decimal(value, field_name: str, *, places: int, whole_digits: int = 16) -> Decimal:
    """Money and weights arrive as decimal strings; a float is not exact.
    At most `whole_digits` before the point (what the columns hold; money
    by default), checked before rounding, which a 30-digit number overflows."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Rejected("invalid_amount", "Amounts are decimal strings.", field_name)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Rejected("invalid_amount", f"'{str(value)[:40]}' is not a decimal number.", field_name) from exc
    if (not number.is_finite() or number < 0 or number.adjusted() >= whole_digits
            or number != number.quantize(Decimal(1).scaleb(-places))):
        raise Rejected("invalid_amount", f"'{str(value)[:40]}' must be non-negative, with at most {whole_digits} digits "
                       f"before the point and {places} after.", field_name)
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
        if not isinstance(payment, dict) or payment.get("method") not in ENTERED_PAYMENT_METHODS:
            raise Rejected("invalid_payment",
                           f"method must be one of {', '.join(sorted(ENTERED_PAYMENT_METHODS))} (old gold goes in trade_ins).", where)
        if payment["method"] == PaymentMethod.STORE_CREDIT:
            # A terminal offline cannot see the balance, and a sale is a fact once pushed: refuse it
            # alone (the queue goes on), for a manager to settle from the review queue.
            raise Rejected("store_credit_offline", "Store credit is spent only at the online counter; "
                           "an offline sale cannot be paid with it.", f"{where}.method")
        amount = _decimal(payment.get("amount"), f"{where}.amount", places=exponent)
        if amount <= 0:
            raise Rejected("invalid_payment", "A payment amount must be positive.", f"{where}.amount")
        checked_payments.append(DraftPayment(method=payment["method"], amount=amount, reference=str(payment.get("reference", ""))[:120]))

    total = _decimal(payload.get("total"), "payload.total", places=exponent)
    paid = sum((p.amount for p in checked_payments), Decimal(0)) + sum((t.value for t in valued), Decimal(0))
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
    draft = SaleDraft(
        occurred_at=op.occurred_at, total=total, customer_id=customer_id, receipt_number=receipt_number,
        client_sale_id=client_sale_id, trade_ins=valued, payments=checked_payments,
        lines=[DraftLine(item_id=item.pk, description=item.name, price=price, **_booked(price, given))
               for item, price, given in priced],
    )
    return SalePlan(op=op, draft=draft, conflicts=conflicts)


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
            weight=_decimal(raw.get("weight"), f"{where}.weight", places=3, whole_digits=7),
            fineness=raw.get("fineness"),
            deduction_percent=_decimal(raw.get("deduction_percent", "0"), f"{where}.deduction_percent", places=2, whole_digits=3),
            pure_rate=_decimal(raw["pure_rate"], f"{where}.pure_rate", places=4, whole_digits=14) if raw.get("pure_rate") is not None else None,
            description=str(raw.get("description", "")),
            gold_rate=gold_rate, shop=shop, index=index,
        )
    except ApplicationError as exc:
        raise Rejected(exc.code, exc.message, where) from exc


def _oversold(plans: list[SalePlan], *, after: dict) -> None:
    """Replays the batch's stock moves, in order, from the quantities they
    ended at: a line that took an item below zero is an `oversold` conflict."""
    taken: dict = {}
    for plan in plans:
        for line in plan.draft.lines:
            taken[line.item_id] = taken.get(line.item_id, 0) + line.price.quantity
    running = {item_id: after[item_id] + quantity for item_id, quantity in taken.items()}
    for plan in plans:
        plan.conflicts = [c for c in plan.conflicts if c["kind"] != "oversold"]  # a retried write starts afresh
        for line in plan.draft.lines:
            running[line.item_id] -= line.price.quantity
            if running[line.item_id] < 0:
                plan.conflicts.append({"kind": "oversold", "item_id": str(line.item_id), "quantity_after": running[line.item_id]})


def _booked(price: LinePrice, given: Decimal) -> dict:
    """The terminal's line total is what the customer paid. A shortfall
    against the server's price is booked as a discount, an excess as extra
    making (what a cashier raising the making charge would produce)."""
    difference = price.total - given
    if difference >= 0:
        return {"discount": price.discount + difference, "making": price.making}
    return {"discount": price.discount, "making": price.making - difference}


def sales_write(*, plans: list[SalePlan], device, shop, received_at: datetime) -> dict[uuid.UUID, int]:
    """Records checked offline sales through the one writer; returns each
    sale's invoice number and adds `oversold` conflicts to the plans."""
    recorded = sales_record(
        drafts=[plan.draft for plan in plans], branch=device.terminal.branch, source=SaleSource.OFFLINE,
        currency=shop.currency, received_at=received_at, terminal_id=device.terminal_id, device_id=device.pk,
    )
    _oversold(plans, after=recorded.quantities_after)
    return recorded.invoice_numbers
