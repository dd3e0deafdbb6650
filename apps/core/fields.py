"""Serializer fields shared by the staff API."""
from rest_framework import serializers


class DecimalString(serializers.DecimalField):
    """Money, weights and rates travel as decimal strings ("136569.76").
    A JSON float is refused: by the time it reaches us it may already have
    lost a digit. Whole JSON numbers are exact, so they are accepted."""

    default_error_messages = {"float": 'Send decimals as strings, e.g. "12.50", never as a JSON float.'}

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
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
