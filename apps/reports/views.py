"""The dashboard, and reports for managers: on screen, as CSV and as PDF.
Each report is built once as a table of raw values (Decimals, dates) and then
shown localized on the page and in the PDF, or written plainly (ASCII digits,
ISO dates) to CSV so that spreadsheets read it, through the one CSV writer
(`apps.ui.spreadsheet`, which keeps names from running as formulas). Every
figure comes from `apps.reports.selectors` (past days from the daily
aggregates, today live)."""
from dataclasses import dataclass, field
from itertools import chain
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError
from apps.core.money import currency_exponent, quantize_money
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness
from apps.reports.selectors import customers, dashboard as board, items, stock
from apps.reports.selectors.periods import Period, today
from apps.reports.selectors.sales import period_sales
from apps.ui import formatting
from apps.ui.charts import Chart, chart
from apps.ui.dates import LocalDateField
from apps.ui.forms import WholeField
from apps.ui.labels import error_text, label
from apps.ui.pdf import Table, document_pdf
from apps.ui.spreadsheet import csv_response
from apps.ui.permissions import permission_required
from apps.workshop import selectors as workshop

VIEW_REPORTS = "accounts.view_reports"
DEFAULT_DAYS = 30
DASHBOARD_FINENESSES = (750, 999, 916, 705)
DASHBOARD_LOW_STOCK_ROWS = 8
REPORT_ROWS_PER_PAGE = 100
TOP_CUSTOMERS = 20  # on the page; the CSV and the PDF hold every buyer
EXPORT_CHUNK = 2000  # rows read from the database at a time for an export


@dataclass
class Report:
    name: str
    title: str
    columns: list[str]
    kinds: list[str]  # text, code (SKUs: as typed), phone, money, grams, int, date, digits
    rows: list[list]  # an iterator, read once, when built for an export (`whole`)
    footer: list | None = None
    summary: list[tuple[str, str]] = field(default_factory=list)
    chart: Chart | None = None
    period_text: str = ""


def display(value, kind: str, currency: str) -> str:
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "phone":
        return formatting.phone_text(value)
    if isinstance(value, str) and kind != "digits":
        return value  # a footer's caption
    if kind == "money":
        return formatting.money(value, currency)
    if kind == "grams":
        return formatting.weight(value)
    if kind == "int":
        return formatting.number(value, 0)
    if kind == "date":
        return formatting.date_text(value)
    if kind == "digits":
        return formatting.localize_digits(value)
    return str(value)


def plain(value, kind: str, currency: str):
    """A CSV value: money in the currency's places; the one CSV writer
    (apps.ui.spreadsheet) writes it with ASCII digits and no grouping."""
    if kind == "money" and isinstance(value, (Decimal, int)):
        shown = formatting.in_display_unit(value, currency)  # the shop's unit, as its heading says (toman: rial / 10)
        places = currency_exponent(currency) + (0 if shown == Decimal(value) or shown == shown.to_integral_value() else 1)
        return quantize_money(shown, places)
    return value


def csv_heading(column: str, kind: str, currency: str) -> str:
    """A money column's heading names its unit: "Total (toman)"."""
    return f"{column} ({formatting.money_unit(currency)})" if kind == "money" else column


class PeriodForm(forms.Form):
    date_from = LocalDateField(required=False, label=gettext_lazy("From"))
    date_to = LocalDateField(required=False, label=gettext_lazy("To"))
    threshold = WholeField(required=False, min_value=0, max_value=2_147_483_647, label=gettext_lazy("Stock at or below"))

    def period(self) -> Period:
        day = today()
        cleaned = self.cleaned_data if self.is_valid() else {}
        date_to = cleaned.get("date_to") or day
        date_from = cleaned.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return Period(date_from, date_to)

    def threshold_value(self, default: int) -> int:
        cleaned = self.cleaned_data if self.is_valid() else {}
        value = cleaned.get("threshold")
        return default if value is None else value


def _period_text(period: Period) -> str:
    return f"{formatting.date_text(period.date_from)} – {formatting.date_text(period.date_to)}"


def daily_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    period = form.period()
    sales = period_sales(period)
    days, summary, payments = sales.days, sales.summary, sales.payments
    rows = [[d["day"], d["count"], d["total"], d["tax"], d["discount"], d["refunds"], d["total"] - d["refunds"]] for d in days]
    return Report(
        name="daily", title=_("Daily sales"), period_text=_period_text(period),
        columns=[_("Day"), _("Sales"), _("Total"), _("Tax"), _("Discounts"), _("Refunds"), _("Net")],
        kinds=["date", "int", "money", "money", "money", "money", "money"], rows=rows,
        footer=[_("Total"), summary["count"], summary["total"], summary["tax"], summary["discount"], summary["refunds"], summary["net"]],
        summary=[(label("payment", p["method"]), formatting.money(p["amount"], shop.currency)) for p in payments]
        + [(_("Voided sales"), formatting.number(summary["voided"], 0)), (_("Average sale"), formatting.money(summary["average"], shop.currency))],
        chart=chart([(formatting.short_date(d["day"]), d["total"], formatting.money(d["total"], shop.currency)) for d in days]),
    )


class PagedRows:
    """A report's rows read from a source PostgreSQL counts and pages (a
    QuerySet, an `items.ItemRanking`), each made a row by `row`: a page
    reads one slice of it, an export the whole."""

    def __init__(self, source, row):
        self.source, self.row = source, row

    def count(self) -> int:
        return self.source.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[list]:
        return [self.row(r) for r in self.source[index]]

    def __iter__(self):
        return map(self.row, self.source)


def products_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    period = form.period()
    ranking = items.sales_by_product(period)
    if not whole:  # the page shown, read with the period's totals in one query
        ranking[(page - 1) * REPORT_ROWS_PER_PAGE:page * REPORT_ROWS_PER_PAGE]
    totals = ranking.totals()
    return Report(
        name="products", title=_("Sales by product"), period_text=_period_text(period),
        columns=[_("SKU"), _("Item"), _("Category"), _("Sold"), _("Returned"), _("Grams"), _("Total")],
        kinds=["code", "text", "text", "int", "int", "grams", "money"],
        rows=PagedRows(ranking, lambda r: [r["item__sku"], r["item__name"], r["item__category__name"], r["pieces"],
                                            r["returned"], r["grams"], r["total"]]),
        footer=[_("Total"), "", "", totals["pieces"], totals["returned"], totals["grams"], totals["total"]],
    )


def categories_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    period = form.period()
    rows = [[r["item__category__name"], r["lines"], r["pieces"], r["grams"], r["total"]] for r in items.sales_by_category(period)]
    return Report(
        name="categories", title=_("Sales by category"), period_text=_period_text(period),
        columns=[_("Category"), _("Lines"), _("Pieces"), _("Grams"), _("Total")],
        kinds=["text", "int", "int", "grams", "money"], rows=rows,
        footer=[_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows), sum((r[3] for r in rows), Decimal(0)),
                sum((r[4] for r in rows), Decimal(0))],
        chart=chart([(r[0], r[4], formatting.money(r[4], shop.currency)) for r in rows]) if rows else None,
    )


def customers_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    """The page shows the period's top buyers; the export (`whole`) every one."""
    period = form.period()
    stats = customers.customer_analytics(period, limit=None if whole else TOP_CUSTOMERS)
    rows = ([r["customer"].full_name if r["customer"] else "—", r["customer"].phone if r["customer"] else "",
             label("tier", r["customer"].tier_id) if r["customer"] else "", r["purchases"], r["spent"], r["last"].date() if r["last"] else None]
            for r in stats["top"])
    n = lambda v: formatting.number(v, 0)  # noqa: E731
    return Report(
        name="customers", title=_("Customer analytics"), period_text=_period_text(period),
        columns=[_("Customer"), _("Phone"), _("Tier"), _("Purchases"), _("Spent"), _("Last purchase")],
        kinds=["text", "phone", "text", "int", "money", "date"], rows=rows if whole else list(rows),
        summary=[(_("Customers"), n(stats["customers"])), (_("New in the period"), n(stats["new"])),
                 (_("Bought in the period"), n(stats["buyers"])), (_("Bought more than once"), n(stats["repeat"])),
                 (_("Walk-in sales"), f'{n(stats["walk_in_count"])} · {formatting.money(stats["walk_in_total"], shop.currency)}')]
        + [(label("tier", t["tier"].code), n(t["count"])) for t in stats["tiers"]],
    )


def valuation_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    rate = gold_rate_current()
    stats = stock.inventory_valuation(rate)
    rows = [[r["fineness"], r["pieces"], r["grams"], r["pure"], r["rate"], r["value"], r["cost"]] for r in stats["rows"]]
    fixed = stats["fixed"]
    summary = [(_("Fixed-price goods"), f'{formatting.number(fixed["pieces"], 0)} · {formatting.money(fixed["value"], shop.currency)}')]
    if rate is None:
        summary.insert(0, (_("Gold rate"), _("No gold rate has been set yet.")))
    else:
        summary.insert(0, (_("Gold rate"), f"{formatting.money(rate.base_rate, shop.currency)} @ {formatting.localize_digits(rate.base_fineness)} · {formatting.datetime_text(rate.effective_at)}"))
    return Report(
        name="valuation", title=_("Inventory valuation at today's rate"), period_text=formatting.date_text(today()),
        columns=[_("Fineness"), _("Pieces"), _("Net grams"), _("Pure grams"), _("Rate per gram"), _("Gold value"), _("Cost")],
        kinds=["digits", "int", "grams", "grams", "money", "money", "money"], rows=rows,
        footer=[_("Total"), sum(r[1] for r in rows), stats["grams"], stats["pure"], None, stats["gold_value"],
                sum((r[6] for r in rows), Decimal(0))],
        summary=summary,
    )


def low_stock_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    threshold = form.threshold_value(default=shop.low_stock_threshold)
    found = stock.low_stock(threshold).select_related("category", "branch")
    row = lambda i: [i.sku, i.name, i.category.name, i.branch.name, i.fineness, i.quantity]  # noqa: E731
    rows = map(row, found.iterator(chunk_size=EXPORT_CHUNK)) if whole else PagedRows(found, row)
    return Report(
        name="low-stock", title=_("Low stock"), period_text=_("Stock at or below %(n)s") % {"n": formatting.number(threshold, 0)},
        columns=[_("SKU"), _("Item"), _("Category"), _("Branch"), _("Fineness"), _("Quantity")],
        kinds=["code", "text", "text", "text", "digits", "int"], rows=rows,
    )


def workshop_open_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    jobs, summary = workshop.open_jobs(), workshop.open_jobs_summary()
    row = lambda t: [t.label, t.customer.full_name, t.promised_on, _("Overdue") if t.late == 0 else "",  # noqa: E731
                     label("repair_status", t.status), t.craftsman.name if t.craftsman else "", t.estimate, t.deposit_balance]
    return Report(
        name="workshop-open", title=_("Open repairs"), period_text=formatting.date_text(today()),
        columns=[_("Ticket"), _("Customer"), _("Promised for"), _("Overdue"), _("Status"), _("Craftsman"), _("Estimate"),
                 _("Deposit held")],
        kinds=["code", "text", "date", "text", "text", "text", "money", "money"],
        rows=map(row, jobs.iterator(chunk_size=EXPORT_CHUNK)) if whole else PagedRows(jobs, row),
        summary=[(_("Open repairs"), formatting.number(summary["open"], 0)), (_("Overdue"), formatting.number(summary["overdue"], 0)),
                 (_("Deposits held"), formatting.money(summary["deposits"], shop.currency))],
    )


def workshop_revenue_report(form: PeriodForm, shop, whole: bool = False, page: int = 1) -> Report:
    period = form.period()
    invoices = workshop.workshop_invoices(start=period.start, end=period.end)
    totals = workshop.workshop_revenue(start=period.start, end=period.end)
    row = lambda s: [s.occurred_at.date(), s.invoice_label, s.receipt_number, s.customer.full_name if s.customer else "",  # noqa: E731
                     s.fixed_total, s.gold_total, s.tax_total, s.total]
    return Report(
        name="workshop-revenue", title=_("Workshop revenue"), period_text=_period_text(period),
        columns=[_("Day"), _("Invoice"), _("Ticket"), _("Customer"), _("Labour"), _("Gold added"), _("Tax"), _("Total")],
        kinds=["date", "code", "code", "text", "money", "money", "money", "money"],
        rows=map(row, invoices.iterator(chunk_size=EXPORT_CHUNK)) if whole else PagedRows(invoices, row),
        footer=[_("Total"), formatting.number(totals["count"], 0), None, None, totals["labour"], totals["gold"], totals["tax"], totals["total"]],
    )


REPORTS = {
    "daily": (daily_report, gettext_lazy("Daily sales")),
    "products": (products_report, gettext_lazy("Sales by product")),
    "categories": (categories_report, gettext_lazy("Sales by category")),
    "customers": (customers_report, gettext_lazy("Customer analytics")),
    "valuation": (valuation_report, gettext_lazy("Inventory valuation at today's rate")),
    "low-stock": (low_stock_report, gettext_lazy("Low stock")),
    "workshop-open": (workshop_open_report, gettext_lazy("Open repairs")),
    "workshop-revenue": (workshop_revenue_report, gettext_lazy("Workshop revenue")),
}
USES_PERIOD = {"daily", "products", "categories", "customers", "workshop-revenue"}


@permission_required(VIEW_REPORTS)
def report_index(request):
    return render(request, "reports/index.html", {"reports": [(name, title) for name, (_f, title) in REPORTS.items()]})


def report_csv(report: Report, currency: str) -> StreamingHttpResponse:
    """The whole report, streamed: rows are read as the file is sent, in the
    language of the request that asked for it."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def rows():
        with translation.override(language), timezone.override(zone):
            yield [csv_heading(c, k, currency) for c, k in zip(report.columns, report.kinds)]
            for row in chain(report.rows, [report.footer] if report.footer else []):
                yield [plain(v, k, currency) for v, k in zip(row, report.kinds)]

    return csv_response(rows(), filename=f"{report.name}-{today().isoformat()}.csv")


def report_pdf(report: Report, shop, rtl: bool) -> HttpResponse:
    shown = lambda row: [display(v, k, shop.currency) for v, k in zip(row, report.kinds)]  # noqa: E731
    table = Table(
        columns=report.columns, rows=[shown(r) for r in report.rows], footer=shown(report.footer) if report.footer else None,
        numeric={i for i, k in enumerate(report.kinds) if k in ("money", "grams", "int")},
    )
    content = document_pdf(
        title=f"{report.title} · {shop.name}", rtl=rtl, header=[report.period_text] + [f"{k}: {v}" for k, v in report.summary],
        tables=[table], landscape=len(report.columns) > 5,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.name}-{today().isoformat()}.pdf"'
    return response


@permission_required(VIEW_REPORTS)
def report_page(request, name: str):
    if name not in REPORTS:
        raise Http404
    build = REPORTS[name][0]
    shop = request.tenant
    default = PeriodForm().period()  # shown in the inputs until another is asked for
    form = PeriodForm(request.GET or None, initial={"date_from": default.date_from, "date_to": default.date_to})
    wanted = request.GET.get("format")
    number = request.GET.get("page", "")
    number = int(number) if number.isdecimal() and len(number) < 7 else 1  # the Paginator's word on the rest
    report = build(form, shop, whole=wanted in ("csv", "pdf"), page=max(number, 1))
    if wanted == "csv":
        return report_csv(report, shop.currency)
    if wanted == "pdf":
        report.rows = list(report.rows)
        try:
            return report_pdf(report, shop, rtl=request.LANGUAGE_CODE == "fa")
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            return redirect(request.path)
    shown = lambda row: [(display(v, k, shop.currency), k) for v, k in zip(row, report.kinds)]  # noqa: E731
    # On screen a page of rows (a shop of 10,000 items sells nearly all of
    # them in a month: rendering them all took seconds); CSV and PDF are whole.
    page = Paginator(report.rows, REPORT_ROWS_PER_PAGE).get_page(number)
    return render(request, "reports/report.html", {
        "report": report, "form": form, "uses_period": name in USES_PERIOD, "name": name,
        "columns": list(zip(report.columns, report.kinds)), "rows": [shown(r) for r in page], "footer": shown(report.footer) if report.footer else None,
        "page": page, "query": request.GET.urlencode(),
    })


@login_required
def dashboard(request):
    """What a shop needs to see first thing in the morning: today's sales,
    the gold rate, the last 30 days, low stock, the terminals."""
    shop = request.tenant
    day = today()
    context = {"shop": shop, "today": day}
    rate = gold_rate_current()
    context["gold_rate"] = rate
    if rate is not None:
        context["rates"] = [(f, gold_rate_for_fineness(gold_rate=rate, fineness=f)) for f in DASHBOARD_FINENESSES]
    sales = None
    if request.user.has_perm("accounts.view_reports"):
        month = Period(day - timedelta(days=DEFAULT_DAYS - 1), day)
        month_sales = period_sales(month)
        sales = month_sales.of_day(day)
        context["chart"] = chart(
            [(formatting.short_date(d["day"]), d["total"], formatting.money(d["total"], shop.currency)) for d in month_sales.days]
        )
        context["top_items"] = items.sales_by_product(month, limit=5)
        context["low_stock"] = list(stock.low_stock(shop.low_stock_threshold)[:DASHBOARD_LOW_STOCK_ROWS])
    elif request.user.has_perm("accounts.sell"):
        sales = period_sales(Period(day, day))
    if sales is not None:
        context["summary"], context["payments"] = sales.summary, sales.payments
    if request.user.has_perm("accounts.manage_terminals") or request.user.has_perm("accounts.resolve_review"):
        context["terminals"], context["open_reviews"] = board.terminal_status()
    return render(request, "reports/dashboard.html", context)
