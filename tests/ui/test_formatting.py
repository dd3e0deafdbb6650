from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from apps.ui import formatting
from apps.ui.barcode import code128_modules, code128_svg


def test_persian_digits_and_separators():
    assert formatting.number(Decimal("53754400"), 0, "fa") == "۵۳٬۷۵۴٬۴۰۰"
    assert formatting.money(Decimal("136569.76"), "INR", "fa", unit=False) == "۱۳۶٬۵۶۹٫۷۶"
    assert formatting.money(Decimal("136569.76"), "INR", "en") == "136,569.76 INR"  # a non-rial shop: its code
    assert formatting.weight(Decimal("5"), "en") == "5.000"


def test_the_active_language_decides_when_none_is_given():
    with translation.override("fa"):
        assert formatting.number(1234, 0) == "۱٬۲۳۴"
    with translation.override("en"):
        assert formatting.number(1234, 0) == "1,234"


def test_what_staff_type_is_read_exactly():
    assert formatting.parse_decimal("۵۳٬۷۵۴٬۴۰۰") == Decimal("53754400")
    assert formatting.parse_decimal("١٢٫٥") == Decimal("12.5")
    assert formatting.parse_decimal("1,234.50") == Decimal("1234.50")
    assert formatting.parse_decimal("") is None
    with pytest.raises(ValueError):
        formatting.parse_decimal("12a")
    with pytest.raises(ValueError):
        formatting.parse_decimal("Infinity")


def test_jalali_dates_in_persian_iso_in_english():
    assert formatting.date_text(date(2024, 3, 20), "fa") == "۱۴۰۳/۰۱/۰۱"  # Nowruz 1403
    assert formatting.date_text(date(2024, 3, 20), "en") == "2024-03-20"
    moment = datetime(2024, 3, 19, 21, 0, tzinfo=dt_timezone.utc)  # 00:30 on 1 Farvardin in Tehran
    with timezone.override("Asia/Tehran"):
        assert formatting.datetime_text(moment, "fa") == "۱۴۰۳/۰۱/۰۱ ۰۰:۳۰"
        assert formatting.datetime_text(moment, "en") == "2024-03-20 00:30"


def test_code128_has_start_and_stop_patterns_and_an_svg_bar_per_run():
    modules = code128_modules("UI-0001")
    assert modules.startswith("11010010000")  # start code B
    assert modules.endswith("1100011101011")  # stop pattern
    svg = code128_svg("UI-0001")
    runs = [run for run in modules.split("0") if run]
    assert svg.count("<rect") == len(runs) + 1  # plus the white background
    assert 'aria-label="UI-0001"' in svg


def test_jalali_dates_and_times_are_jdatetime_s_for_every_day_of_three_years():
    from datetime import UTC, date, datetime, timedelta

    import jdatetime

    from apps.ui.formatting import date_text, datetime_text, localize_digits, short_date

    for n in range(0, 3 * 366):
        day = date(2024, 1, 1) + timedelta(days=n)
        moment = datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
        local = moment.astimezone(timezone.get_current_timezone())
        expected = jdatetime.datetime.fromgregorian(datetime=local).strftime("%Y/%m/%d %H:%M")
        assert datetime_text(moment, "fa") == localize_digits(expected, "fa")
        assert date_text(day, "fa") == localize_digits(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"), "fa")
        assert short_date(day, "fa") == localize_digits(jdatetime.date.fromgregorian(date=day).strftime("%m/%d"), "fa")
