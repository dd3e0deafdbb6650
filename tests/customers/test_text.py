import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.customers.text import normalize_digits, normalize_phone, normalize_search_text

PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC = "٠١٢٣٤٥٦٧٨٩"
TO_PERSIAN = str.maketrans("0123456789", PERSIAN)
TO_ARABIC = str.maketrans("0123456789", ARABIC)


# --------------------------------------------------------------------------
# normalize_digits
# --------------------------------------------------------------------------


def test_persian_and_arabic_digits_become_ascii():
    assert normalize_digits(PERSIAN) == "0123456789"
    assert normalize_digits(ARABIC) == "0123456789"
    assert normalize_digits("پلاک ۱۲ - ٣٤ b5") == "پلاک 12 - 34 b5"


@given(st.text())
def test_normalize_digits_leaves_no_eastern_digit_and_keeps_everything_else(s):
    out = normalize_digits(s)
    assert len(out) == len(s)
    assert not set(out) & set(PERSIAN + ARABIC)
    for before, after in zip(s, out):
        if before not in PERSIAN + ARABIC:
            assert before == after


@given(st.integers(min_value=0))
def test_eastern_digits_read_as_the_same_number(n):
    assert int(normalize_digits(str(n).translate(TO_PERSIAN))) == n
    assert int(normalize_digits(str(n).translate(TO_ARABIC))) == n


# --------------------------------------------------------------------------
# normalize_phone
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "9121234567",
        "989121234567",
        "0912 123 4567",
        "0912-123-4567",
        "(0912) 123 4567",
        "+98 (912) 123-4567",
        "+98 (0) 912 123 4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
        "۰۰۹۸۹۱۲۱۲۳۴۵۶۷",
        "\u200e+98 912 123 4567\u200f",  # bidi marks from a copy out of RTL text
        "۰۹۱۲-١٢٣-4567",  # three digit sets in one number
    ],
)
def test_every_way_of_writing_an_iranian_mobile_gives_one_form(raw):
    assert normalize_phone(raw) == "+989121234567"


def test_iranian_landline_with_trunk_zero():
    assert normalize_phone("021 2222 3333") == "+982122223333"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+971 50 123 4567", "+971501234567"), ("0044 20 7946 0958", "+442079460958"), ("+1 (415) 555-2671", "+14155552671")],
)
def test_other_countries_keep_their_code(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "required"),
        ("   ", "required"),
        ("0912abc4567", "only digits"),
        ("۰۹۱۲ تلفن", "only digits"),
        ("0912+1234567", "'+' may only come first"),
        ("12345", "Iranian"),  # no prefix: read as Iranian, and it is not one
        ("0912123456", "Iranian"),  # one digit short
        ("091212345678", "Iranian"),  # one digit long
        ("+98912123456", "10 digits after +98"),
        ("+9891212345678", "10 digits after +98"),
        ("+12345", "too short"),
        ("+1234567890123456", "too long"),
        ("+0123456789", "cannot start with 0"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        normalize_phone(raw)


subscriber = st.text(alphabet="0123456789", min_size=9, max_size=9)
separators = st.sampled_from(["", " ", "-", "  ", " - "])


prefixes = st.sampled_from(["0", "+98", "0098", "", "98"])
digit_sets = st.sampled_from([None, TO_PERSIAN, TO_ARABIC])


@given(subscriber, prefixes, separators, digit_sets)
def test_any_iranian_mobile_in_any_form_normalizes_to_e164(sub, prefix, sep, digits):
    raw = f"{prefix}9{sub[:2]}{sep}{sub[2:5]}{sep}{sub[5:]}"
    if digits:
        raw = raw.translate(digits)
    assert normalize_phone(raw) == f"+989{sub}"


@given(st.text(alphabet="0123456789+ -()۰۱۲۳۴۵۶۷۸۹", max_size=20))
def test_normalized_phone_is_e164_and_stable(raw):
    try:
        phone = normalize_phone(raw)
    except ValueError:
        return
    assert phone.startswith("+") and phone[1:].isdigit() and 7 <= len(phone) - 1 <= 15
    assert normalize_phone(phone) == phone


# --------------------------------------------------------------------------
# normalize_search_text
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arabic", "persian"),
    [
        ("علي", "علی"),
        ("كاظم", "کاظم"),
        ("مصطفى", "مصطفی"),
        ("فاطمة", "فاطمه"),
        ("أحمد", "احمد"),
        ("محـــمد", "محمد"),  # tatweel
        ("مُحَمَّد", "محمد"),  # diacritics
        ("ﻋﻠﻲ", "علی"),  # presentation forms, as copied out of a PDF
    ],
)
def test_arabic_spellings_match_persian_ones(arabic, persian):
    assert normalize_search_text(arabic) == normalize_search_text(persian)


def test_zwnj_counts_as_a_space():
    assert normalize_search_text("علی\u200cرضا") == normalize_search_text("علی رضا") == "علی رضا"


def test_latin_is_lower_cased_and_spaces_collapsed():
    assert normalize_search_text("  Ali   REZAEI \n") == "ali rezaei"


def test_digits_become_ascii():
    assert normalize_search_text("طلای ۱۸") == "طلای 18"


@given(st.text())
def test_search_text_is_idempotent(s):
    once = normalize_search_text(s)
    assert normalize_search_text(once) == once


@given(st.text(alphabet="يىكةـ\u200cابپتثجحخدذرزسشصضطظعغفقکگلمنوهی ", max_size=30))
def test_no_arabic_letter_variant_survives(s):
    out = normalize_search_text(s)
    assert not set(out) & set("يىكةـ\u200c")
    assert out == out.strip() and "  " not in out
