"""Sales: the list, one invoice, selling at the counter, voids and returns.

Selling needs accounts.sell (every role has it), voiding accounts.void_sale,
taking a return accounts.return_sale. A sale made here is an online counter
sale (`sale_create`, source "api"): the server checks the stock, prices the
lines with the board's rate and the shop's tax rules, and the payments must
add up to the rounded total (POST /sales/quote/ tells what that is).
"""
from decimal import Decimal

from django.db.models import prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.branches.models import Branch, Terminal
from apps.core.api import ApiView, Pagination, QueryFilters, require
from apps.core.fields import DecimalString, Text, money
from apps.core.fields import weight as grams
from apps.core.schema import ERROR_RESPONSES
from apps.core.serializers import PlainRepresentation
from apps.core.timezones import shop_timezone
from apps.customers.models import Customer
from apps.customers.selectors import customer_get
from apps.sales import selectors
from apps.sales.models import (
    ENTERED_PAYMENT_METHODS,
    Payment,
    PaymentMethod,
    PayoutMethod,
    RefundMethod,
    Return,
    Sale,
    SaleLine,
    SaleSource,
    SaleStatus,
    TradeIn,
)
from apps.sales.reversals import sale_return, sale_void
from apps.sales.services import (
    LineInput,
    PaymentInput,
    TradeInInput,
    sale_create,
    sale_quote,
)

MAX_LINES = 100
MAX_QUANTITY = 10_000
MAX_INT = 2**31 - 1
ENTERED_METHOD_CHOICES = [(value, label) for value, label in PaymentMethod.choices if value in ENTERED_PAYMENT_METHODS]


def _rate(**kwargs) -> DecimalString:
    return DecimalString(max_digits=18, decimal_places=4, **kwargs)


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------


class SaleBranchSerializer(PlainRepresentation, serializers.Serializer):
    id = serializers.UUIDField()
    name = Text()


class SaleCustomerSerializer(PlainRepresentation, serializers.Serializer):
    id = serializers.UUIDField()
    full_name = Text()
    phone = Text()


class SaleSummarySerializer(PlainRepresentation, serializers.ModelSerializer):
    branch = SaleBranchSerializer()
    terminal_id = serializers.UUIDField(allow_null=True)
    cashier = serializers.SerializerMethodField()
    customer = SaleCustomerSerializer(allow_null=True)
    invoice_label = Text(read_only=True, help_text='As printed, e.g. "B1-000042".')
    total = money()

    class Meta:
        model = Sale
        fields = [
            "id", "branch", "terminal_id", "cashier", "customer", "invoice_number", "invoice_label", "receipt_number",
            "source", "status",
            "occurred_at", "received_at", "currency", "total",
        ]

    def get_cashier(self, sale) -> str | None:
        """The cashier's e-mail."""
        return sale.cashier.email if sale.cashier else None


class SaleLineSerializer(PlainRepresentation, serializers.ModelSerializer):
    sku = Text(source="item.sku", allow_null=True, help_text="None on a line of work done (no item).")
    net_weight = grams()
    gold_rate_id = serializers.UUIDField(allow_null=True)
    rate = _rate(help_text="Per gram at the line's fineness, as used (0 for fixed-price items).")
    making_value = money()
    gold, making, profit, stones, fixed, tax, discount, total, unit_price = (money() for _ in range(9))
    override = serializers.JSONField(allow_null=True, help_text="What was changed by hand, if anything.")

    class Meta:
        model = SaleLine
        fields = [
            "id", "line_no", "item_id", "sku", "description", "quantity", "returned_quantity", "fineness", "net_weight",
            "gold_rate_id", "rate", "making_mode", "making_value", "gold", "making", "profit", "stones", "fixed", "tax",
            "discount", "total", "unit_price", "override",
        ]


class PaymentSerializer(PlainRepresentation, serializers.ModelSerializer):
    amount = money()
    trade_in_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "method", "amount", "reference", "trade_in_id"]


class TradeInSerializer(PlainRepresentation, serializers.ModelSerializer):
    weight = grams()
    pure_weight = grams()
    pure_rate = _rate(help_text="Per gram of fineness 1000.")
    deduction_percent = DecimalString(max_digits=5, decimal_places=2)
    gross_value, deduction, value = (money() for _ in range(3))

    class Meta:
        model = TradeIn
        fields = ["id", "description", "weight", "fineness", "pure_weight", "pure_rate", "deduction_percent",
                  "gross_value", "deduction", "value"]


class ReturnSerializer(serializers.ModelSerializer):
    class ReturnLineSerializer(serializers.Serializer):
        sale_line_id = serializers.UUIDField()
        quantity = serializers.IntegerField()
        amount = money()

    sale_id = serializers.UUIDField()
    label = serializers.CharField(help_text='The return document\'s label, e.g. "B1-R-000001".')
    refund_total = money()
    exchange_sale_id = serializers.UUIDField(allow_null=True, help_text="The sale this return was exchanged for.")
    actor = serializers.SerializerMethodField()
    lines = ReturnLineSerializer(many=True)

    class Meta:
        model = Return
        fields = ["id", "sale_id", "number", "label", "reason", "refund_method", "refund_total", "exchange_sale_id", "actor",
                  "created_at", "lines"]

    def get_actor(self, sale_return) -> str | None:
        """Who took the return (e-mail)."""
        return sale_return.actor.email if sale_return.actor else None


class SaleSerializer(SaleSummarySerializer):
    """An invoice with every price component frozen as it was sold."""

    gold_total, making_total, profit_total, stones_total, fixed_total, discount_total, tax_total = (money() for _ in range(7))
    subtotal = money(help_text="Sum of the line totals, before the invoice rounding.")
    rounding = money(help_text="total - subtotal, from the shop's rounding rule.")
    paid_total = money(help_text="total + payout_total.")
    payout_total = money(help_text="Old gold worth more than the sale: what the shop paid back.")
    voided_by = serializers.SerializerMethodField()
    lines = SaleLineSerializer(many=True)
    payments = PaymentSerializer(many=True)
    trade_ins = TradeInSerializer(many=True)
    returns = ReturnSerializer(many=True)

    class Meta(SaleSummarySerializer.Meta):
        fields = [
            *SaleSummarySerializer.Meta.fields,
            "gold_total", "making_total", "profit_total", "stones_total", "fixed_total", "discount_total", "tax_total",
            "subtotal", "rounding", "paid_total", "payout_total", "payout_method", "voided_at", "voided_by", "void_reason", "lines", "payments", "trade_ins",
            "returns",
        ]

    def get_voided_by(self, sale) -> str | None:
        """Who voided it (e-mail)."""
        return sale.voided_by.email if sale.voided_by else None


def _sale_detail(sale_id) -> dict:
    sale = selectors.sale_get(sale_id=sale_id)
    prefetch_related_objects([sale], "returns__lines", "returns__actor", "returns__branch")
    return SaleSerializer(sale).data


# --------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    item_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    rate = _rate(required=False, allow_null=True, min_value=Decimal("0.0001"),
                 help_text="Per gram at the item's fineness; default: the board's.")
    making_value = money(required=False, allow_null=True, min_value=0, help_text="In the item's making mode; default: the tag's.")
    discount = money(min_value=0, default=Decimal(0), help_text="Money off the whole line, tax included.")
    description = Text(max_length=255, required=False, allow_blank=True, default="")

    def to_line(self, data) -> LineInput:
        return LineInput(item_id=data["item_id"], quantity=data["quantity"], rate=data.get("rate"),
                         making_value=data.get("making_value"), discount=data["discount"], description=data["description"])


class TradeInInputSerializer(serializers.Serializer):
    weight = grams(min_value=Decimal("0.001"), help_text="Grams.")
    fineness = serializers.IntegerField(min_value=1, max_value=1000)
    deduction_percent = DecimalString(max_digits=5, decimal_places=2, min_value=0, max_value=100, default=Decimal(0),
                                      help_text="Up to 100; old gold worth nothing after it is refused (invalid_trade_in).")
    pure_rate = _rate(required=False, allow_null=True, min_value=Decimal("0.0001"),
                      help_text="Per gram of fineness 1000; default: the board's.")
    description = Text(max_length=255, required=False, allow_blank=True, default="")


class PaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ENTERED_METHOD_CHOICES, help_text="Old gold is credited from trade_ins.")
    amount = money(min_value=Decimal("0.01"))
    reference = Text(max_length=120, required=False, allow_blank=True, default="")


def _trade_ins(rows) -> list[TradeInInput]:
    return [TradeInInput(weight=t["weight"], fineness=t["fineness"], deduction_percent=t["deduction_percent"],
                         pure_rate=t.get("pure_rate"), description=t["description"]) for t in rows]


def _lines(rows) -> list[LineInput]:
    return [LineInputSerializer().to_line(row) for row in rows]


def _found(queryset, pk, field: str):
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: ["Not found."]})
    return found


# --------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------


class SaleListCreateApi(ApiView):
    """Sales newest first, filtered; POST sells at the counter."""

    permission_classes = [require("accounts.sell")]
    pagination_class = Pagination

    class FilterSerializer(QueryFilters):
        date_from = serializers.DateField(required=False, help_text="First day, inclusive, in the shop's time zone.")
        date_to = serializers.DateField(required=False, help_text="Last day, inclusive, in the shop's time zone.")
        branch = serializers.UUIDField(required=False, help_text="Branch id.")
        cashier = serializers.IntegerField(required=False, min_value=1, max_value=MAX_INT, help_text="Cashier's user id.")
        customer = serializers.UUIDField(required=False, help_text="Customer id.")
        terminal = serializers.UUIDField(required=False, help_text="Terminal id.")
        status = serializers.ChoiceField(choices=SaleStatus.choices, required=False)
        source = serializers.ChoiceField(choices=SaleSource.choices, required=False)
        search = Text(max_length=40, required=False,
                                       help_text="Invoice number, receipt number, or the customer's phone digits.")

    class InputSerializer(serializers.Serializer):
        branch_id = serializers.UUIDField()
        terminal_id = serializers.UUIDField(required=False, allow_null=True)
        customer_id = serializers.UUIDField(required=False, allow_null=True)
        lines = serializers.ListField(child=LineInputSerializer(), min_length=1, max_length=MAX_LINES)
        trade_ins = serializers.ListField(child=TradeInInputSerializer(), required=False, max_length=20, default=list)
        payments = serializers.ListField(child=PaymentInputSerializer(), required=False, max_length=20, default=list,
                                          help_text="With the old-gold credit, they must add up to the rounded total.")
        occurred_at = serializers.DateTimeField(required=False, help_text="Default: now; never in the future.")
        receipt_number = Text(max_length=40, required=False, allow_blank=True, default="")
        payout_method = serializers.ChoiceField(
            choices=PayoutMethod.choices, required=False, allow_blank=True, default="",
            help_text="Old gold worth more than the sale: pay the difference out in cash or keep it as the customer's "
                      "store credit (then no other payment).")

    @extend_schema(tags=["sales"], parameters=[FilterSerializer], responses={200: SaleSummarySerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = {("branch_id" if k == "branch" else f"{k}_id" if k in {"cashier", "customer", "terminal"} else k): v
                  for k, v in filters.validated_data.items()}
        with timezone.override(shop_timezone(request.tenant)):
            sales = selectors.sale_summaries(filters=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(sales, request, view=self)
        return paginator.get_paginated_response(SaleSummarySerializer(page, many=True).data)

    @extend_schema(tags=["sales"], request=InputSerializer, responses={201: SaleSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        branch = _found(Branch.objects.all(), values["branch_id"], "branch_id")
        sale = sale_create(
            actor=request.user,
            branch=branch,
            terminal=_found(Terminal.objects.filter(branch=branch), values.get("terminal_id"), "terminal_id"),
            customer=_found(Customer.objects.filter(is_deleted=False), values.get("customer_id"), "customer_id"),
            lines=_lines(values["lines"]),
            trade_ins=_trade_ins(values["trade_ins"]),
            payments=[PaymentInput(method=p["method"], amount=p["amount"], reference=p["reference"]) for p in values["payments"]],
            source=SaleSource.API,
            occurred_at=values.get("occurred_at"),
            receipt_number=values["receipt_number"],
            payout_method=values["payout_method"],
        )
        return Response(SaleSerializer(sale).data, status=status.HTTP_201_CREATED)  # as written: no read after it


class SaleQuoteApi(ApiView):
    """What a sale would come to now, without selling: the total after the
    shop's rounding, the old-gold credit, and what the payments must add up to."""

    permission_classes = [require("accounts.sell")]

    class InputSerializer(serializers.Serializer):
        lines = serializers.ListField(child=LineInputSerializer(), min_length=1, max_length=MAX_LINES)
        trade_ins = serializers.ListField(child=TradeInInputSerializer(), required=False, max_length=20, default=list)

    class OutputSerializer(serializers.Serializer):
        class QuoteLineSerializer(serializers.Serializer):
            item_id = serializers.UUIDField()
            quantity = serializers.IntegerField()
            rate = _rate()
            making_value = money()
            gold, making, profit, stones, fixed, tax, discount, total, unit_price = (money() for _ in range(9))

        class QuoteTradeInSerializer(serializers.Serializer):
            pure_weight = grams()
            pure_rate = _rate()
            gross_value, deduction, value = (money() for _ in range(3))

        currency = Text()
        gold_rate_id = serializers.UUIDField(allow_null=True)
        lines = QuoteLineSerializer(many=True)
        trade_ins = QuoteTradeInSerializer(many=True)
        subtotal, rounding, total = (money() for _ in range(3))
        credit = money(help_text="Old gold taken in.")
        due = money(help_text="What the payments must add up to.")

    @extend_schema(tags=["sales"], request=InputSerializer, responses={200: OutputSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = _lines(data.validated_data["lines"])
        quote = sale_quote(lines=lines, trade_ins=_trade_ins(data.validated_data["trade_ins"]))
        out = {
            "currency": request.tenant.currency,
            "gold_rate_id": quote.gold_rate.pk if quote.gold_rate else None,
            "lines": [{"item_id": line.item_id, **{k: getattr(p, k) for k in (
                "quantity", "rate", "making_value", "gold", "making", "profit", "stones", "fixed", "tax", "discount", "total",
                "unit_price")}} for line, p in zip(lines, quote.lines)],
            "trade_ins": [{k: getattr(t, k) for k in ("pure_weight", "pure_rate", "gross_value", "deduction", "value")}
                          for t in quote.trade_ins],
            "subtotal": quote.subtotal, "rounding": quote.rounding, "total": quote.total, "credit": quote.credit, "due": quote.due,
        }
        return Response(self.OutputSerializer(out).data)


class SaleDetailApi(ApiView):
    """One invoice with its lines, payments, old gold taken in and returns."""

    permission_classes = [require("accounts.sell")]

    @extend_schema(tags=["sales"], responses={200: SaleSerializer, **ERROR_RESPONSES})
    def get(self, request, sale_id):
        return Response(_sale_detail(sale_id))


class SaleVoidApi(ApiView):
    """Cancels a sale: every piece goes back to stock. A sale with returns
    cannot be voided (409 sale_has_returns); nor a voided one again."""

    permission_classes = [require("accounts.void_sale")]

    class InputSerializer(serializers.Serializer):
        reason = Text(max_length=2000)

    @extend_schema(tags=["sales"], request=InputSerializer, responses={200: SaleSerializer, **ERROR_RESPONSES})
    def post(self, request, sale_id):
        sale = selectors.sale_get(sale_id=sale_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sale_void(actor=request.user, sale=sale, reason=data.validated_data["reason"])
        return Response(_sale_detail(sale.pk))


class SaleReturnApi(ApiView):
    """Takes goods back, in full or in part; they go back to stock. Each line
    refunds its share of what it cost; the return completing the sale also
    settles the invoice rounding."""

    permission_classes = [require("accounts.return_sale")]

    class InputSerializer(serializers.Serializer):
        class ReturnLineInputSerializer(serializers.Serializer):
            sale_line_id = serializers.UUIDField()
            quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)

        lines = serializers.ListField(child=ReturnLineInputSerializer(), min_length=1, max_length=MAX_LINES)
        reason = Text(max_length=2000)
        refund_method = serializers.ChoiceField(choices=[c for c in RefundMethod.choices if c[0] != RefundMethod.EXCHANGE],
                                                default=RefundMethod.CASH,
                                                help_text="store_credit needs the sale's customer.")

    @extend_schema(tags=["sales"], request=InputSerializer, responses={201: ReturnSerializer, **ERROR_RESPONSES})
    def post(self, request, sale_id):
        sale = selectors.sale_get(sale_id=sale_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = [(line["sale_line_id"], line["quantity"]) for line in data.validated_data["lines"]]
        sale_return_row = sale_return(actor=request.user, sale=sale, lines=lines, reason=data.validated_data["reason"],
                                      refund_method=data.validated_data["refund_method"])
        prefetch_related_objects([sale_return_row], "lines", "actor")
        return Response(ReturnSerializer(sale_return_row).data, status=status.HTTP_201_CREATED)


class CustomerPurchasesApi(ApiView):
    """The customer's sales, newest first (routed under customers/, a read of sales)."""

    pagination_class = Pagination

    class OutputSerializer(serializers.ModelSerializer):
        branch_id = serializers.UUIDField()
        total = money()

        class Meta:
            model = Sale
            fields = ["id", "branch_id", "invoice_number", "receipt_number", "source", "status", "occurred_at", "currency", "total"]

    @extend_schema(tags=["customers"], responses={200: OutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, customer_id):
        customer = customer_get(customer_id=customer_id)
        paginator = self.pagination_class()
        sales = Sale.objects.filter(customer=customer).order_by("-occurred_at", "-id")
        page = paginator.paginate_queryset(sales, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
