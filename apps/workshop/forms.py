"""The workshop's staff forms: intake, and the ticket page's actions. They
check what was typed; the services check the rest (apps.workshop.services)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.branches.models import Branch
from apps.core.money import currency_exponent, quantize_money
from apps.ui.dates import LocalDateField
from apps.ui.forms import AmountField, RowChoiceField, WholeField
from apps.ui.labels import LABELS
from apps.workshop.models import Craftsman, DepositMethod, RepairPrice, ServiceKind

SERVICE_NAMES = {kind: LABELS["service"][kind] for kind in ServiceKind.values}
DEPOSIT_METHODS = [(method, LABELS["payment"][method]) for method in DepositMethod.values]
REFUND_METHODS = DEPOSIT_METHODS[:3]


def in_currency(amount, currency: str):
    """An amount as the shop's currency writes it (no decimals for the rial)."""
    return None if amount is None else quantize_money(amount, currency_exponent(currency))


def prices_in(currency: str) -> dict:
    """The price list, each price as the currency writes it."""
    return {kind: in_currency(price, currency) for kind, price in RepairPrice.objects.values_list("kind", "price")}


def _craftsmen():
    return RowChoiceField(queryset=Craftsman.objects.filter(is_active=True).order_by("name"), required=False,
                          label=_("Craftsman"), empty_label=_("Not assigned yet"))


class IntakeForm(forms.Form):
    """The piece as it is taken in, then one row per service (asked or not,
    its price from the shop's list unless changed, and a note)."""

    description = forms.CharField(max_length=255, label=_("The piece"), widget=forms.TextInput(attrs={"autofocus": True}),
                                  help_text=_("What it is, its marks and state, e.g. \"18k ring, worn shank, one stone loose\"."))
    gross_weight = AmountField(places=3, whole_digits=7, min_value=None, label=_("Weight (g)"))
    fineness = WholeField(min_value=1, max_value=1000, initial=750, label=_("Fineness"))
    promised_on = LocalDateField(label=_("Promised for"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
    deposit = AmountField(required=False, label=_("Deposit now"))
    deposit_method = forms.ChoiceField(choices=DEPOSIT_METHODS, required=False, label=_("Paid by"))

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = RowChoiceField(queryset=Branch.objects.filter(is_active=True).order_by("created_at"),
                                               empty_label=None, label=_("Branch"))
        self.fields["craftsman"] = _craftsmen()
        prices = prices_in(currency)
        for kind, name in SERVICE_NAMES.items():
            self.fields[f"svc_{kind}"] = forms.BooleanField(required=False, label=name)
            self.fields[f"price_{kind}"] = AmountField(required=False, label=_("Price"), initial=prices.get(kind))
            self.fields[f"note_{kind}"] = forms.CharField(required=False, max_length=255, label=_("Note"))

    def service_rows(self):
        """(asked, price, note) bound fields per service, for the template."""
        return [(self[f"svc_{kind}"], self[f"price_{kind}"], self[f"note_{kind}"]) for kind in SERVICE_NAMES]

    def piece_fields(self):
        return [self[name] for name in ("description", "gross_weight", "fineness", "promised_on", "branch", "craftsman", "note")]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"svc_{kind}") for kind in SERVICE_NAMES):
            raise forms.ValidationError(_("Choose at least one service."))
        if data.get("deposit") and not data.get("deposit_method"):
            self.add_error("deposit_method", _("Say how the deposit was paid."))
        return data


class DepositForm(forms.Form):
    amount = AmountField(min_value=None, label=_("Amount"))
    method = forms.ChoiceField(choices=DEPOSIT_METHODS, label=_("Paid by"))
    reference = forms.CharField(required=False, max_length=120, label=_("Reference"))


class MetalForm(forms.Form):
    weight = AmountField(places=3, whole_digits=7, min_value=None, label=_("Grams (negative when taken away)"))
    fineness = WholeField(min_value=1, max_value=1000, initial=750, label=_("Fineness"))
    note = forms.CharField(required=False, max_length=255, label=_("Note"))


class AssignForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["craftsman"] = _craftsmen()


class CloseForm(forms.Form):
    to = forms.ChoiceField(choices=[("returned", _("Give back unrepaired")), ("cancelled", _("Cancel"))], label=_("Close as"))
    deposit = forms.ChoiceField(choices=[("refund", _("Refund it")), ("credit", _("Keep it as store credit"))], required=False,
                                label=_("The deposit held"))
    refund_method = forms.ChoiceField(choices=REFUND_METHODS, required=False, label=_("Refund by"))
    note = forms.CharField(required=False, max_length=255, label=_("Why"))


class CollectForm(forms.Form):
    """The balance, paid in one or two methods; final prices per service line."""

    method = forms.ChoiceField(choices=DEPOSIT_METHODS, label=_("Paid by"))
    amount = AmountField(required=False, label=_("Amount"))
    method_2 = forms.ChoiceField(choices=[("", "—"), *DEPOSIT_METHODS], required=False, label=_("And by"))
    amount_2 = AmountField(required=False, label=_("Amount"))
    payout_method = forms.ChoiceField(choices=[("", "—"), ("cash", _("Pay it out in cash")),
                                               ("store_credit", _("Keep it as store credit"))],
                                      required=False, label=_("When the shop owes the customer"))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"labour_{line.pk}"] = AmountField(label=SERVICE_NAMES.get(line.kind, line.kind), required=False,
                                                           help_text=_("Blank: the agreed price."))

    def labour_fields(self):
        return [self[name] for name in self.fields if name.startswith("labour_")]
