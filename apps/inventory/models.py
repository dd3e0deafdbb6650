"""
A shop's stock: categories, items (gold pieces and fixed-price goods), the
gold rate board with its history, and the stock ledger every quantity change
is written to.

Item and Category carry a `change_number` stamped by a database trigger from
the shop's `sync_change_seq` on every insert and update (migration 0002), so
POS pull cursors see every change, ORM or raw SQL alike.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper

from apps.core.ids import ledger_id
from apps.core.models import ChangeNumberField

WEIGHT = {"max_digits": 10, "decimal_places": 3}
MONEY = {"max_digits": 18, "decimal_places": 2}
# Rates keep more places than money: only money components are quantized.
RATE = {"max_digits": 20, "decimal_places": 6}




class MakingMode(models.TextChoices):
    PERCENT = "percent", "Percent of gold value"
    PER_GRAM = "per_gram", "Amount per gram"
    FIXED = "fixed", "Fixed amount"


class PricingMode(models.TextChoices):
    GOLD_RATE = "gold_rate", "By gold rate"
    FIXED = "fixed", "Fixed price"


class ItemStatus(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    SOLD = "sold", "Sold"
    RESERVED = "reserved", "Reserved"
    IN_TRANSIT = "in_transit", "In transit"
    ON_MEMO = "on_memo", "On memo"
    IN_REPAIR = "in_repair", "In repair"


class MovementReason(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    SALE = "sale", "Sale"
    RETURN = "return", "Return"
    VOID = "void", "Void"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"
    SYNC = "sync", "Sync"


class Category(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    change_number = ChangeNumberField()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="inventory_category_name_ci_unique"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="inventory_category_not_own_parent"),
        ]

    def __str__(self):
        return self.name


class Item(models.Model):
    MakingMode = MakingMode
    PricingMode = PricingMode
    Status = ItemStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=64, unique=True)
    # NULL when absent; blank strings are stored as NULL by the services.
    barcode = models.CharField(max_length=64, null=True, blank=True, unique=True)
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    # Indexed by (branch, status) below, which also serves branch lookups.
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="items", db_index=False)

    fineness = models.PositiveSmallIntegerField(help_text="Parts per thousand: 18k = 750.")
    gross_weight = models.DecimalField(**WEIGHT)
    stone_weight = models.DecimalField(**WEIGHT, default=0)
    net_weight = models.DecimalField(**WEIGHT, editable=False)

    making_mode = models.CharField(max_length=8, choices=MakingMode.choices, default=MakingMode.PERCENT)
    making_value = models.DecimalField(**MONEY, default=0)
    stone_value = models.DecimalField(**MONEY, default=0)
    pricing_mode = models.CharField(max_length=9, choices=PricingMode.choices, default=PricingMode.GOLD_RATE)
    fixed_price = models.DecimalField(**MONEY, null=True, blank=True, help_text="Pre-tax; only for fixed pricing.")
    cost = models.DecimalField(**MONEY, default=0)

    # No lower bound on purpose: an offline sale is a fact even when it
    # oversells, and the ledger must be able to say so.
    quantity = models.IntegerField(default=0, editable=False)
    is_unique_piece = models.BooleanField(default=False, help_text="One of a kind: quantity 0 or 1.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_STOCK)
    is_deleted = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    change_number = ChangeNumberField()

    class Meta:
        ordering = ["sku"]
        indexes = [
            models.Index(fields=["branch", "status"], name="inventory_item_branch_status"),
            # A scanned or typed SKU in any case (`item_by_code`), without reading every item.
            models.Index(Upper("sku"), name="inventory_item_sku_upper"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fineness__gte=1, fineness__lte=1000), name="inventory_item_fineness_range"),
            models.CheckConstraint(condition=Q(gross_weight__gte=0, stone_weight__gte=0), name="inventory_item_weights_non_negative"),
            models.CheckConstraint(condition=Q(net_weight=F("gross_weight") - F("stone_weight")), name="inventory_item_net_weight"),
            models.CheckConstraint(condition=Q(net_weight__gte=0), name="inventory_item_net_weight_non_negative"),
            models.CheckConstraint(
                condition=Q(making_value__gte=0, stone_value__gte=0, cost__gte=0), name="inventory_item_amounts_non_negative"
            ),
            models.CheckConstraint(condition=Q(making_mode__in=MakingMode.values), name="inventory_item_making_mode_valid"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="inventory_item_status_valid"),
            models.CheckConstraint(
                condition=Q(pricing_mode=PricingMode.GOLD_RATE, fixed_price__isnull=True)
                | Q(pricing_mode=PricingMode.FIXED, fixed_price__isnull=False, fixed_price__gte=0),
                name="inventory_item_fixed_price_iff_fixed",
            ),
            models.CheckConstraint(condition=~Q(barcode=""), name="inventory_item_barcode_not_blank"),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"


class GoldRate(models.Model):
    """One row of the rate board; the current rate is the latest one whose
    `effective_at` has passed. Rows are never changed: history is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    effective_at = models.DateTimeField()
    base_rate = models.DecimalField(**RATE, help_text="Per gram of base fineness.")
    base_fineness = models.PositiveSmallIntegerField(default=750)
    source = models.CharField(max_length=32, default="manual")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Stamped so POS terminals pull new rates by cursor.
    change_number = ChangeNumberField()

    class Meta:
        ordering = ["-effective_at", "-created_at"]
        indexes = [models.Index(fields=["-effective_at", "-created_at"], name="inventory_goldrate_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(base_rate__gt=0), name="inventory_goldrate_rate_positive"),
            models.CheckConstraint(
                condition=Q(base_fineness__gte=1, base_fineness__lte=1000), name="inventory_goldrate_fineness_range"
            ),
        ]

    def __str__(self):
        return f"{self.base_rate} @ {self.base_fineness} from {self.effective_at:%Y-%m-%d %H:%M}"


class GoldRateFineness(models.Model):
    """A rate the shop set explicitly for one fineness; it wins over scaling."""

    id = models.BigAutoField(primary_key=True)
    gold_rate = models.ForeignKey(GoldRate, on_delete=models.CASCADE, related_name="fineness_rates")
    fineness = models.PositiveSmallIntegerField()
    rate = models.DecimalField(**RATE)

    class Meta:
        ordering = ["fineness"]
        verbose_name_plural = "gold rate finenesses"
        constraints = [
            models.UniqueConstraint(fields=["gold_rate", "fineness"], name="inventory_goldratefineness_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="inventory_goldratefineness_rate_positive"),
            models.CheckConstraint(condition=Q(fineness__gte=1, fineness__lte=1000), name="inventory_goldratefineness_range"),
        ]

    def __str__(self):
        return f"{self.fineness}: {self.rate}"


class StockMovement(models.Model):
    """The stock ledger: an item's quantity is the sum of its rows."""

    Reason = MovementReason

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    quantity_delta = models.IntegerField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    reference = models.CharField(max_length=64, blank=True, help_text="e.g. the sale id.")
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["item", "created_at"], name="inventory_movement_item_time")]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity_delta=0), name="inventory_movement_delta_non_zero"),
            models.CheckConstraint(condition=Q(reason__in=MovementReason.values), name="inventory_movement_reason_valid"),
        ]

    def __str__(self):
        return f"{self.item_id} {self.quantity_delta:+d} ({self.reason})"
