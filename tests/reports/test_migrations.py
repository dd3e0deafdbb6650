"""The migration that filled the new aggregates for the shops' existing days
writes what the consumer's recomputation writes, day by day."""
import importlib

from django.db import connection

from apps.reports.models import DailyCustomerSales, DailyItemSales, DailySales
from apps.reports.services import daily_sales_recompute

backfill = importlib.import_module("apps.reports.migrations.0003_backfill_daily_aggregates").backfill


class SchemaEditor:
    connection = connection


def snapshot() -> dict:
    sales = {
        (r.branch_id, r.day): (r.sales_count, r.voided_count, r.items_sold, r.gross_total, r.tax_total, r.discount_total,
                               r.returns_count, r.refunds_total, r.net_total, r.by_payment, r.payments_count)
        for r in DailySales.objects.all()
    }
    items = {(r.branch_id, r.day, r.item_id): (r.lines, r.pieces, r.returned, r.grams, r.total) for r in DailyItemSales.objects.all()}
    customers = {(r.branch_id, r.day, r.customer_id): (r.purchases, r.spent, r.last_at) for r in DailyCustomerSales.objects.all()}
    return {"sales": sales, "items": items, "customers": customers}


def test_the_backfill_writes_what_the_recomputation_writes(history):
    DailySales.objects.all().delete()
    DailyItemSales.objects.all().delete()
    DailyCustomerSales.objects.all().delete()
    backfill(None, SchemaEditor())
    filled = snapshot()
    assert len(filled["sales"]) == 6 and filled["items"] and filled["customers"]  # five past days of sales, and today

    for branch_id, day in filled["sales"]:
        daily_sales_recompute(branch_id=branch_id, day=day)
    assert snapshot() == filled
