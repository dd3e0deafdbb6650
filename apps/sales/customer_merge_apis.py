"""POST /api/v1/customers/{id}/merge/: fold a duplicate into this customer
(the sales, points and store credit move; the duplicate becomes a tombstone).
Here, not in customers, because the sales move (apps.sales.customer_merge)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.core.api import ApiView, require
from apps.core.schema import ERROR_RESPONSES
from apps.customers.apis import CustomerSerializer
from apps.customers.selectors import customer_get
from apps.sales.customer_merge import customer_merge


class CustomerMergeApi(ApiView):
    """Merges the customer `duplicate_id` into this one (the one kept).
    Refused: 400 merge_into_itself, 404 for an unknown id, 409
    customer_deleted for a deactivated customer on either side."""

    permission_classes = [require("accounts.manage_customers")]

    class InputSerializer(serializers.Serializer):
        duplicate_id = serializers.UUIDField(help_text="The customer merged away (deactivated afterwards).")

    @extend_schema(tags=["customers"], request=InputSerializer, responses={200: CustomerSerializer, **ERROR_RESPONSES})
    def post(self, request, customer_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kept = customer_get(customer_id=customer_id, include_deleted=True)
        dropped = customer_get(customer_id=data.validated_data["duplicate_id"], include_deleted=True)
        customer_merge(kept=kept, dropped=dropped, actor=request.user)
        return Response(CustomerSerializer(customer_get(customer_id=kept.pk)).data)
