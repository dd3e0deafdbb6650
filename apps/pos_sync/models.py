"""POS devices: how a terminal enrols, authenticates and is revoked."""
import uuid

from django.conf import settings
from django.db import models

from apps.core.ids import ledger_id


class EnrollmentCode(models.Model):
    """A one-time code a manager hands to a terminal. Only its hash is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    terminal = models.ForeignKey("branches.Terminal", on_delete=models.CASCADE, related_name="enrollment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class Device(models.Model):
    """An enrolled POS terminal app. Its token is a random secret; only the
    SHA-256 of it is stored (the secret has 256 bits, so no slow hash is needed)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    terminal = models.ForeignKey("branches.Terminal", on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=200, blank=True)
    app_version = models.CharField(max_length=40, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Written in the same transaction as each applied operation's effects.
    last_applied_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["terminal"], condition=models.Q(revoked_at__isnull=True), name="pos_sync_one_active_device_per_terminal"),
            models.CheckConstraint(condition=models.Q(last_applied_seq__gte=0), name="pos_sync_device_seq_non_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.terminal})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Operation(models.Model):
    """Every operation a device pushed that consumed a sequence number
    (applied or rejected), with the result it got: a replay answers with it."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="operations")
    seq = models.BigIntegerField()
    op_id = models.UUIDField(unique=True)
    type = models.CharField(max_length=32)
    payload = models.JSONField()
    payload_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices)
    result = models.JSONField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "seq"], name="pos_sync_operation_device_seq_unique")]
        indexes = [models.Index(fields=["received_at"], name="pos_sync_operation_received")]

    def __str__(self):
        return f"{self.device_id} #{self.seq} {self.type} {self.status}"
