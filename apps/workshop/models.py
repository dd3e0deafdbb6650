"""
The workshop: repairs taken in at the counter, worked on by a craftsman and
collected (or given back unrepaired, or cancelled).

A ticket keeps its estimate (the sum of its service lines) and its deposit
balance (the sum of its deposits, refunds negative) in columns for the
board; the rows behind them are never edited or deleted. Gold the work adds
or takes away is kept in fine grams with the rate and value of its day.
Every write is in `apps.workshop.services`; the invariants that must hold
whoever writes are constraints here.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.ids import ledger_id

MONEY = {"max_digits": 18, "decimal_places": 2}
WEIGHT = {"max_digits": 10, "decimal_places": 3}
RATE = {"max_digits": 18, "decimal_places": 4}
TICKET_LABEL_DIGITS = 6


class ServiceKind(models.TextChoices):
    SIZING = "sizing", "Sizing"
    SOLDERING = "soldering", "Soldering"
    POLISHING = "polishing", "Polishing"
    STONE_SETTING = "stone_setting", "Stone setting"
    ENGRAVING = "engraving", "Engraving"
    PLATING = "plating", "Plating"


class RepairPrice(models.Model):
    """The shop's price list: what each service costs unless the ticket says
    otherwise (a row per kind, seeded at 0 by migration 0002)."""

    kind = models.CharField(max_length=16, choices=ServiceKind.choices, primary_key=True)
    price = models.DecimalField(**MONEY, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="workshop_repairprice_price_non_negative")]


class Craftsman(models.Model):
    """Who does the work at the bench (staff or an outside goldsmith)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "craftsmen"

    def __str__(self):
        return self.name


class TicketCounter(models.Model):
    """The last repair ticket number of a branch (one UPSERT, as invoices)."""

    branch = models.OneToOneField("branches.Branch", primary_key=True, on_delete=models.PROTECT, related_name="+")
    last_number = models.BigIntegerField(default=0)


def document_label(branch_code: str, kind: str, number: int) -> str:
    """A workshop document as printed and scanned: a ticket "B1-W-000042" (kind W), an appraisal "B1-A-000007" (kind A)."""
    return f"{branch_code}-{kind}-{number:0{TICKET_LABEL_DIGITS}d}"


class RepairStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_WORK = "in_work", "In work"
    READY = "ready", "Ready"
    COLLECTED = "collected", "Collected"
    RETURNED = "returned", "Returned unrepaired"
    CANCELLED = "cancelled", "Cancelled"


# Where a ticket may go from each status; collected only through pickup.
REPAIR_MOVES = {
    RepairStatus.RECEIVED: {RepairStatus.IN_WORK, RepairStatus.RETURNED, RepairStatus.CANCELLED},
    RepairStatus.IN_WORK: {RepairStatus.READY, RepairStatus.RETURNED, RepairStatus.CANCELLED},
    RepairStatus.READY: {RepairStatus.IN_WORK, RepairStatus.COLLECTED, RepairStatus.RETURNED, RepairStatus.CANCELLED},
}
OPEN_STATUSES = tuple(REPAIR_MOVES)


class RepairTicket(models.Model):
    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="repair_tickets")
    number = models.BigIntegerField()
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="repair_tickets")
    description = models.CharField(max_length=255, help_text="The piece as taken in: what it is, its marks and state.")
    gross_weight = models.DecimalField(**WEIGHT, help_text="Grams, weighed at intake.")
    fineness = models.PositiveSmallIntegerField(help_text="Parts per thousand, as taken in.")
    estimate = models.DecimalField(**MONEY, default=0, help_text="The sum of the service lines.")
    deposit_balance = models.DecimalField(**MONEY, default=0, help_text="Deposits taken less refunded.")
    promised_on = models.DateField()
    craftsman = models.ForeignKey(Craftsman, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(max_length=10, choices=RepairStatus.choices, default=RepairStatus.RECEIVED)
    note = models.TextField(blank=True)
    sale = models.OneToOneField("sales.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="repair_ticket",
                                help_text="The invoice of the pickup.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["promised_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "number"], name="workshop_ticket_number_unique"),
            models.CheckConstraint(condition=Q(gross_weight__gt=0), name="workshop_ticket_weight_positive"),
            models.CheckConstraint(condition=Q(fineness__gte=1, fineness__lte=1000), name="workshop_ticket_fineness_range"),
            models.CheckConstraint(condition=Q(estimate__gte=0), name="workshop_ticket_estimate_non_negative"),
            models.CheckConstraint(condition=Q(deposit_balance__gte=0, deposit_balance__lte=F("estimate")),
                                   name="workshop_ticket_deposit_within_estimate"),
            models.CheckConstraint(condition=Q(status__in=RepairStatus.values), name="workshop_ticket_status_known"),
            models.CheckConstraint(condition=Q(status="collected", sale__isnull=False) | (~Q(status="collected") & Q(sale__isnull=True)),
                                   name="workshop_ticket_collected_has_invoice"),
        ]
        indexes = [models.Index(fields=["status", "promised_on"], name="workshop_ticket_board")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """Reads `branch` (select_related it in lists)."""
        return document_label(self.branch.code, "W", self.number)


class RepairLine(models.Model):
    """A service asked for, at the price agreed at intake."""

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    ticket = models.ForeignKey(RepairTicket, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=16, choices=ServiceKind.choices)
    note = models.CharField(max_length=255, blank=True, help_text='e.g. "from size 52 to 56".')
    price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["ticket", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="workshop_line_price_non_negative")]


class RepairStatusChange(models.Model):
    """Who moved a ticket, when, from where to where; never edited."""

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    ticket = models.ForeignKey(RepairTicket, on_delete=models.PROTECT, related_name="changes")
    from_status = models.CharField(max_length=10, choices=RepairStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=RepairStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ticket", "at", "id"]


class DepositMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    STORE_CREDIT = "store_credit", "Store credit"


class RepairDeposit(models.Model):
    """Money taken on a ticket before pickup (positive), or given back on
    cancellation (negative): a real payment, in the counter's methods. A
    deposit kept as store credit is a negative row of method store_credit."""

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    ticket = models.ForeignKey(RepairTicket, on_delete=models.PROTECT, related_name="deposits")
    method = models.CharField(max_length=16, choices=DepositMethod.choices)
    amount = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=120, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ticket", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="workshop_deposit_not_zero")]


class RepairMetal(models.Model):
    """Gold the work added to the piece (positive grams) or took from it
    (negative), priced at the board rate of the day it was recorded."""

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    ticket = models.ForeignKey(RepairTicket, on_delete=models.PROTECT, related_name="metal")
    weight = models.DecimalField(**WEIGHT, help_text="Grams: added positive, removed negative.")
    fineness = models.PositiveSmallIntegerField()
    fine_weight = models.DecimalField(**WEIGHT, help_text="weight x fineness / 1000, rounded to the milligram.")
    gold_rate = models.ForeignKey("inventory.GoldRate", on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(**RATE, help_text="Per gram at the fineness, from the board.")
    value = models.DecimalField(**MONEY, help_text="weight x rate in the shop's currency: what the customer pays (or is credited).")
    note = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ticket", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(weight=0), name="workshop_metal_weight_not_zero"),
            models.CheckConstraint(condition=Q(fineness__gte=1, fineness__lte=1000), name="workshop_metal_fineness_range"),
        ]


class AppraisalCounter(models.Model):
    """The last appraisal number of a branch (one UPSERT, as tickets)."""

    branch = models.OneToOneField("branches.Branch", primary_key=True, on_delete=models.PROTECT, related_name="+")
    last_number = models.BigIntegerField(default=0)


class Appraisal(models.Model):
    """A valuation of a customer's piece for insurance or sale, at the
    board's rate of its day: the gold on its net weight, the stones at the
    appraiser's estimate. Never edited: a new valuation is a new document."""

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="appraisals")
    number = models.BigIntegerField()
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="appraisals")
    description = models.CharField(max_length=255)
    gross_weight = models.DecimalField(**WEIGHT)
    stone_weight = models.DecimalField(**WEIGHT, default=0)
    net_weight = models.DecimalField(**WEIGHT)
    fineness = models.PositiveSmallIntegerField()
    stones = models.CharField(max_length=255, blank=True, help_text='e.g. "one diamond 0.30 ct, two rubies".')
    stone_value = models.DecimalField(**MONEY, default=0)
    gold_rate = models.ForeignKey("inventory.GoldRate", on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(**RATE, help_text="Per gram at the fineness, from the board.")
    gold_value = models.DecimalField(**MONEY)
    value = models.DecimalField(**MONEY, help_text="gold_value + stone_value.")
    note = models.TextField(blank=True)
    appraiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "number"], name="workshop_appraisal_number_unique"),
            models.CheckConstraint(condition=Q(gross_weight__gt=0, stone_weight__gte=0, net_weight__gte=0),
                                   name="workshop_appraisal_weights"),
            models.CheckConstraint(condition=Q(value=F("gold_value") + F("stone_value")), name="workshop_appraisal_value_is_sum"),
        ]

    @property
    def label(self) -> str:
        """"B1-A-000042"; reads `branch`."""
        return document_label(self.branch.code, "A", self.number)
