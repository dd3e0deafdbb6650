"""
Building blocks every shop schema has: the outbox (background work that must
follow a committed write) and the audit log (who changed what, and how).
"""
import uuid

from django.conf import settings
from django.db import models


class ChangeNumberField(models.BigIntegerField):
    """Stamped by the zargar_stamp_change_number() trigger (core 0002) only. `db_default` makes Django leave the column
    to the database on insert and read the stamped value back (RETURNING)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("db_default", 0)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


class OutboxEvent(models.Model):
    """Written in the same transaction as the business change it reports; a
    relay hands it to Celery after commit. Consumers are idempotent by `id`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(published_at__isnull=True), name="core_outbox_unpublished"),
        ]

    def __str__(self):
        return f"{self.topic} {self.id}"


class AuditEntry(models.Model):
    """A sensitive action: void, override, rate or price change, stock adjustment."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, replayed to
    retries of the same request. Unique per caller and key."""

    id = models.BigAutoField(primary_key=True)
    owner = models.CharField(max_length=80, help_text="Who sent it, e.g. user:12.")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while the first request runs.")
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="core_idempotency_owner_key_unique")]

    def __str__(self):
        return f"{self.owner} {self.key}"
