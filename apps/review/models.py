"""The review queue: what a manager must look at and resolve with a note.

Items are opened by the POS push (conflicts of applied offline operations,
rejected operations) and by background jobs (stock reconciliation, loyalty),
always through apps.review.services. The table is the one pos_sync created
(`pos_sync_reviewitem`): the model moved apps, its rows did not.
"""
from django.conf import settings
from django.db import models

from apps.core.ids import ledger_id


class ReviewItem(models.Model):
    """Something a manager must look at: a conflict of an applied offline
    operation (oversold, price mismatch, stale) or a rejected operation."""

    class Kind(models.TextChoices):
        OVERSOLD = "oversold", "Oversold"
        PRICE_MISMATCH = "price_mismatch", "Price mismatch"
        STALE = "stale", "Stale (older than the offline limit)"
        UNKNOWN_CUSTOMER = "unknown_customer", "Unknown customer"
        REJECTED = "rejected", "Rejected operation"
        # Opened by background jobs (apps.inventory.reconciliation, apps.sales.loyalty).
        STOCK_DRIFT = "stock_drift", "Stock differs from its ledger"
        POINTS_UNREVERSED = "points_unreversed", "Points could not be taken back"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Resolution(models.TextChoices):
        """What the manager did: wrote a note, or fixed the cause (the fixes
        live above review, in apps.sales.review_fixes)."""
        NOTE = "note", "Note"
        STOCK_COUNTED = "stock_counted", "Stock counted"
        PRICE_ACCEPTED = "price_accepted", "Price accepted"
        SALE_VOIDED = "sale_voided", "Sale voided"

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Foreign keys by name only: the apps above review point down at it, never the reverse.
    operation = models.ForeignKey("pos_sync.Operation", null=True, blank=True, on_delete=models.PROTECT, related_name="review_items")
    device = models.ForeignKey("pos_sync.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sale = models.ForeignKey("sales.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="review_items")
    item = models.ForeignKey("inventory.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution_note = models.TextField(blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True, default="")

    class Meta:
        # Kept from when the model lived in pos_sync: shops are cloned from a
        # template schema, and the table, index and constraint keep their names.
        db_table = "pos_sync_reviewitem"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="pos_sync_review_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_at__isnull=True) | models.Q(status="resolved", resolved_at__isnull=False),
                name="pos_sync_review_resolution_consistent",
            )
        ]

    def __str__(self):
        return f"{self.kind} ({self.status})"
