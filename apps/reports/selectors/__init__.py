"""
The reports' reads: the one way a period is summed, for the staff API
(`apps.reports.apis`), the report pages and the dashboard (`apps.reports.views`).

- `periods`:   a period of shop-local days, split into whole past days and
               what happened since the shop's midnight.
- `figures`:   the figures of an interval computed from the sales tables; what
               the daily aggregates hold (`apps.reports.services` stores them
               per branch and day) and how today is read.
- `daily`:     reads of the daily aggregates (`DailySales` and its siblings).
- `sales`:     a period's sales: per day, totals, payments by method.
- `items`:     a period's sales by product and by category.
- `customers`: a period's customer analytics.
- `stock`:     stock on hand: valuation, low stock.
- `dashboard`: today at a glance (the API) and the terminals' status.

Past days come from the aggregates, today from today's rows: a sale of today
is never read from an aggregate row that the consumer may not have caught up
with yet, and a past day costs one row per branch whatever its sales.
"""
