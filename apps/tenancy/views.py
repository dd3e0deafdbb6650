from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError
from apps.tenancy.models import Tenant
from apps.tenancy.services import shop_language_set
from apps.ui.permissions import permission_required


def landing(request):
    return render(request, "tenancy/landing.html")


class ShopLanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Tenant.Language.choices, label=gettext_lazy("Shop language"),
                                 help_text=gettext_lazy("For staff who have not picked their own language."))


@permission_required("accounts.manage_shop")
def shop_settings(request):
    shop = request.tenant
    form = ShopLanguageForm(request.POST or None, initial={"language": shop.language})
    if request.method == "POST" and form.is_valid():
        try:
            shop_language_set(shop=shop, actor=request.user, language=form.cleaned_data["language"])
        except ApplicationError as exc:
            form.add_error("language", exc.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("ui:shop-settings")
    return render(request, "tenancy/shop_settings.html", {"form": form, "shop": shop})
