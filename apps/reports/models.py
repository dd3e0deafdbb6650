"""
Aggregates the dashboard and the reports read instead of scanning sales.

Rows are derived data: `apps.reports.services` recomputes a (branch, day)
from the sales tables whenever an event touches it, so recomputing twice
gives the same rows and a lost row is rebuilt by the next recomputation.
The reports read these rows for whole past days and today's sales live
(`apps.reports.selectors.periods`).
"""
from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 18, "decimal_places": 2}
GRAMS = {"max_digits": 16, "decimal_places": 3}


class DailySales(models.Model):
    """One branch's sales on one day of the shop's calendar (its time zone).

    Sales count on the day they happened (`occurred_at`); a voided sale
    leaves the totals and is counted in `voided_count`; a return counts on
    the day it was taken, against the branch that made the sale.
    """

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    sales_count = models.PositiveIntegerField(default=0, help_text="Sales not voided.")
    voided_count = models.PositiveIntegerField(default=0)
    items_sold = models.PositiveIntegerField(default=0, help_text="Pieces on the sales not voided.")
    gross_total = models.DecimalField(**MONEY, default=0, help_text="Invoice totals of the sales not voided.")
    tax_total = models.DecimalField(**MONEY, default=0, help_text="Tax on the sales not voided.")
    discount_total = models.DecimalField(**MONEY, default=0, help_text="Discounts on the sales not voided.")
    returns_count = models.PositiveIntegerField(default=0)
    refunds_total = models.DecimalField(**MONEY, default=0)
    net_total = models.DecimalField(**MONEY, default=0, help_text="gross_total - refunds_total")
    by_payment = models.JSONField(default=dict, blank=True, help_text='{"cash": "1200000", "card": "...", ...} as decimal strings.')
    payments_count = models.JSONField(default=dict, blank=True, help_text='{"cash": 3, "card": 1, ...}: payments by method.')
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "branch"]
        verbose_name_plural = "daily sales"
        indexes = [models.Index(fields=["day"], name="reports_dailysales_day")]
        constraints = [
            models.UniqueConstraint(fields=["branch", "day"], name="reports_dailysales_branch_day_unique"),
            models.CheckConstraint(condition=Q(net_total=F("gross_total") - F("refunds_total")), name="reports_dailysales_net"),
            models.CheckConstraint(condition=Q(gross_total__gte=0, refunds_total__gte=0), name="reports_dailysales_non_negative"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.day}: {self.sales_count} sales, {self.net_total}"


class DailyItemSales(models.Model):
    """One item's lines on one branch's sales (not voided) of one day: the
    products, categories and top-items figures. `returned` counts pieces of
    those lines brought back since, whenever that was."""

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+")
    lines = models.PositiveIntegerField(default=0)
    pieces = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    grams = models.DecimalField(**GRAMS, default=0, help_text="Net weight times pieces.")
    total = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["-day", "branch", "item"]
        verbose_name_plural = "daily item sales"
        indexes = [models.Index(fields=["day"], name="reports_dailyitem_day")]
        constraints = [
            models.UniqueConstraint(fields=["branch", "day", "item"], name="reports_dailyitem_branch_day_item_unique"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.day} {self.item_id}: {self.pieces}"


class DailyCustomerSales(models.Model):
    """One customer's sales (not voided) at one branch on one day; the row
    with no customer holds the walk-in sales."""

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey("branches.Branch", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purchases = models.PositiveIntegerField(default=0)
    spent = models.DecimalField(**MONEY, default=0)
    last_at = models.DateTimeField(help_text="When the last of these sales happened.")

    class Meta:
        ordering = ["-day", "branch"]
        verbose_name_plural = "daily customer sales"
        indexes = [models.Index(fields=["day"], name="reports_dailycustomer_day")]
        constraints = [
            models.UniqueConstraint(fields=["branch", "day", "customer"], nulls_distinct=False,
                                    name="reports_dailycustomer_branch_day_customer_unique"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.day} {self.customer_id or 'walk-in'}: {self.purchases}"


class PeriodItemSums(models.Model):
    """A cache in the shop's schema: the items' sums over a range of whole
    past days (one branch or all), as the products and categories reports
    read them. Summing the daily rows of a month of 10,000 items took
    PostgreSQL about 100 ms a request; these rows are read by key instead.
    The key carries the range's version (`apps.reports.selectors.daily`),
    so a recomputed day makes a new key and old rows are never read again;
    `apps.reports.period_sums`, their one writer, drops them."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=160)
    # No foreign key: a cache row never holds an item (or its deletion) back.
    item_id = models.UUIDField()
    lines = models.PositiveIntegerField(default=0)
    pieces = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    # Sums of many days: room beyond a day's row.
    grams = models.DecimalField(max_digits=24, decimal_places=3, default=0)
    total = models.DecimalField(max_digits=26, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "item_id"], name="reports_periodsums_key_item_unique")]

    def __str__(self):
        return f"{self.key} {self.item_id}: {self.pieces}"
