"""
Sales at the counter and from POS terminals: the invoice with every price
component frozen, its lines, payments, old gold taken in, returns and voids.

A sale's rows are written by one function, `apps.sales.recording.sales_record`
(set-wise, with COPY), for the counter, the staff API and the POS push alike;
voids and returns by `apps.sales.reversals`. No save() overrides and no signals
here. The invariants that must hold whoever writes are
CHECK and UNIQUE constraints in the database.
"""
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q

from apps.core.ids import ledger_id

MONEY = {"max_digits": 18, "decimal_places": 2}
WEIGHT = {"max_digits": 10, "decimal_places": 3}
# The per-gram rate used on a line; pricing quantizes the board rate to this
# before computing, so the frozen rate reproduces the frozen gold value.
RATE = {"max_digits": 18, "decimal_places": 4}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class InvoiceCounter(models.Model):
    """The last invoice number handed out in a branch. Numbers come from one
    UPSERT that keeps this row locked until the transaction ends, so they are
    gapless: a rolled-back sale gives its number back."""

    branch = models.OneToOneField("branches.Branch", primary_key=True, on_delete=models.PROTECT, related_name="+")
    last_number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(last_number__gte=0), name="sales_invoicecounter_non_negative"),
        ]

    def __str__(self):
        return f"{self.branch_id}: {self.last_number}"


class ReturnCounter(models.Model):
    """The last return number handed out in a branch: returns are documents
    with their own gapless numbers ("B1-R-000001"), allocated like invoice
    numbers by one UPSERT that holds the row until the transaction ends."""

    branch = models.OneToOneField("branches.Branch", primary_key=True, on_delete=models.PROTECT, related_name="+")
    last_number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(last_number__gte=0), name="sales_returncounter_non_negative"),
        ]

    def __str__(self):
        return f"{self.branch_id}: R{self.last_number}"


class SaleSource(models.TextChoices):
    WEB = "web", "Counter (online)"
    OFFLINE = "offline", "POS (offline sync)"
    API = "api", "API"
    WORKSHOP = "workshop", "Workshop (work collected)"


class SaleStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    VOIDED = "voided", "Voided"
    RETURNED = "returned", "Returned"
    PARTIALLY_RETURNED = "partially_returned", "Partially returned"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    OLD_GOLD = "old_gold", "Old gold credit"
    STORE_CREDIT = "store_credit", "Store credit"
    EXCHANGE = "exchange", "Exchange credit"  # the refund of the return this sale was exchanged for
    DEPOSIT = "deposit", "Deposit"  # paid on a workshop job before it was collected


class RefundMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    STORE_CREDIT = "store_credit", "Store credit"
    EXCHANGE = "exchange", "Exchange"  # paid for the sale it was exchanged for


class PayoutMethod(models.TextChoices):
    """How the shop settles old gold worth more than the purchase."""

    CASH = "cash", "Cash"
    STORE_CREDIT = "store_credit", "Store credit"


# What a cashier or a terminal enters as a payment; old gold is credited from
# the trade-ins and an exchange's refund from its return, never entered.
ENTERED_PAYMENT_METHODS = tuple(m for m in PaymentMethod.values
                                if m not in (PaymentMethod.OLD_GOLD, PaymentMethod.EXCHANGE, PaymentMethod.DEPOSIT))

INVOICE_LABEL_DIGITS = 6
_INVOICE_LABEL = re.compile(r"^\s*([A-Za-z0-9]{1,16})\s*[-‐-―−_ /]\s*0*(\d{1,18})\s*$")


def invoice_label(branch_code: str, invoice_number: int) -> str:
    """What an invoice is called on paper, on screen and in a terminal's
    receipt: the branch code and the number, zero-padded ("B1-000042")."""
    return f"{branch_code}-{invoice_number:0{INVOICE_LABEL_DIGITS}d}"


def return_label(branch_code: str, number: int) -> str:
    """What a return document is called ("B1-R-000001")."""
    return f"{branch_code}-R-{number:0{INVOICE_LABEL_DIGITS}d}"


def invoice_label_parse(text: str) -> tuple[str, int] | None:
    """(branch code, number) from a typed label, however it was typed
    ("B1-000042", "b1-42", "B1 42"); None when it is not one. Digits must
    already be Latin (normalize Persian digits first)."""
    match = _INVOICE_LABEL.match(text or "")
    if not match:
        return None
    return match.group(1).upper(), int(match.group(2))


class Sale(models.Model):
    Source = SaleSource
    Status = SaleStatus

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="sales", db_index=False)
    terminal = models.ForeignKey("branches.Terminal", null=True, blank=True, on_delete=models.PROTECT, related_name="sales")
    device = models.ForeignKey("pos_sync.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="sales")
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="sales"
    )
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="sales")

    invoice_number = models.BigIntegerField(help_text="Gapless per branch.")
    receipt_number = models.CharField(max_length=40, blank=True, db_index=True, help_text="The terminal's own number.")
    client_sale_id = models.UUIDField(null=True, blank=True, unique=True, help_text="Chosen by the POS; makes a replay a no-op.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    status = models.CharField(max_length=18, choices=Status.choices, default=Status.COMPLETED)

    occurred_at = models.DateTimeField(help_text="When the sale happened (the terminal's clock for offline sales).")
    received_at = models.DateTimeField(help_text="When the server recorded it.")
    currency = models.CharField(max_length=3)

    gold_total = models.DecimalField(**MONEY)
    making_total = models.DecimalField(**MONEY)
    profit_total = models.DecimalField(**MONEY)
    stones_total = models.DecimalField(**MONEY)
    fixed_total = models.DecimalField(**MONEY)
    discount_total = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    subtotal = models.DecimalField(**MONEY, help_text="Sum of the line totals, before invoice rounding.")
    rounding = models.DecimalField(**MONEY, help_text="total - subtotal, from the shop's rounding rule.")
    total = models.DecimalField(**MONEY)
    paid_total = models.DecimalField(**MONEY)
    # Old gold worth more than the purchase: what the shop paid back (paid_total - payout_total = total).
    payout_total = models.DecimalField(**MONEY, default=0)
    payout_method = models.CharField(max_length=12, blank=True, choices=PayoutMethod.choices)

    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    void_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-invoice_number"]
        indexes = [
            # Branch lists and date filters; also serves the branch FK.
            models.Index(fields=["branch", "-occurred_at"], name="sales_sale_branch_time"),
            models.Index(fields=["-occurred_at"], name="sales_sale_time"),
            models.Index(fields=["status", "-occurred_at"], name="sales_sale_status_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["branch", "invoice_number"], name="sales_sale_branch_invoice_unique"),
            models.CheckConstraint(condition=Q(invoice_number__gte=1), name="sales_sale_invoice_number_positive"),
            models.CheckConstraint(condition=Q(source__in=SaleSource.values), name="sales_sale_source_valid"),
            models.CheckConstraint(condition=Q(status__in=SaleStatus.values), name="sales_sale_status_valid"),
            models.CheckConstraint(condition=Q(total=F("subtotal") + F("rounding")), name="sales_sale_total_is_subtotal_plus_rounding"),
            models.CheckConstraint(condition=Q(paid_total=F("total") + F("payout_total")), name="sales_sale_paid_in_full"),
            models.CheckConstraint(
                condition=(Q(payout_total=0) & Q(payout_method="")) | (Q(payout_total__gt=0) & Q(payout_method__in=PayoutMethod.values)),
                name="sales_sale_payout_has_method",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="sales_sale_total_non_negative"),
            models.CheckConstraint(
                condition=Q(
                    subtotal=F("gold_total") + F("making_total") + F("profit_total") + F("stones_total")
                    + F("fixed_total") + F("tax_total") - F("discount_total")
                ),
                name="sales_sale_subtotal_is_sum_of_components",
            ),
            models.CheckConstraint(
                condition=Q(status=SaleStatus.VOIDED, voided_at__isnull=False)
                | (~Q(status=SaleStatus.VOIDED) & Q(voided_at__isnull=True)),
                name="sales_sale_voided_iff_voided_at",
            ),
        ]

    def __str__(self):
        return f"#{self.invoice_number} ({self.status})"

    @property
    def invoice_label(self) -> str:
        """The printed label; reads `branch` (select_related it in lists)."""
        return invoice_label(self.branch.code, self.invoice_number)


class SaleLine(models.Model):
    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    # None on a line of work done (a repair's labour, gold added to a
    # customer's piece: apps.sales.work): it moves no stock.
    item = models.ForeignKey("inventory.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="sale_lines")
    quantity = models.PositiveIntegerField()
    description = models.CharField(max_length=255, blank=True)

    # What the price was computed from, frozen.
    fineness = models.PositiveSmallIntegerField()
    net_weight = models.DecimalField(**WEIGHT, help_text="Per piece.")
    gold_rate = models.ForeignKey("inventory.GoldRate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(**RATE, help_text="Per gram at the line's fineness, as used (0 for fixed-price items).")
    making_mode = models.CharField(max_length=8, blank=True, help_text="Blank for fixed-price items.")
    making_value = models.DecimalField(**MONEY)

    # Components for the whole line (all pieces); total = their sum - discount.
    gold = models.DecimalField(**MONEY)
    making = models.DecimalField(**MONEY)
    profit = models.DecimalField(**MONEY)
    stones = models.DecimalField(**MONEY)
    fixed = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY)
    unit_price = models.DecimalField(**MONEY, help_text="One piece, tax included, before discount.")

    returned_quantity = models.PositiveIntegerField(default=0)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    override = models.JSONField(
        null=True, blank=True, encoder=DjangoJSONEncoder,
        help_text='What was changed by hand: {"rate": {"from", "to"}, "making_value": {...}, "discount_percent": ...}.',
    )

    class Meta:
        ordering = ["sale", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "line_no"], name="sales_saleline_sale_line_no_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_saleline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0, returned_quantity__lte=F("quantity")),
                name="sales_saleline_returned_within_sold",
            ),
            models.CheckConstraint(
                condition=Q(total=F("gold") + F("making") + F("profit") + F("stones") + F("fixed") + F("tax") - F("discount")),
                name="sales_saleline_total_is_sum_of_components",
            ),
            models.CheckConstraint(
                condition=Q(gold__gte=0, making__gte=0, profit__gte=0, stones__gte=0, fixed__gte=0, tax__gte=0, discount__gte=0),
                name="sales_saleline_components_non_negative",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="sales_saleline_total_non_negative"),
            models.CheckConstraint(
                condition=Q(override__isnull=True) | Q(override_by__isnull=False),
                name="sales_saleline_override_has_author",
            ),
        ]

    def __str__(self):
        return f"{self.sale_id} #{self.line_no}"


class TradeIn(models.Model):
    """Old gold taken in, valued on its pure content (PRICING.md vector 5)
    and credited to the sale as an old_gold payment."""

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="trade_ins")
    description = models.CharField(max_length=255, blank=True)
    weight = models.DecimalField(**WEIGHT)
    fineness = models.PositiveSmallIntegerField()
    pure_weight = models.DecimalField(**WEIGHT)
    pure_rate = models.DecimalField(**RATE, help_text="Per gram of fineness 1000.")
    deduction_percent = models.DecimalField(**PERCENT, default=0)
    gross_value = models.DecimalField(**MONEY)
    deduction = models.DecimalField(**MONEY)
    value = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["sale", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="sales_tradein_weight_positive"),
            models.CheckConstraint(condition=Q(fineness__gte=1, fineness__lte=1000), name="sales_tradein_fineness_range"),
            models.CheckConstraint(
                condition=Q(deduction_percent__gte=0, deduction_percent__lte=100), name="sales_tradein_deduction_range"
            ),
            models.CheckConstraint(condition=Q(value=F("gross_value") - F("deduction")), name="sales_tradein_value"),
            models.CheckConstraint(condition=Q(value__gt=0), name="sales_tradein_value_positive"),
        ]

    def __str__(self):
        return f"{self.weight} g @ {self.fineness}"


class Payment(models.Model):
    Method = PaymentMethod

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=16, choices=Method.choices)
    amount = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=120, blank=True, help_text="Card slip, transfer number...")
    trade_in = models.ForeignKey(TradeIn, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")

    class Meta:
        # The one order of a sale's payments, on the invoice page, its PDF and
        # in the API: as entered (UUIDv7 keys are made in order, the old-gold
        # credit first, then the payments in the order the cashier added them).
        ordering = ["sale", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_payment_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="sales_payment_method_valid"),
            models.CheckConstraint(
                condition=Q(method=PaymentMethod.OLD_GOLD, trade_in__isnull=False)
                | (~Q(method=PaymentMethod.OLD_GOLD) & Q(trade_in__isnull=True)),
                name="sales_payment_old_gold_iff_trade_in",
            ),
        ]

    def __str__(self):
        return f"{self.method} {self.amount}"


class Return(models.Model):
    """Goods brought back, in full or in part; stock goes back through the
    ledger. A document of its own: numbered gaplessly per branch (the sale's
    branch), refunded in cash, by card or as store credit. An exchange's
    return names the sale it was exchanged for; its refund paid for it."""

    RefundMethod = RefundMethod

    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="returns")
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="+")
    number = models.BigIntegerField(help_text="Gapless per branch.")
    refund_method = models.CharField(max_length=12, choices=RefundMethod.choices, default=RefundMethod.CASH)
    exchange_sale = models.OneToOneField(Sale, null=True, blank=True, on_delete=models.PROTECT, related_name="exchanged_return")
    reason = models.TextField()
    refund_total = models.DecimalField(**MONEY)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(refund_total__gte=0), name="sales_return_refund_non_negative"),
            models.UniqueConstraint(fields=["branch", "number"], name="sales_return_branch_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="sales_return_number_positive"),
            models.CheckConstraint(condition=Q(refund_method__in=RefundMethod.values), name="sales_return_refund_method_valid"),
        ]

    def __str__(self):
        return f"Return {self.number} of {self.sale_id} ({self.refund_total})"

    @property
    def label(self) -> str:
        """The printed label; reads `branch` (select_related it in lists)."""
        return return_label(self.branch.code, self.number)


class ReturnLine(models.Model):
    id = models.UUIDField(primary_key=True, default=ledger_id, editable=False)
    # `return` is a Python keyword, hence the name.
    sale_return = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    sale_line = models.ForeignKey(SaleLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["sale_return", "sale_line"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_returnline_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_returnline_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.sale_line_id} x{self.quantity}"
