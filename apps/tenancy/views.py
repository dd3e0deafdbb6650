from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError
from apps.tenancy.models import LOW_STOCK_THRESHOLD_MAX, Tenant
from apps.tenancy.services import shop_language_set, shop_low_stock_threshold_set
from apps.ui.permissions import permission_required


def landing(request):
    return render(request, "tenancy/landing.html")


class ShopLanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Tenant.Language.choices, label=gettext_lazy("Shop language"),
                                 help_text=gettext_lazy("For staff who have not picked their own language."))


class ShopStockForm(forms.Form):
    low_stock_threshold = forms.IntegerField(
        min_value=0, max_value=LOW_STOCK_THRESHOLD_MAX, label=gettext_lazy("Low stock at or below"),
        help_text=gettext_lazy("Items with this many pieces or fewer show as low stock on the dashboard and in the reports."),
    )


@permission_required("accounts.manage_shop")
def shop_settings(request):
    shop = request.tenant
    posted = request.POST if request.method == "POST" else None
    stock = posted is not None and posted.get("settings") == "stock"  # which of the page's two forms was sent
    form = ShopLanguageForm(None if stock else posted, initial={"language": shop.language})
    stock_form = ShopStockForm(posted if stock else None, initial={"low_stock_threshold": shop.low_stock_threshold})
    if stock and stock_form.is_valid():
        try:
            shop_low_stock_threshold_set(shop=shop, actor=request.user, threshold=stock_form.cleaned_data["low_stock_threshold"])
        except ApplicationError as exc:
            stock_form.add_error("low_stock_threshold", exc.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    elif posted is not None and not stock and form.is_valid():
        try:
            shop_language_set(shop=shop, actor=request.user, language=form.cleaned_data["language"])
        except ApplicationError as exc:
            form.add_error("language", exc.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    return render(request, "tenancy/shop_settings.html", {"form": form, "stock_form": stock_form, "shop": shop})
