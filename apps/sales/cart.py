"""The counter's cart, kept in the staff member's session until checkout.

Only what was asked for is stored (items, quantities, hand-made changes,
old gold, payments, customer); every page view prices it afresh with
`sale_quote`, so the screen always shows what `sale_create` will charge.
"""
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from uuid import UUID

from apps.sales.services import LineInput, PaymentInput, TradeInInput

SESSION_KEY = "pos_cart"


def _dec(text) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


@dataclass
class CartLine:
    item_id: str
    quantity: int = 1
    rate: str | None = None
    making_value: str | None = None
    discount: str = "0"

    def to_input(self) -> LineInput:
        return LineInput(item_id=UUID(self.item_id), quantity=self.quantity, rate=_dec(self.rate),
                         making_value=_dec(self.making_value), discount=Decimal(self.discount or "0"))


@dataclass
class CartTradeIn:
    weight: str
    fineness: int
    deduction_percent: str = "0"
    pure_rate: str | None = None
    description: str = ""

    def to_input(self) -> TradeInInput:
        return TradeInInput(weight=Decimal(self.weight), fineness=self.fineness,
                            deduction_percent=Decimal(self.deduction_percent or "0"),
                            pure_rate=_dec(self.pure_rate), description=self.description)


@dataclass
class CartPayment:
    method: str
    amount: str
    reference: str = ""

    def to_input(self) -> PaymentInput:
        return PaymentInput(method=self.method, amount=Decimal(self.amount), reference=self.reference)


@dataclass
class Cart:
    branch_id: str | None = None
    customer_id: str | None = None
    lines: list[CartLine] = field(default_factory=list)
    trade_ins: list[CartTradeIn] = field(default_factory=list)
    payments: list[CartPayment] = field(default_factory=list)
    # Old gold worth more than the sale: "cash" (paid out) or "store_credit" (kept).
    payout_method: str = ""
    # An exchange: {"sale_id", "lines": [[sale line id, quantity], ...], "reason"} (apps.sales.exchange).
    exchange: dict | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.lines or self.trade_ins or self.payments or self.customer_id or self.exchange)

    def line_inputs(self) -> list[LineInput]:
        return [line.to_input() for line in self.lines]

    def trade_in_inputs(self) -> list[TradeInInput]:
        return [t.to_input() for t in self.trade_ins]

    def payment_inputs(self) -> list[PaymentInput]:
        return [p.to_input() for p in self.payments]

    def paid(self) -> Decimal:
        return sum((Decimal(p.amount) for p in self.payments), Decimal(0))

    def exchange_lines(self) -> list[tuple[UUID, int]]:
        return [(UUID(str(line_id)), int(quantity)) for line_id, quantity in (self.exchange or {}).get("lines", [])]

    def store_credit_paid(self) -> Decimal:
        return sum((Decimal(p.amount) for p in self.payments if p.method == "store_credit"), Decimal(0))

    def add_item(self, item_id, *, unique: bool) -> bool:
        """Adds one piece; False when a one-of-a-kind piece is already there."""
        item_id = str(item_id)
        for line in self.lines:
            if line.item_id == item_id:
                if unique:
                    return False
                line.quantity += 1
                return True
        self.lines.append(CartLine(item_id=item_id))
        return True


def cart_load(session) -> Cart:
    data = session.get(SESSION_KEY) or {}
    try:
        return Cart(
            branch_id=data.get("branch_id"),
            customer_id=data.get("customer_id"),
            lines=[CartLine(**line) for line in data.get("lines", [])],
            trade_ins=[CartTradeIn(**t) for t in data.get("trade_ins", [])],
            payments=[CartPayment(**p) for p in data.get("payments", [])],
            payout_method=str(data.get("payout_method") or ""),
            exchange=data.get("exchange") if isinstance(data.get("exchange"), dict) else None,
        )
    except (TypeError, ValueError):  # a cart from an older layout: start afresh
        return Cart(branch_id=data.get("branch_id"))


def cart_store(session, cart: Cart) -> None:
    session[SESSION_KEY] = asdict(cart)


def cart_clear(session, *, keep_branch: bool = True) -> Cart:
    cart = Cart(branch_id=cart_load(session).branch_id if keep_branch else None)
    cart_store(session, cart)
    return cart
