"""
Building blocks every shop schema has: the outbox (background work that must
follow a committed write) and the audit log (who changed what, and how).
"""

from django.conf import settings
from django.db import models

from apps.core.ids import ledger_id


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

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
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


# --------------------------------------------------------------------------
# Background work (apps.core.outbox, apps.core.consumers, apps.core.tasks)
# --------------------------------------------------------------------------


class ProcessedEvent(models.Model):
    """An outbox event a consumer has applied. Inserted in the same
    transaction as the consumer's effect, so a redelivered event finds its
    row and does nothing; a consumer that died mid-way left no row."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField()
    consumer = models.CharField(max_length=64)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "consumer"], name="core_processedevent_event_consumer_unique")]

    def __str__(self):
        return f"{self.consumer} {self.event_id}"


class DeadLetter(models.Model):
    """A task that still failed after its last retry. Kept in the public
    schema (written there whichever shop the task ran for) so operators see
    every shop's in one place, and can run it again (`deadletter_retry`)."""

    id = models.BigAutoField(primary_key=True)
    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    schema_name = models.CharField(max_length=63, help_text="The shop schema the task ran in (public: platform-wide).")
    exception = models.TextField()
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1, help_text="Runs so far, retries and operator re-runs included.")
    created_at = models.DateTimeField(auto_now_add=True)
    failed_at = models.DateTimeField(help_text="The last failure.")
    retried_at = models.DateTimeField(null=True, blank=True, help_text="When an operator last sent it again.")
    resolved = models.BooleanField(default=False, help_text="A re-run succeeded (or an operator closed it).")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failed_at", "-id"]
        indexes = [models.Index(fields=["resolved", "-failed_at"], name="core_deadletter_open")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved=False, resolved_at__isnull=True) | models.Q(resolved=True, resolved_at__isnull=False),
                name="core_deadletter_resolution_consistent",
            ),
            models.CheckConstraint(condition=models.Q(attempts__gte=1), name="core_deadletter_attempts_positive"),
        ]

    def __str__(self):
        return f"{self.task_name} in {self.schema_name} ({'resolved' if self.resolved else 'open'})"


class JobRun(models.Model):
    """One run of a periodic job in a shop (stock reconciliation, review
    notification, retention, gold-rate import): when, whether it worked, and
    what it found. The latest row of a job is what operators look at."""

    class Job(models.TextChoices):
        STOCK_RECONCILIATION = "stock_reconciliation", "Stock reconciliation"
        REVIEW_NOTIFICATION = "review_notification", "Review notification"
        RETENTION = "retention", "Retention clean-up"
        GOLD_RATE_IMPORT = "gold_rate_import", "Gold-rate import"
        DAILY_SALES_REBUILD = "daily_sales_rebuild", "Daily sales rebuild"

    id = models.BigAutoField(primary_key=True)
    job = models.CharField(max_length=32, choices=Job.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField(default=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="core_jobrun_job_latest")]
        constraints = [models.CheckConstraint(condition=models.Q(finished_at__gte=models.F("started_at")), name="core_jobrun_finished_after_start")]

    def __str__(self):
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} ({'ok' if self.ok else 'failed'})"
