"""apps.ui.dates: one parser for every date staff type, Jalali or ISO."""
from datetime import date

import pytest
from django.utils import translation

from apps.ui.dates import DateInputError, LocalDateField, date_input_html, date_input_value, parse_local_date


@pytest.mark.parametrize("text", ["1405/09/11", "۱۴۰۵/۰۹/۱۱", "١٤٠٥/٠٩/١١", " 1405-9-11 ", "1405.09.11", "\u200e۱۴۰۵/۰۹/۱۱"])
def test_a_jalali_date_in_any_digits(text):
    assert parse_local_date(text) == date(2026, 12, 2)


@pytest.mark.parametrize("text", ["2026-12-02", "2026/12/02", "۲۰۲۶-۱۲-۰۲"])
def test_an_iso_date(text):
    assert parse_local_date(text) == date(2026, 12, 2)


def test_nowruz_and_the_leap_day():
    assert parse_local_date("1403/01/01") == date(2024, 3, 20)
    assert parse_local_date("1403/12/30") == date(2025, 3, 20)  # 1403 is a leap year
    with pytest.raises(DateInputError):
        parse_local_date("1404/12/30")  # 1404 is not


def test_blank_is_none():
    assert parse_local_date("") is None
    assert parse_local_date("   ") is None
    assert parse_local_date(None) is None


@pytest.mark.parametrize("text, words", [
    ("1405/13/40", "is not a day"), ("2026-02-30", "is not a day"), ("1405/00/10", "is not a day"),
    ("1" * 30 + "/01/01", "such as"), ("12/01/01", "four digits"), ("yesterday", "such as"),
    ("1405/09", "such as"), ("1405/09/11/12", "such as"), ("9" * 300, "such as"),
])
def test_nonsense_is_a_clear_error(text, words):
    with translation.override("en"), pytest.raises(DateInputError) as caught:
        parse_local_date(text)
    assert words in str(caught.value)


def test_errors_in_persian():
    with translation.override("fa"), pytest.raises(DateInputError) as caught:
        parse_local_date("1405/13/40")
    assert "در تقویم نیست" in str(caught.value)
    with translation.override("fa"), pytest.raises(DateInputError) as caught:
        parse_local_date("فردا")
    assert "۱۴۰۵/۰۹/۱۱" in str(caught.value)


def test_the_field_cleans_or_says_why():
    field = LocalDateField(required=False)
    assert field.clean("۱۴۰۵/۰۹/۱۱") == date(2026, 12, 2)
    assert field.clean("2026-12-02") == date(2026, 12, 2)
    assert field.clean("") is None
    for bad in ("1405/13/40", "1" * 30):
        with pytest.raises(Exception) as caught:
            field.clean(bad)
        assert caught.type.__name__ == "ValidationError"


def test_inputs_show_jalali_in_persian_and_iso_in_english():
    assert date_input_value(date(2026, 12, 2), "fa") == "۱۴۰۵/۰۹/۱۱"
    assert date_input_value(date(2026, 12, 2), "en") == "2026-12-02"
    assert date_input_value("2026-12-02", "fa") == "۱۴۰۵/۰۹/۱۱"  # a GET parameter, shown in the page's calendar
    assert date_input_value("1405/09/11", "en") == "2026-12-02"
    assert date_input_value("nonsense", "fa") == "nonsense"  # sent back as typed, beside its error
    with translation.override("fa"):
        html = date_input_html("date_from", date(2026, 12, 2), id="f-from")
        assert 'type="text"' in html and "data-jdp" in html and 'value="۱۴۰۵/۰۹/۱۱"' in html and 'dir="ltr"' in html
    with translation.override("en"):
        html = date_input_html("date_from", date(2026, 12, 2), id="f-from")
        assert 'type="date"' in html and "data-jdp" not in html and 'value="2026-12-02"' in html
