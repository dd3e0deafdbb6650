"""
Invoices for work done on a customer's own piece (a repair collected): no
item is sold and no stock moves, but it is a sale like any other, recorded
by `apps.sales.recording.sales_record` with the branch's next invoice
number, so reports, loyalty and the outbox see it.

Each line is work: labour (taxed as a fixed price) and the value of any
gold added. Gold taken from the piece is old gold the shop keeps: a trade-in
credited at the rate it was priced at. A deposit paid beforehand is credited
as a "deposit" payment. What is left is paid in the counter's methods; when
the credits come to more than the bill, the difference is paid out in cash
or kept as the customer's store credit.
"""
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.customers.models import Customer
from apps.inventory import pricing
from apps.inventory.shop_pricing import LinePrice, TradeInPrice, tax_rules_for_shop
from apps.sales import rules
from apps.sales.models import PaymentMethod, PayoutMethod, Sale, SaleSource
from apps.sales.recording import DraftLine, DraftPayment, SaleDraft, recorded_sale, sales_record
from apps.sales.services import MONEY_LIMIT, PaymentInput, _check_parties, _checked_payments, _current_shop

_ZERO = Decimal(0)


@dataclass(frozen=True)
class WorkLine:
    """One line of work on a piece of `fineness`: `labour` before tax, and
    `gold` the money value of `gold_weight` fine grams added at `rate` (a
    fineness-1000 rate from board row `gold_rate_id`)."""

    description: str
    fineness: int
    labour: Decimal = _ZERO
    gold: Decimal = _ZERO
    gold_weight: Decimal = _ZERO
    rate: Decimal = _ZERO
    gold_rate_id: UUID | None = None


@dataclass(frozen=True)
class WorkQuote:
    """What work comes to: `total` after the shop's rounding, `credit` from
    the deposit and the gold taken, `due` what the payments must add up to
    (below zero: what the shop owes the customer)."""

    lines: tuple[LinePrice, ...]
    total: Decimal
    rounding: Decimal
    credit: Decimal
    due: Decimal


def work_quote(*, work: list[WorkLine], gold_taken=(), deposit: Decimal = _ZERO) -> WorkQuote:
    """Prices `work` as the invoice will, without writing anything."""
    tax_rules = tax_rules_for_shop(_current_shop())
    lines = tuple(_priced(line, tax_rules) for line in work)
    rounded = pricing.invoice_total([line.total for line in lines], tax_rules)
    credit = deposit + sum((t.value for t in gold_taken), _ZERO)
    if any(abs(amount) >= MONEY_LIMIT for amount in (rounded.total, credit, *(line.total for line in lines))):
        raise ApplicationError("amount_out_of_range", "These amounts are too large to record (16 digits at most).", status=409)
    return WorkQuote(lines=lines, total=rounded.total, rounding=rounded.rounding, credit=credit, due=rounded.total - credit)


def _priced(line: WorkLine, rules_) -> LinePrice:
    unit = pricing.price_work(labour=line.labour, gold=line.gold, rules=rules_)
    zero = unit.making
    return LinePrice(
        quantity=1, fineness=line.fineness, net_weight=line.gold_weight, gold_rate_id=line.gold_rate_id, board_rate=line.rate,
        rate=line.rate, making_mode="", item_making_value=zero, making_value=zero, unit=unit, gold=unit.gold, making=zero,
        profit=zero, stones=zero, fixed=unit.fixed, tax=unit.tax, gross=unit.total, discount=zero, unit_price=unit.total,
        total=unit.total,
    )


@transaction.atomic
def work_sale_create(*, actor, branch: Branch, customer: Customer, work: list[WorkLine], gold_taken: list[TradeInPrice] = (),
                     deposit: Decimal = _ZERO, deposit_reference: str = "", payments: list[PaymentInput] = (),
                     payout_method: str = "", reference: str = "") -> Sale:
    """Invoices `work` for `customer`: the deposit and the gold taken are
    credited, `payments` must bring the rest to the rounded total
    (`payment_mismatch`); credits above the total are paid out by
    `payout_method` (`payout_method_required`). `reference` is the job's
    label, kept as the receipt number. The bill comes from the job's
    stored work, not from the request, so these refusals are 409s."""
    rules.require_perm(actor, "accounts.sell", "sell")
    shop = _current_shop()
    _check_parties(branch=branch, terminal=None, customer=customer)
    if not work:
        raise ApplicationError("empty_sale", "An invoice for work needs at least one line.")
    quote = work_quote(work=work, gold_taken=gold_taken, deposit=deposit)
    lines, credit = quote.lines, quote.credit
    checked = _checked_payments(list(payments), tax_rules_for_shop(shop).exponent)
    owed = -quote.due
    payout = _ZERO
    if owed > 0:
        if checked:
            raise ApplicationError("payment_not_needed", "The deposit and the gold taken already pay for the work; take no payment.",
                                   status=409, details=[{"field": "payments", "code": "payment_not_needed", "message": "Nothing left to pay."}])
        if payout_method not in PayoutMethod.values:
            raise ApplicationError(
                "payout_method_required", f"The shop owes the customer {owed}: pay it out in cash or keep it as store credit.",
                status=409, details=[{"field": "payout_method", "code": "required", "owed": str(owed), "message": "Cash or store credit."}])
        payout = owed
    elif payout_method:
        raise ApplicationError("no_payout", "Nothing is owed to the customer.", status=409,
                               details=[{"field": "payout_method", "code": "no_payout", "message": "Nothing to pay out."}])
    given = credit + sum((p.amount for p in checked), _ZERO)
    if given != quote.total + payout:
        raise ApplicationError(
            "payment_mismatch", f"Payments come to {given} but the invoice total is {quote.total}.", status=409,
            details=[{"field": "payments", "code": "payment_mismatch", "expected": str(quote.total), "given": str(given),
                      "credit": str(credit), "due": str(quote.due)}],
        )
    now = timezone.now()
    draft = SaleDraft(
        occurred_at=now, total=quote.total, customer_id=customer.pk, receipt_number=reference[:40],
        lines=[DraftLine(item_id=None, description=line.description[:255], price=price, making=price.making,
                         discount=price.discount) for line, price in zip(work, lines)],
        trade_ins=list(gold_taken), payout=payout, payout_method=payout_method if payout else "",
        payments=([DraftPayment(method=PaymentMethod.DEPOSIT, amount=deposit, reference=deposit_reference[:120])] if deposit else [])
        + [DraftPayment(method=p.method, amount=p.amount, reference=p.reference) for p in checked],
    )
    recorded = sales_record(drafts=[draft], branch=branch, source=SaleSource.WORKSHOP, currency=shop.currency, received_at=now,
                            cashier=actor)
    return recorded_sale(recorded, draft.id, branch=branch, cashier=actor, customer=customer, terminal=None, skus={})
