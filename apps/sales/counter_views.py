"""The counter (POS screen).

The cart lives in the session (apps.sales.cart) and is priced afresh by
`sale_quote` on every change; checkout is `sale_create`. Every action is a
plain form POST: with htmx the POS panel is swapped in place, without it the
browser is redirected back to the counter, so the screen works either way
and from the keyboard alone.
"""
from decimal import Decimal
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.branches.models import Branch
from apps.branches.selectors import branch_list
from apps.core.errors import ApplicationError
from apps.core.money import currency_exponent
from apps.customers.models import Customer
from apps.customers.selectors import customer_search
from apps.customers.services import customer_create
from apps.customers.text import normalize_digits
from apps.inventory.models import Item
from apps.inventory.selectors import item_by_code, item_search
from apps.sales import rules
from apps.sales.cart import (
    Cart,
    CartPayment,
    CartTradeIn,
    cart_clear,
    cart_load,
    cart_store,
)
from apps.sales.counter_forms import LineChangeForm, PaymentForm, TradeInForm
from apps.sales.exchange import sale_exchange
from apps.sales.models import ENTERED_PAYMENT_METHODS, PaymentMethod, PayoutMethod, SaleSource
from apps.sales.reversals import return_quote
from apps.sales.selectors import sale_get
from apps.sales.services import sale_create, sale_quote
from apps.ui import formatting
from apps.ui.forms import form_errors_text
from apps.ui.labels import error_text, label
from apps.ui.permissions import is_htmx, permission_required

SELL = "accounts.sell"
TRADE_IN_FINENESSES = (750, 705, 875, 916, 999, 585)
SEARCH_RESULTS = 10
# Where the cursor goes after an action (without htmx: through the redirect).
FOCUS_TARGETS = frozenset({"scan", "customer", "tradein", "payment", "checkout"})




# --------------------------------------------------------------------------
# the cart, priced
# --------------------------------------------------------------------------


def _branch(cart: Cart, branches: list[Branch]) -> Branch | None:
    return next((b for b in branches if str(b.pk) == cart.branch_id), branches[0] if branches else None)


def _branches(request) -> list[Branch]:
    """The shop's branches, read once a request (an action and the panel it
    answers with both need them)."""
    if "_branches" not in request.__dict__:
        request._branches = list(branch_list())
    return request._branches


def _cart_items(request, cart: Cart) -> dict:
    """The cart's items by id, read once a request for the same lines."""
    ids = tuple(sorted({line.item_id for line in cart.lines}))
    kept = request.__dict__.setdefault("_cart_items", {})
    if ids not in kept:
        kept[ids] = Item.objects.select_related("category").in_bulk([_uuid(i) for i in ids])
    return kept[ids]


def _quote(request, cart: Cart):
    """The cart priced, once a request for the same lines and old gold: a
    change is priced when tried and again when the panel shows it."""
    if not (cart.lines or cart.trade_ins):
        return None
    lines, trade_ins = cart.line_inputs(), cart.trade_in_inputs()
    key = repr((lines, trade_ins))
    priced = request.__dict__.setdefault("_cart_quotes", {})
    if key not in priced:
        priced[key] = sale_quote(lines=lines, trade_ins=trade_ins, items=_cart_items(request, cart))
    return priced[key]


def _exchange(cart: Cart):
    """(the sale being exchanged, what its return refunds, a problem) for an
    exchange in the cart; the refund is worked out afresh on every view."""
    if not cart.exchange:
        return None, Decimal(0), None
    try:
        sale = sale_get(sale_id=cart.exchange.get("sale_id"))
        return sale, return_quote(sale=sale, lines=cart.exchange_lines()), None
    except ApplicationError as exc:
        return None, Decimal(0), error_text(exc)
    except (TypeError, ValueError):
        return None, Decimal(0), _("The exchange is no longer valid; cancel it.")


def _pos_context(request, cart: Cart, **extra) -> dict:
    shop = request.tenant
    branches = _branches(request)
    branch = _branch(cart, branches)
    items = _cart_items(request, cart)
    quote, quote_error = None, None
    try:
        quote = _quote(request, cart)
    except ApplicationError as exc:
        quote_error = error_text(exc)
    lines = [
        {"index": i, "line": line, "item": items.get(_uuid(line.item_id)),
         "price": quote.lines[i] if quote else None}
        for i, line in enumerate(cart.lines)
    ]
    trade_ins = [{"index": i, "trade_in": t, "price": quote.trade_ins[i] if quote else None} for i, t in enumerate(cart.trade_ins)]
    paid = cart.paid()
    exchanged, exchange_credit, exchange_error = _exchange(cart)
    due = quote.due - exchange_credit if quote else Decimal(0)
    remaining = due - paid
    customer = Customer.objects.select_related("tier").filter(pk=cart.customer_id).first() if cart.customer_id else None
    owed, payout_method = _payout(cart, quote, due, customer)
    return {
        "owed": owed, "payout_method": payout_method,
        "exchanged": exchanged, "exchange_credit": exchange_credit, "exchange_error": exchange_error,
        "credit_available": customer.credit_balance - cart.store_credit_paid() if customer else Decimal(0),
        "shop": shop, "cart": cart, "branches": branches, "branch": branch, "lines": lines, "trade_in_rows": trade_ins,
        "quote": quote, "quote_error": quote_error, "paid": paid, "due": due, "remaining": remaining,
        "customer": customer, "payment_methods": [(m, label("payment", m)) for m in ENTERED_PAYMENT_METHODS],
        "finenesses": TRADE_IN_FINENESSES, "payments": cart.payments,
        "can_checkout": bool(quote and cart.lines and branch and not exchange_error
                             and ((remaining == 0 and due >= 0) or (owed and payout_method))),
        "focus": extra.pop("focus", "scan"), **extra,
        # Swapped in by htmx: no `autofocus`, which htmx obeys as it settles,
        # even if the cashier has moved on; app.js moves the cursor instead.
        "swapped": is_htmx(request),
    }


def _payout(cart: Cart, quote, due: Decimal, customer) -> tuple[Decimal, str]:
    """What the shop owes the customer (old gold worth more than the sale,
    nothing paid yet) and how it is paid out, if the cashier has said."""
    owed = -due if quote and due < 0 and not cart.paid() else Decimal(0)
    method = cart.payout_method if owed and cart.payout_method in PayoutMethod.values else ""
    if method == PayoutMethod.STORE_CREDIT and customer is None:
        method = ""
    return owed, method


def _uuid(value) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _respond(request, cart: Cart, **extra):
    """htmx: the POS panel alone; otherwise the whole page, or a redirect
    back to it when there is nothing one-off to show."""
    if is_htmx(request):
        return render(request, "sales/_pos.html", _pos_context(request, cart, **extra))
    if extra.get("results") is not None or extra.get("customer_results") is not None:
        return render(request, "sales/pos.html", _pos_context(request, cart, **extra))
    focus = extra.get("focus", "scan")
    return redirect(reverse("ui:pos") + (f"?focus={focus}" if focus in FOCUS_TARGETS - {"scan"} else ""))


def _try(request, cart: Cart, change) -> bool:
    """Applies `change` to a copy of the cart and keeps it only if the cart
    still prices and the user may make it; says why not otherwise."""
    trial = cart_load(request.session)
    try:
        change(trial)
        quote = _quote(request, trial)
        if quote is not None:
            rules.quote_overrides(actor=request.user, quote=quote)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return False
    except (ValueError, ArithmeticError):
        messages.error(request, _("Enter a valid number."))
        return False
    cart_store(request.session, trial)
    return True


# --------------------------------------------------------------------------
# the screen and its actions
# --------------------------------------------------------------------------


@permission_required(SELL)
def pos(request):
    focus = request.GET.get("focus")
    focus = focus if focus in FOCUS_TARGETS else "scan"
    return render(request, "sales/pos.html", _pos_context(request, cart_load(request.session), focus=focus))


def _unavailable(item: Item, wanted: int, branch: Branch | None) -> str | None:
    if item.is_deleted:
        return _("Item %(sku)s has been deleted.") % {"sku": item.sku}
    if branch is not None and item.branch_id != branch.pk:
        return _("Item %(sku)s is in branch %(branch)s, not here.") % {"sku": item.sku, "branch": item.branch.name}
    if item.status != Item.Status.IN_STOCK or item.quantity < wanted:
        return _("Item %(sku)s is not available (in stock: %(n)s).") % {"sku": item.sku, "n": formatting.number(max(item.quantity, 0))}
    return None


def _add(request, cart: Cart, item: Item):
    branches = _branches(request)
    branch = _branch(cart, branches)
    if not cart.lines and branch is not None and item.branch_id != branch.pk and item.branch.is_active:
        branch = item.branch  # an empty cart follows the first item's branch
    if branch is not None:
        cart.branch_id = str(branch.pk)
    in_cart = next((line.quantity for line in cart.lines if line.item_id == str(item.pk)), 0)
    if in_cart and item.is_unique_piece:
        messages.warning(request, _("Item %(sku)s is already in the cart.") % {"sku": item.sku})
        return _respond(request, cart)
    problem = _unavailable(item, in_cart + 1, branch)
    if problem:
        messages.error(request, problem)
        return _respond(request, cart)
    cart.add_item(item.pk, unique=item.is_unique_piece)
    cart_store(request.session, cart)
    return _respond(request, cart)


@require_POST
@permission_required(SELL)
def pos_scan(request):
    """A scanner types the barcode and Enter: an exact hit goes in the cart;
    a typed name lists what matches."""
    cart = cart_load(request.session)
    code = normalize_digits(request.POST.get("code", "")).strip()
    if not code:
        return _respond(request, cart)
    exact = item_by_code(code)
    if len(exact) == 1:
        return _add(request, cart, exact[0])
    found = item_search(code, limit=SEARCH_RESULTS)
    if len(found) == 1:
        return _add(request, cart, found[0])
    if not found:
        messages.error(request, _("No item matches “%(code)s”.") % {"code": code})
        return _respond(request, cart)
    return _respond(request, cart, results=found, query=code, focus="results")


@require_POST
@permission_required(SELL)
def pos_add(request):
    item = Item.objects.select_related("branch").filter(pk=_uuid(request.POST.get("item_id")), is_deleted=False).first()
    cart = cart_load(request.session)
    if item is None:
        messages.error(request, _("That item no longer exists."))
        return _respond(request, cart)
    return _add(request, cart, item)


@require_POST
@permission_required(SELL)
def pos_line(request, index: int):
    cart = cart_load(request.session)
    if not 0 <= index < len(cart.lines):
        return _respond(request, cart)
    if request.POST.get("action") == "remove":
        del cart.lines[index]
        cart.payments = []  # the total changed: payments are taken again
        cart_store(request.session, cart)
        return _respond(request, cart)

    form = LineChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _respond(request, cart)
    typed = form.cleaned_data

    def change(trial: Cart):
        line = trial.lines[index]
        if typed["quantity"] is not None:
            line.quantity = typed["quantity"]
        rate, making, discount = typed["rate"], typed["making_value"], typed["discount"]
        item = Item.objects.filter(pk=_uuid(line.item_id)).only("making_mode").first()
        if making is not None and item is not None and item.making_mode != Item.MakingMode.PERCENT:
            making = formatting.from_display_unit(making, request.tenant.currency)  # money, not a percentage
        line.rate = None if rate is None else str(rate)
        line.making_value = None if making is None else str(making)
        line.discount = str(discount or 0)
        trial.payments = []

    _try(request, cart, change)
    return _respond(request, cart_load(request.session))


@require_POST
@permission_required(SELL)
def pos_trade_in(request):
    cart = cart_load(request.session)
    form = TradeInForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _respond(request, cart, focus="tradein")
    typed = form.cleaned_data

    def change(trial: Cart):
        pure_rate = typed["pure_rate"]
        trial.trade_ins.append(CartTradeIn(
            weight=str(typed["weight"]), fineness=typed["fineness"], deduction_percent=str(typed["deduction_percent"] or 0),
            pure_rate=None if pure_rate is None else str(pure_rate), description=typed["description"].strip(),
        ))
        trial.payments = []

    ok = _try(request, cart, change)
    return _respond(request, cart_load(request.session), focus="scan" if ok else "tradein")


@require_POST
@permission_required(SELL)
def pos_trade_in_remove(request, index: int):
    cart = cart_load(request.session)
    if 0 <= index < len(cart.trade_ins):
        del cart.trade_ins[index]
        cart.payments = []
        cart_store(request.session, cart)
    return _respond(request, cart)


@require_POST
@permission_required(SELL)
def pos_customer(request):
    cart = cart_load(request.session)
    customer_id = request.POST.get("customer_id", "")
    if not customer_id:
        cart.customer_id = None
    elif Customer.objects.filter(pk=_uuid(customer_id), is_deleted=False).exists():
        cart.customer_id = str(_uuid(customer_id))
    else:
        messages.error(request, _("That customer no longer exists."))
    cart_store(request.session, cart)
    return _respond(request, cart)


@permission_required(SELL)
def pos_customer_search(request):
    query = request.GET.get("q", "")
    found = customer_search(query=query, limit=SEARCH_RESULTS) if query.strip() else []
    if is_htmx(request):
        return render(request, "sales/_customer_results.html", {"customer_results": found, "customer_query": query})
    return _respond(request, cart_load(request.session), customer_results=found, customer_query=query, focus="customer")


class NewCustomerForm(forms.Form):
    full_name = forms.CharField(max_length=150, label=gettext_lazy("Full name"))
    phone = forms.CharField(max_length=40, label=gettext_lazy("Phone"))


@require_POST
@permission_required(SELL, "accounts.manage_customers")
def pos_customer_new(request):
    cart = cart_load(request.session)
    form = NewCustomerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A new customer needs a name and a phone number."))
        return _respond(request, cart, focus="customer")
    try:
        customer = customer_create(full_name=form.cleaned_data["full_name"], phone=form.cleaned_data["phone"])
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return _respond(request, cart, focus="customer")
    cart.customer_id = str(customer.pk)
    cart_store(request.session, cart)
    messages.success(request, _("Customer %(name)s added.") % {"name": customer.full_name})
    return _respond(request, cart)


@require_POST
@permission_required(SELL)
def pos_payment(request):
    cart = cart_load(request.session)
    form = PaymentForm(request.POST)
    valid = form.is_valid()
    method, amount = form.cleaned_data.get("method", ""), form.cleaned_data.get("amount")
    context = _pos_context(request, cart)
    exponent = currency_exponent(request.tenant.currency)
    if "method" in form.errors:
        messages.error(request, _("Pick a payment method."))
    elif "amount" in form.errors and request.POST.get("amount", "").strip():
        messages.error(request, form_errors_text(form))
    elif amount is None or amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        messages.error(request, _("Enter the amount paid."))
    elif not valid:
        messages.error(request, form_errors_text(form))
    elif amount > context["remaining"]:
        messages.error(request, _("That is more than what is left to pay."))
    elif method == PaymentMethod.STORE_CREDIT and context["customer"] is None:
        messages.error(request, _("Choose the customer first: store credit belongs to a customer."))
    elif method == PaymentMethod.STORE_CREDIT and amount > context["credit_available"]:
        messages.error(request, _("The customer has only %(credit)s in store credit.")
                       % {"credit": formatting.money(context["credit_available"], request.tenant.currency)})
    else:
        cart.payments.append(CartPayment(method=method, amount=str(amount), reference=form.cleaned_data["reference"].strip()))
        cart_store(request.session, cart)
        return _respond(request, cart, focus="checkout" if context["remaining"] == amount else "payment")
    return _respond(request, cart, focus="payment")


@require_POST
@permission_required(SELL)
def pos_payment_remove(request, index: int):
    cart = cart_load(request.session)
    if 0 <= index < len(cart.payments):
        del cart.payments[index]
        cart_store(request.session, cart)
    return _respond(request, cart, focus="payment")


@require_POST
@permission_required(SELL)
def pos_payout(request):
    """Old gold worth more than the sale: the shop pays the difference out
    in cash or keeps it as the customer's store credit."""
    cart = cart_load(request.session)
    method = request.POST.get("method", "")
    if method not in PayoutMethod.values:
        messages.error(request, _("Pay it out in cash or keep it as store credit."))
    elif method == PayoutMethod.STORE_CREDIT and not cart.customer_id:
        messages.error(request, _("Choose the customer first: store credit belongs to a customer."))
    else:
        cart.payout_method = method
        cart_store(request.session, cart)
        return _respond(request, cart, focus="checkout")
    return _respond(request, cart, focus="payment")


@require_POST
@permission_required(SELL)
def pos_exchange_cancel(request):
    cart = cart_load(request.session)
    cart.exchange, cart.payments = None, []
    cart_store(request.session, cart)
    return _respond(request, cart)


@require_POST
@permission_required(SELL)
def pos_branch(request):
    cart = cart_load(request.session)
    branch = Branch.objects.filter(pk=_uuid(request.POST.get("branch_id")), is_active=True).first()
    if branch is None:
        messages.error(request, _("Pick a branch."))
    elif cart.lines and str(branch.pk) != cart.branch_id:
        messages.error(request, _("Finish or clear the sale before changing branch."))
    else:
        cart.branch_id = str(branch.pk)
        cart_store(request.session, cart)
    return _respond(request, cart)


@require_POST
@permission_required(SELL)
def pos_clear(request):
    return _respond(request, cart_clear(request.session))


def _lock_session(request) -> None:
    """Two clicks on Checkout must not sell twice: the second waits for the
    first here, then finds the cart it emptied."""
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" and request.session.session_key:
        Session.objects.select_for_update().filter(session_key=request.session.session_key).first()
        fresh = request.session.__class__(request.session.session_key)
        request.session.update({"pos_cart": fresh.load().get("pos_cart")})


@require_POST
@permission_required(SELL)
def pos_checkout(request):
    with transaction.atomic():
        _lock_session(request)
        cart = cart_load(request.session)
        branch = _branch(cart, _branches(request))
        if not cart.lines:
            messages.error(request, _("The cart is empty."))
            return _respond(request, cart)
        customer = Customer.objects.filter(pk=cart.customer_id).first() if cart.customer_id else None
        try:
            with transaction.atomic():
                payout_method = ""
                if cart.payout_method:  # else nothing to price before the sale is: it prices itself
                    quote, (_sale, exchange_credit, _problem) = _quote(request, cart), _exchange(cart)
                    payout_method = _payout(cart, quote, quote.due - exchange_credit, customer)[1]
                if cart.exchange:
                    sale = sale_exchange(
                        actor=request.user, sale=sale_get(sale_id=cart.exchange.get("sale_id")), return_lines=cart.exchange_lines(),
                        reason=str(cart.exchange.get("reason", "")), branch=branch, lines=cart.line_inputs(),
                        payments=cart.payment_inputs(), trade_ins=cart.trade_in_inputs(), customer=customer,
                        payout_method=payout_method,
                    )[1]
                else:
                    sale = sale_create(
                        actor=request.user, branch=branch, lines=cart.line_inputs(), payments=cart.payment_inputs(),
                        trade_ins=cart.trade_in_inputs(), customer=customer, source=SaleSource.WEB, payout_method=payout_method,
                    )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            return _respond(request, cart, focus="payment")
        cart_clear(request.session)
        request.session.save()
    messages.success(request, _("Sale completed: invoice %(number)s.") % {"number": formatting.localize_digits(sale.invoice_label)})
    target = reverse("ui:sale-invoice", kwargs={"sale_id": sale.pk})
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
