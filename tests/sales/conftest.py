"""Sales fixtures, in shop A and made through the services (shop A, its
staff, branches, rate and rings are the shared fixtures of tests/conftest.py).

Shop A is an Iranian shop (IRR, regime IR, VAT 10%, profit 7%), which is
exactly what PRICING.md vectors 1, 2 and 6 assume.
"""
import pytest

from apps.sales.services import LineInput, PaymentInput, sale_create


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
