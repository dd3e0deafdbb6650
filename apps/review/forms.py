"""The review page's forms: a note, and the fixes' inputs (the fixes
themselves are in apps.sales.review_fixes). Field ids carry the entry's id,
so the page can hold one form of each kind per entry."""
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.review.services import NOTE_MAX_LENGTH
from apps.ui.forms import WholeField

MAX_COUNT = 1_000_000


def _note(label, *, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=NOTE_MAX_LENGTH, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "class": "note"}))


class _EntryForm(forms.Form):
    def __init__(self, *args, entry, **kwargs):
        kwargs.setdefault("auto_id", f"id_%s_{entry.pk}")
        super().__init__(*args, **kwargs)
        self.entry = entry


class NoteForm(_EntryForm):
    note = _note(_("What was done"))


class StockCountForm(_EntryForm):
    new_quantity = WholeField(label=_("Counted quantity"), min_value=0, max_value=MAX_COUNT,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                              # Django's own messages would show the bounds in Latin digits in Persian.
                              error_messages={"min_value": _("Must not be negative."), "invalid": _("Enter a whole number."),
                                              "max_value": _("More than a shop can count; check the number.")})
    note = _note(_("Note"))


class PriceAcceptForm(_EntryForm):
    note = _note(_("Note (optional)"), required=False)


class SaleVoidForm(_EntryForm):
    reason = _note(_("Reason for voiding"))


FORMS = {"note": NoteForm, "stock_counted": StockCountForm, "price_accepted": PriceAcceptForm, "sale_voided": SaleVoidForm}
