"""A shop's branches and the POS terminals at their counters."""
import uuid

from django.db import models
from django.db.models.functions import Lower


class Branch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=8, unique=True, help_text="Short code used in receipt prefixes, e.g. B1.")
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "branches"
        constraints = [models.UniqueConstraint(Lower("name"), name="branches_branch_name_ci_unique")]

    def __str__(self):
        return self.name


class Terminal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="terminals")
    name = models.CharField(max_length=120)
    number = models.PositiveIntegerField(help_text="Per branch, used in receipt prefixes, e.g. T2.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["branch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "number"], name="branches_terminal_number_unique"),
            models.UniqueConstraint("branch", Lower("name"), name="branches_terminal_name_ci_unique"),
        ]

    def __str__(self):
        return f"{self.branch.name} / {self.name}"

    @property
    def receipt_prefix(self) -> str:
        return f"{self.branch.code}T{self.number}"
