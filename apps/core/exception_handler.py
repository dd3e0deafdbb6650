"""Turns every API error, ours or DRF's, into the one JSON error shape."""
import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.core.errors import ApplicationError, error_body
from apps.core.unavailable import database_unavailable, database_unavailable_response

logger = logging.getLogger(__name__)


def _flatten(detail, field: str | None = None) -> list[dict]:
    """DRF nests validation errors by field; clients want a flat list."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if field is None else f"{field}.{key}"
            out.extend(_flatten(value, None if key == "non_field_errors" else name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            nested = isinstance(value, (dict, list))
            out.extend(_flatten(value, f"{field}[{index}]" if nested and field else field))
        return out
    return [{"code": getattr(detail, "code", "invalid"), "field": field, "message": str(detail)}]


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status, headers=exc.headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        if database_unavailable(exc):  # the same 503 as every other path (apps.core.unavailable)
            logger.warning("Database unavailable: %s", exc.__class__.__name__, exc_info=exc)
            return database_unavailable_response(context["request"])
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body("server_error", "An unexpected error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("validation_error", "The request is not valid.", _flatten(exc.detail))
    elif isinstance(exc.detail, dict):  # simplejwt: {"detail": ..., "code": ...}
        body = error_body(str(exc.detail.get("code", exc.default_code)), str(exc.detail.get("detail", exc.default_detail)))
    else:
        body = error_body(getattr(exc.detail, "code", None) or exc.default_code, str(exc.detail))
    response.data = body
    return response
