"""The staff API: the shop's users, as the Staff page manages them, with the
same permission (accounts.manage_staff) and the same limits (a manager
never makes or changes an owner; nobody deactivates themselves or the last
active owner). Users are deactivated, never deleted."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.models import Role, User
from apps.accounts.selectors import staff_list
from apps.accounts.services import password_link_make, staff_create, staff_password_reset, staff_update
from apps.core.api import ApiView, Pagination, require
from apps.core.fields import Text
from apps.core.schema import ERROR_RESPONSES

MANAGE = require("accounts.manage_staff")


@extend_schema_field({"type": "string", "format": "email", "maxLength": 254})
class EmailText(Text):
    """An e-mail address; the service checks it (invalid_email) as the Staff page does."""


@extend_schema_field({"type": "string", "minLength": 8, "maxLength": 128, "pattern": "[^0-9]"})
class PasswordText(Text):
    """At least 8 characters, not all digits, and not a common password nor
    like the user's e-mail or name (Django's validators: 400 weak_password)."""

    def __init__(self, **kwargs):
        super().__init__(min_length=8, max_length=128, trim_whitespace=False, **kwargs)


class StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "is_active", "last_login", "date_joined"]


class StaffCreatedSerializer(StaffSerializer):
    set_password_url = serializers.CharField(allow_null=True, help_text=(
        "With no password given: a one-time link that sets it, shown only in this answer."))

    class Meta(StaffSerializer.Meta):
        fields = [*StaffSerializer.Meta.fields, "set_password_url"]


class PasswordLinkSerializer(serializers.Serializer):
    set_password_url = serializers.CharField(allow_null=True, help_text="A one-time link that sets the password (null: a password was given).")


def _with_link(request, user: User, link: bool) -> dict:
    return {"set_password_url": request.build_absolute_uri(password_link_make(user=user)) if link else None}


class StaffListCreateApi(ApiView):
    """The shop's staff, active first. POST adds one: without `password` the
    answer carries a one-time `set_password_url` (the password stays unusable
    until it is followed)."""

    permission_classes = [MANAGE]
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        email = EmailText(max_length=254)
        full_name = Text(max_length=150, required=False, allow_blank=True, default="")
        role = serializers.ChoiceField(choices=Role.choices)
        password = PasswordText(required=False, help_text="An initial password, held to the password rules; leave it out for a one-time link.")

    @extend_schema(tags=["staff"], responses={200: StaffSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(staff_list(), request, view=self)
        return paginator.get_paginated_response(StaffSerializer(page, many=True).data)

    @extend_schema(tags=["staff"], request=InputSerializer, responses={201: StaffCreatedSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = staff_create(actor=request.user, email=values["email"], full_name=values["full_name"], role=values["role"],
                            password=values.get("password"))
        body = StaffSerializer(user).data | _with_link(request, user, "password" not in values)
        return Response(body, status=status.HTTP_201_CREATED)


def _member(user_id) -> User:
    return get_object_or_404(User.objects.exclude(role=""), pk=user_id)


class StaffDetailApi(ApiView):
    """One member of staff. PATCH changes the fields sent; `is_active`
    false deactivates: their sessions and tokens stop at once. There is no
    DELETE: staff are never deleted (they stay, with their sales and audit
    entries), and a deactivated member stays listed so they can come back."""

    permission_classes = [MANAGE]

    class InputSerializer(serializers.Serializer):
        email = EmailText(max_length=254, required=False)
        full_name = Text(max_length=150, required=False, allow_blank=True)
        role = serializers.ChoiceField(choices=Role.choices, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(tags=["staff"], responses={200: StaffSerializer, **ERROR_RESPONSES})
    def get(self, request, user_id):
        return Response(StaffSerializer(_member(user_id)).data)

    @extend_schema(tags=["staff"], request=InputSerializer, responses={200: StaffSerializer, **ERROR_RESPONSES})
    def patch(self, request, user_id):
        member = _member(user_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = staff_update(actor=request.user, user=member, **data.validated_data)
        return Response(StaffSerializer(member).data)


class StaffPasswordApi(ApiView):
    """Resets a member's password: to `password`, or (left out) to none
    usable until the one-time `set_password_url` answered is followed. The
    old password, their sessions and their tokens stop working at once."""

    permission_classes = [MANAGE]

    class InputSerializer(serializers.Serializer):
        password = PasswordText(required=False, help_text="The new password; leave it out for a one-time link.")

    @extend_schema(tags=["staff"], request=InputSerializer, responses={200: PasswordLinkSerializer, **ERROR_RESPONSES})
    def post(self, request, user_id):
        member = _member(user_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password = data.validated_data.get("password")
        staff_password_reset(actor=request.user, user=member, password=password)
        return Response(_with_link(request, member, password is None))
