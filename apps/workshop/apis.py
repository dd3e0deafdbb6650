"""The workshop on the staff API: repair tickets (intake, deposits, status,
gold in the work, pickup, give back or cancel), what pickup would invoice,
the price list and the craftsmen. Thin views: the serializers check the
shape, apps.workshop.services does the rest and refuses with a code."""
from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.branches.models import Branch
from apps.core.api import ApiView, Pagination, QueryFilters, require, require_to_write
from apps.core.errors import ApplicationError
from apps.core.fields import Text, money
from apps.core.fields import weight as grams
from apps.core.schema import ERROR_RESPONSES
from apps.customers.selectors import customer_get
from apps.sales.apis import ENTERED_METHOD_CHOICES
from apps.sales.models import PayoutMethod
from apps.sales.services import PaymentInput
from apps.workshop import services
from apps.workshop.models import (
    Craftsman,
    DepositMethod,
    RepairDeposit,
    RepairLine,
    RepairMetal,
    RepairPrice,
    RepairStatus,
    RepairStatusChange,
    RepairTicket,
    ServiceKind,
)
from apps.workshop.selectors import ticket_board, ticket_get

SELL = "accounts.sell"
# Named choice sets, for the schema's enums (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
BOARD_STATUSES = ["open", "all", *RepairStatus.values]
MOVE_TARGETS = [RepairStatus.IN_WORK.value, RepairStatus.READY.value]
CLOSE_TARGETS = [RepairStatus.RETURNED.value, RepairStatus.CANCELLED.value]


class LineSerializer(serializers.ModelSerializer):
    price = money()

    class Meta:
        model = RepairLine
        fields = ["id", "kind", "note", "price"]


class DepositSerializer(serializers.ModelSerializer):
    amount = money(help_text="Taken: positive; refunded or kept as store credit: negative.")

    class Meta:
        model = RepairDeposit
        fields = ["id", "method", "amount", "reference", "created_at"]


class MetalSerializer(serializers.ModelSerializer):
    weight, fine_weight = grams(help_text="Added: positive; taken away: negative."), grams()
    rate, value = money(help_text="Per fine gram, from the board."), money()

    class Meta:
        model = RepairMetal
        fields = ["id", "weight", "fineness", "fine_weight", "gold_rate_id", "rate", "value", "note", "created_at"]


class ChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = RepairStatusChange
        fields = ["from_status", "to_status", "actor", "note", "at"]


class TicketSummarySerializer(serializers.ModelSerializer):
    label = Text(read_only=True, help_text='As printed and scanned, e.g. "B1-W-000042".')
    customer = serializers.SerializerMethodField()
    craftsman = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    gross_weight, estimate, deposit_balance = grams(), money(), money()

    class Meta:
        model = RepairTicket
        fields = ["id", "label", "branch_id", "customer", "description", "gross_weight", "fineness", "estimate",
                  "deposit_balance", "promised_on", "craftsman", "status", "sale_id", "created_at"]

    def get_customer(self, ticket) -> dict:
        return {"id": str(ticket.customer_id), "full_name": ticket.customer.full_name, "phone": ticket.customer.phone}


class TicketSerializer(TicketSummarySerializer):
    lines = LineSerializer(many=True)
    deposits = DepositSerializer(many=True)
    metal = MetalSerializer(many=True)
    changes = ChangeSerializer(many=True)

    class Meta(TicketSummarySerializer.Meta):
        fields = [*TicketSummarySerializer.Meta.fields, "note", "lines", "deposits", "metal", "changes"]


def _detail(ticket_id, code=status.HTTP_200_OK) -> Response:
    return Response(TicketSerializer(ticket_get(ticket_id=ticket_id)).data, status=code)


class DepositInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=DepositMethod.choices)
    amount = money(min_value=Decimal("0.01"))
    reference = Text(max_length=120, required=False, allow_blank=True, default="")

    def to_input(self, data) -> services.DepositInput:
        return services.DepositInput(data["method"], data["amount"], data["reference"])


class RepairListApi(ApiView):
    """Repair tickets for the board: open ones by default, overdue first,
    then by the promised date; `search` finds a label, a customer's name or
    phone. POST takes a piece in (with a deposit if one is paid now)."""

    permission_classes = [require(SELL)]
    pagination_class = Pagination

    class FilterSerializer(QueryFilters):
        status = serializers.ChoiceField(choices=BOARD_STATUSES, required=False, default="open")
        search = Text(max_length=100, required=False, allow_blank=True, default="")

    class InputSerializer(serializers.Serializer):
        class ServiceSerializer(serializers.Serializer):
            kind = serializers.ChoiceField(choices=ServiceKind.choices)
            note = Text(max_length=255, required=False, allow_blank=True, default="")
            price = money(min_value=0, required=False, allow_null=True, default=None, help_text="Default: the price list's.")

        branch_id = serializers.UUIDField()
        customer_id = serializers.UUIDField()
        description = Text(max_length=255)
        gross_weight = grams(min_value=Decimal("0.001"))
        fineness = serializers.IntegerField(min_value=1, max_value=1000)
        services = serializers.ListField(child=ServiceSerializer(), min_length=1, max_length=services.MAX_LINES)
        promised_on = serializers.DateField()
        craftsman_id = serializers.UUIDField(required=False, allow_null=True, default=None)
        note = Text(max_length=2000, required=False, allow_blank=True, default="")
        deposit = DepositInputSerializer(required=False, allow_null=True, default=None)

    @extend_schema(tags=["workshop"], parameters=[FilterSerializer], responses={200: TicketSummarySerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        tickets = ticket_board(status=filters.validated_data["status"], query=filters.validated_data["search"])
        page = paginator.paginate_queryset(tickets, request, view=self)
        return paginator.get_paginated_response(TicketSummarySerializer(page, many=True).data)

    @extend_schema(tags=["workshop"], request=InputSerializer, responses={201: TicketSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        branch = Branch.objects.filter(pk=values["branch_id"]).first()
        craftsman = Craftsman.objects.filter(pk=values["craftsman_id"]).first() if values["craftsman_id"] else None
        if branch is None or (values["craftsman_id"] and craftsman is None):
            raise ApplicationError("not_found", "No such branch or craftsman.", status=404)
        ticket = services.repair_ticket_create(
            actor=request.user, branch=branch, customer=customer_get(customer_id=values["customer_id"]),
            description=values["description"], gross_weight=values["gross_weight"], fineness=values["fineness"],
            services=[services.ServiceInput(s["kind"], s["note"], s["price"]) for s in values["services"]],
            promised_on=values["promised_on"], craftsman=craftsman, note=values["note"],
            deposit=DepositInputSerializer().to_input(values["deposit"]) if values["deposit"] else None,
        )
        return _detail(ticket.pk, status.HTTP_201_CREATED)


class RepairDetailApi(ApiView):
    """One ticket with its services, deposits, gold and history."""

    permission_classes = [require(SELL)]

    @extend_schema(tags=["workshop"], responses={200: TicketSerializer, **ERROR_RESPONSES})
    def get(self, request, ticket_id):
        return _detail(ticket_id)


class RepairQuoteApi(ApiView):
    """What pickup would invoice now (tax and rounding included) and what
    is left to pay after the deposit and the gold taken (below zero: what
    the shop would owe)."""

    permission_classes = [require(SELL)]

    class OutputSerializer(serializers.Serializer):
        total, rounding, credit, due = money(), money(), money(), money()

    @extend_schema(tags=["workshop"], responses={200: OutputSerializer, **ERROR_RESPONSES})
    def get(self, request, ticket_id):
        return Response(self.OutputSerializer(services.repair_ticket_quote(ticket=ticket_get(ticket_id=ticket_id))).data)


def _action(input_serializer, act, summary: str):
    """A POST on one ticket: the body checked, the service called, the ticket answered."""

    class ActionApi(ApiView):
        permission_classes = [require(SELL)]
        __doc__ = summary

        @extend_schema(tags=["workshop"], request=input_serializer, responses={200: TicketSerializer, **ERROR_RESPONSES})
        def post(self, request, ticket_id):
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            act(request.user, ticket_get(ticket_id=ticket_id), data.validated_data)
            return _detail(ticket_id)

    return ActionApi


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=MOVE_TARGETS)
    note = Text(max_length=255, required=False, allow_blank=True, default="")


class MetalInputSerializer(serializers.Serializer):
    weight = grams(help_text="Added: positive; taken away: negative.")
    fineness = serializers.IntegerField(min_value=1, max_value=1000)
    note = Text(max_length=255, required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CLOSE_TARGETS)
    deposit = serializers.ChoiceField(choices=["refund", "credit"], required=False, allow_blank=True, default="",
                                      help_text="What happens to the deposit held, if any.")
    refund_method = serializers.ChoiceField(choices=["cash", "card", "bank_transfer"], required=False, allow_blank=True, default="")
    note = Text(max_length=255, required=False, allow_blank=True, default="", help_text="Why (required to cancel).")


class CollectSerializer(serializers.Serializer):
    class PaymentSerializer(serializers.Serializer):
        method = serializers.ChoiceField(choices=ENTERED_METHOD_CHOICES)
        amount = money(min_value=Decimal("0.01"))
        reference = Text(max_length=120, required=False, allow_blank=True, default="")

    payments = PaymentSerializer(many=True, required=False, default=list, max_length=10)
    labour = serializers.DictField(child=money(min_value=0), required=False, default=dict,
                                   help_text="Final labour per service line id; a line left out keeps its agreed price.")
    payout_method = serializers.ChoiceField(choices=PayoutMethod.choices, required=False, allow_blank=True, default="",
                                            help_text="When the credits come to more than the bill: cash or store credit.")


RepairStatusApi = _action(MoveSerializer, lambda user, ticket, d: services.repair_ticket_move(
    actor=user, ticket=ticket, to=d["to"], note=d["note"]), "In work, ready, or back to work.")
RepairDepositApi = _action(DepositInputSerializer, lambda user, ticket, d: services.repair_deposit_take(
    actor=user, ticket=ticket, deposit=DepositInputSerializer().to_input(d)), "Money paid before pickup.")
RepairMetalApi = _action(MetalInputSerializer, lambda user, ticket, d: services.repair_metal_record(
    actor=user, ticket=ticket, weight=d["weight"], fineness=d["fineness"], note=d["note"]),
    "Gold added or taken away, priced at the board.")
RepairCloseApi = _action(CloseSerializer, lambda user, ticket, d: services.repair_ticket_close(
    actor=user, ticket=ticket, to=d["to"], deposit=d["deposit"], refund_method=d["refund_method"], note=d["note"]),
    "Given back unrepaired, or cancelled; the deposit refunded or kept as store credit.")
RepairCollectApi = _action(CollectSerializer, lambda user, ticket, d: services.repair_ticket_collect(
    actor=user, ticket=ticket, labour=d["labour"], payout_method=d["payout_method"],
    payments=[PaymentInput(method=p["method"], amount=p["amount"], reference=p["reference"]) for p in d["payments"]]),
    "Pickup: the invoice is made (sale_id) through the sale writer.")


class PriceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    price = money(min_value=0)
    updated_at = serializers.DateTimeField(read_only=True)


class RepairPriceApi(ApiView):
    """The shop's price list; POST sets one service's price (managers)."""

    permission_classes = [require_to_write("accounts.manage_workshop")]

    @extend_schema(tags=["workshop"], responses={200: PriceSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        return Response(PriceSerializer(RepairPrice.objects.order_by("kind"), many=True).data)

    @extend_schema(tags=["workshop"], request=PriceSerializer, responses={200: PriceSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = PriceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.repair_price_set(actor=request.user, kind=data.validated_data["kind"], price=data.validated_data["price"])
        return Response(PriceSerializer(row).data)


class CraftsmanApi(ApiView):
    """Who takes work; POST adds one (managers)."""

    permission_classes = [require_to_write("accounts.manage_workshop")]

    class CraftsmanSerializer(serializers.ModelSerializer):
        name = Text(max_length=120)
        phone = Text(max_length=32, required=False, allow_blank=True, default="")

        class Meta:
            model = Craftsman
            fields = ["id", "name", "phone", "is_active"]
            read_only_fields = ["id", "is_active"]

    @extend_schema(tags=["workshop"], responses={200: CraftsmanSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        return Response(self.CraftsmanSerializer(Craftsman.objects.order_by("-is_active", "name"), many=True).data)

    @extend_schema(tags=["workshop"], request=CraftsmanSerializer, responses={201: CraftsmanSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.CraftsmanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        craftsman = services.craftsman_create(actor=request.user, **data.validated_data)
        return Response(self.CraftsmanSerializer(craftsman).data, status=status.HTTP_201_CREATED)
