"""Dates as staff type them: in Persian a Jalali date (1405/09/11, in
Persian or Latin digits, with a Jalali date picker), in English an ISO date
(the browser's own date input). Both are accepted in either language, so a
link or a bookmark made in one language works in the other.

One parser (`parse_local_date`) serves the form field (`LocalDateField`)
and the filters that take dates from GET parameters; one formatter
(`date_input_value`) fills the inputs. A year below 1700 is a Jalali year
(today is 1405), from 1700 on a Gregorian one."""
import re
from datetime import date

import jdatetime
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.ui.formatting import is_persian, localize_digits

JALALI_BEFORE = 1700
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u200c\u061c\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))
# Year, month, day: four digits for the year, "/" "-" or "." between.
_DATE = re.compile(r"(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})")
_MAX_TEXT = 40  # nothing longer is a date; refused before the pattern looks at it


class DateInputError(ValueError):
    """A date staff typed that is not one; str() is the message to show."""


def _example(language: str | None = None) -> str:
    return localize_digits("1405/09/11", "fa") if is_persian(language) else "2026-12-02"


def parse_local_date(text, language: str | None = None) -> date | None:
    """The Gregorian date of what was typed (Jalali or ISO), None when blank.
    Raises DateInputError with a message for the person who typed it."""
    if text is None or isinstance(text, date):
        return text
    cleaned = str(text).translate(_MARKS).translate(_DIGITS).strip()
    if not cleaned:
        return None
    match = _DATE.fullmatch(cleaned) if len(cleaned) <= _MAX_TEXT else None
    if match is None:
        raise DateInputError(_("Enter a date such as %(example)s.") % {"example": _example(language)})
    year, month, day = (int(part) for part in match.groups())
    if year < 1000:
        raise DateInputError(_("Write the year with four digits, as in %(example)s.") % {"example": _example(language)})
    try:
        if year < JALALI_BEFORE:
            return jdatetime.date(year, month, day).togregorian()
        return date(year, month, day)
    except ValueError:
        raise DateInputError(_("%(text)s is not a day of the calendar.") % {"text": str(text).strip()}) from None


def date_input_value(value, language: str | None = None) -> str:
    """What a date input shows: Jalali with Persian digits in Persian, ISO in
    English. Text that is not a date (a bad entry sent back) stays as typed."""
    if value in (None, ""):
        return ""
    if not isinstance(value, date):
        try:
            value = parse_local_date(value, language)
        except DateInputError:
            return str(value)
    if is_persian(language):
        return localize_digits(jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d"), "fa")
    return value.isoformat()


class LocalDateInput(forms.DateInput):
    """In Persian a text input the Jalali picker (static/vendor/jalalidatepicker,
    started by static/ui/dates.js) opens on; in English <input type=date>."""

    def format_value(self, value):
        return date_input_value(value) or None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if is_persian():
            widget["type"] = "text"
            widget["attrs"].update({
                "data-jdp": "", "inputmode": "numeric", "autocomplete": "off", "dir": "ltr",
                "title": _("A date such as %(example)s") % {"example": _example("fa")},
                "class": _join(widget["attrs"].get("class"), "date-input"),
            })
        else:
            widget["type"] = "date"
        return context


def _join(*classes) -> str:
    return " ".join(c for c in classes if c)


class LocalDateField(forms.DateField):
    """A date typed as Jalali or ISO (either language), as a datetime.date."""

    widget = LocalDateInput
    default_error_messages = {"invalid": gettext_lazy("Enter a valid date.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_local_date(value)
        except DateInputError as exc:
            raise ValidationError(str(exc), code="invalid") from None

    def has_changed(self, initial, data):
        try:
            return parse_local_date(initial) != parse_local_date(data)
        except DateInputError:
            return True


def date_input_html(name: str, value, *, id: str = "", label: str = "") -> str:
    """A filter's date input outside a form class ({% date_input %})."""
    attrs = {"id": id} if id else {}
    if label:
        attrs["aria-label"] = label
    return LocalDateInput().render(name, value, attrs=attrs)
