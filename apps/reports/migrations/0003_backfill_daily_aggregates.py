"""Fills the new aggregate columns and tables for every day a shop already
has, set-wise: what `apps.reports.services.daily_sales_recompute` would write
for each (branch, day) with a sale or a return, in a few statements instead
of one recomputation per day. Frozen here as SQL so that later changes to
the service cannot change what this migration did."""
import zoneinfo

from django.db import migrations
from django_tenants.utils import get_public_schema_name

DAILY_SALES = """
WITH sold AS (
    SELECT branch_id, (occurred_at AT TIME ZONE %(tz)s)::date AS day,
           count(*) FILTER (WHERE status <> 'voided') AS sales_count,
           count(*) FILTER (WHERE status = 'voided') AS voided_count,
           coalesce(sum(total) FILTER (WHERE status <> 'voided'), 0) AS gross_total,
           coalesce(sum(tax_total) FILTER (WHERE status <> 'voided'), 0) AS tax_total,
           coalesce(sum(discount_total) FILTER (WHERE status <> 'voided'), 0) AS discount_total
    FROM sales_sale GROUP BY 1, 2
), pieces AS (
    SELECT s.branch_id, (s.occurred_at AT TIME ZONE %(tz)s)::date AS day, sum(l.quantity) AS items_sold
    FROM sales_saleline l JOIN sales_sale s ON s.id = l.sale_id WHERE s.status <> 'voided' GROUP BY 1, 2
), paid AS (
    SELECT branch_id, day, jsonb_object_agg(method, amount::text) AS by_payment, jsonb_object_agg(method, n) AS payments_count
    FROM (SELECT s.branch_id, (s.occurred_at AT TIME ZONE %(tz)s)::date AS day, p.method, sum(p.amount) AS amount, count(*) AS n
          FROM sales_payment p JOIN sales_sale s ON s.id = p.sale_id WHERE s.status <> 'voided' GROUP BY 1, 2, 3) AS m
    GROUP BY 1, 2
), taken AS (
    SELECT s.branch_id, (r.created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS returns_count,
           sum(r.refund_total) AS refunds_total
    FROM sales_return r JOIN sales_sale s ON s.id = r.sale_id GROUP BY 1, 2
), keys AS (
    SELECT branch_id, day FROM sold UNION SELECT branch_id, day FROM taken
)
INSERT INTO reports_dailysales (branch_id, day, sales_count, voided_count, items_sold, gross_total, tax_total,
                                discount_total, returns_count, refunds_total, net_total, by_payment, payments_count, computed_at)
SELECT k.branch_id, k.day, coalesce(sold.sales_count, 0), coalesce(sold.voided_count, 0), coalesce(pieces.items_sold, 0),
       coalesce(sold.gross_total, 0), coalesce(sold.tax_total, 0), coalesce(sold.discount_total, 0),
       coalesce(taken.returns_count, 0), coalesce(taken.refunds_total, 0),
       coalesce(sold.gross_total, 0) - coalesce(taken.refunds_total, 0),
       coalesce(paid.by_payment, '{}'::jsonb), coalesce(paid.payments_count, '{}'::jsonb), now()
FROM keys k
LEFT JOIN sold USING (branch_id, day) LEFT JOIN pieces USING (branch_id, day)
LEFT JOIN paid USING (branch_id, day) LEFT JOIN taken USING (branch_id, day)
ON CONFLICT (branch_id, day) DO UPDATE SET
    sales_count = EXCLUDED.sales_count, voided_count = EXCLUDED.voided_count, items_sold = EXCLUDED.items_sold,
    gross_total = EXCLUDED.gross_total, tax_total = EXCLUDED.tax_total, discount_total = EXCLUDED.discount_total,
    returns_count = EXCLUDED.returns_count, refunds_total = EXCLUDED.refunds_total, net_total = EXCLUDED.net_total,
    by_payment = EXCLUDED.by_payment, payments_count = EXCLUDED.payments_count, computed_at = EXCLUDED.computed_at
"""

DAILY_ITEMS = """
INSERT INTO reports_dailyitemsales (branch_id, day, item_id, lines, pieces, returned, grams, total)
SELECT s.branch_id, (s.occurred_at AT TIME ZONE %(tz)s)::date, l.item_id, count(*), sum(l.quantity), sum(l.returned_quantity),
       sum(l.net_weight * l.quantity), sum(l.total)
FROM sales_saleline l JOIN sales_sale s ON s.id = l.sale_id WHERE s.status <> 'voided' GROUP BY 1, 2, 3
"""

DAILY_CUSTOMERS = """
INSERT INTO reports_dailycustomersales (branch_id, day, customer_id, purchases, spent, last_at)
SELECT branch_id, (occurred_at AT TIME ZONE %(tz)s)::date, customer_id, count(*), sum(total), max(occurred_at)
FROM sales_sale WHERE status <> 'voided' GROUP BY 1, 2, 3
"""


def shop_zone(connection) -> str:
    with connection.cursor() as cursor:
        table = f"{connection.ops.quote_name(get_public_schema_name())}.tenancy_tenant"
        cursor.execute(f"SELECT timezone FROM {table} WHERE schema_name = %s", [connection.schema_name])
        row = cursor.fetchone()
    try:
        return str(zoneinfo.ZoneInfo(row[0])) if row and row[0] else "UTC"
    except (ValueError, KeyError):
        return "UTC"


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    tz = {"tz": shop_zone(connection)}
    with connection.cursor() as cursor:
        cursor.execute(DAILY_SALES, tz)
        cursor.execute("DELETE FROM reports_dailyitemsales")
        cursor.execute(DAILY_ITEMS, tz)
        cursor.execute("DELETE FROM reports_dailycustomersales")
        cursor.execute(DAILY_CUSTOMERS, tz)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_daily_items_customers_tax_discount"),
        ("sales", "0002_time_ordered_ids"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
