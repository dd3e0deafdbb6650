"""The staff API's dashboard: today at a glance (accounts.view_reports)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.core.api import ApiView, QueryFilters, require
from apps.core.fields import Text, money
from apps.core.schema import ERROR_RESPONSES
from apps.core.timezones import shop_timezone
from apps.inventory.apis import MAX_QUANTITY
from apps.reports.selectors.dashboard import dashboard_stats
from apps.reports.selectors.periods import Period, today
from apps.sales.models import PaymentMethod


class DashboardApi(ApiView):
    """Today's sales in the shop's time zone (voided ones left out) with
    their total, how they were paid and the best-selling items; the number
    of items at or below the low-stock threshold; sync conflicts and
    rejected POS operations waiting for a manager. Today's figures are read
    from today's sales, never from the daily aggregates."""

    permission_classes = [require("accounts.view_reports")]

    class FilterSerializer(QueryFilters):
        branch = serializers.UUIDField(required=False, help_text="Only this branch's sales and stock.")
        low_stock_threshold = serializers.IntegerField(
            min_value=0, max_value=MAX_QUANTITY, required=False, help_text="Default: the shop's low-stock threshold (its settings).")

    class OutputSerializer(serializers.Serializer):
        class PaymentMethodSerializer(serializers.Serializer):
            method = serializers.ChoiceField(choices=PaymentMethod.choices)
            count = serializers.IntegerField()
            amount = money()

        class TopItemSerializer(serializers.Serializer):
            item_id = serializers.UUIDField()
            sku = Text()
            name = Text()
            quantity = serializers.IntegerField()
            total = money()

        date = serializers.DateField(help_text="Today, in the shop's time zone.")
        timezone = Text()
        currency = Text()
        sales_count = serializers.IntegerField()
        sales_total = money()
        by_payment_method = PaymentMethodSerializer(many=True)
        top_items = TopItemSerializer(many=True)
        low_stock_threshold = serializers.IntegerField()
        low_stock_count = serializers.IntegerField()
        pending_sync_conflicts = serializers.IntegerField(help_text="Open review items of the POS sync.")

    @extend_schema(tags=["dashboard"], parameters=[FilterSerializer], responses={200: OutputSerializer, **ERROR_RESPONSES})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        zone = shop_timezone(request.tenant)
        day = today(zone)
        threshold = filters.validated_data.get("low_stock_threshold", request.tenant.low_stock_threshold)
        stats = dashboard_stats(period=Period(day, day), branch_id=filters.validated_data.get("branch"), low_stock_threshold=threshold)
        out = {
            "date": day, "timezone": str(zone), "currency": request.tenant.currency,
            "sales_count": stats.sales_count, "sales_total": stats.sales_total,
            "by_payment_method": stats.by_payment_method, "top_items": stats.top_items,
            "low_stock_threshold": threshold, "low_stock_count": stats.low_stock_count,
            "pending_sync_conflicts": stats.open_review_items,
        }
        return Response(self.OutputSerializer(out).data)
