"""Items, categories and the gold rate board.

Every signed-in staff member may read the catalogue (a cashier sells from
it); changing it needs accounts.manage_inventory, setting the rate
accounts.set_gold_rate. Prices are today's, from the rate board and the
shop's tax rules, computed for the page being returned only.
"""
from decimal import Decimal

from django.db import connection
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.branches.models import Branch
from apps.core.api import ApiView, Pagination, QueryFilters, list_filtered, require, require_to_write
from apps.core.errors import ApplicationError
from apps.core.fields import DecimalString, Text, UniqueList, money, weight
from apps.core.schema import ERROR_RESPONSES
from apps.core.serializers import PlainRepresentation
from apps.inventory import selectors, shop_pricing
from apps.inventory.filters import ItemFilter
from apps.inventory.models import RATE, Category, GoldRate, Item
from apps.inventory.services import (
    category_create,
    gold_rate_set,
    item_create,
    item_update,
    stock_adjust,
)
from apps.inventory.validation import HAND_SET_STATUSES

MAX_QUANTITY = 1_000_000
# Rates shown for every board row, besides the ones the shop set explicitly.
SHOWN_FINENESSES = (999, 916, 875, 750, 705, 585)


MONEY_LIMIT = Decimal(10) ** 16  # money(): 18 digits, 2 decimals
RATE_LIMIT = Decimal(10) ** 26  # _rate(): 30 digits, 4 decimals


def _rate(**kwargs) -> DecimalString:
    return DecimalString(max_digits=30, decimal_places=4, **kwargs)


# --------------------------------------------------------------------------
# prices
# --------------------------------------------------------------------------


class ItemPriceSerializer(PlainRepresentation, serializers.Serializer):
    """An item's price now: every component in the shop's currency, before
    the invoice's rounding. `rate` is per gram at the item's fineness."""

    currency = Text()
    gold_rate_id = serializers.UUIDField(allow_null=True)
    rate = _rate()
    net_weight = weight()
    gold = money()
    making = money()
    profit = money()
    stones = money()
    fixed = money()
    tax = money()
    total = money()


class PriceUnavailableSerializer(serializers.Serializer):
    code = Text(help_text="e.g. no_gold_rate")
    message = Text()


# What an item's price is worked out from (shop_pricing.line_price): its
# shown price is a function of these, the board row (never changed) and the
# shop's tax rules, so it is kept per process under exactly those. An edited
# item, a new rate or new rules is a new key: never a stale price.
PRICED_FROM = ("sku", "pricing_mode", "fixed_price", "fineness", "net_weight", "making_mode", "making_value", "stone_value")
_SHOWN_PRICES: dict = {}
SHOWN_PRICES_KEPT = 50_000


class Pricer:
    """Prices items at the rate on the board when it was made: one read of
    the board for a whole page, none per item."""

    def __init__(self, shop):
        self.shop = shop
        self.gold_rate = selectors.gold_rate_current()
        self._rules = None

    def quote(self, item: Item) -> tuple[dict | None, dict | None]:
        """(the price as the API shows it, None), or (None, why not)."""
        if self._rules is None:
            try:
                self._rules = shop_pricing.tax_rules_for_shop(self.shop)
            except ApplicationError:
                return self._shown(item)  # the shop's settings are refused: said per item, as before
        is_gold = item.pricing_mode == Item.PricingMode.GOLD_RATE
        key = (connection.schema_name, self.gold_rate.pk if is_gold and self.gold_rate else None, self._rules,
               self.shop.currency, *(getattr(item, name) for name in PRICED_FROM))
        shown = _SHOWN_PRICES.get(key)
        if shown is None:
            if len(_SHOWN_PRICES) >= SHOWN_PRICES_KEPT:
                _SHOWN_PRICES.clear()
            shown = _SHOWN_PRICES[key] = self._shown(item)
        price, error = shown
        return (None if price is None else dict(price)), (None if error is None else dict(error))

    def _shown(self, item: Item) -> tuple[dict | None, dict | None]:
        price, error = self._quote(item)
        return (None if price is None else _PRICE.to_representation(price)), error

    def _quote(self, item: Item):
        if item.pricing_mode == Item.PricingMode.GOLD_RATE and self.gold_rate is None:
            return None, {"code": "no_gold_rate", "message": "No gold rate has been set yet."}
        try:
            price = shop_pricing.item_price_quote(item=item, shop=self.shop, gold_rate=self.gold_rate)
        except ApplicationError as exc:
            return None, {"code": exc.code, "message": exc.message}
        is_gold = item.pricing_mode == Item.PricingMode.GOLD_RATE
        if any(abs(amount) >= MONEY_LIMIT for amount in (price.gold, price.making, price.profit, price.stones, price.fixed,
                                                         price.tax, price.total)) or abs(price.rate) >= RATE_LIMIT:
            return None, {"code": "price_out_of_range", "message": "The price is too large to show; check the weights and charges."}
        return {
            "currency": self.shop.currency,
            "gold_rate_id": self.gold_rate.pk if is_gold else None,
            "rate": price.rate, "net_weight": price.net_weight, "gold": price.gold, "making": price.making,
            "profit": price.profit, "stones": price.stones, "fixed": price.fixed, "tax": price.tax, "total": price.total,
        }, None


class IdNameSerializer(PlainRepresentation, serializers.Serializer):
    id = serializers.UUIDField()
    name = Text()


# Made once, not once a row: a serializer or field built per item cost more
# than pricing the item (docs/performance.md).
_COST = money()
_PRICE = ItemPriceSerializer()


class ItemSerializer(PlainRepresentation, serializers.ModelSerializer):
    """An item as staff see it. `cost` is null for staff who may not manage
    inventory; `price` is null (and `price_unavailable` says why) when the
    item cannot be priced now, e.g. before the first gold rate is set."""

    category = IdNameSerializer()
    branch = IdNameSerializer()
    gross_weight = weight()
    stone_weight = weight()
    net_weight = weight()
    making_value = money()
    stone_value = money()
    fixed_price = money(allow_null=True)
    cost = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    price_unavailable = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id", "sku", "barcode", "name", "category", "branch", "fineness", "gross_weight", "stone_weight",
            "net_weight", "making_mode", "making_value", "stone_value", "pricing_mode", "fixed_price", "cost",
            "quantity", "is_unique_piece", "status", "created_at", "updated_at", "price", "price_unavailable",
        ]

    @extend_schema_field(money(allow_null=True))
    def get_cost(self, item):
        return _COST.to_representation(item.cost) if self.context["show_cost"] else None

    @extend_schema_field(ItemPriceSerializer(allow_null=True))
    def get_price(self, item):
        return self.context["pricer"].quote(item)[0]

    @extend_schema_field(PriceUnavailableSerializer(allow_null=True))
    def get_price_unavailable(self, item):
        return self.context["pricer"].quote(item)[1]


def _item_context(request) -> dict:
    return {"pricer": Pricer(request.tenant), "show_cost": request.user.has_perm("accounts.manage_inventory")}


def _items():
    return Item.objects.filter(is_deleted=False).select_related("category", "branch")


def _item_or_404(item_id) -> Item:
    return get_object_or_404(_items(), pk=item_id)


def _existing(model, pk, field: str, **filters):
    found = model.objects.filter(pk=pk, **filters).first()
    if found is None:
        raise serializers.ValidationError({field: [f"No such {model._meta.verbose_name}."]})
    return found


# --------------------------------------------------------------------------
# items
# --------------------------------------------------------------------------


class ItemInputSerializer(serializers.Serializer):
    sku = Text(max_length=64)
    barcode = Text(max_length=64, required=False, allow_null=True, allow_blank=True)
    name = Text(max_length=200)
    category_id = serializers.UUIDField()
    branch_id = serializers.UUIDField()
    fineness = serializers.IntegerField(min_value=1, max_value=1000, help_text="Parts per thousand: 18k is 750.")
    gross_weight = weight(min_value=0)
    stone_weight = weight(min_value=0, default=Decimal(0))
    making_mode = serializers.ChoiceField(choices=Item.MakingMode.choices, default=Item.MakingMode.PERCENT)
    making_value = money(min_value=0, default=Decimal(0))
    stone_value = money(min_value=0, default=Decimal(0))
    pricing_mode = serializers.ChoiceField(choices=Item.PricingMode.choices, default=Item.PricingMode.GOLD_RATE)
    fixed_price = money(min_value=0, required=False, allow_null=True, help_text="Pre-tax; only for fixed pricing.")
    cost = money(min_value=0, default=Decimal(0))


class ItemListCreateApi(ApiView):
    """Items of the shop (deleted ones left out), with today's price."""

    permission_classes = [require_to_write("accounts.manage_inventory")]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ItemFilter
    queryset = Item.objects.none()  # for the schema: the filters' model

    class InputSerializer(ItemInputSerializer):
        quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=1, help_text="Initial stock.")
        is_unique_piece = serializers.BooleanField(default=False, help_text="One of a kind: starts with quantity 1.")

    @extend_schema(tags=["items"], responses={200: ItemSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        items = list_filtered(request, _items().order_by("sku"), self)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(ItemSerializer(page, many=True, context=_item_context(request)).data)

    @extend_schema(tags=["items"], request=InputSerializer, responses={201: ItemSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["category"] = _existing(Category, values.pop("category_id"), "category_id")
        values["branch"] = _existing(Branch, values.pop("branch_id"), "branch_id", is_active=True)
        values.setdefault("fixed_price", None)
        item = item_create(actor=request.user, **values)
        return Response(ItemSerializer(_item_or_404(item.pk), context=_item_context(request)).data, status=status.HTTP_201_CREATED)


class ItemDetailApi(ApiView):
    """One item with today's price and its breakdown."""

    permission_classes = [require_to_write("accounts.manage_inventory")]

    class InputSerializer(ItemInputSerializer):
        status = serializers.ChoiceField(
            choices=HAND_SET_STATUSES, required=False, help_text="Sold follows the stock; it is never set by hand."
        )

    @extend_schema(tags=["items"], responses={200: ItemSerializer, **ERROR_RESPONSES})
    def get(self, request, item_id):
        return Response(ItemSerializer(_item_or_404(item_id), context=_item_context(request)).data)

    @extend_schema(
        tags=["items"], request=InputSerializer, responses={200: ItemSerializer, **ERROR_RESPONSES},
        description="Changes the fields sent; a change to anything the price depends on is audited.",
    )
    def patch(self, request, item_id):
        item = _item_or_404(item_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "category_id" in fields:
            fields["category"] = _existing(Category, fields.pop("category_id"), "category_id")
        if "branch_id" in fields:
            fields["branch"] = _existing(Branch, fields.pop("branch_id"), "branch_id", is_active=True)
        item_update(actor=request.user, item=item, **fields)
        return Response(ItemSerializer(_item_or_404(item.pk), context=_item_context(request)).data)


class ItemStockAdjustApi(ApiView):
    """Sets the counted quantity; the difference goes to the stock ledger and
    the audit log."""

    permission_classes = [require("accounts.manage_inventory")]

    class InputSerializer(serializers.Serializer):
        new_quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
        note = Text(max_length=2000, help_text="Why the count differs.")

    class OutputSerializer(serializers.Serializer):
        item_id = serializers.UUIDField()
        quantity = serializers.IntegerField()
        status = serializers.ChoiceField(choices=Item.Status.choices)
        movement_id = serializers.UUIDField(allow_null=True, help_text="Null when the count matched the stock.")
        quantity_delta = serializers.IntegerField()

    @extend_schema(tags=["items"], request=InputSerializer, responses={200: OutputSerializer, **ERROR_RESPONSES})
    def post(self, request, item_id):
        item = _item_or_404(item_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        movement = stock_adjust(actor=request.user, item=item, **data.validated_data)
        out = {
            "item_id": item.pk, "quantity": item.quantity, "status": item.status,
            "movement_id": movement.pk if movement else None, "quantity_delta": movement.quantity_delta if movement else 0,
        }
        return Response(self.OutputSerializer(out).data)


class ItemLowStockApi(ApiView):
    """Items to reorder: stock at or below the threshold, lowest first
    (one-of-a-kind pieces are never restocked, so they are left out)."""

    permission_classes = [require("accounts.view_reports")]
    pagination_class = Pagination

    class FilterSerializer(QueryFilters):
        threshold = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, required=False,
                                             help_text="Default: the shop's low-stock threshold (its settings).")

    @extend_schema(tags=["items"], parameters=[FilterSerializer], responses={200: ItemSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        threshold = filters.validated_data.get("threshold", request.tenant.low_stock_threshold)
        page = paginator.paginate_queryset(selectors.item_list_low_stock(threshold), request, view=self)
        return paginator.get_paginated_response(ItemSerializer(page, many=True, context=_item_context(request)).data)


# --------------------------------------------------------------------------
# categories
# --------------------------------------------------------------------------


class CategoryListCreateApi(ApiView):
    """Item categories, by name."""

    permission_classes = [require_to_write("accounts.manage_inventory")]
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        name = Text(max_length=120)
        parent_id = serializers.UUIDField(required=False, allow_null=True)

    class OutputSerializer(serializers.ModelSerializer):
        parent_id = serializers.UUIDField(allow_null=True)

        class Meta:
            model = Category
            fields = ["id", "name", "parent_id", "created_at", "updated_at"]

    @extend_schema(tags=["categories"], responses={200: OutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(Category.objects.order_by("name", "id"), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(tags=["categories"], request=InputSerializer, responses={201: OutputSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent_id = data.validated_data.get("parent_id")
        parent = _existing(Category, parent_id, "parent_id") if parent_id else None
        category = category_create(name=data.validated_data["name"], parent=parent)
        return Response(self.OutputSerializer(category).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------
# gold rates
# --------------------------------------------------------------------------


class FinenessRateSerializer(serializers.Serializer):
    fineness = serializers.IntegerField(min_value=1, max_value=1000)
    rate = _rate(min_value=0, help_text="Per gram at this fineness.")


class FinenessRateInputSerializer(serializers.Serializer):
    """A rate set by hand: as many digits as the rate board stores, above 0."""

    fineness = serializers.IntegerField(min_value=1, max_value=1000)
    rate = DecimalString(**RATE, min_value=Decimal("0.000001"), help_text="Per gram at this fineness.")


class GoldRateSerializer(serializers.ModelSerializer):
    """A row of the rate board. `explicit_rates` are the ones the shop set;
    `rates` are what each common fineness sells at under this row."""

    base_rate = DecimalString(max_digits=20, decimal_places=6, help_text="Per gram at base_fineness.")
    set_by = serializers.SerializerMethodField()
    explicit_rates = serializers.SerializerMethodField()
    rates = serializers.SerializerMethodField()

    class Meta:
        model = GoldRate
        fields = ["id", "effective_at", "base_rate", "base_fineness", "source", "set_by", "explicit_rates", "rates", "created_at"]

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_set_by(self, gold_rate):
        return gold_rate.set_by.email if gold_rate.set_by else None

    @extend_schema_field(FinenessRateSerializer(many=True))
    def get_explicit_rates(self, gold_rate):
        return FinenessRateSerializer([{"fineness": r.fineness, "rate": r.rate} for r in gold_rate.fineness_rates.all()], many=True).data

    @extend_schema_field(FinenessRateSerializer(many=True))
    def get_rates(self, gold_rate):
        rates = [{"fineness": f, "rate": selectors.gold_rate_for_fineness(gold_rate=gold_rate, fineness=f)} for f in SHOWN_FINENESSES]
        return FinenessRateSerializer(rates, many=True).data


def _gold_rates():
    return GoldRate.objects.select_related("set_by").prefetch_related("fineness_rates")


class GoldRateListCreateApi(ApiView):
    """The rate board's history, newest first; POST puts a new rate on it
    (effective now unless told otherwise). History is never rewritten."""

    permission_classes = [require_to_write("accounts.set_gold_rate")]
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        base_rate = DecimalString(**RATE, min_value=Decimal("0.000001"), help_text="Per gram at base_fineness; above 0.")
        base_fineness = serializers.IntegerField(min_value=1, max_value=1000, default=750)
        explicit_rates = UniqueList(child=FinenessRateInputSerializer(), required=False, max_length=20,
                                                help_text="Rates set by hand for some finenesses; they win over scaling.")
        effective_at = serializers.DateTimeField(required=False, help_text="Default: now.")

    @extend_schema(tags=["gold-rates"], responses={200: GoldRateSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_gold_rates().order_by("-effective_at", "-created_at"), request, view=self)
        return paginator.get_paginated_response(GoldRateSerializer(page, many=True).data)

    @extend_schema(tags=["gold-rates"], request=InputSerializer, responses={201: GoldRateSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        explicit = {}
        for index, entry in enumerate(values.get("explicit_rates", [])):
            if entry["fineness"] in explicit:
                raise serializers.ValidationError({"explicit_rates": {index: {"fineness": ["Given twice."]}}})
            explicit[entry["fineness"]] = entry["rate"]
        gold_rate = gold_rate_set(
            actor=request.user, base_rate=values["base_rate"], base_fineness=values["base_fineness"],
            explicit_rates=explicit, effective_at=values.get("effective_at"),
        )
        return Response(GoldRateSerializer(_gold_rates().get(pk=gold_rate.pk)).data, status=status.HTTP_201_CREATED)


class GoldRateCurrentApi(ApiView):
    """The rate in force now; 404 `no_gold_rate` before the first one is set."""

    @extend_schema(tags=["gold-rates"], responses={200: GoldRateSerializer, **ERROR_RESPONSES})
    def get(self, request):
        gold_rate = selectors.gold_rate_current()
        if gold_rate is None:
            raise ApplicationError("no_gold_rate", "No gold rate has been set yet.", status=404)
        return Response(GoldRateSerializer(_gold_rates().get(pk=gold_rate.pk)).data)
