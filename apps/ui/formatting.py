"""Numbers, money and dates as staff read them: Persian digits and the Jalali
calendar in Persian, plain digits and ISO dates in English."""
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import jdatetime
from django.db import connection
from django.utils import timezone, translation

from apps.core.money import currency_exponent

_TO_PERSIAN = str.maketrans("0123456789,.-", "۰۱۲۳۴۵۶۷۸۹٬٫−")
_FROM_LOCAL = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫−", "01234567890123456789.-")


def is_persian(language: str | None = None) -> bool:
    return (language or translation.get_language() or "en").startswith("fa")


def localize_digits(text: str, language: str | None = None) -> str:
    return str(text).translate(_TO_PERSIAN) if is_persian(language) else str(text)


def input_value(value, language: str | None = None):
    """A number pre-filled in an input: as stored, in the page's digits, no
    grouping (parse_decimal reads it back). Anything else is left alone."""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return localize_digits(f"{value}", language)
    return value


def number(value, places: int | None = None, language: str | None = None) -> str:
    """Grouped thousands; `places` fixed, or as many as the value has."""
    if value is None or value == "":
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if places is None:
        places = max(0, -value.as_tuple().exponent)
    text = f"{value:,.{places}f}"
    return localize_digits(text, language)


RIAL, TOMAN = "rial", "toman"
_UNIT_NAMES = {"fa": {RIAL: "ریال", TOMAN: "تومان"}, "en": {RIAL: "rial", TOMAN: "toman"}}


def shop_amount_unit() -> str:
    """The shop's choice for showing rial amounts: "rial" or "toman" (a toman
    is ten rial). Amounts are always stored in rial; only what staff read and
    type is in the chosen unit (the current shop's, from the connection)."""
    unit = getattr(connection.tenant, "amount_unit", RIAL) if hasattr(connection, "tenant") else RIAL
    return unit if unit in (RIAL, TOMAN) else RIAL


def money_unit(currency: str, language: str | None = None) -> str:
    """The name shown beside an amount: ریال / تومان (rial / toman) for a rial
    shop, the currency code (INR, AED...) for any other."""
    if currency != "IRR":
        return currency
    return _UNIT_NAMES["fa" if is_persian(language) else "en"][shop_amount_unit()]


def in_display_unit(value, currency: str) -> Decimal:
    """A stored amount in the unit staff read: rial / 10 in a toman shop."""
    value = Decimal(value)
    return value / 10 if currency == "IRR" and shop_amount_unit() == TOMAN else value


def from_display_unit(value: Decimal, currency: str) -> Decimal:
    """What staff typed in the shown unit, back to what is stored (the one
    edge every money input goes through: apps.ui.money_input)."""
    return value * 10 if currency == "IRR" and shop_amount_unit() == TOMAN else value


def _places(currency: str) -> int:
    try:
        return currency_exponent(currency)
    except (KeyError, ValueError):
        return 2


def money(value, currency: str, language: str | None = None, *, unit: bool = True) -> str:
    """An amount in the shop's unit, grouped, with the unit after it
    ("۵۳٬۷۵۴٬۴۰۰ ریال", "5,375,440 toman", "136,569.76 INR"); unit=False
    for a column whose heading names it."""
    if value is None or value == "":
        return ""
    try:
        shown = in_display_unit(value, currency)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    places = _places(currency)
    if shown != Decimal(value):  # toman: a tenth of a toman only when there is one
        places += 0 if shown == shown.to_integral_value() else 1
    text = number(shown.quantize(Decimal(1).scaleb(-places)), places, language)
    return f"{text} {money_unit(currency, language)}" if unit else text


def money_input(value, currency: str, language: str | None = None) -> str:
    """A stored amount as a money input shows it: the shop's unit, the page's
    digits, no grouping (what staff type back)."""
    if value is None or value == "":
        return ""
    try:
        shown = in_display_unit(value, currency).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{shown:f}"
    return localize_digits(text, language)


def weight(value, language: str | None = None) -> str:
    return number(value, 3, language)


def parse_decimal(text) -> Decimal | None:
    """What staff type: Persian or Arabic digits, thousands separators."""
    if text is None:
        return None
    cleaned = str(text).translate(_FROM_LOCAL)
    for mark in (",", "٬", " ", "\u200c", "'"):
        cleaned = cleaned.replace(mark, "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not a number")
    return value


_IRAN_MOBILE = re.compile(r"(?:\+98|0098|98|0)(9\d{2})(\d{3})(\d{4})")
_IRAN_LANDLINE = re.compile(r"(?:\+98|0098|0)([1-8]\d)(\d{4})(\d{4})")


def phone_text(value, language: str | None = None) -> str:
    """A phone number grouped as people read it, left to right: "+98 912
    333 4444" (Persian digits in Persian); one it does not recognise stays as
    typed. The template filter `phone` wraps it in <bdi dir="ltr">."""
    if not value:
        return ""
    raw = str(value).strip()
    compact = re.sub(r"[\s\-().]", "", raw.translate(_FROM_LOCAL))
    mobile, landline = _IRAN_MOBILE.fullmatch(compact), _IRAN_LANDLINE.fullmatch(compact)
    if mobile:
        text = "+98 " + " ".join(mobile.groups())
    elif landline:
        text = "+98 " + " ".join(landline.groups())
    elif re.fullmatch(r"\+?\d{4,15}", compact):
        text = raw.translate(_FROM_LOCAL)  # another country's: its own grouping
    else:
        return raw
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if is_persian(language) else text


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def date_text(value, language: str | None = None) -> str:
    if value is None:
        return ""
    value = _local(value)
    day = value.date() if isinstance(value, datetime) else value
    if is_persian(language):
        return localize_digits(_jalali(day), "fa")
    return day.isoformat()


def datetime_text(value, language: str | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return date_text(value, language)
    value = _local(value)
    if is_persian(language):
        return localize_digits(f"{_jalali(value.date())} {value:%H:%M}", "fa")
    return value.strftime("%Y-%m-%d %H:%M")


def short_date(value: date, language: str | None = None) -> str:
    """Month and day only, for chart axes."""
    if is_persian(language):
        return localize_digits(_jalali(value)[5:], "fa")
    return value.strftime("%m-%d")


@lru_cache(maxsize=4096)
def _jalali(day: date) -> str:
    """The Jalali date of a Gregorian day, "1403/09/14": a list page of
    sales converts the same few days again and again."""
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
