"""
A shop's sales history for the dashboard benchmark (scripts/bench_dashboard.py),
written set-wise: one INSERT ... SELECT per table over generate_series, a
million sales in minutes. Not the sale writer: no stock movements, no outbox
events, no loyalty points; the history is for reading reports. The items'
stock and the ledger stay equal (the seeded sales do not move stock), so the
shop still passes the stock reconciliation.

Sales spread evenly over the days before today, 09:00-21:00 shop time, 1 to
5 lines each (3 on average), 1 piece a line (2 for one line in ten); 60 % paid
cash and 40 % card; one in five to a customer; one in a hundred voided.
Keys are time-ordered (UUIDv7 layout) like the application's own.
"""
from datetime import date, datetime

from django.db import connection, transaction

# A UUIDv7-shaped key from a timestamp: 48 bits of milliseconds, then random bits.
UUID7 = ("(lpad(to_hex(floor(extract(epoch FROM {ts}) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3)"
         " || to_hex(8 + floor(random() * 4)::int) || substr(md5(random()::text), 1, 15))::uuid")

SALES = """
CREATE TEMP TABLE seed_sales ON COMMIT DROP AS
WITH spec AS (
    SELECT n, (SELECT array_agg(id ORDER BY created_at, id) FROM branches_branch) AS branches,
           (SELECT array_agg(id ORDER BY id) FROM customers_customer WHERE NOT is_deleted) AS customers
    FROM generate_series(1, %(count)s) AS n
), timed AS (
    SELECT n, branches[1 + n %% array_length(branches, 1)] AS branch_id,
           CASE WHEN %(live)s
                THEN %(start)s::timestamptz + (%(end)s::timestamptz - %(start)s::timestamptz) * ((n - 0.5) / %(count)s)
                ELSE ((%(first_day)s::date + floor((n - 1) * %(days)s::numeric / %(count)s)::int)::timestamp
                      + interval '9 hours' + random() * interval '12 hours') AT TIME ZONE %(tz)s
           END AS occurred_at,
           1 + floor(random() * 5)::int AS lines,
           CASE WHEN random() < 0.6 THEN 'cash' ELSE 'card' END AS method,
           CASE WHEN random() < 0.2 AND customers IS NOT NULL
                THEN customers[1 + floor(random() * array_length(customers, 1))::int] END AS customer_id,
           random() < 0.01 AS voided
    FROM spec
)
SELECT t.*, {sale_id} AS id,
       coalesce((SELECT last_number FROM sales_invoicecounter c WHERE c.branch_id = t.branch_id), 0)
       + row_number() OVER (PARTITION BY t.branch_id ORDER BY t.occurred_at, t.n) AS invoice_number
FROM timed t
""".format(sale_id=UUID7.format(ts="t.occurred_at"))

LINES = """
CREATE TEMP TABLE seed_lines ON COMMIT DROP AS
WITH items AS (
    SELECT row_number() OVER (ORDER BY sku) - 1 AS k, id, fineness, net_weight,
           round(net_weight * %(rate)s * fineness / 750) AS gold
    FROM inventory_item WHERE sku LIKE %(prefix)s AND NOT is_deleted
), picked AS (
    SELECT s.id AS sale_id, s.occurred_at, g.line_no, floor(random() * (SELECT count(*) FROM items))::int AS k,
           CASE WHEN random() < 0.1 THEN 2 ELSE 1 END AS quantity
    FROM seed_sales s, generate_series(1, s.lines) AS g(line_no)
)
SELECT {line_id} AS id, p.sale_id, p.line_no, p.quantity, i.id AS item_id, i.fineness, i.net_weight,
       p.quantity * i.gold AS gold, p.quantity * round(i.gold * 0.18) AS making,
       p.quantity * round(i.gold * 0.018) AS tax
FROM picked p JOIN items i USING (k)
""".format(line_id=UUID7.format(ts="p.occurred_at"))

INSERT_SALES = """
INSERT INTO sales_sale (id, invoice_number, receipt_number, client_sale_id, source, status, occurred_at, received_at, currency,
                        gold_total, making_total, profit_total, stones_total, fixed_total, discount_total, tax_total, subtotal,
                        rounding, total, paid_total, payout_total, payout_method, voided_at, void_reason, created_at, branch_id,
                        cashier_id, customer_id, device_id, terminal_id, voided_by_id)
SELECT s.id, s.invoice_number, '', NULL, 'web', CASE WHEN s.voided THEN 'voided' ELSE 'completed' END, s.occurred_at,
       s.occurred_at, %(currency)s, l.gold, l.making, 0, 0, 0, 0, l.tax, l.gold + l.making + l.tax, 0,
       l.gold + l.making + l.tax, l.gold + l.making + l.tax, 0, '',
       CASE WHEN s.voided THEN s.occurred_at + interval '1 hour' END, CASE WHEN s.voided THEN 'bench' ELSE '' END,
       s.occurred_at, s.branch_id, %(cashier)s, s.customer_id, NULL, NULL, CASE WHEN s.voided THEN %(cashier)s END
FROM seed_sales s JOIN (SELECT sale_id, sum(gold) AS gold, sum(making) AS making, sum(tax) AS tax
                        FROM seed_lines GROUP BY sale_id) l ON l.sale_id = s.id
ORDER BY s.occurred_at
"""

INSERT_LINES = """
INSERT INTO sales_saleline (id, line_no, quantity, description, fineness, net_weight, rate, making_mode, making_value, gold,
                            making, profit, stones, fixed, tax, discount, total, unit_price, returned_quantity, override,
                            gold_rate_id, item_id, override_by_id, sale_id)
SELECT id, line_no, quantity, '', fineness, net_weight, %(rate)s, 'percent', 18, gold, making, 0, 0, 0, tax, 0,
       gold + making + tax, (gold + making + tax) / quantity, 0, NULL, NULL, item_id, NULL, sale_id
FROM seed_lines ORDER BY id
"""

INSERT_PAYMENTS = """
INSERT INTO sales_payment (id, method, amount, reference, sale_id, trade_in_id)
SELECT {payment_id}, s.method, x.total, '', s.id, NULL
FROM seed_sales s JOIN sales_sale x ON x.id = s.id
ORDER BY s.occurred_at
""".format(payment_id=UUID7.format(ts="s.occurred_at"))

COUNTERS = """
INSERT INTO sales_invoicecounter (branch_id, last_number)
SELECT branch_id, max(invoice_number) FROM seed_sales GROUP BY branch_id
ON CONFLICT (branch_id) DO UPDATE SET last_number = GREATEST(sales_invoicecounter.last_number, EXCLUDED.last_number)
"""


def sales_seed(*, count: int, tz: str, currency: str, cashier_id: int, item_prefix: str, rate: int,
               first_day: date | None = None, days: int = 0, live: tuple[datetime, datetime] | None = None) -> int:
    """Writes `count` sales in the current shop: spread over `days` days from
    `first_day`, or evenly over the interval `live` (today so far)."""
    if count <= 0:
        return 0
    params = {"count": count, "tz": tz, "currency": currency, "cashier": cashier_id, "prefix": f"{item_prefix}%",
              "rate": rate, "first_day": first_day or date.today(), "days": max(days, 1), "live": live is not None,
              "start": live[0] if live else None, "end": live[1] if live else None}
    with transaction.atomic(), connection.cursor() as cursor:  # the temporary tables live until the commit
        for statement in (SALES, LINES, INSERT_SALES, INSERT_LINES, INSERT_PAYMENTS, COUNTERS):
            cursor.execute(statement, params)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would gather (it is off on CI machines)
        cursor.execute("ANALYZE sales_sale, sales_saleline, sales_payment, sales_invoicecounter")
    return count
