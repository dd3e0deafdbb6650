"""Returns from the invoice page: choose the lines and how many pieces come
back, say why and how the money goes back; the return document on screen and
as a PDF. Validation is here (every bad input a form error); the change is
`apps.sales.reversals.sale_return`."""
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError
from apps.sales.cart import Cart, cart_store
from apps.sales.models import RefundMethod, SaleStatus
from apps.sales.reversals import REASON_MAX_LENGTH, return_quote, sale_return
from apps.sales.selectors import return_get, sale_get
from apps.ui import formatting
from apps.ui.labels import error_text, label
from apps.ui.pdf import Table, document_pdf
from apps.ui.permissions import permission_required
from apps.ui.words import amount_in_words

RETURN_SALE = "accounts.return_sale"
VIEW_SALES = ("accounts.sell", "accounts.view_reports")


def returnable_lines(sale) -> list:
    """The sale's lines that still have pieces to give back."""
    return [line for line in sale.lines.all() if line.quantity - line.returned_quantity > 0]


class ReturnForm(forms.Form):
    """One quantity box per line that has pieces left (named qty-<line id>),
    the reason and the refund method."""

    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))
    refund_method = forms.ChoiceField(label=gettext_lazy("Refund by"), widget=forms.RadioSelect, initial=RefundMethod.CASH)

    def __init__(self, *args, sale, **kwargs):
        super().__init__(*args, **kwargs)
        self.sale = sale
        self.lines = returnable_lines(sale)
        methods = [RefundMethod.CASH, RefundMethod.CARD] + ([RefundMethod.STORE_CREDIT] if sale.customer_id else [])
        self.fields["refund_method"].choices = [(m.value, label("payment", m.value)) for m in methods]
        for line in self.lines:
            self.fields[self.quantity_name(line)] = forms.CharField(required=False, max_length=40, label=line.description)

    @staticmethod
    def quantity_name(line) -> str:
        return f"qty-{line.pk}"

    def rows(self):
        """(line, its bound quantity field, pieces left) for the template."""
        return [(line, self[self.quantity_name(line)], line.quantity - line.returned_quantity) for line in self.lines]

    def clean(self):
        cleaned = super().clean()
        chosen = []
        for line in self.lines:
            name = self.quantity_name(line)
            left = line.quantity - line.returned_quantity
            try:
                value = formatting.parse_decimal(cleaned.get(name, "").strip())
            except ValueError:
                self.add_error(name, _("Enter a whole number of pieces."))
                continue
            if value is None or value == 0:
                continue
            if value != value.to_integral_value() or value < 0:
                self.add_error(name, _("Enter a whole number of pieces."))
            elif value > left:
                self.add_error(name, _("Only %(left)s left to return.") % {"left": formatting.number(left)})
            else:
                chosen.append((line.pk, int(value)))
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Enter how many pieces of at least one line come back."))
        cleaned["lines"] = chosen
        return cleaned


class ExchangeForm(ReturnForm):
    """What comes back in an exchange; the refund goes to the new sale."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["refund_method"]


def _sale(sale_id):
    try:
        return sale_get(sale_id=sale_id)
    except ApplicationError:
        raise Http404 from None


def _return(return_id):
    try:
        return return_get(return_id=return_id)
    except ApplicationError:
        raise Http404 from None


@permission_required(RETURN_SALE)
def sale_return_page(request, sale_id):
    sale = _sale(sale_id)
    if sale.status == SaleStatus.VOIDED or not returnable_lines(sale):
        messages.error(request, _("Nothing is left to return on invoice %(number)s.") % {"number": sale.invoice_label})
        return redirect("ui:sale-invoice", sale_id=sale.pk)
    form = ReturnForm(request.POST or None, sale=sale)
    if request.method == "POST" and form.is_valid():
        try:
            taken = sale_return(actor=request.user, sale=sale, lines=form.cleaned_data["lines"],
                                reason=form.cleaned_data["reason"], refund_method=form.cleaned_data["refund_method"])
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Return %(number)s recorded; the pieces are back in stock.") % {"number": taken.label})
            return redirect("ui:return-detail", return_id=taken.pk)
    return render(request, "sales/return_form.html", {"sale": sale, "form": form}, status=400 if form.errors else 200)


@permission_required(RETURN_SALE, "accounts.sell")
def sale_exchange_page(request, sale_id):
    """The first half of an exchange: what comes back. The counter then
    takes the new pieces; checkout records both in one transaction."""
    sale = _sale(sale_id)
    if sale.status == SaleStatus.VOIDED or not returnable_lines(sale):
        messages.error(request, _("Nothing is left to return on invoice %(number)s.") % {"number": sale.invoice_label})
        return redirect("ui:sale-invoice", sale_id=sale.pk)
    form = ExchangeForm(request.POST or None, sale=sale)
    if request.method == "POST" and form.is_valid():
        try:
            return_quote(sale=sale, lines=form.cleaned_data["lines"])
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            cart = Cart(branch_id=str(sale.branch_id), customer_id=str(sale.customer_id) if sale.customer_id else None, exchange={
                "sale_id": str(sale.pk), "reason": form.cleaned_data["reason"],
                "lines": [[str(line_id), quantity] for line_id, quantity in form.cleaned_data["lines"]],
            })
            cart_store(request.session, cart)
            messages.success(request, _("Now add the new pieces; checkout records the return and the sale together."))
            return redirect("ui:pos")
    return render(request, "sales/return_form.html", {"sale": sale, "form": form, "exchange": True},
                  status=400 if form.errors else 200)


@permission_required(*VIEW_SALES, any_of=True)
def return_detail(request, return_id):
    taken = _return(return_id)
    return render(request, "sales/return.html", {
        "taken": taken, "sale": taken.sale, "shop": request.tenant,
        "words": amount_in_words(taken.refund_total, taken.sale.currency, request.LANGUAGE_CODE),
    })


def return_document(taken, shop, language: str) -> bytes:
    sale, cur = taken.sale, taken.sale.currency

    def m(value):
        return formatting.money(value, cur, language)

    header = [
        f"{shop.name} · {taken.branch.name}",
        f"{_('Return')}: {taken.label}",
        f"{_('Invoice')}: {sale.invoice_label}",
        f"{_('Date')}: {formatting.datetime_text(taken.created_at, language)}",
        f"{_('Customer')}: {sale.customer.full_name if sale.customer else _('Walk-in customer')}",
        f"{_('Taken by')}: {(taken.actor.full_name or taken.actor.email) if taken.actor else '—'}",
        f"{_('Reason')}: {taken.reason}",
    ]
    if taken.exchange_sale_id:
        header.append(f"{_('Exchanged for invoice')}: {taken.exchange_sale.invoice_label}")
    lines = Table(
        caption=_("Items returned"), columns=[_("Item"), _("Qty"), _("Unit price"), _("Refund")],
        rows=[[f"{rl.sale_line.description} {rl.sale_line.item.sku}", formatting.number(rl.quantity, language=language),
               m(rl.sale_line.unit_price), m(rl.amount)] for rl in taken.lines.all()],
        numeric={1, 2, 3},
    )
    closing = [f"{_('Refund by')}: {label('payment', taken.refund_method)}", f"{_('Refund total')}: {m(taken.refund_total)}",
               f"{_('In words')}: {amount_in_words(taken.refund_total, cur, language)}"]
    return document_pdf(title=f"{_('Return')} {taken.label}", rtl=language == "fa", header=header, tables=[lines],
                        closing=closing)


@permission_required(*VIEW_SALES, any_of=True)
def return_pdf(request, return_id):
    taken = _return(return_id)
    try:
        content = return_document(taken, request.tenant, request.LANGUAGE_CODE)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("ui:return-detail", return_id=taken.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="return-{taken.label}.pdf"'
    return response

