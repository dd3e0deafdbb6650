"""Sales fixtures, all in shop A and made through the services.

Shop A is an Iranian shop (IRR, regime IR, VAT 10%, profit 7%), which is
exactly what PRICING.md vectors 1, 2 and 6 assume.
"""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.services import category_create, gold_rate_set, item_create
from apps.sales.services import LineInput, PaymentInput, sale_create
from tests.vectors import RING, RING_TOTAL as VECTOR_1_TOTAL  # noqa: F401  (re-exported to the sales tests)


def user(role: str) -> User:
    return User.objects.get(email=f"{role}@shop-a.test")


@pytest.fixture
def owner(in_shop_a) -> User:
    return user("owner")


@pytest.fixture
def manager(in_shop_a) -> User:
    return user("manager")


@pytest.fixture
def cashier(in_shop_a) -> User:
    return user("cashier")


@pytest.fixture
def shop(in_shop_a):
    """Shop A with the Iranian settings of the vectors (rolled back after)."""
    in_shop_a.tax_regime, in_shop_a.currency = "IR", "IRR"
    in_shop_a.vat_percent, in_shop_a.profit_percent = Decimal("10"), Decimal("7")
    in_shop_a.rounding_increment, in_shop_a.rounding_mode = Decimal("0"), "nearest"
    in_shop_a.save()
    return in_shop_a


@pytest.fixture
def branch(shop) -> Branch:
    return Branch.objects.get(name="Bazaar")


@pytest.fixture
def other_branch(shop) -> Branch:
    return Branch.objects.get(name="Main")


@pytest.fixture
def category(shop):
    return category_create(name="Rings")


@pytest.fixture
def gold_rate(owner):
    """8,000,000 per gram of 750 (vector 1), on the board for the past month.

    The same rate is set again a second ago and that row is returned: it must
    be the newest on the board, even if another test left a committed rate
    behind in shop A."""
    gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=timezone.now() - timedelta(days=30))
    return gold_rate_set(actor=owner, base_rate=Decimal("8000000"), effective_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def make_item(owner, branch, category):
    counter = iter(range(1, 10_000))

    def make(**overrides):
        values = {**RING, "sku": f"S-{next(counter):04d}", "category": category, "branch": branch, "actor": owner}
        values.update(overrides)
        return item_create(**values)

    return make


@pytest.fixture
def sell(cashier, branch):
    """Sells `item` (one piece unless told) paying the exact total in cash."""

    def sell_(item, *, actor=None, quantity=1, amount=None, **kwargs):
        from apps.sales.services import sale_quote

        lines = kwargs.pop("lines", None) or [LineInput(item_id=item.pk, quantity=quantity)]
        if amount is None:
            amount = sale_quote(lines=lines, trade_ins=kwargs.get("trade_ins", ()), occurred_at=kwargs.get("occurred_at")).due
        payments = kwargs.pop("payments", None)
        if payments is None:
            payments = [PaymentInput(method="cash", amount=amount)] if amount else []
        return sale_create(actor=actor or cashier, branch=kwargs.pop("branch", branch), lines=lines, payments=payments, **kwargs)

    return sell_
