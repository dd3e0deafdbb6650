"""
Aggregates the dashboard and the reports read instead of scanning sales.

Rows are derived data: `apps.reports.services` recomputes a (branch, day)
from the sales tables whenever an event touches it, so recomputing twice
gives the same row and a lost row is rebuilt by the next recomputation.
"""
from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 18, "decimal_places": 2}


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
    returns_count = models.PositiveIntegerField(default=0)
    refunds_total = models.DecimalField(**MONEY, default=0)
    net_total = models.DecimalField(**MONEY, default=0, help_text="gross_total - refunds_total")
    by_payment = models.JSONField(default=dict, blank=True, help_text='{"cash": "1200000", "card": "...", ...} as decimal strings.')
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
