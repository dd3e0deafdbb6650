"""
The one writer of sales. The counter and the staff API record a batch of
one, the POS push a batch of hundreds: the same function, the same rows, the
same outbox event, the same invoice numbering.

Set-wise: one COPY per table and one statement for stock, because round trips,
not rows, are what a batch pays for (ARCHITECTURE.md, "Performance notes").
Row locks are what concurrent writers wait for, so they come last: lines,
trade-ins and payments first (their key to the sale is checked at commit),
then stock (items locked in primary-key order), then the customers whose
store credit moves, then the branch's invoice counter, then the sales.

Store credit moves with the sale, in the same transaction: a store_credit
payment is spent from the customer's balance (reason spend), old gold kept as
credit is added (reason trade_in), both under the reference "sale:<id>", so a
replayed sale never moves credit twice.

Callers check and price first (`apps.sales.services` online,
`apps.pos_sync.sale_ops` offline); this module assumes a valid draft.
"""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction

from apps.core.bulk import as_read_back, copy_insert
from apps.core.errors import ApplicationError
from apps.core.ids import ledger_id
from apps.core.money import money_text
from apps.core.services import outbox_events_add
from apps.customers.credit import store_credit_post
from apps.customers.models import Customer, StoreCreditEntry
from apps.inventory.models import Item, MovementReason
from apps.inventory.services import stock_moves_apply
from apps.inventory.shop_pricing import LinePrice, TradeInPrice
from apps.sales.models import InvoiceCounter, Payment, PaymentMethod, PayoutMethod, Sale, SaleLine, SaleStatus, TradeIn

_COMPONENTS = ("gold", "making", "profit", "stones", "fixed", "tax")

ALLOCATE_SQL = """
INSERT INTO {table} (branch_id, last_number) VALUES (%s, %s)
ON CONFLICT (branch_id) DO UPDATE SET last_number = {table}.last_number + EXCLUDED.last_number
RETURNING last_number
"""


@dataclass(frozen=True)
class DraftLine:
    """A priced line as it will be stored. `making` and `discount` are the
    booked amounts: the price's own unless the caller booked a difference
    (a terminal's price that differs from the server's). No item: work done."""

    item_id: UUID | None
    description: str
    price: LinePrice
    making: Decimal
    discount: Decimal
    override: dict | None = None
    override_by_id: int | None = None
    id: UUID = field(default_factory=ledger_id)

    @property
    def total(self) -> Decimal:
        return sum((getattr(self.price, c) for c in _COMPONENTS if c != "making"), self.making) - self.discount


@dataclass(frozen=True)
class DraftPayment:
    method: str
    amount: Decimal
    reference: str = ""


@dataclass
class SaleDraft:
    """A checked, priced sale. `total` is the invoice total after the shop's
    rounding; what it differs from the lines' sum is stored as rounding."""

    occurred_at: datetime
    lines: list[DraftLine]
    trade_ins: list[TradeInPrice]
    payments: list[DraftPayment]
    total: Decimal
    customer_id: UUID | None = None
    receipt_number: str = ""
    client_sale_id: UUID | None = None
    # Old gold worth more than the sale: what the shop pays back, and how.
    payout: Decimal = Decimal(0)
    payout_method: str = ""
    id: UUID = field(default_factory=ledger_id)

    @property
    def store_credit_spent(self) -> Decimal:
        return sum((p.amount for p in self.payments if p.method == PaymentMethod.STORE_CREDIT), Decimal(0))


@dataclass(frozen=True)
class Recorded:
    invoice_numbers: dict[UUID, int]  # by draft id
    trade_in_ids: dict[UUID, list[UUID]]  # by draft id, in the draft's order
    quantities_after: dict[UUID, int]  # each sold item's stock after the batch
    rows: dict[str, list[dict]] = field(default_factory=dict)  # by table: every value written (`recorded_sale`)


@transaction.atomic
def invoice_numbers_allocate(*, branch_id: UUID, count: int = 1) -> list[int]:
    """The next `count` invoice numbers of a branch, in one statement.

    The UPSERT leaves the branch's counter row locked until the caller's
    transaction ends, so numbers are handed out in commit order with no gaps:
    a transaction that rolls back gives its numbers back. Call it as late as
    possible in a transaction: it serializes the branch's sales from there on.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ApplicationError("invalid_count", "Allocate at least one invoice number.")
    table = connection.ops.quote_name(InvoiceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATE_SQL.format(table=table), [branch_id, count])
        (last,) = cursor.fetchone()
    return list(range(last - count + 1, last + 1))


def _store_credit_move(drafts: list[SaleDraft], *, cashier) -> None:
    """Spends the store credit the drafts pay with and credits old gold kept
    as credit; insufficient_credit (409) rolls the whole batch back."""
    for draft in drafts:
        spent = draft.store_credit_spent
        kept = draft.payout if draft.payout_method == PayoutMethod.STORE_CREDIT else Decimal(0)
        if not (spent or kept):
            continue
        if draft.customer_id is None:
            raise ApplicationError("store_credit_needs_customer", "Store credit needs a customer on the sale.",
                                   details=[{"field": "customer", "code": "required", "message": "Choose the customer."}])
        customer = Customer(pk=draft.customer_id)
        if spent:
            store_credit_post(customer=customer, amount=-spent, reason=StoreCreditEntry.Reason.SPEND,
                              reference=f"sale:{draft.id}", actor=cashier)
        if kept:  # what an exchange's refund left over is a refund; a workshop deposit's, a deposit; old gold's, a trade-in
            methods = {p.method for p in draft.payments}
            reason = (StoreCreditEntry.Reason.REFUND if PaymentMethod.EXCHANGE in methods
                      else StoreCreditEntry.Reason.DEPOSIT if PaymentMethod.DEPOSIT in methods else StoreCreditEntry.Reason.TRADE_IN)
            store_credit_post(customer=customer, amount=kept, reason=reason, reference=f"sale:{draft.id}", actor=cashier)


@transaction.atomic
def sales_record(*, drafts: list[SaleDraft], branch, source: str, currency: str, received_at: datetime,
                 terminal_id: UUID | None = None, device_id: UUID | None = None, cashier=None) -> Recorded:
    """Writes `drafts` as completed sales of `branch`, in order; each gets
    the branch's next invoice number. All or nothing."""
    sales, lines, trade_ins, payments, moves = [], [], [], [], []
    trade_in_ids: dict[UUID, list[UUID]] = {}
    cashier_id = cashier.pk if cashier is not None else None
    for draft in drafts:
        totals = dict.fromkeys(_COMPONENTS + ("discount",), Decimal(0))
        for line_no, line in enumerate(draft.lines, start=1):
            price = line.price
            booked = {c: getattr(price, c) for c in _COMPONENTS} | {"making": line.making, "discount": line.discount}
            for key, value in booked.items():
                totals[key] += value
            lines.append(booked | {
                "id": line.id, "sale_id": draft.id, "line_no": line_no, "item_id": line.item_id,
                "quantity": price.quantity, "description": line.description[:255], "fineness": price.fineness,
                "net_weight": price.net_weight, "gold_rate_id": price.gold_rate_id, "rate": price.rate,
                "making_mode": price.making_mode, "making_value": price.making_value, "total": line.total,
                "unit_price": price.unit_price, "returned_quantity": 0,
                "override": line.override, "override_by_id": line.override_by_id,
            })
            if line.item_id is not None:  # work done (apps.sales.work) moves no stock
                moves.append((line.item_id, -price.quantity, str(draft.id)))
        subtotal = sum((line.total for line in draft.lines), Decimal(0))
        sales.append({
            "id": draft.id, "branch_id": branch.pk, "terminal_id": terminal_id, "device_id": device_id,
            "cashier_id": cashier_id, "customer_id": draft.customer_id, "receipt_number": draft.receipt_number[:40],
            "client_sale_id": draft.client_sale_id, "source": source, "status": SaleStatus.COMPLETED,
            "occurred_at": draft.occurred_at, "received_at": received_at, "currency": currency,
            **{f"{key}_total": value for key, value in totals.items()},
            "subtotal": subtotal, "rounding": draft.total - subtotal, "total": draft.total,
            "paid_total": draft.total + draft.payout, "payout_total": draft.payout, "payout_method": draft.payout_method,
            "voided_at": None, "voided_by_id": None, "void_reason": "",
        })
        for valued in draft.trade_ins:
            trade_in_id = ledger_id()
            trade_in_ids.setdefault(draft.id, []).append(trade_in_id)
            trade_ins.append({
                "id": trade_in_id, "sale_id": draft.id, "description": valued.description, "weight": valued.weight,
                "fineness": valued.fineness, "pure_weight": valued.pure_weight, "pure_rate": valued.pure_rate,
                "deduction_percent": valued.deduction_percent, "gross_value": valued.gross_value,
                "deduction": valued.deduction, "value": valued.value,
            })
            payments.append({"id": ledger_id(), "sale_id": draft.id, "method": PaymentMethod.OLD_GOLD,
                             "amount": valued.value, "reference": "", "trade_in_id": trade_in_id})
        payments.extend({"id": ledger_id(), "sale_id": draft.id, "method": p.method, "amount": p.amount,
                         "reference": p.reference, "trade_in_id": None} for p in draft.payments)

    for model, rows in ((SaleLine, lines), (TradeIn, trade_ins), (Payment, payments)):
        copy_insert(model, rows)
    after = stock_moves_apply(moves=moves, reason=MovementReason.SALE, actor=cashier)
    _store_credit_move(drafts, cashier=cashier)

    numbers = invoice_numbers_allocate(branch_id=branch.pk, count=len(drafts))
    for sale, number in zip(sales, numbers):
        sale["invoice_number"] = number
    copy_insert(Sale, sales)
    outbox_events_add(events=[("sale.applied", {
        "sale_id": draft.id, "customer_id": draft.customer_id, "total": money_text(draft.total, currency),
        "branch_id": branch.pk, "occurred_at": draft.occurred_at, "invoice_number": number, "source": source,
    }) for draft, number in zip(drafts, numbers)])
    return Recorded(invoice_numbers={draft.id: n for draft, n in zip(drafts, numbers)}, trade_in_ids=trade_in_ids,
                    quantities_after=after, rows={"sales": sales, "lines": lines, "trade_ins": trade_ins, "payments": payments})


def recorded_sale(recorded: Recorded, sale_id: UUID, *, branch, cashier, customer, terminal, skus: dict[UUID, str]) -> Sale:
    """Sale `sale_id` of the batch as a read of it would give it, from what
    was written (no query): its branch, cashier, customer and terminal as
    given, its lines, payments and trade-ins in the invoice's order, no
    returns. A line's item holds only its id and SKU (`skus`); the rest of
    it is read when asked for, after the sale moved its stock. The answer
    to the sale's own request needs no read after the write."""
    sale = as_read_back(Sale, next(row for row in recorded.rows["sales"] if row["id"] == sale_id))
    sale.branch, sale.cashier, sale.customer, sale.terminal, sale.voided_by = branch, cashier, customer, terminal, None
    mine = lambda model, table, order: sorted(  # noqa: E731
        (as_read_back(model, row) for row in recorded.rows[table] if row["sale_id"] == sale_id), key=lambda x: getattr(x, order))
    lines = mine(SaleLine, "lines", "line_no")
    for line in lines:
        line.sale = sale
        line.item = None if line.item_id is None else Item.from_db(connection.alias, ["id", "sku"], [line.item_id, skus[line.item_id]])
    related = {"lines": lines, "payments": mine(Payment, "payments", "id"), "trade_ins": mine(TradeIn, "trade_ins", "id"),
               "returns": []}
    sale._prefetched_objects_cache = {}
    for name, found in related.items():  # as prefetch_related leaves them: a queryset already evaluated
        queryset = getattr(sale, name).get_queryset()
        queryset._result_cache, queryset._prefetch_done = found, True
        sale._prefetched_objects_cache[name] = queryset
    return sale
