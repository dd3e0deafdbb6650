"""OpenAPI pieces shared by every endpoint: the one error shape."""
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from apps.core.idempotency import KEY_PATTERN, MAX_KEY_LENGTH

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.ListField(child=serializers.DictField()),
            },
        )
    },
)

ERROR_RESPONSES = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid request",
        401: "Not authenticated",
        403: "Not allowed for this role, or the shop is suspended",
        404: "Not found",
        409: "Conflict",
        422: "Idempotency-Key reused with another request",
        429: "Too many requests",
    }.items()
}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER, required=False,
    description=f"1 to {MAX_KEY_LENGTH} visible ASCII characters, no spaces (a UUID is the usual choice), "
    "new for every distinct request. Retrying a POST with the same key and body returns the stored response "
    "(header Idempotent-Replayed: true); another body is 422 idempotency_mismatch; while the first is still "
    "running, 409 idempotency_in_progress.",
)


class AutoSchema(openapi.AutoSchema):
    """Views nest serializers named InputSerializer / OutputSerializer; name
    their components after the view so they don't collide."""

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        cls = serializer.__class__
        if name in {"InputSerializer", "OutputSerializer", "FilterSerializer"} and "." in cls.__qualname__:
            owner = cls.__qualname__.split(".")[-2].removesuffix("Api")
            return owner + name.removesuffix("Serializer")
        return name

    def get_override_parameters(self):
        """Every POST of an ApiView honours Idempotency-Key: say so."""
        from apps.core.api import ApiView

        parameters = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, ApiView):
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters


class UniqueListExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.fields.UniqueList"

    def map_serializer_field(self, auto_schema, direction):
        return {**auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True), "uniqueItems": True}


class DecimalStringExtension(OpenApiSerializerFieldExtension):
    """Money and weights: a decimal string the schema describes exactly (what
    DRF's DecimalField would document lets "" and "-" through). Requests may
    also carry a whole JSON number (exact); responses are always strings."""

    target_class = "apps.core.fields.DecimalString"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        text = {"type": "string", "format": "decimal", "pattern": field.pattern}
        if direction == "response":
            return text
        whole = 10 ** (field.max_digits - field.decimal_places) - 1
        low = 0 if field.min_value is not None and field.min_value >= 0 else -whole
        if field.min_value is not None and field.min_value > 0:
            low = 1
        high = int(field.max_value) if field.max_value is not None else whole
        return {"oneOf": [text, {"type": "integer", "minimum": low, "maximum": high}]}
