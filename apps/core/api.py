"""Building blocks of every staff API view."""
import json
import re

import django_filters
from django.core.serializers.json import DjangoJSONEncoder
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import (
    idempotency_claim,
    idempotency_complete,
    request_fingerprint,
)


class Pagination(PageNumberPagination):
    """Bounded pages: a client may ask for up to 200 rows, never all. A page
    or page size that is not a whole number in range is refused (400), not
    quietly replaced by the default: the schema says what is accepted."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    bounds = {"page": (1, 2**31 - 1), "page_size": (1, max_page_size)}

    def _checked(self, request, name: str) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        low, high = self.bounds[name]
        if not re.fullmatch(r"[0-9]{1,10}", raw) or not low <= int(raw) <= high:
            raise ValidationError({name: [ErrorDetail(f"A whole number from {low} to {high}.", code="invalid")]})
        return int(raw)

    def get_page_size(self, request):
        return self._checked(request, "page_size") or self.page_size

    def get_page_number(self, request, paginator):
        return self._checked(request, "page") or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            low, high = self.bounds[parameter["name"]]
            parameter["schema"] = {"type": "integer", "minimum": low, "maximum": high}
        return parameters


def require(*perms: str) -> type[BasePermission]:
    """A DRF permission class granting access to users holding every perm."""

    class HasPermissions(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(perms))

    HasPermissions.__name__ = "Requires_" + "_".join(p.split(".")[-1] for p in perms)
    return HasPermissions


def require_to_write(*perms: str) -> type[BasePermission]:
    """Any signed-in staff member may read; writing needs every perm."""
    writer = require(*perms)

    class ReadOrHasPermissions(BasePermission):
        message = writer.message

        def has_permission(self, request, view):
            if request.method in SAFE_METHODS:
                return bool(request.user and request.user.is_authenticated)
            return writer().has_permission(request, view)

    ReadOrHasPermissions.__name__ = "ReadOr" + writer.__name__
    return ReadOrHasPermissions


class _Replay(Exception):
    def __init__(self, record):
        self.record = record


class ApiView(APIView):
    """An APIView whose POSTs honour `Idempotency-Key`."""

    idempotency_record = None

    def idempotency_owner(self, request) -> str:
        return f"user:{request.user.pk}"

    def initial(self, request, *args, **kwargs):
        body = request._request.body  # read before DRF parses, for the fingerprint
        super().initial(request, *args, **kwargs)
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key is not None:
            claim = idempotency_claim(
                owner=self.idempotency_owner(request),
                key=key,
                request_hash=request_fingerprint(method=request.method, path=request.get_full_path(), body=body),
            )
            if claim.replay is not None:
                raise _Replay(claim.replay)
            self.idempotency_record = claim.record

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(exc.record.response_body, status=exc.record.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_record is not None:
            body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder)) if response.data is not None else None
            idempotency_complete(record=self.idempotency_record, status_code=response.status_code, body=body)
            self.idempotency_record = None
        return response


class QueryFilters(serializers.Serializer):
    """The query-string filters of a list. A parameter sent blank is refused
    unless its field allows blank: `?branch=` is not a branch id, and the
    schema says so (DRF would quietly treat it as absent)."""

    def to_internal_value(self, data):
        blank = {
            name: [ErrorDetail("This field may not be blank.", code="blank")]
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        }
        if blank:
            raise ValidationError(blank)
        return super().to_internal_value(data)


def list_filtered(request, queryset, view):
    """DjangoFilterBackend's filtering of `view`'s list. A request that names
    none of its filters gets the queryset as it is, which is what the
    filters would give: building the FilterSet and its form cost more than
    the page's query (docs/performance.md)."""
    if not any(name in view.filterset_class.base_filters for name in request.query_params):
        return queryset
    return DjangoFilterBackend().filter_queryset(request, queryset, view)


class StrictFilterSet(django_filters.FilterSet):
    """A django-filter FilterSet that refuses blank values, as QueryFilters
    does, except for free-text search and ordering (blank means none)."""

    def is_valid(self):
        for name, spec in self.filters.items():
            free = isinstance(spec, django_filters.CharFilter | django_filters.OrderingFilter)
            if not free and self.data.get(name) == "":
                self.form.is_valid()
                self.form.add_error(name, "This field may not be blank.")
        return super().is_valid()
