"""Building blocks of every staff API view."""
import json

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import idempotency_claim, idempotency_complete, request_fingerprint


class Pagination(PageNumberPagination):
    """Bounded pages: a client may ask for up to 200 rows, never all."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


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
