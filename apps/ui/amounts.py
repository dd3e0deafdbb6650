"""Money as staff type it: in the unit the shop shows amounts in (toman or
rial for a rial shop; see apps.ui.formatting.shop_amount_unit), stored in
rial. This is the one edge where a typed amount changes unit, so a cashier
never mixes them: forms use MoneyField, the counter's inputs `money_typed`,
and inputs are filled with `formatting.money_input`."""
from decimal import Decimal

from django.db import connection
from django.utils.functional import lazy
from django.utils.text import format_lazy

from apps.ui import formatting
from apps.ui.forms import AmountField


def shop_currency() -> str:
    return getattr(connection.tenant, "currency", "IRR") if hasattr(connection, "tenant") else "IRR"


def money_typed(text, currency: str | None = None) -> Decimal | None:
    """An amount typed in the shown unit (Persian or Latin digits), in the
    stored unit; None when blank. Raises ValueError for what is no number."""
    value = formatting.parse_decimal(text)
    return None if value is None else formatting.from_display_unit(value, currency or shop_currency())


def _unit_now() -> str:
    return formatting.money_unit(shop_currency())


unit_now = lazy(_unit_now, str)  # the current shop's, whenever it is shown


class MoneyField(AmountField):
    """An AmountField for money: typed in the shop's unit, cleaned to rial.
    In a toman shop one more decimal place may be typed (0.1 toman = 1 rial);
    the bounds are checked on the stored amount's column. Its label names
    the unit ("Cost (تومان)")."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.label:
            self.label = format_lazy("{} ({})", self.label, unit_now())

    def to_python(self, value):
        currency = shop_currency()
        toman = currency == "IRR" and formatting.shop_amount_unit() == formatting.TOMAN
        shift = 1 if toman else 0  # a toman has one digit less before the point, one more after
        self.places, self.whole_digits = self.places + shift, self.whole_digits - shift
        try:
            number = super().to_python(value)
        finally:
            self.places, self.whole_digits = self.places - shift, self.whole_digits + shift
        return None if number is None else formatting.from_display_unit(number, currency)

    def prepare_value(self, value):
        """An initial amount (stored, in rial) shown in the typed unit and
        the page's digits; what was typed is sent back as it was."""
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return formatting.money_input(value, shop_currency())
        return value
