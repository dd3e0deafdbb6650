from decimal import Decimal

import pytest

from apps.ui.words import amount_in_words, english_words, persian_words


@pytest.mark.parametrize("number, words", [
    (0, "صفر"),
    (7, "هفت"),
    (15, "پانزده"),
    (20, "بیست"),
    (21, "بیست و یک"),
    (105, "صد و پنج"),
    (250, "دویست و پنجاه"),
    (999, "نهصد و نود و نه"),
    (1000, "یک هزار"),
    (1001, "یک هزار و یک"),
    (12_500, "دوازده هزار و پانصد"),
    (1_000_000, "یک میلیون"),
    (2_000_500, "دو میلیون و پانصد"),
    (53_754_400, "پنجاه و سه میلیون و هفتصد و پنجاه و چهار هزار و چهارصد"),
    (1_200_000_000, "یک میلیارد و دویست میلیون"),
    (-18, "منفی هجده"),
])
def test_persian_words(number, words):
    assert persian_words(number) == words


@pytest.mark.parametrize("number, words", [
    (0, "zero"), (13, "thirteen"), (40, "forty"), (99, "ninety-nine"), (100, "one hundred"),
    (1234, "one thousand two hundred thirty-four"), (8_295, "eight thousand two hundred ninety-five"),
    (3_000_017, "three million seventeen"),
])
def test_english_words(number, words):
    assert english_words(number) == words


def test_amount_in_words_names_the_currency_and_the_cents():
    assert amount_in_words(Decimal("53754400"), "IRR", "fa") == "پنجاه و سه میلیون و هفتصد و پنجاه و چهار هزار و چهارصد ریال"
    assert amount_in_words(Decimal("136569.76"), "INR", "en") == (
        "one hundred thirty-six thousand five hundred sixty-nine rupees and seventy-six hundredths"
    )
    assert amount_in_words(Decimal("8295.00"), "AED", "fa") == "هشت هزار و دویست و نود و پنج درهم"


def test_words_refuse_what_they_cannot_write():
    with pytest.raises(TypeError):
        persian_words(Decimal("1.5"))
    with pytest.raises(ValueError):
        persian_words(10 ** 18)
