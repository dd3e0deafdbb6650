"""Output serializers that cost what their rows cost.

DRF's `Serializer.to_representation` walks every field of every row through
`Field.get_attribute` (a generic source walk with its exception handling)
and `_readable_fields`; for a page of 50 items of 23 fields that machinery
cost more than reading and pricing the items (docs/performance.md, "Staff
pages and API at a fifth of the CPU"). `PlainRepresentation` works out once
per serializer instance how each field is read: a model field by plain
attribute access, a SerializerMethodField by its bound method, anything else
(a property, a dotted source, "*") by DRF's own `get_attribute`. Each value
then goes through the field's own `to_representation`, with DRF's rule that
None stays None, so the output is DRF's to the byte
(tests/core/test_serializers.py compares them on real rows).
"""
from operator import attrgetter

from rest_framework import serializers
from rest_framework.relations import PKOnlyObject


class PlainRepresentation:
    """Mix in before serializers.Serializer / ModelSerializer (output only)."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = [self._reader(field) for field in self._readable_fields]
        out = {}
        for name, read, show in plan:
            value = read(instance)
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                out[name] = None
            else:
                out[name] = show(value)
        return out

    def _reader(self, field):
        if isinstance(field, serializers.SerializerMethodField):
            return field.field_name, getattr(self, field.method_name), _same
        model = getattr(getattr(self, "Meta", None), "model", None)
        attrs = field.source_attrs
        if model is not None and len(attrs) == 1 and _is_model_attribute(model, attrs[0]):
            return field.field_name, attrgetter(attrs[0]), field.to_representation
        return field.field_name, field.get_attribute, field.to_representation


def _same(value):
    return value


def _is_model_attribute(model, name: str) -> bool:
    """A concrete field (or a foreign key's object or id) of `model`: read
    by plain attribute access, never a callable DRF would call."""
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return True
    return False
