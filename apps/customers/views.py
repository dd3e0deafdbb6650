"""Staff pages for customers: list and search (Persian and Arabic letters
alike), a profile with purchases, points, tier and store credit, creating,
editing and deactivating one. Merging duplicates moves sales, so its page is
the sales app's (apps/sales/customer_merge_views.py)."""
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.customers.models import Customer
from apps.customers.merging import customer_deactivate
from apps.customers.selectors import customer_credit_history, customer_get, customer_match, customer_points_history
from apps.customers.services import customer_create, customer_update
from apps.ui.dates import LocalDateField
from apps.ui.forms import form_error
from apps.ui.permissions import permission_required

PAGE_SIZE = 25
VIEW_CUSTOMERS = ("accounts.sell", "accounts.manage_customers")
CUSTOMER_ERROR_FIELDS = {"name_required": "full_name", "invalid_phone": "phone", "phone_taken": "phone", "invalid_email": "email"}


def customers_matching(query: str):
    """Every live customer, or those `query` finds, by name."""
    customers = Customer.objects.filter(is_deleted=False).select_related("tier")
    match = customer_match(query=query) if query.strip() else None
    if match is not None:
        customers = customers.filter(match)
    return customers.order_by("full_name", "id")


@permission_required(*VIEW_CUSTOMERS, any_of=True)
def customer_list(request):
    query = request.GET.get("q", "")
    page = Paginator(customers_matching(query), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "customers/_customer_rows.html" if request.headers.get("HX-Request") == "true" else "customers/customer_list.html"
    return render(request, template, {"page": page, "q": query})


@permission_required(*VIEW_CUSTOMERS, any_of=True)
def customer_detail(request, customer_id):
    try:
        customer = customer_get(customer_id=customer_id, include_deleted=True)
    except ApplicationError:
        raise Http404 from None
    context = {
        "customer": customer, "shop": request.tenant,
        # Sales point at customers; the page reads them through that relation.
        "purchases": customer.sales.select_related("branch").order_by("-occurred_at")[:50],
        "points": customer_points_history(customer=customer)[:50],
        "credit": customer_credit_history(customer=customer)[:50],
    }
    return render(request, "customers/customer_detail.html", context)


class CustomerForm(forms.Form):
    full_name = forms.CharField(max_length=150, label=_("Full name"), widget=forms.TextInput(attrs={"autofocus": True}))
    phone = forms.CharField(max_length=40, label=_("Phone"), widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}))
    email = forms.EmailField(required=False, label=_("E-mail"))
    birthday = LocalDateField(required=False, label=_("Birthday"))
    notes = forms.CharField(required=False, max_length=2000, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))


@permission_required("accounts.manage_customers")
def customer_new(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(**form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc, CUSTOMER_ERROR_FIELDS)
        else:
            messages.success(request, _("Customer %(name)s added.") % {"name": customer.full_name})
            return redirect("ui:customer-detail", customer_id=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form})


def _live_customer(customer_id) -> Customer:
    try:
        return customer_get(customer_id=customer_id)
    except ApplicationError:
        raise Http404 from None


@permission_required("accounts.manage_customers")
def customer_edit(request, customer_id):
    customer = _live_customer(customer_id)
    initial = {name: getattr(customer, name) for name in CustomerForm.base_fields}
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(customer=customer, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc, CUSTOMER_ERROR_FIELDS)
        else:
            messages.success(request, _("Saved."))
            return redirect("ui:customer-detail", customer_id=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@require_POST
@permission_required("accounts.manage_customers")
def customer_deactivate_page(request, customer_id):
    customer = _live_customer(customer_id)
    try:
        customer_deactivate(customer=customer, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, {"customer_has_credit": _("This customer still has store credit: spend it, or merge the "
                                                          "customer into another, first.")}.get(exc.code, exc.message))
    else:
        messages.success(request, _("%(name)s was deactivated.") % {"name": customer.full_name})
    return redirect("ui:customer-detail", customer_id=customer.pk)
