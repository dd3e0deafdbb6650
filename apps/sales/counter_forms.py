"""What staff type at the counter, bounded by the columns it ends up in
(SaleLine, TradeIn, Payment): a number too long, negative, zero where it
may not be, or not a number is a clear message on the counter, never a 500
and never a cart that cannot be priced."""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.sales.models import ENTERED_PAYMENT_METHODS, MONEY, PERCENT, RATE, WEIGHT, Payment, TradeIn
from apps.ui.amounts import MoneyField
from apps.ui.forms import AmountField, WholeField
from apps.ui.labels import label

# A line's pieces: what the staff API allows too (apps/sales/apis.py).
MAX_LINE_QUANTITY = 1_000_000
_RATE = {"places": RATE["decimal_places"], "whole_digits": RATE["max_digits"] - RATE["decimal_places"]}
_MONEY = {"places": MONEY["decimal_places"], "whole_digits": MONEY["max_digits"] - MONEY["decimal_places"]}
_WEIGHT = {"places": WEIGHT["decimal_places"], "whole_digits": WEIGHT["max_digits"] - WEIGHT["decimal_places"]}
_PERCENT = {"places": PERCENT["decimal_places"], "whole_digits": PERCENT["max_digits"] - PERCENT["decimal_places"]}


class LineChangeForm(forms.Form):
    """A line's pieces and what staff change by hand (the rules of
    apps/sales/rules.py decide who may)."""

    quantity = WholeField(required=False, min_value=1, max_value=MAX_LINE_QUANTITY, label=_("Quantity"))
    rate = MoneyField(required=False, min_value=Decimal(1).scaleb(-RATE["decimal_places"]), label=_("Rate per gram"), **_RATE)
    # A percentage or money, by the item's making mode: the view converts money from the shown unit.
    making_value = AmountField(required=False, label=_("Making value"), **_MONEY)
    discount = MoneyField(required=False, label=_("Discount"), **_MONEY)


class TradeInForm(forms.Form):
    weight = AmountField(min_value=Decimal(1).scaleb(-WEIGHT["decimal_places"]), label=_("Weight (g)"), **_WEIGHT)
    fineness = WholeField(min_value=1, max_value=1000, label=_("Fineness (‰)"))
    deduction_percent = AmountField(required=False, max_value=Decimal(100), label=_("Deduction"), **_PERCENT)
    pure_rate = MoneyField(required=False, min_value=Decimal(1).scaleb(-RATE["decimal_places"]),
                            label=_("Pure gold rate (optional)"), **_RATE)
    description = forms.CharField(required=False, max_length=TradeIn._meta.get_field("description").max_length,
                                  label=_("Description"))


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"))
    amount = MoneyField(min_value=Decimal(1).scaleb(-MONEY["decimal_places"]), label=_("Amount"), **_MONEY)
    reference = forms.CharField(required=False, max_length=Payment._meta.get_field("reference").max_length,
                                label=_("Reference"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(m, label("payment", m)) for m in ENTERED_PAYMENT_METHODS]
