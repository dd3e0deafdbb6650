"""Serializer fields shared by the staff API."""
import decimal
import re
from decimal import Decimal

from rest_framework import serializers


def decimal_pattern(*, max_digits: int, decimal_places: int, min_value=None, max_value=None) -> str:
    """The decimal strings a DecimalString accepts, as a regular expression:
    at least one digit, no more places than stored, a sign only when
    negatives are allowed, no zero when the minimum is above it, no more
    whole digits than the maximum (a power of ten) has."""
    whole = max_digits - decimal_places
    sign = "-?" if min_value is None or min_value < 0 else ""
    nonzero = "(?=.*[1-9])" if min_value is not None and min_value > 0 else ""
    number = rf"[0-9]{{1,{whole}}}(\.[0-9]{{1,{decimal_places}}})?"
    if max_value is not None and max_value > 0 and str(int(max_value)).rstrip("0") == "1" and max_value == int(max_value):
        digits = len(str(int(max_value))) - 1
        number = rf"({int(max_value)}(\.0{{1,{decimal_places}}})?|[0-9]{{1,{digits}}}(\.[0-9]{{1,{decimal_places}}})?)"
    return rf"^{nonzero}{sign}{number}$"


class DecimalString(serializers.DecimalField):
    """Money, weights and rates travel as decimal strings ("136569.76").
    A JSON float is refused: by the time it reaches us it may already have
    lost a digit. Whole JSON numbers are exact, so they are accepted."""

    default_error_messages = {
        "float": 'Send decimals as strings, e.g. "12.50", never as a JSON float.',
        "format": "Write the number as digits with at most {places} decimal places, e.g. \"12.50\"{sign}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
        # The one description of the text accepted; the OpenAPI schema shows it (apps/core/schema.py).
        self.pattern = decimal_pattern(max_digits=self.max_digits, decimal_places=self.decimal_places,
                                       min_value=self.min_value, max_value=self.max_value)
        self._exponent = Decimal(1).scaleb(-self.decimal_places)  # DRF works Decimal(".1") ** places out per value
        self._plain = self.coerce_to_string and not self.localize and not self.normalize_output

    def quantize(self, value):
        context = decimal.getcontext().copy()
        context.prec = self.max_digits
        return value.quantize(self._exponent, rounding=self.rounding, context=context)

    def to_representation(self, value):
        # DRF's, for the plain case of every field here (a string, neither
        # localized nor normalized), without its per-value attribute lookups.
        if self._plain and isinstance(value, Decimal):
            return f"{self.quantize(value):f}"
        return super().to_representation(value)

    def validate_empty_values(self, data):
        # DRF's DecimalField reads "" as null; the schema says a number is digits.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        if isinstance(data, str) and not re.fullmatch(self.pattern, data):
            self.fail("format", places=self.decimal_places, sign="" if "-?" in self.pattern else ", not negative")
        return super().to_internal_value(data)


def money(**kwargs) -> DecimalString:
    """A money amount: up to 16 whole digits and 2 places, as stored."""
    return DecimalString(max_digits=18, decimal_places=2, **kwargs)


def weight(**kwargs) -> DecimalString:
    """Grams, to the milligram."""
    return DecimalString(max_digits=10, decimal_places=3, **kwargs)


class Text(serializers.CharField):
    """A string field that takes only JSON strings: DRF's CharField turns a
    number into text ("note": 0 becomes "0"), which the schema does not allow."""

    default_error_messages = {"not_a_string": "Send text as a JSON string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class UniqueList(serializers.ListField):
    """A list whose items may not repeat; the schema says so (uniqueItems)
    and the view refuses a repeat (e.g. a fineness given twice)."""
