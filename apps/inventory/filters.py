"""Query-string filters of the item list (django-filter), all in SQL.

A gold piece's price moves with the rate board and depends on the shop's tax
formula, so it is not a column: ranges on it would mean pricing every item of
the shop. Items are filtered by what the price is made of instead: net weight
for gold pieces, the fixed price for fixed-price items (the range matches
fixed-price items only).
"""
import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from apps.core.api import StrictFilterSet
from apps.inventory.models import Item

WEIGHT = {"max_digits": 10, "decimal_places": 3, "min_value": 0}
MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": 0}


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def decimal_schema(digits: int, places: int) -> dict:
    """What a DecimalField form field accepts from 0 up, as the schema says it."""
    return {"type": "string", "format": "decimal", "pattern": rf"^[0-9]{{1,{digits - places}}}(\.[0-9]{{1,{places}}})?$"}


class ItemFilter(StrictFilterSet):
    category = django_filters.UUIDFilter(field_name="category_id", help_text="Category id.")
    branch = django_filters.UUIDFilter(field_name="branch_id", help_text="Branch id.")
    fineness = extend_schema_field({"type": "integer", "minimum": 1, "maximum": 1000})(
        IntegerFilter(help_text="Parts per thousand, e.g. 750 for 18k.", min_value=1, max_value=1000))
    status = django_filters.ChoiceFilter(choices=Item.Status.choices)
    pricing_mode = django_filters.ChoiceFilter(choices=Item.PricingMode.choices)
    net_weight_min = extend_schema_field(decimal_schema(10, 3))(
        django_filters.NumberFilter(field_name="net_weight", lookup_expr="gte", help_text="Grams.", **WEIGHT))
    net_weight_max = extend_schema_field(decimal_schema(10, 3))(
        django_filters.NumberFilter(field_name="net_weight", lookup_expr="lte", help_text="Grams.", **WEIGHT))
    fixed_price_min = extend_schema_field(decimal_schema(18, 2))(django_filters.NumberFilter(
        field_name="fixed_price", lookup_expr="gte", help_text="Pre-tax fixed price; matches fixed-price items only.", **MONEY
    ))
    fixed_price_max = extend_schema_field(decimal_schema(18, 2))(django_filters.NumberFilter(
        field_name="fixed_price", lookup_expr="lte", help_text="Pre-tax fixed price; matches fixed-price items only.", **MONEY
    ))
    search = extend_schema_field({"type": "string", "maxLength": 100})(
        django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the SKU, barcode or name."))
    ordering = django_filters.OrderingFilter(
        fields=("sku", "name", "created_at", "updated_at", "net_weight", "fineness", "quantity", "fixed_price"),
        help_text="A field name; prefix with - for descending. Default: sku.",
    )

    class Meta:
        model = Item
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(barcode__icontains=value) | Q(name__icontains=value))
