"""Numbers, money and dates as staff read them: Persian digits and the Jalali
calendar in Persian, plain digits and ISO dates in English."""
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import jdatetime
from django.utils import timezone, translation

from apps.core.money import currency_exponent

_TO_PERSIAN = str.maketrans("0123456789,.-", "۰۱۲۳۴۵۶۷۸۹٬٫−")
_FROM_LOCAL = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")


def is_persian(language: str | None = None) -> bool:
    return (language or translation.get_language() or "en").startswith("fa")


def localize_digits(text: str, language: str | None = None) -> str:
    return str(text).translate(_TO_PERSIAN) if is_persian(language) else str(text)


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


def money(value, currency: str, language: str | None = None) -> str:
    try:
        places = currency_exponent(currency)
    except (KeyError, ValueError):
        places = 2
    return number(value, places, language)


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
        return localize_digits(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"), "fa")
    return day.isoformat()


def datetime_text(value, language: str | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return date_text(value, language)
    value = _local(value)
    if is_persian(language):
        return localize_digits(jdatetime.datetime.fromgregorian(datetime=value).strftime("%Y/%m/%d %H:%M"), "fa")
    return value.strftime("%Y-%m-%d %H:%M")


def short_date(value: date, language: str | None = None) -> str:
    """Month and day only, for chart axes."""
    if is_persian(language):
        return localize_digits(jdatetime.date.fromgregorian(date=value).strftime("%m/%d"), "fa")
    return value.strftime("%m-%d")
