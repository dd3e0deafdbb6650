"""Customers, their purchases and loyalty points.

Every signed-in staff member may look customers up; registering and
changing them needs accounts.manage_customers (cashiers have it: they sign
customers up at the counter). Points move only with sales, never here.
"""
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.core.api import ApiView, Pagination, QueryFilters, require_to_write
from apps.core.fields import Text
from apps.core.schema import ERROR_RESPONSES
from apps.core.serializers import PlainRepresentation
from apps.customers import selectors
from apps.customers.merging import customer_deactivate
from apps.customers.models import Customer, PointsEntry
from apps.customers.services import customer_create, customer_update


class CustomerSerializer(PlainRepresentation, serializers.ModelSerializer):
    """A customer; `phone` is stored and shown in E.164 (+989121234567)."""

    class TierSerializer(PlainRepresentation, serializers.Serializer):
        code = Text()
        name = Text()

    tier = TierSerializer()

    class Meta:
        model = Customer
        fields = [
            "id", "full_name", "phone", "email", "notes", "birthday", "tier", "points_balance", "lifetime_points",
            "created_at", "updated_at",
        ]


# The plain spellings of a number the schema promises (customers/text.py
# takes more: spaces, dashes, Persian digits): Iranian national numbers,
# +98 with ten digits, any other country code with 7 to 15 digits in all.
PHONE_PATTERN = r"^(0[1-9][0-9]{9}|9[0-9]{9}|989[0-9]{9}|(\+|00)98[1-9][0-9]{9}|(\+|00)(?!98)[1-9][0-9]{6,14})$"


@extend_schema_field({"type": "string", "maxLength": 32, "pattern": PHONE_PATTERN})
class PhoneField(Text):
    pass


@extend_schema_field({"type": "string", "maxLength": 254, "anyOf": [{"format": "email"}, {"maxLength": 0}]})
class EmailText(Text):
    """An e-mail address or blank; the service checks it (invalid_email)."""


class CustomerInputSerializer(serializers.Serializer):
    full_name = Text(max_length=150)
    phone = PhoneField(
        max_length=32, help_text="Any common spelling: 0912 123 4567, +98 912 123 4567, Persian digits; stored as E.164."
    )
    email = EmailText(max_length=254, required=False, allow_blank=True, default="")
    notes = Text(max_length=2000, required=False, allow_blank=True, default="")
    birthday = serializers.DateField(required=False, allow_null=True, default=None)


class CustomerListCreateApi(ApiView):
    """Live customers by name. `search` matches names word by word (Arabic
    and Persian spellings of a letter alike, Persian digits too), phone
    numbers by their digits and e-mail addresses; names starting with it
    come first."""

    permission_classes = [require_to_write("accounts.manage_customers")]
    pagination_class = Pagination

    class FilterSerializer(QueryFilters):
        search = Text(max_length=100, required=False, allow_blank=True, default="")

    @extend_schema(tags=["customers"], parameters=[FilterSerializer], responses={200: CustomerSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.customer_list(query=filters.validated_data["search"]), request, view=self)
        return paginator.get_paginated_response(CustomerSerializer(page, many=True).data)

    @extend_schema(tags=["customers"], request=CustomerInputSerializer, responses={201: CustomerSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = CustomerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_create(**data.validated_data)
        return Response(CustomerSerializer(selectors.customer_get(customer_id=customer.pk)).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(ApiView):
    """One customer; PATCH changes the fields sent (points are not fields:
    they move with sales); DELETE deactivates (a tombstone the terminals
    learn of; refused, 409 customer_has_credit, while store credit is left)."""

    permission_classes = [require_to_write("accounts.manage_customers")]

    @extend_schema(tags=["customers"], responses={200: CustomerSerializer, **ERROR_RESPONSES})
    def get(self, request, customer_id):
        return Response(CustomerSerializer(selectors.customer_get(customer_id=customer_id)).data)

    @extend_schema(tags=["customers"], request=CustomerInputSerializer, responses={200: CustomerSerializer, **ERROR_RESPONSES})
    def patch(self, request, customer_id):
        customer = selectors.customer_get(customer_id=customer_id)
        data = CustomerInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if data.validated_data:
            customer_update(customer=customer, actor=request.user, **data.validated_data)
        return Response(CustomerSerializer(selectors.customer_get(customer_id=customer.pk)).data)

    @extend_schema(tags=["customers"], responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, customer_id):
        customer_deactivate(customer=selectors.customer_get(customer_id=customer_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerPointsApi(ApiView):
    """The customer's points ledger, newest first; the balance is its sum."""

    pagination_class = Pagination

    class OutputSerializer(serializers.ModelSerializer):
        actor = serializers.SerializerMethodField()

        class Meta:
            model = PointsEntry
            fields = ["id", "points", "reason", "reference", "note", "actor", "created_at"]

        def get_actor(self, entry) -> str | None:
            return entry.actor.email if entry.actor else None

    @extend_schema(tags=["customers"], responses={200: OutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, customer_id):
        customer = selectors.customer_get(customer_id=customer_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.customer_points_history(customer=customer), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
