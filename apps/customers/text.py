"""
Pure text helpers for customer data typed on Persian, Arabic and Latin
keyboards. No Django here, so the rules can be tested exhaustively.

The same name or phone number reaches us in several spellings: a Persian
keyboard writes ی and ک, an Arabic one (or a phone's default layout) writes
ي and ك, digits come as ۰۱۲, ٠١٢ or 012. Stored values and queries are both
passed through these functions so they compare equal.
"""
import re
import unicodedata

__all__ = ["normalize_digits", "normalize_phone", "normalize_search_text"]

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def normalize_digits(s: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII; nothing else changes."""
    return s.translate(_DIGITS)


# --------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------

# What people put between digits when they write or paste a number, bidi
# marks included (they ride along when a number is copied from RTL text).
_PHONE_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_E164_MIN_DIGITS = 7
_E164_MAX_DIGITS = 15
_IRAN = "98"
_IRAN_NATIONAL_DIGITS = 10  # after the country code: 912 123 4567, 21 1234 5678


def normalize_phone(raw: str) -> str:
    """
    One canonical E.164 form ("+989121234567") for every way a number is written.

    Numbers without an international prefix are read as Iranian: "09121234567"
    (or any 11-digit national number with the trunk 0), "9121234567" and
    "989121234567". Other countries must be written with "+" or "00".
    Raises ValueError with a message fit to show a user.
    """
    s = _PHONE_SEPARATORS.sub("", normalize_digits(raw or ""))
    if not s:
        raise ValueError("A phone number is required.")
    if re.search(r"[^\d+]", s):
        raise ValueError(f"'{raw}' is not a phone number: only digits, spaces, dashes and parentheses are allowed.")
    if "+" in s[1:]:
        raise ValueError(f"'{raw}' is not a phone number: '+' may only come first.")

    if s.startswith("+"):
        digits = s[1:]
    elif s.startswith("00"):
        digits = s[2:]
    else:
        digits = _iranian_national_to_international(s, raw)

    # "+98 (0) 912 ..." : the Iranian trunk 0 sometimes survives the country code.
    if digits.startswith(_IRAN + "0"):
        digits = _IRAN + digits[3:]
    if not digits or digits[0] == "0":
        raise ValueError(f"'{raw}' is not a phone number: a country code cannot start with 0.")
    if digits.startswith(_IRAN) and len(digits) != len(_IRAN) + _IRAN_NATIONAL_DIGITS:
        raise ValueError(f"'{raw}' is not an Iranian phone number: expected 10 digits after +98 (e.g. 0912 123 4567).")
    if not _E164_MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS:
        raise ValueError(f"'{raw}' is too {'short' if len(digits) < _E164_MIN_DIGITS else 'long'} to be a phone number.")
    return "+" + digits


def _iranian_national_to_international(digits: str, raw: str) -> str:
    if len(digits) == 11 and digits.startswith("0"):  # 0912 123 4567, 021 1234 5678
        return _IRAN + digits[1:]
    if len(digits) == 10 and digits.startswith("9"):  # 912 123 4567
        return _IRAN + digits
    if len(digits) == 12 and digits.startswith(_IRAN + "9"):  # 98 912 123 4567, the "+" lost in a copy
        return digits
    raise ValueError(
        f"'{raw}' is not a valid Iranian number (e.g. 0912 123 4567); "
        "write numbers from other countries with their country code, e.g. +971 50 123 4567."
    )


# --------------------------------------------------------------------------
# Search text
# --------------------------------------------------------------------------

_LETTERS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh
        "ى": "ی",  # Arabic alef maksura
        "ئ": "ی",  # yeh with hamza: typed both ways in Persian names
        "ك": "ک",  # Arabic kaf
        "ة": "ه",  # teh marbuta
        "ۀ": "ه",  # heh with yeh above (ezafe), written plain as often as not
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "\u200c": " ",  # ZWNJ: "علی‌رضا" and "علی رضا" are the same name
    }
)
# Tatweel (kashida), Arabic diacritics and invisible marks change how a name
# looks, never which name it is.
_IGNORED = re.compile(r"[\u0640\u064b-\u065f\u0670\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def normalize_search_text(s: str) -> str:
    """The form names are stored and searched in: one spelling per letter,
    ASCII digits, lower-case Latin, single spaces."""
    # NFKC folds Arabic presentation forms (text copied from PDFs) and
    # full-width Latin into ordinary letters before the letter map runs.
    s = unicodedata.normalize("NFKC", s or "")
    s = normalize_digits(s.translate(_LETTERS))
    s = _IGNORED.sub("", s).casefold()
    return _SPACES.sub(" ", s).strip()
