"""Amounts in words, for invoices: Persian (as written on a cheque) and English."""
from decimal import Decimal

from apps.ui.formatting import TOMAN, shop_amount_unit

_FA_ONES = ["صفر", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه"]
_FA_TEENS = ["ده", "یازده", "دوازده", "سیزده", "چهارده", "پانزده", "شانزده", "هفده", "هجده", "نوزده"]
_FA_TENS = ["", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود"]
_FA_HUNDREDS = ["", "صد", "دویست", "سیصد", "چهارصد", "پانصد", "ششصد", "هفتصد", "هشتصد", "نهصد"]
_FA_SCALES = ["", "هزار", "میلیون", "میلیارد", "تریلیون", "کوادریلیون"]
_FA_AND = " و "

_EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_SCALES = ["", "thousand", "million", "billion", "trillion", "quadrillion"]


def _groups(n: int) -> list[int]:
    """Groups of three digits, least significant first."""
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    return groups


def _check(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a whole number is needed, not {type(n).__name__}")
    if abs(n) >= 1000 ** len(_FA_SCALES):
        raise ValueError(f"{n} is too large to write in words")
    return n


def _fa_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(_FA_HUNDREDS[hundreds])
    if 10 <= rest < 20:
        parts.append(_FA_TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        if tens:
            parts.append(_FA_TENS[tens])
        if ones:
            parts.append(_FA_ONES[ones])
    return _FA_AND.join(parts)


def persian_words(n: int) -> str:
    """53754400 -> "پنجاه و سه میلیون و هفتصد و پنجاه و چهار هزار و چهارصد"."""
    n = _check(n)
    if n == 0:
        return _FA_ONES[0]
    if n < 0:
        return "منفی " + persian_words(-n)
    parts = []
    for scale, group in reversed(list(enumerate(_groups(n)))):
        if group:
            words = _fa_below_thousand(group)
            parts.append(f"{words} {_FA_SCALES[scale]}".strip())
    return _FA_AND.join(parts)


def _en_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_EN_ONES[hundreds]} hundred")
    if rest:
        if rest < 20:
            parts.append(_EN_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            parts.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
    return " ".join(parts)


def english_words(n: int) -> str:
    """1234 -> "one thousand two hundred thirty-four"."""
    n = _check(n)
    if n == 0:
        return _EN_ONES[0]
    if n < 0:
        return "minus " + english_words(-n)
    parts = []
    for scale, group in reversed(list(enumerate(_groups(n)))):
        if group:
            parts.append(f"{_en_below_thousand(group)} {_EN_SCALES[scale]}".strip())
    return " ".join(parts)


CURRENCY_NAMES = {
    "fa": {"IRR": "ریال", "IRT": "تومان", "INR": "روپیه", "AED": "درهم", "USD": "دلار", "EUR": "یورو"},
    "en": {"IRR": "rials", "IRT": "tomans", "INR": "rupees", "AED": "dirhams", "USD": "dollars", "EUR": "euros"},
}
_MINOR = {"fa": "صدم", "en": "hundredths"}


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """An invoice total in words with its currency; cents, if any, as hundredths.
    A rial amount is said in tomans in a shop that shows tomans (when whole)."""
    language = "fa" if language == "fa" else "en"
    if currency == "IRR" and shop_amount_unit() == TOMAN and Decimal(amount) % 10 == 0:
        amount, currency = Decimal(amount) / 10, "IRT"
    words = persian_words if language == "fa" else english_words
    amount = Decimal(amount)
    whole = int(amount)
    cents = int((abs(amount) - abs(whole)) * 100)
    name = CURRENCY_NAMES[language].get(currency, currency)
    text = f"{words(whole)} {name}"
    if cents:
        joiner = _FA_AND if language == "fa" else " and "
        text += f"{joiner}{words(cents)} {_MINOR[language]}"
    return text
