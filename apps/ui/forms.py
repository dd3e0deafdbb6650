"""Form fields that read numbers the way staff type them (Persian digits,
thousands separators) into exact Decimals."""
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.ui.formatting import input_value, localize_digits, parse_decimal


class AmountField(forms.CharField):
    """A Decimal with at most `places` decimal places and `whole_digits`
    before the point (what its column holds; money by default), never a float."""

    def __init__(self, *, places: int = 2, whole_digits: int = 16, min_value: Decimal | None = Decimal(0),
                 max_value: Decimal | None = None, **kwargs):
        self.places, self.whole_digits, self.min_value, self.max_value = places, whole_digits, min_value, max_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            number = parse_decimal(value)
        except ValueError:
            raise ValidationError(_("Enter a number."), code="invalid") from None
        if number is None:
            return None
        if number.adjusted() >= self.whole_digits:  # before rounding, which a 30-digit number overflows
            raise ValidationError(_("At most %(digits)s digits before the point.") % {"digits": localize_digits(self.whole_digits)}, code="max_digits")
        if number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise ValidationError(_("At most %(places)s decimal places.") % {"places": localize_digits(self.places)}, code="places")
        if self.min_value is not None and number < self.min_value:
            if self.min_value > 0:
                raise ValidationError(_("Must be more than zero."), code="min_value")
            raise ValidationError(_("Must not be negative."), code="min_value")
        if self.max_value is not None and number > self.max_value:
            raise ValidationError(_("At most %(limit)s.") % {"limit": localize_digits(self.max_value.normalize())}, code="max_value")
        return number

    def prepare_value(self, value):
        return input_value(value)  # a pre-filled number in the page's digits


class WholeField(forms.IntegerField):
    # A text input: <input type=number> shows no Persian digits (it blanks them).
    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = str(parse_decimal(value))
            except ValueError:
                pass  # IntegerField says it is not a number
        return super().to_python(value)

    def prepare_value(self, value):
        return input_value(value)


def form_error(form: forms.Form, exc: ApplicationError, fields: dict[str, str] | None = None) -> None:
    """Shows a service's ApplicationError on the form: on the field its code
    names (see `fields`: code -> field), else at the top."""
    field = (fields or {}).get(exc.code)
    form.add_error(field if field in form.fields else None, exc.message)


def form_errors_text(form: forms.Form) -> str:
    """A refused form's errors in one line ("Weight: Must be more than
    zero."), for screens that answer with a message, such as the counter."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        prefix = f"{field.label}: " if field is not None and field.label else ""
        parts.extend(prefix + str(error) for error in errors)
    return " ".join(parts)


class _ListedChoices(forms.models.ModelChoiceIterator):
    """Django's choices of a ModelChoiceField, read in one plain query.
    Django reads them through `QuerySet.iterator()`, which on PostgreSQL
    (server-side cursors on) is a `DECLARE ... WITH HOLD` cursor, then a
    FETCH and a CLOSE: about 1.7 ms a select of two rows (docs/performance.md)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # a fresh copy each time: never a stale list
            yield self.choice(obj)


class RowChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices cost one query, not a cursor's three."""

    iterator = _ListedChoices
