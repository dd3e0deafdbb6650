from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError
from apps.tenancy.models import LOW_STOCK_THRESHOLD_MAX, Tenant
from apps.tenancy.services import shop_language_set, shop_low_stock_threshold_set, shop_mfa_required_set, shop_profile_set
from apps.ui.forms import AmountField, WholeField
from apps.ui.permissions import permission_required


def landing(request):
    return render(request, "tenancy/landing.html")


class ShopLanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Tenant.Language.choices, label=gettext_lazy("Shop language"),
                                 help_text=gettext_lazy("For staff who have not picked their own language."))


class ShopStockForm(forms.Form):
    low_stock_threshold = WholeField(
        min_value=0, max_value=LOW_STOCK_THRESHOLD_MAX, label=gettext_lazy("Low stock at or below"),
        help_text=gettext_lazy("Items with this many pieces or fewer show as low stock on the dashboard and in the reports."),
    )


class ShopSecurityForm(forms.Form):
    mfa_required = forms.BooleanField(
        required=False, label=gettext_lazy("Owners and managers must use two-step sign-in"),
        help_text=gettext_lazy("They set it up at their next login (an authenticator app on the phone). Cashiers may, but need not."),
    )


class ShopInvoiceForm(forms.ModelForm):
    """The shop's legal identity, printed on every invoice."""

    class Meta:
        model = Tenant
        fields = ["legal_name", "address", "phone", "postal_code", "economic_code", "national_id"]
        labels = {"legal_name": gettext_lazy("Legal name"), "address": gettext_lazy("Address"), "phone": gettext_lazy("Phone"),
                  "postal_code": gettext_lazy("Postal code"), "economic_code": gettext_lazy("Economic code"),
                  "national_id": gettext_lazy("National ID")}
        help_texts = {"legal_name": gettext_lazy("As registered with the tax office; printed on invoices.")}


class ShopPricesForm(forms.Form):
    amount_unit = forms.ChoiceField(
        choices=[("rial", gettext_lazy("Rial")), ("toman", gettext_lazy("Toman"))], label=gettext_lazy("Show amounts in"),
        help_text=gettext_lazy("Amounts are always kept in rial; a toman is ten rial."),
    )
    making_percent_max = AmountField(places=2, whole_digits=3, label=gettext_lazy("Highest making charge (%)"),
                                     help_text=gettext_lazy("An item's making charge in percent may not be higher."))
    gold_rate_max_age_hours = WholeField(
        min_value=0, max_value=720, label=gettext_lazy("Gold rate is stale after (hours)"),
        help_text=gettext_lazy("The offline counter warns when the gold rate it prices with is older (0: never)."),
    )


def _profile_save(request, form) -> bool:
    """Stores a profile form through the service; False (with the error on
    the form) when the service refuses it."""
    try:
        shop_profile_set(shop=request.tenant, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        for detail in exc.details or [{"field": None, "message": exc.message}]:
            form.add_error(detail["field"] if detail.get("field") in form.fields else None, detail["message"])
        return False
    return True


@permission_required("accounts.manage_shop")
def shop_settings(request):
    shop = request.tenant
    posted = request.POST if request.method == "POST" else None
    which = posted.get("settings", "") if posted is not None else None  # which of the page's forms was sent
    stock, security = which == "stock", which == "security"
    form = ShopLanguageForm(posted if which == "" else None, initial={"language": shop.language})
    stock_form = ShopStockForm(posted if stock else None, initial={"low_stock_threshold": shop.low_stock_threshold})
    security_form = ShopSecurityForm(posted if security else None, initial={"mfa_required": shop.mfa_required})
    invoice_form = ShopInvoiceForm(posted if which == "invoice" else None, instance=Tenant.objects.get(pk=shop.pk))
    prices_form = ShopPricesForm(posted if which == "prices" else None,
                                 initial={"amount_unit": shop.amount_unit, "making_percent_max": shop.making_percent_max,
                                          "gold_rate_max_age_hours": shop.gold_rate_max_age_hours})
    for name, profile_form in (("invoice", invoice_form), ("prices", prices_form)):
        if which == name and profile_form.is_valid() and _profile_save(request, profile_form):
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    if security and security_form.is_valid():
        try:
            shop_mfa_required_set(shop=shop, actor=request.user, required=security_form.cleaned_data["mfa_required"])
        except ApplicationError as exc:
            security_form.add_error("mfa_required", _("Set up two-step sign-in for yourself first.")
                                    if exc.code == "mfa_enrolment_required" else exc.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    elif stock and stock_form.is_valid():
        try:
            shop_low_stock_threshold_set(shop=shop, actor=request.user, threshold=stock_form.cleaned_data["low_stock_threshold"])
        except ApplicationError as exc:
            stock_form.add_error("low_stock_threshold", exc.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    elif which == "" and form.is_valid():
        try:
            shop_language_set(shop=shop, actor=request.user, language=form.cleaned_data["language"])
        except ApplicationError as exc:
            form.add_error("language", exc.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    return render(request, "tenancy/shop_settings.html", {"form": form, "stock_form": stock_form, "security_form": security_form,
                                                          "invoice_form": invoice_form, "prices_form": prices_form,
                                                          "shop": shop})
