"""Terminals as POS devices, for managers and owners: list them with their
enrolled device, create one with a one-time enrolment code, issue a fresh
code, revoke the device."""
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.branches.models import Branch, Terminal
from apps.branches.services import terminal_create
from apps.core.api import ApiView, Pagination, require
from apps.core.fields import Text
from apps.core.schema import ERROR_RESPONSES
from apps.pos_sync import selectors
from apps.pos_sync.services import device_revoke, enrollment_code_issue


class EnrollmentCodeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    enrollment_code = Text()
    expires_at = serializers.DateTimeField()


def _code_response(terminal, issued, status_code):
    data = {"id": terminal.id, "enrollment_code": issued.code, "expires_at": issued.expires_at}
    return Response(EnrollmentCodeSerializer(data).data, status=status_code)


class TerminalListCreateApi(ApiView):
    """Terminals with their enrolled device; POST creates one and returns a
    one-time enrolment code for the POS (valid 15 minutes)."""

    permission_classes = [require("accounts.manage_terminals")]
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        branch_id = serializers.UUIDField()
        name = Text(max_length=120)

    class OutputSerializer(serializers.ModelSerializer):
        branch_id = serializers.UUIDField()
        receipt_prefix = Text()
        device_id = serializers.SerializerMethodField()
        last_seen_at = serializers.SerializerMethodField()

        class Meta:
            model = Terminal
            fields = ["id", "name", "branch_id", "number", "receipt_prefix", "device_id", "last_seen_at"]

        def get_device_id(self, terminal) -> str | None:
            return str(terminal.active_devices[0].id) if terminal.active_devices else None

        def get_last_seen_at(self, terminal) -> str | None:
            seen = terminal.active_devices[0].last_seen_at if terminal.active_devices else None
            return seen.isoformat() if seen else None

    @extend_schema(tags=["terminals"], responses={200: OutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.terminal_list(), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(tags=["terminals"], request=InputSerializer, responses={201: EnrollmentCodeSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        branch = Branch.objects.filter(pk=data.validated_data["branch_id"], is_active=True).first()
        if branch is None:
            raise serializers.ValidationError({"branch_id": ["No such branch."]})
        with transaction.atomic():
            terminal = terminal_create(branch=branch, name=data.validated_data["name"])
            issued = enrollment_code_issue(terminal=terminal, actor=request.user)
        return _code_response(terminal, issued, status.HTTP_201_CREATED)


class TerminalEnrollmentCodeApi(ApiView):
    """A fresh one-time enrolment code for the terminal."""

    permission_classes = [require("accounts.manage_terminals")]

    @extend_schema(tags=["terminals"], request=None, responses={201: EnrollmentCodeSerializer, **ERROR_RESPONSES})
    def post(self, request, terminal_id):
        terminal = get_object_or_404(Terminal, pk=terminal_id)
        return _code_response(terminal, enrollment_code_issue(terminal=terminal, actor=request.user), status.HTTP_201_CREATED)


class TerminalRevokeApi(ApiView):
    """Revokes the terminal's enrolled device: its token is refused from now on."""

    permission_classes = [require("accounts.manage_terminals")]

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        revoked_devices = serializers.IntegerField()

    @extend_schema(tags=["terminals"], request=None, responses={200: OutputSerializer, **ERROR_RESPONSES})
    def post(self, request, terminal_id):
        terminal = get_object_or_404(Terminal, pk=terminal_id)
        revoked = device_revoke(terminal=terminal, actor=request.user)
        return Response(self.OutputSerializer({"id": terminal.id, "revoked_devices": revoked}).data)
