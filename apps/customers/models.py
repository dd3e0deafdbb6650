"""Customers, their loyalty tier and the points ledger behind their balance."""
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

from apps.core.ids import ledger_id
from apps.core.models import ChangeNumberField


class LoyaltyTier(models.Model):
    """Reference data seeded by migration 0002; a customer climbs by lifetime points."""

    class Code(models.TextChoices):
        BRONZE = "bronze", "Bronze"
        SILVER = "silver", "Silver"
        GOLD = "gold", "Gold"
        PLATINUM = "platinum", "Platinum"

    # The code is the key so that customers can default to "bronze" without
    # a query, and rows read the same in every shop.
    code = models.CharField(max_length=16, primary_key=True, choices=Code.choices)
    name = models.CharField(max_length=60)
    threshold_points = models.PositiveIntegerField(unique=True, help_text="Lifetime points needed to reach this tier.")
    multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00"), help_text="Points earned are multiplied by this."
    )

    class Meta:
        ordering = ["threshold_points"]
        constraints = [
            models.CheckConstraint(condition=models.Q(multiplier__gt=0), name="customers_tier_multiplier_positive"),
        ]

    def __str__(self):
        return self.name


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(max_length=150)
    # normalize_search_text(full_name), written by the services; searched
    # with LIKE, so the index uses text_pattern_ops (see Meta).
    name_search = models.TextField(editable=False)
    # E.164, written by normalize_phone; the check keeps un-normalized
    # numbers (which would dodge the unique constraint) out.
    phone = models.CharField(max_length=16)
    email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    birthday = models.DateField(null=True, blank=True)
    tier = models.ForeignKey(
        LoyaltyTier, on_delete=models.PROTECT, default=LoyaltyTier.Code.BRONZE, related_name="customers"
    )
    # Both equal sums over the points ledger (see PointsEntry); kept here so
    # a balance is one row read.
    points_balance = models.IntegerField(default=0, editable=False)
    lifetime_points = models.IntegerField(default=0, editable=False)
    # Money the shop owes the customer, to spend at the counter: the sum of
    # StoreCreditEntry.amount, kept here by apps.customers.credit.
    credit_balance = models.DecimalField(max_digits=18, decimal_places=2, default=0, editable=False)
    # Deleted customers stay as tombstones so POS terminals learn of the deletion.
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Stamped from sync_change_seq by a trigger (migration 0003) on every
    # insert and update; db_default makes the INSERT return the stamped value.
    change_number = ChangeNumberField()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], name="customers_customer_phone_unique"),
            models.CheckConstraint(
                condition=models.Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"), name="customers_customer_phone_e164"
            ),
            models.CheckConstraint(
                condition=models.Q(points_balance__gte=0), name="customers_customer_points_balance_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(lifetime_points__gte=0), name="customers_customer_lifetime_points_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(credit_balance__gte=0), name="customers_customer_credit_balance_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["name_search"], opclasses=["text_pattern_ops"], name="customers_name_search_idx"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.phone})"


class PointsEntry(models.Model):
    """
    One change to a customer's points; never edited or deleted.

    points_balance is the sum of `points` over all entries; lifetime_points
    the sum over earn and reverse entries (points earned and not taken back).
    """

    class Reason(models.TextChoices):
        EARN = "earn", "Earned"
        REDEEM = "redeem", "Redeemed"
        REVERSE = "reverse", "Earning reversed"
        ADJUST = "adjust", "Adjusted"

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="points_entries")
    points = models.IntegerField()
    reason = models.CharField(max_length=8, choices=Reason.choices)
    reference = models.CharField(max_length=64, blank=True, help_text="What caused it, e.g. the sale id.")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "points entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(points=0), name="customers_points_non_zero"),
            models.CheckConstraint(
                condition=(
                    models.Q(reason="earn", points__gt=0)
                    | models.Q(reason__in=["redeem", "reverse"], points__lt=0)
                    | models.Q(reason="adjust")
                ),
                name="customers_points_sign_matches_reason",
            ),
            # A replayed earn (or reverse) for the same sale can never count twice.
            models.UniqueConstraint(
                fields=["reference", "reason"], condition=~models.Q(reference=""), name="customers_points_reference_reason_unique"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="customers_points_customer_idx")]

    def __str__(self):
        return f"{self.points:+d} {self.reason} {self.reference}".strip()


# The reasons that add to a balance and those that take from it (an
# adjustment does either); the sign check below and the writer use these.
CREDIT_REASONS = ("refund", "trade_in", "merge_in", "deposit")
DEBIT_REASONS = ("spend", "merge_out")


class StoreCreditEntry(models.Model):
    """
    One change to a customer's store credit (money); never edited or deleted.
    Customer.credit_balance is the sum of `amount` over the customer's entries.
    Written only by apps.customers.credit.store_credit_post.
    """

    class Reason(models.TextChoices):
        REFUND = "refund", "Return refunded as credit"
        TRADE_IN = "trade_in", "Old gold worth more than the purchase, kept as credit"
        SPEND = "spend", "Paid at the counter"
        ADJUST = "adjust", "Adjusted"
        MERGE_IN = "merge_in", "Moved in from a merged customer"
        MERGE_OUT = "merge_out", "Moved out to the kept customer"
        DEPOSIT = "deposit", "A workshop deposit kept as credit"

    CREDITS, DEBITS = CREDIT_REASONS, DEBIT_REASONS

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_entries")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    reason = models.CharField(max_length=9, choices=Reason.choices)
    reference = models.CharField(max_length=64, blank=True, help_text="What caused it: a sale, a return, a merge.")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "store credit entries"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(reason__in=list(CREDIT_REASONS), amount__gt=0)
                    | models.Q(reason__in=list(DEBIT_REASONS), amount__lt=0)
                    | (models.Q(reason="adjust") & ~models.Q(amount=0))
                ),
                name="customers_credit_sign_matches_reason",
            ),
            # A replayed sale, return or merge can never move credit twice.
            models.UniqueConstraint(
                fields=["reference", "reason"], condition=~models.Q(reference=""), name="customers_credit_reference_reason_unique"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="customers_credit_customer_idx")]

    def __str__(self):
        return f"{self.amount:+} {self.reason} {self.reference}".strip()
