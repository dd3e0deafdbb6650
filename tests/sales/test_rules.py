"""Counter rules (PRICING.md, "What staff may change at the counter"),
checked end to end through sale_create, plus the rule functions alone."""
from decimal import Decimal


from apps.core.models import AuditEntry
from apps.sales import rules
from apps.sales.models import Sale
from apps.sales.services import LineInput, TradeInInput
from tests.helpers import assert_error
from tests.vectors import RING_TOTAL as VECTOR_1_TOTAL


def overrides_audited(line) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="sales.price_override", object_id=str(line.pk)))


# --------------------------------------------------------------------------
# rates and making charges
# --------------------------------------------------------------------------


def test_cashier_may_raise_the_rate_and_it_is_recorded(make_item, gold_rate, sell, cashier):
    sale = sell(None, lines=[LineInput(item_id=make_item().pk, rate=Decimal("8100000"))])
    line = sale.lines.get()
    assert line.rate == Decimal("8100000") and line.gold == Decimal("40500000")
    assert line.override == {"rate": {"from": "8000000.0000", "to": "8100000"}}
    assert line.override_by == cashier
    [audit] = overrides_audited(line)
    assert (audit.actor, audit.after) == (cashier, line.override)


def test_cashier_may_not_lower_the_rate(make_item, gold_rate, sell):
    item = make_item()
    error = assert_error("rate_below_board", sell, None, lines=[LineInput(item_id=item.pk, rate=Decimal("7900000"))],
                         amount=VECTOR_1_TOTAL)
    assert error.status == 403 and error.details[0]["board_rate"] == "8000000.0000"
    assert not Sale.objects.exists() and type(item).objects.get(pk=item.pk).quantity == 1


def test_manager_may_lower_the_rate_and_the_override_is_on_the_line_and_audited(make_item, gold_rate, sell, manager):
    sale = sell(None, actor=manager, lines=[LineInput(item_id=make_item().pk, rate=Decimal("7500000"))])
    line = sale.lines.get()
    assert (line.rate, line.gold, line.override_by) == (Decimal("7500000"), Decimal("37500000"), manager)
    assert line.override["rate"] == {"from": "8000000.0000", "to": "7500000"}
    assert overrides_audited(line)[0].actor == manager


def test_making_may_be_raised_not_lowered_by_a_cashier(make_item, gold_rate, sell, manager):
    item = make_item(quantity=3)
    raised = sell(None, lines=[LineInput(item_id=item.pk, making_value=Decimal("20"))]).lines.get()
    assert (raised.making_value, raised.making) == (Decimal("20"), Decimal("8000000"))
    assert raised.override == {"making_value": {"from": "18.00", "to": "20"}}

    assert_error("making_below_item", sell, None, lines=[LineInput(item_id=item.pk, making_value=Decimal("17"))],
                 amount=VECTOR_1_TOTAL)
    lowered = sell(None, actor=manager, lines=[LineInput(item_id=item.pk, making_value=Decimal("10"))]).lines.get()
    assert (lowered.making, lowered.override_by) == (Decimal("4000000"), manager)


def test_unchanged_prices_are_not_overrides(make_item, gold_rate, sell):
    line = sell(None, lines=[LineInput(item_id=make_item().pk, rate=Decimal("8000000"), making_value=Decimal("18"))]).lines.get()
    assert (line.override, line.override_by) == (None, None)
    assert not overrides_audited(line)


def test_a_fixed_price_item_has_no_rate_to_override(make_item, sell):
    watch = make_item(pricing_mode="fixed", fixed_price=Decimal("1000"), making_value=Decimal("0"), stone_value=Decimal("0"))
    assert_error("invalid_override", sell, None, lines=[LineInput(item_id=watch.pk, rate=Decimal("1"))], amount=Decimal(1100))


# --------------------------------------------------------------------------
# discounts
# --------------------------------------------------------------------------


def test_cashier_discount_up_to_two_percent(make_item, gold_rate, sell, cashier):
    item = make_item(quantity=2)
    two_percent = VECTOR_1_TOTAL * 2 / 100  # 1,075,088
    line = sell(None, lines=[LineInput(item_id=item.pk, discount=two_percent)]).lines.get()
    assert (line.discount, line.total) == (two_percent, VECTOR_1_TOTAL - two_percent)
    assert line.override == {"discount_percent": "2.00", "discount": "1075088"} and line.override_by == cashier

    error = assert_error("discount_over_limit", sell, None, lines=[LineInput(item_id=item.pk, discount=two_percent + 1)],
                         amount=VECTOR_1_TOTAL - two_percent - 1)
    assert error.details[0]["limit"] == "2"


def test_manager_may_exceed_the_role_limit_and_it_is_recorded(make_item, gold_rate, sell, manager):
    line = sell(None, actor=manager, lines=[LineInput(item_id=make_item().pk, discount=Decimal("8063160"))]).lines.get()
    assert line.override["discount_percent"] == "15.00" and line.override_by == manager
    assert overrides_audited(line)[0].after == line.override


def test_a_discount_cannot_exceed_the_line(make_item, gold_rate, sell, manager):
    assert_error("invalid_discount", sell, None, actor=manager,
                 lines=[LineInput(item_id=make_item().pk, discount=VECTOR_1_TOTAL + 1)], amount=Decimal(1))


# --------------------------------------------------------------------------
# old gold: the other way round
# --------------------------------------------------------------------------


def test_trade_in_rate_may_be_lowered_not_raised_by_a_cashier(make_item, gold_rate, sell, manager):
    from apps.core.models import AuditEntry

    item = make_item(quantity=3)
    board = Decimal("8000000") * 1000 / 750  # pure gold
    lower = TradeInInput(weight=Decimal("1.000"), fineness=750, pure_rate=Decimal("10000000"))
    sale = sell(item, trade_ins=[lower])
    assert sale.trade_ins.get().pure_rate == Decimal("10000000")
    assert sale.payments.get(method="old_gold").amount == Decimal("7500000")

    higher = TradeInInput(weight=Decimal("1.000"), fineness=750, pure_rate=Decimal("11000000"))
    error = assert_error("trade_in_rate_above_board", sell, item, trade_ins=[higher], amount=Decimal("45504400"))
    assert Decimal(error.details[0]["board_rate"]) == board.quantize(Decimal("0.0001"))

    by_manager = sell(item, actor=manager, trade_ins=[higher])
    trade_in = by_manager.trade_ins.get()
    [audit] = AuditEntry.objects.filter(action="sales.trade_in_override", object_id=str(trade_in.pk))
    assert audit.actor == manager and audit.after["pure_rate"]["to"] == "11000000"


# --------------------------------------------------------------------------
# the rule functions alone
# --------------------------------------------------------------------------


class _User:
    def __init__(self, role, perms=()):
        self.role, self.perms = role, set(perms)

    def has_perm(self, perm):
        return perm in self.perms


def check(actor, **changes):
    values = {"board_rate": Decimal(100), "rate": Decimal(100), "item_making_value": Decimal(10),
              "making_value": Decimal(10), "discount": Decimal(0), "gross": Decimal(1000), **changes}
    return rules.line_override(actor=actor, line_no=1, **values)


def test_discount_limits_follow_the_role_table():
    assert rules.DISCOUNT_LIMIT_PERCENT == {"cashier": Decimal(2), "manager": Decimal(10), "owner": Decimal(100)}
    manager_without_override = _User("manager")
    assert check(manager_without_override, discount=Decimal(100))["discount_percent"] == "10.00"
    assert_error("discount_over_limit", check, manager_without_override, discount=Decimal("100.01"))
    assert check(_User("owner"), discount=Decimal(1000))["discount_percent"] == "100.00"
    assert_error("discount_over_limit", check, _User(""), discount=Decimal("0.01"))  # no role, no discount
    assert check(_User("", {rules.OVERRIDE_PERMISSION}), discount=Decimal(500))["discount_percent"] == "50.00"


def test_override_permission_is_what_allows_lowering():
    cashier, privileged = _User("cashier"), _User("cashier", {rules.OVERRIDE_PERMISSION})
    assert_error("rate_below_board", check, cashier, rate=Decimal("99.9999"))
    assert_error("making_below_item", check, cashier, making_value=Decimal("9.99"))
    assert check(privileged, rate=Decimal(50), making_value=Decimal(0)) == {
        "rate": {"from": "100", "to": "50"}, "making_value": {"from": "10", "to": "0"},
    }
    assert check(cashier) is None
    assert rules.trade_in_override(actor=cashier, index=0, board_rate=Decimal(100), rate=Decimal(90)) == {
        "pure_rate": {"from": "100", "to": "90"}
    }
    assert rules.trade_in_override(actor=cashier, index=0, board_rate=Decimal(100), rate=Decimal(100)) is None
    assert_error("trade_in_rate_above_board", rules.trade_in_override, actor=cashier, index=0,
                 board_rate=Decimal(100), rate=Decimal("100.01"))
    assert rules.trade_in_override(actor=privileged, index=0, board_rate=Decimal(100), rate=Decimal(120))
