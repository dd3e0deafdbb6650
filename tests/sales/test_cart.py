"""The counter's cart (apps.sales.cart): what the session keeps and the
service inputs it turns into. No database."""
from decimal import Decimal
from uuid import uuid4

from apps.sales.cart import SESSION_KEY, Cart, CartPayment, CartTradeIn, cart_clear, cart_load, cart_store
from apps.sales.services import LineInput, PaymentInput, TradeInInput


def test_a_cart_survives_the_session_as_plain_data():
    session = {}
    item = uuid4()
    cart = Cart(branch_id="b-1")
    assert cart.add_item(item, unique=False)
    cart.trade_ins.append(CartTradeIn(weight="2.5", fineness=750, deduction_percent="5"))
    cart.payments.append(CartPayment(method="cash", amount="1000"))
    cart_store(session, cart)
    assert session[SESSION_KEY]["lines"] == [{"item_id": str(item), "quantity": 1, "rate": None, "making_value": None, "discount": "0"}]
    assert cart_load(session) == cart


def test_the_cart_becomes_the_services_inputs():
    item = uuid4()
    cart = Cart(lines=[], payments=[CartPayment(method="card", amount="12.50", reference="R1")])
    cart.add_item(item, unique=False)
    cart.lines[0].rate, cart.lines[0].discount = "8100000", "10"
    cart.trade_ins.append(CartTradeIn(weight="1.000", fineness=705))
    assert cart.line_inputs() == [LineInput(item_id=item, quantity=1, rate=Decimal("8100000"), making_value=None, discount=Decimal("10"))]
    assert cart.trade_in_inputs() == [TradeInInput(weight=Decimal("1.000"), fineness=705, deduction_percent=Decimal(0),
                                                   pure_rate=None, description="")]
    assert cart.payment_inputs() == [PaymentInput(method="card", amount=Decimal("12.50"), reference="R1")]
    assert cart.paid() == Decimal("12.50")


def test_a_one_of_a_kind_piece_is_added_once_others_count_up():
    piece, chain = uuid4(), uuid4()
    cart = Cart()
    assert cart.add_item(piece, unique=True) and not cart.add_item(piece, unique=True)
    assert cart.add_item(chain, unique=False) and cart.add_item(chain, unique=False)
    assert [line.quantity for line in cart.lines] == [1, 2]


def test_an_older_cart_layout_starts_afresh_on_the_same_branch():
    session = {SESSION_KEY: {"branch_id": "b-1", "lines": [{"sku": "OLD"}]}}
    assert cart_load(session) == Cart(branch_id="b-1")


def test_clearing_keeps_the_branch_unless_told():
    session = {}
    cart_store(session, Cart(branch_id="b-1", customer_id="c-1"))
    assert cart_clear(session) == Cart(branch_id="b-1")
    assert cart_load(session).is_empty
    assert cart_clear(session, keep_branch=False).branch_id is None
