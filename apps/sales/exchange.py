"""
An exchange: pieces of an invoice come back and new ones go out, in one
transaction at checkout. The return (refund method "exchange") pays for the
new sale as an "exchange" payment; the customer pays the difference, or, when
the refund is worth more, the shop pays it out in cash or keeps it as the
customer's store credit. Both documents name each other (Return.exchange_sale).
"""
from collections.abc import Sequence
from uuid import UUID

from django.db import transaction

from apps.branches.models import Branch, Terminal
from apps.core.money import money_text
from apps.core.services import audit_record
from apps.customers.models import Customer
from apps.sales import rules
from apps.sales.models import RefundMethod, Return, Sale
from apps.sales.reversals import return_exchange_link, sale_return
from apps.sales.services import LineInput, PaymentInput, TradeInInput, sale_create


@transaction.atomic
def sale_exchange(*, actor, sale: Sale, return_lines: Sequence[tuple[UUID, int]], reason: str, branch: Branch,
                  lines: Sequence[LineInput], payments: Sequence[PaymentInput], trade_ins: Sequence[TradeInInput] = (),
                  customer: Customer | None = None, terminal: Terminal | None = None,
                  payout_method: str = "") -> tuple[Return, Sale]:
    """Returns `return_lines` of `sale` and sells `lines`, all or nothing;
    the refund is applied to the new sale. Needs both accounts.return_sale
    and accounts.sell."""
    rules.require_perm(actor, "accounts.sell", "sell")
    taken = sale_return(actor=actor, sale=sale, lines=return_lines, reason=reason, refund_method=RefundMethod.EXCHANGE)
    new = sale_create(actor=actor, branch=branch, lines=lines, payments=payments, trade_ins=trade_ins, customer=customer,
                      terminal=terminal, payout_method=payout_method, exchange_credit=taken.refund_total,
                      exchange_reference=taken.label)
    return_exchange_link(sale_return_row=taken, sale=new)
    audit_record(actor=actor, action="sales.sale_exchange", obj=new,
                 after={"return_id": taken.pk, "return_label": taken.label, "from_sale_id": sale.pk,
                        "refund_total": money_text(taken.refund_total, new.currency), "total": money_text(new.total, new.currency),
                        "payout_total": money_text(new.payout_total, new.currency)},
                 note=taken.reason)
    return taken, new
