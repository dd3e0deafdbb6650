"""POS API v1 (docs/sync-protocol.md): enrolment, status, pull, push."""
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import QueryFilters
from apps.core.clientip import client_ip
from apps.core.errors import ApplicationError
from apps.core.fields import Text
from apps.core.schema import ERROR_RESPONSES, ErrorSerializer
from apps.pos_sync import selectors
from apps.pos_sync.authentication import DeviceAuthentication, IsDevice
from apps.pos_sync.cursor import cursor_encode
from apps.pos_sync.enrollment_limits import enrollment_attempt_check, enrollment_failure_record
from apps.pos_sync.envelope import envelope_parse
from apps.pos_sync.pull import pull_page
from apps.pos_sync.push import push_apply
from apps.pos_sync.schema import push_envelope
from apps.pos_sync.services import device_enroll

PROTOCOL_VERSION = 1
PAYLOAD_TOO_LARGE = OpenApiResponse(ErrorSerializer, description="Over the byte or operation limit (limits in sync/status)")


def pos_limits() -> dict:
    return {
        "max_operations_per_push": settings.POS_MAX_OPERATIONS_PER_PUSH,
        "max_body_bytes": settings.POS_MAX_BODY_BYTES,
        "max_offline_hours": settings.POS_MAX_OFFLINE_HOURS,
    }


class PosApiView(APIView):
    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsDevice]


class EnrollApi(APIView):
    """Failed attempts are limited per client and per code (enrollment_limits);
    successful enrolments are not counted."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        enrollment_code = Text(max_length=64)
        name = Text(max_length=120, required=False, allow_blank=True, default="")
        fingerprint = Text(max_length=200, required=False, allow_blank=True, default="")
        app_version = Text(max_length=40, required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        device_id = serializers.UUIDField()
        token = Text()
        receipt_prefix = Text()
        branch = serializers.DictField()
        server_time = serializers.DateTimeField()

    @extend_schema(tags=["pos"], request=InputSerializer, responses={201: OutputSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = {"client": client_ip(request), "code": data.validated_data["enrollment_code"]}
        enrollment_attempt_check(**attempt)
        try:
            enrolled = device_enroll(
                code=data.validated_data["enrollment_code"],
                name=data.validated_data["name"],
                fingerprint=data.validated_data["fingerprint"],
                app_version=data.validated_data["app_version"],
            )
        except ApplicationError as exc:
            if exc.code == "enrollment_code_invalid":
                enrollment_failure_record(**attempt)
            raise
        terminal = enrolled.device.terminal
        body = {
            "device_id": enrolled.device.id,
            "token": enrolled.token,
            "receipt_prefix": terminal.receipt_prefix,
            "branch": {"id": str(terminal.branch.id), "name": terminal.branch.name, "code": terminal.branch.code},
            "server_time": timezone.now(),
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class StatusApi(PosApiView):
    @extend_schema(
        tags=["pos"],
        parameters=[OpenApiParameter("X-Device-Time", str, OpenApiParameter.HEADER, required=False, description="RFC 3339")],
        responses={200: dict, **ERROR_RESPONSES},
    )
    def get(self, request):
        device = request.auth
        now = timezone.now()
        skew = None
        device_time = parse_datetime(request.headers.get("X-Device-Time", "") or "")
        if device_time is not None and device_time.tzinfo is not None:
            skew = round((device_time - now).total_seconds(), 1)
        return Response({
            "server_time": now,
            "device_id": str(device.id),
            "last_applied_seq": device.last_applied_seq,
            "pull_cursor_hint": cursor_encode(selectors.change_number_latest()),
            "protocol_version": PROTOCOL_VERSION,
            "limits": pos_limits(),
            "clock_skew_seconds": skew,
        })


class PullApi(PosApiView):
    class FilterSerializer(QueryFilters):
        cursor = Text(required=False, allow_blank=True, max_length=200)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=500)

    @extend_schema(tags=["pos"], parameters=[FilterSerializer], responses={200: dict, **ERROR_RESPONSES})
    def get(self, request):
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = pull_page(
            device=request.auth, shop=request.tenant,
            cursor=query.validated_data.get("cursor") or None, limit=query.validated_data["limit"],
        )
        return Response(page | {"protocol_version": PROTOCOL_VERSION})


class PushApi(PosApiView):
    """Sales and other operations up to the server; results per operation."""

    @extend_schema(tags=["pos"], request=push_envelope(), responses={200: dict, 413: PAYLOAD_TOO_LARGE, **ERROR_RESPONSES})
    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.POS_MAX_BODY_BYTES:
            raise ApplicationError("payload_too_large", f"The body is over {settings.POS_MAX_BODY_BYTES} bytes; send fewer operations.", status=413)
        batch_id, operations = envelope_parse(request.body)
        # The database going away mid-push is a 503 with Retry-After (apps.core.unavailable): nothing was written.
        outcome = push_apply(device_id=request.auth.pk, shop=request.tenant, operations=operations)
        return Response({
            "batch_id": str(batch_id) if batch_id else None,
            "results": outcome.results,
            "last_applied_seq": outcome.last_applied_seq,
            "server_time": timezone.now(),
            "protocol_version": PROTOCOL_VERSION,
        })
