"""Amounts in the shop's unit (rial or toman; stored in rial), money typed
in that unit (one edge: apps.ui.amounts), phones left to right, numbers in
inputs in the page's digits."""
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from apps.ui import formatting
from apps.ui.amounts import MoneyField, money_typed
from apps.ui.forms import AmountField, WholeField
from apps.ui.templatetags.ui import in_words, phone


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def toman(shop):
    shop.amount_unit = "toman"
    shop.save()
    return shop


def test_rial_shops_show_rial(shop):
    assert formatting.money(Decimal("53754400"), "IRR", "fa") == "۵۳٬۷۵۴٬۴۰۰ ریال"
    assert formatting.money(Decimal("53754400"), "IRR", "en") == "53,754,400 rial"
    assert formatting.money_input(Decimal("53754400.00"), "IRR", "fa") == "۵۳۷۵۴۴۰۰"


def test_toman_shops_show_a_tenth_in_toman(toman):
    assert formatting.money(Decimal("53754400"), "IRR", "fa") == "۵٬۳۷۵٬۴۴۰ تومان"
    assert formatting.money(Decimal("53754400"), "IRR", "en") == "5,375,440 toman"
    assert formatting.money(Decimal("53754405"), "IRR", "en") == "5,375,440.5 toman"  # a rial is shown, not lost
    assert formatting.money(Decimal("53754400"), "IRR", "en", unit=False) == "5,375,440"
    assert formatting.money_input(Decimal("53754400"), "IRR", "en") == "5375440"
    assert in_words(Decimal("10000"), "IRR") == "one thousand tomans"


def test_other_currencies_are_never_divided(toman):
    assert formatting.money(Decimal("136569.76"), "INR", "en") == "136,569.76 INR"
    assert formatting.from_display_unit(Decimal("5"), "INR") == Decimal("5")


class PriceForm(forms.Form):
    price = MoneyField(places=2, label="Price")
    weight = AmountField(places=3, whole_digits=7)
    pieces = WholeField(min_value=0)


def test_money_is_typed_in_toman_and_kept_in_rial(toman):
    form = PriceForm({"price": "۵٬۳۷۵٬۴۴۰", "weight": "۵٫۲۵", "pieces": "۳"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"price": Decimal("53754400"), "weight": Decimal("5.25"), "pieces": 3}
    assert money_typed("12.3", "IRR") == Decimal("123.0")  # a tenth of a toman is a rial
    assert "(toman)" in str(PriceForm().fields["price"].label)


def test_money_is_typed_in_rial_in_a_rial_shop(shop):
    form = PriceForm({"price": "53754400", "weight": "5", "pieces": "1"})
    assert form.is_valid() and form.cleaned_data["price"] == Decimal("53754400")
    assert "(rial)" in str(PriceForm().fields["price"].label)


def test_bad_money_is_a_form_error_in_either_unit(toman):
    for bad in ("1" * 30, "-5", "abc", "1.2345", "1" * 16):
        form = PriceForm({"price": bad, "weight": "1", "pieces": "1"})
        assert not form.is_valid() and "price" in form.errors, bad


def test_inputs_are_filled_in_the_pages_digits(toman):
    with translation.override("fa"):
        html = str(PriceForm(initial={"price": Decimal("53754400"), "weight": Decimal("5.250"), "pieces": 3}))
    assert 'value="۵۳۷۵۴۴۰"' in html and 'value="۵٫۲۵۰"' in html and 'value="۳"' in html
    assert 'type="number"' not in html  # it would blank Persian digits


def test_phones_read_left_to_right():
    assert formatting.phone_text("+989109382717", "en") == "+98 910 938 2717"
    assert formatting.phone_text("09123334444", "fa") == "+۹۸ ۹۱۲ ۳۳۳ ۴۴۴۴"
    assert formatting.phone_text("+44 20 7946 0958", "en") == "+44 20 7946 0958"
    assert formatting.phone_text("call me", "en") == "call me"
    assert str(phone("<b>x</b>")) == '<bdi dir="ltr" class="phone">&lt;b&gt;x&lt;/b&gt;</bdi>'
    assert phone("") == ""
