"""OpenAPI pieces shared by every endpoint: the one error shape."""
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

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
