"""The invariants the database itself enforces, whoever writes (the services
or the POS sync's bulk_create): each is tried with a raw write that breaks it."""
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from apps.sales.models import Payment, Return, ReturnLine, Sale, SaleLine, TradeIn
from apps.sales.services import LineInput, TradeInInput


@pytest.fixture
def sale(make_item, gold_rate, sell):
    item = make_item(quantity=2)
    return sell(item, lines=[LineInput(item_id=item.pk, quantity=2)],
                trade_ins=[TradeInInput(weight=Decimal("1.000"), fineness=750)])


def breaks(queryset, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


def test_sale_totals_must_add_up(sale):
    sales = Sale.objects.filter(pk=sale.pk)
    breaks(sales, total=F("total") + 1)  # total = subtotal + rounding (and paid in full)
    breaks(sales, subtotal=F("subtotal") + 1, total=F("total") + 1, paid_total=F("paid_total") + 1)  # components
    breaks(sales, paid_total=F("paid_total") - 1)
    breaks(sales, status="lost")
    breaks(sales, source="fax")
    breaks(sales, status="voided")  # voided needs voided_at
    breaks(sales, voided_at=timezone.now())  # and voided_at needs the status
    # A consistent change passes: rounding moves total and payment together.
    sales.update(subtotal=F("subtotal") + 1, tax_total=F("tax_total") + 1, total=F("total") + 1, paid_total=F("paid_total") + 1)


def test_invoice_numbers_are_unique_per_branch(sale, branch, other_branch):
    fields = {f.name: getattr(sale, f.name) for f in Sale._meta.concrete_fields if f.name not in ("id", "client_sale_id")}
    fields["branch"] = other_branch
    Sale.objects.create(**fields)  # the same number in another branch is fine
    fields["branch"] = branch
    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.create(**fields)


def test_client_sale_id_is_unique(sale):
    client_id = uuid.uuid4()
    Sale.objects.filter(pk=sale.pk).update(client_sale_id=client_id)
    fields = {f.name: getattr(sale, f.name) for f in Sale._meta.concrete_fields if f.name not in ("id",)}
    fields.update(invoice_number=sale.invoice_number + 1, client_sale_id=client_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.create(**fields)


def test_line_total_is_the_sum_of_its_components(sale):
    lines = SaleLine.objects.filter(sale=sale)
    breaks(lines, total=F("total") + 1)
    breaks(lines, tax=F("tax") + 1)
    breaks(lines, quantity=0)
    breaks(lines, returned_quantity=3)  # more than sold
    breaks(lines, override={"rate": {"from": "1", "to": "2"}})  # an override needs its author
    lines.update(discount=F("discount") + 1, total=F("total") - 1)


def test_payments_and_trade_ins(sale):
    payments = Payment.objects.filter(sale=sale)
    breaks(payments.filter(method="cash"), amount=0)
    breaks(payments.filter(method="cash"), method="old_gold")  # old gold credit points at its trade-in
    breaks(payments.filter(method="old_gold"), method="card")
    breaks(payments, method="cheque")
    trade_ins = TradeIn.objects.filter(sale=sale)
    breaks(trade_ins, value=F("value") + 1)
    breaks(trade_ins, deduction_percent=101)
    breaks(trade_ins, fineness=1001)


def test_return_lines(sale, manager):
    from apps.sales.reversals import sale_return

    returned = sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="test")
    breaks(ReturnLine.objects.filter(sale_return=returned), quantity=0)
    breaks(ReturnLine.objects.filter(sale_return=returned), amount=-1)
    breaks(Return.objects.filter(pk=returned.pk), refund_total=-1)
    # Sales with returns are kept: PROTECT.
    with pytest.raises(ProtectedError), transaction.atomic():
        Sale.objects.filter(pk=sale.pk).delete()
