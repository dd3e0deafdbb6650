"""Staff pages of the workshop: the board (open repairs, overdue first),
intake at the counter, a ticket's page with its actions (in work, ready,
craftsman, deposit, gold, pickup, give back or cancel), and the price list
with the craftsmen. Every write goes through apps.workshop.services; a
refusal is shown on the page and changes nothing."""
import uuid
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.customers.models import Customer
from apps.customers.selectors import customer_get
from apps.customers.views import customers_matching
from apps.sales.cart import cart_load
from apps.sales.services import PaymentInput
from apps.ui.barcode import code128_svg
from apps.ui.forms import AmountField, form_errors_text
from apps.ui.labels import error_text
from apps.ui.permissions import permission_required
from apps.workshop import services
from apps.workshop.forms import (
    SERVICE_NAMES,
    AssignForm,
    CloseForm,
    CollectForm,
    DepositForm,
    IntakeForm,
    MetalForm,
    in_currency,
    prices_in,
)
from apps.workshop.models import Craftsman, RepairStatus
from apps.workshop.selectors import ticket_board, ticket_get

SELL, MANAGE = "accounts.sell", "accounts.manage_workshop"
PAGE_SIZE = 30
BOARD_STATUSES = ("open", *RepairStatus.values, "all")
# Which form field a service's refusal belongs to.
INTAKE_ERROR_FIELDS = {"invalid_weight": "gross_weight", "invalid_fineness": "fineness", "invalid_promised_on": "promised_on",
                       "invalid_description": "description", "deposit_over_estimate": "deposit", "invalid_payment": "deposit_method",
                       "insufficient_credit": "deposit", "invalid_amount": "deposit", "craftsman_inactive": "craftsman"}


@permission_required(SELL)
def workshop_board(request):
    status = request.GET.get("status", "open")
    status = status if status in BOARD_STATUSES else "open"
    query = request.GET.get("q", "")[:100]
    page = Paginator(ticket_board(status=status, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workshop/board.html", {"page": page, "status": status, "q": query, "statuses": BOARD_STATUSES,
                                                   "shop": request.tenant})


def _ticket(ticket_id):
    try:
        return ticket_get(ticket_id=ticket_id)
    except ApplicationError:
        raise Http404 from None


def _customer_or_none(customer_id) -> Customer | None:
    try:
        return customer_get(customer_id=customer_id) if customer_id else None
    except ApplicationError:
        return None


@permission_required(SELL)
def repair_new(request):
    """Intake. Without a customer, find one first (or add one)."""
    customer = _customer_or_none(request.GET.get("customer") or request.POST.get("customer"))
    if customer is None:
        query = request.GET.get("q", "")[:100]
        found = customers_matching(query)[:20] if query.strip() else []
        appraisal = request.GET.get("for") == "appraisal"  # the same finder starts an appraisal
        return render(request, "workshop/pick_customer.html", {
            "q": query, "found": found, "appraisal": appraisal,
            "target": reverse("ui:appraisal-create") if appraisal else reverse("ui:repair-create")})
    form = IntakeForm(request.POST or None, initial={"branch": cart_load(request.session).branch_id},
                      currency=request.tenant.currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asked = [services.ServiceInput(kind=kind, note=data[f"note_{kind}"], price=data[f"price_{kind}"])
                 for kind in SERVICE_NAMES if data[f"svc_{kind}"]]
        deposit = services.DepositInput(data["deposit_method"], data["deposit"]) if data.get("deposit") else None
        try:
            ticket = services.repair_ticket_create(
                actor=request.user, branch=data["branch"], customer=customer, description=data["description"], gross_weight=data["gross_weight"],
                fineness=data["fineness"], services=asked, promised_on=data["promised_on"], craftsman=data["craftsman"],
                note=data["note"], deposit=deposit)
        except ApplicationError as exc:
            field = INTAKE_ERROR_FIELDS.get(exc.code)
            form.add_error(field if field in form.fields else None, error_text(exc))
        else:
            messages.success(request, _("Repair %(label)s taken in.") % {"label": ticket.label})
            return redirect("ui:repair-detail", ticket_id=ticket.pk)
    return render(request, "workshop/intake.html", {"form": form, "customer": customer, "shop": request.tenant})


@permission_required(SELL)
def repair_detail(request, ticket_id):
    ticket = _ticket(ticket_id)
    lines, currency = list(ticket.lines.all()), request.tenant.currency
    try:
        quote = services.repair_ticket_quote(ticket=ticket) if ticket.status in services.REPAIR_MOVES else None
    except ApplicationError:
        quote = None  # the page still shows; pickup will say what is wrong
    due = in_currency(max(quote.due, Decimal(0)), currency) if quote else None
    context = {
        "ticket": ticket, "shop": request.tenant, "lines": lines, "is_open": ticket.status in services.REPAIR_MOVES,
        "moves": [to for to in (RepairStatus.IN_WORK, RepairStatus.READY) if to in services.REPAIR_MOVES.get(ticket.status, ())],
        "deposit_form": DepositForm(), "metal_form": MetalForm(), "close_form": CloseForm(),
        "assign_form": AssignForm(initial={"craftsman": ticket.craftsman_id}),
        "collect_form": CollectForm(lines=lines, initial={"amount": due, **{f"labour_{line.pk}": in_currency(line.price, currency)
                                                                            for line in lines}}),
        "quote": quote, "owed": -quote.due if quote and quote.due < 0 else None,
    }
    return render(request, "workshop/ticket.html", context)


@permission_required(SELL)
def repair_print(request, ticket_id):
    """The customer's ticket and the piece's tag, both with the label's barcode (the board finds a scanned label)."""
    ticket = _ticket(ticket_id)
    return render(request, "workshop/print.html", {"ticket": ticket, "shop": request.tenant, "barcode_svg": code128_svg(ticket.label)})


def _act(request, ticket_id, form_class, act, done, **form_kwargs):
    """Runs one action of the ticket page: the form checked, then the
    service; either way back to the ticket, with what happened."""
    ticket = _ticket(ticket_id)
    form = form_class(request.POST, **{k: (v(ticket) if callable(v) else v) for k, v in form_kwargs.items()})
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    else:
        try:
            act(ticket, form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
    return redirect("ui:repair-detail", ticket_id=ticket.pk)


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=[(RepairStatus.IN_WORK, RepairStatus.IN_WORK), (RepairStatus.READY, RepairStatus.READY)])
    note = forms.CharField(required=False, max_length=255)


@require_POST
@permission_required(SELL)
def repair_move(request, ticket_id):
    return _act(request, ticket_id, MoveForm, lambda t, d: services.repair_ticket_move(
        actor=request.user, ticket=t, to=d["to"], note=d["note"]), _("Status changed."))


@require_POST
@permission_required(SELL)
def repair_assign(request, ticket_id):
    return _act(request, ticket_id, AssignForm, lambda t, d: services.repair_ticket_assign(
        actor=request.user, ticket=t, craftsman=d["craftsman"]), _("Craftsman saved."))


@require_POST
@permission_required(SELL)
def repair_deposit(request, ticket_id):
    return _act(request, ticket_id, DepositForm, lambda t, d: services.repair_deposit_take(
        actor=request.user, ticket=t, deposit=services.DepositInput(d["method"], d["amount"], d["reference"])),
        _("Deposit taken."))


@require_POST
@permission_required(SELL)
def repair_metal(request, ticket_id):
    return _act(request, ticket_id, MetalForm, lambda t, d: services.repair_metal_record(
        actor=request.user, ticket=t, weight=d["weight"], fineness=d["fineness"], note=d["note"]), _("Gold recorded."))


@require_POST
@permission_required(SELL)
def repair_close(request, ticket_id):
    return _act(request, ticket_id, CloseForm, lambda t, d: services.repair_ticket_close(
        actor=request.user, ticket=t, to=d["to"], deposit=d["deposit"], refund_method=d["refund_method"], note=d["note"]),
        _("Ticket closed."))


@require_POST
@permission_required(SELL)
def repair_collect(request, ticket_id):
    def collect(ticket, data):
        payments = [PaymentInput(method=data[m], amount=data[a]) for m, a in (("method", "amount"), ("method_2", "amount_2"))
                    if data.get(m) and data.get(a)]
        labour = {line.pk: data[f"labour_{line.pk}"] for line in ticket.lines.all() if data.get(f"labour_{line.pk}") is not None}
        services.repair_ticket_collect(actor=request.user, ticket=ticket, payments=payments, labour=labour,
                                       payout_method=data["payout_method"])

    return _act(request, ticket_id, CollectForm, collect, _("Collected: the invoice is made."),
                lines=lambda t: list(t.lines.all()))


class PriceListForm(forms.Form):
    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        prices = prices_in(currency)
        for kind, name in SERVICE_NAMES.items():
            self.fields[kind] = AmountField(label=name, initial=prices.get(kind))


class CraftsmanForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"))
    phone = forms.CharField(required=False, max_length=32, label=_("Phone"), widget=forms.TextInput(attrs={"dir": "ltr"}))


@permission_required(MANAGE)
def workshop_settings(request):
    """The price list and the craftsmen."""
    prices = PriceListForm(request.POST if request.POST.get("form") == "prices" else None, currency=request.tenant.currency)
    craftsman = CraftsmanForm(request.POST if request.POST.get("form") == "craftsman" else None)
    if request.method == "POST":
        try:
            if prices.is_bound and prices.is_valid():
                for kind, price in prices.cleaned_data.items():
                    services.repair_price_set(actor=request.user, kind=kind, price=price)
                messages.success(request, _("Prices saved."))
                return redirect("ui:workshop-settings")
            if craftsman.is_bound and craftsman.is_valid():
                services.craftsman_create(actor=request.user, **craftsman.cleaned_data)
                messages.success(request, _("Craftsman added."))
                return redirect("ui:workshop-settings")
            if request.POST.get("form") == "active":
                found = Craftsman.objects.filter(pk=_uuid(request.POST.get("craftsman"))).first()
                if found is None:
                    raise Http404
                services.craftsman_set_active(actor=request.user, craftsman=found, active=request.POST.get("active") == "1")
                return redirect("ui:workshop-settings")
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
    return render(request, "workshop/settings.html", {
        "prices": prices, "craftsman_form": craftsman, "craftsmen": Craftsman.objects.order_by("-is_active", "name"),
        "shop": request.tenant, "back": reverse("ui:workshop")})


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
