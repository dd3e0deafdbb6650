"""The dashboard: what a shop needs to see first thing in the morning."""
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness
from apps.reports import selectors_ui as data
from apps.ui import formatting
from apps.ui.charts import chart

LOW_STOCK_THRESHOLD = 1
DASHBOARD_FINENESSES = (750, 999, 916, 705)


@login_required
def dashboard(request):
    shop = request.tenant
    day = data.today()
    context = {"shop": shop, "today": day}
    rate = gold_rate_current()
    context["gold_rate"] = rate
    if rate is not None:
        context["rates"] = [(f, gold_rate_for_fineness(gold_rate=rate, fineness=f)) for f in DASHBOARD_FINENESSES]
    if request.user.has_perm("accounts.view_reports") or request.user.has_perm("accounts.sell"):
        period = data.Period(day, day)
        context["summary"] = data.sales_summary(period)
        context["payments"] = data.payments_by_method(period)
    if request.user.has_perm("accounts.view_reports"):
        month = data.Period(day - timedelta(days=29), day)
        days = data.daily_sales(month)
        context["chart"] = chart(
            [(formatting.short_date(d["day"]), d["total"], formatting.money(d["total"], shop.currency)) for d in days]
        )
        context["top_items"] = data.sales_by_product(month, limit=5)
        context["low_stock"] = list(data.low_stock(LOW_STOCK_THRESHOLD)[:8])
    if request.user.has_perm("accounts.manage_terminals") or request.user.has_perm("accounts.resolve_review"):
        context["terminals"] = data.terminal_status()
        context["open_reviews"] = data.review_open_count()
    return render(request, "ui/dashboard.html", context)
