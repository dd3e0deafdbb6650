"""Appraisals: a valuation document of a customer's piece (description,
weights, fineness, stones, value at today's board rate) and its PDF
certificate. The one writer of `Appraisal`."""
from decimal import ROUND_HALF_UP

from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.core.money import currency_exponent, quantize_money
from apps.core.services import audit_record
from apps.customers.models import Customer
from apps.inventory import pricing, validation
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness
from apps.inventory.shop_pricing import RATE_QUANTUM
from apps.sales import rules
from apps.ui import formatting
from apps.ui.pdf import Table, document_pdf
from apps.workshop.models import Appraisal, AppraisalCounter
from apps.workshop.services import SELL, _money, next_number

@transaction.atomic
def appraisal_create(*, actor, branch: Branch, customer: Customer, description: str, gross_weight, fineness,
                     stone_weight=0, stones: str = "", stone_value=0, note: str = "") -> Appraisal:
    """Values the piece now: its net gold (gross less stones) at the board's
    rate for its fineness, plus the stones at the appraiser's estimate."""
    rules.require_perm(actor, SELL, "appraise pieces")
    if not isinstance(branch, Branch) or not branch.is_active:
        raise ApplicationError("invalid_branch", "Appraise at an open branch.")
    if not isinstance(customer, Customer) or customer.is_deleted:
        raise ApplicationError("customer_not_found", "The customer does not exist or has been deleted.", status=404)
    gross, stone = validation.weight(gross_weight, "gross_weight"), validation.weight(stone_weight, "stone_weight")
    if gross <= 0 or stone > gross:
        raise ApplicationError("invalid_weight", "Weigh the piece: above zero, and its stones no more than the piece.",
                               details=[{"field": "gross_weight" if gross <= 0 else "stone_weight", "code": "invalid_weight",
                                         "message": "Check the weights."}])
    fineness = validation.fineness(fineness)
    board = gold_rate_current()
    if board is None:
        raise ApplicationError("no_gold_rate", "No gold rate has been set yet; set one before appraising.", status=409)
    rate = gold_rate_for_fineness(gold_rate=board, fineness=fineness).quantize(RATE_QUANTUM, ROUND_HALF_UP)
    net = pricing.net_weight(gross, stone)
    gold_value = quantize_money(net * rate, currency_exponent(connection.tenant.currency))
    stone_value = _money(stone_value, field="stone_value")
    appraisal = Appraisal(
        branch=branch, customer=customer, gross_weight=gross, stone_weight=stone, net_weight=net, fineness=fineness,
        description=validation.text(description, field="description", code="invalid_description", max_length=255),
        stones=validation.text(stones, field="stones", code="invalid_stones", max_length=255, required=False),
        stone_value=stone_value, gold_rate=board, rate=rate, gold_value=gold_value, value=gold_value + stone_value,
        note=validation.text(note, field="note", code="invalid_note", max_length=2000, required=False), appraiser=actor,
    )
    appraisal.number = next_number(AppraisalCounter, branch)
    appraisal.save(force_insert=True)
    audit_record(actor=actor, action="workshop.appraisal", obj=appraisal, after={"label": appraisal.label, "value": appraisal.value})
    return appraisal


def appraisal_certificate_pdf(appraisal: Appraisal, *, shop, rtl: bool) -> bytes:
    """The certificate: who, what, weighed how, valued at which rate, and the value."""
    money = lambda amount: formatting.money(amount, shop.currency)  # noqa: E731
    rows = [
        [_("Customer"), appraisal.customer.full_name], [_("The piece"), appraisal.description],
        [_("Gross weight (g)"), formatting.weight(appraisal.gross_weight)], [_("Stones (g)"), formatting.weight(appraisal.stone_weight)],
        [_("Net gold (g)"), formatting.weight(appraisal.net_weight)], [_("Fineness"), formatting.localize_digits(appraisal.fineness)],
        [_("Rate per gram"), money(appraisal.rate)], [_("Gold value"), money(appraisal.gold_value)],
        [_("Stones"), appraisal.stones or "—"], [_("Stones value"), money(appraisal.stone_value)],
    ]
    return document_pdf(
        title=f"{_('Appraisal certificate')} · {shop.name}", rtl=rtl,
        header=[appraisal.label, formatting.datetime_text(appraisal.created_at)],
        tables=[Table(columns=["", ""], rows=rows, footer=[_("Appraised value"), money(appraisal.value)])],
        closing=[_("Valued at the gold rate of %(when)s. Appraised by %(who)s.") % {
            "when": formatting.datetime_text(appraisal.gold_rate.effective_at),
            "who": appraisal.appraiser.full_name or appraisal.appraiser.email}] + ([appraisal.note] if appraisal.note else []),
    )
