"""
A period report over past days reads the daily aggregates, today's figures
come from today's sales: either way the figures equal the sales' own rows,
added up here independently of the selectors. A history of a week, made
through the services (sales on several days, one at either side of the
shop's midnight, a customer, a discount, a void, a return), consumed as the
worker consumes it.
"""
import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from apps.reports.models import DailySales
from apps.sales.models import Return, Sale, SaleLine, SaleStatus
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.helpers import staff_client
from tests.reports.conftest import TEHRAN, consume_all


# --------------------------------------------------------------------------
# the sales' own rows, added up here
# --------------------------------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(TEHRAN).date()


def raw_days(first: date, last: date) -> dict[date, dict]:
    days = defaultdict(lambda: {"count": 0, "total": Decimal(0), "tax": Decimal(0), "discount": Decimal(0), "refunds": Decimal(0)})
    for sale in Sale.objects.exclude(status=SaleStatus.VOIDED):
        if first <= local_day(sale.occurred_at) <= last:
            day = days[local_day(sale.occurred_at)]
            day["count"] += 1
            day["total"] += sale.total
            day["tax"] += sale.tax_total
            day["discount"] += sale.discount_total
    for taken in Return.objects.all():
        if first <= local_day(taken.created_at) <= last:
            days[local_day(taken.created_at)]["refunds"] += taken.refund_total
    return days


def raw_products(first: date, last: date) -> dict[str, list]:
    """sku -> [sold, returned, grams, total]"""
    out = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    for line in SaleLine.objects.exclude(sale__status=SaleStatus.VOIDED).select_related("sale", "item"):
        if first <= local_day(line.sale.occurred_at) <= last:
            row = out[line.item.sku]
            row[0] += line.quantity
            row[1] += line.returned_quantity
            row[2] += line.net_weight * line.quantity
            row[3] += line.total
    return out


def raw_customers(first: date, last: date) -> dict[str, list]:
    """customer name -> [purchases, spent]"""
    out = defaultdict(lambda: [0, Decimal(0)])
    for sale in Sale.objects.exclude(status=SaleStatus.VOIDED).filter(customer__isnull=False).select_related("customer"):
        if first <= local_day(sale.occurred_at) <= last:
            out[sale.customer.full_name][0] += 1
            out[sale.customer.full_name][1] += sale.total
    return out


# --------------------------------------------------------------------------
# the reports, as exported
# --------------------------------------------------------------------------


def exported(client, name: str, first: date, last: date) -> list[list[str]]:
    response = client.get(f"/reports/{name}/", {"format": "csv", "date_from": first.isoformat(), "date_to": last.isoformat()})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def daily_rows(client, first: date, last: date) -> tuple[dict[date, dict], list[str]]:
    rows = exported(client, "daily", first, last)
    days = {
        date.fromisoformat(r[0]): {"count": int(r[1]), "total": Decimal(r[2]), "tax": Decimal(r[3]), "discount": Decimal(r[4]),
                                   "refunds": Decimal(r[5])}
        for r in rows[1:-1]
    }
    return days, rows[-1]


def assert_daily_report_is_the_raw_rows(client, first: date, last: date) -> None:
    shown, footer = daily_rows(client, first, last)
    raw = raw_days(first, last)
    empty = {"count": 0, "total": Decimal(0), "tax": Decimal(0), "discount": Decimal(0), "refunds": Decimal(0)}
    assert shown == {day: raw.get(day, empty) for day in shown}
    assert len(shown) == (last - first).days + 1
    assert int(footer[1]) == sum(d["count"] for d in raw.values())
    assert Decimal(footer[2]) == sum(d["total"] for d in raw.values())


def test_a_period_of_past_days_equals_the_sales_rows(as_manager, history):
    first, last = history.today - timedelta(days=6), history.today - timedelta(days=1)
    assert_daily_report_is_the_raw_rows(as_manager, first, last)

    products = {r[0]: [int(r[3]), int(r[4]), Decimal(r[5]), Decimal(r[6])] for r in exported(as_manager, "products", first, last)[1:-1]}
    assert products == raw_products(first, last)
    assert products["P-RING"][:2] == [5, 1]  # 1 + 2 + 2 sold (the void left out), 1 brought back today
    categories = {r[0]: (int(r[2]), Decimal(r[4])) for r in exported(as_manager, "categories", first, last)[1:-1]}
    assert categories == {"Rings": tuple(products["P-RING"][::3]), "Chains": tuple(products["P-CHAIN"][::3])}
    customers = {r[0]: [int(r[3]), Decimal(r[4])] for r in exported(as_manager, "customers", first, last)[1:]}
    assert customers == raw_customers(first, last) == {"Parisa": [2, customers["Parisa"][1]]}


def test_the_past_days_are_read_from_the_aggregates(as_manager, history):
    """Proof that the report reads DailySales for past days, so that a stale
    or doubled row would show: double a day's row and the report doubles."""
    day = history.today - timedelta(days=5)
    row = DailySales.objects.get(day=day)
    DailySales.objects.filter(pk=row.pk).update(sales_count=2 * row.sales_count, gross_total=2 * row.gross_total,
                                                 net_total=2 * row.net_total)
    shown, _ = daily_rows(as_manager, day, day)
    assert shown[day]["count"] == 2 * raw_days(day, day)[day]["count"] == 4


def test_a_period_with_today_counts_today_once(as_manager, history):
    """Today has a DailySales row too (the consumer keeps it); the report
    reads today's sales instead, and never both."""
    assert DailySales.objects.filter(day=history.today).exists()
    first = history.today - timedelta(days=6)
    assert_daily_report_is_the_raw_rows(as_manager, first, history.today)
    shown, _ = daily_rows(as_manager, history.today, history.today)
    assert shown[history.today]["count"] == 1 and shown[history.today]["refunds"] > 0  # the return was taken today

    body = staff_client("a", "manager").get("/api/v1/dashboard/").json()
    raw_today = raw_days(history.today, history.today)[history.today]
    assert (body["sales_count"], Decimal(body["sales_total"])) == (raw_today["count"], raw_today["total"])


def test_a_day_is_the_shops_day(as_manager, history):
    evening, after_midnight = history.today - timedelta(days=4), history.today - timedelta(days=3)
    shown, _ = daily_rows(as_manager, evening, after_midnight)
    assert (shown[evening]["count"], shown[after_midnight]["count"]) == (1, 1)  # the void of day -3 left out
    raw = raw_days(evening, after_midnight)
    assert shown == {evening: raw[evening], after_midnight: raw[after_midnight]}


def test_a_late_event_brings_a_past_day_up_to_date(as_manager, history, manager, cashier, branch):
    """A sale recorded today for a past day (an offline terminal's) shows
    once its event is consumed, and only then: the past is read from the
    aggregates, the consumer keeps them current."""
    day = history.today - timedelta(days=6)
    moment = datetime.combine(day, time(18), tzinfo=TEHRAN)
    lines = [LineInput(item_id=history.chain.pk)]
    sale_create(actor=cashier, branch=branch, lines=lines, occurred_at=moment,
                payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines, occurred_at=moment).due)])
    assert daily_rows(as_manager, day, day)[0][day]["count"] == 0  # not consumed yet
    consume_all()
    assert_daily_report_is_the_raw_rows(as_manager, day, history.today - timedelta(days=1))
    assert daily_rows(as_manager, day, day)[0][day]["count"] == 1


def test_the_dashboard_reads_the_month_the_same_way(as_manager, history):
    """The dashboard's top items of the last 30 days: past days from the
    aggregates, today live; the same figures as the products report."""
    first = history.today - timedelta(days=29)
    raw = raw_products(first, history.today)
    page = as_manager.get("/").content.decode()
    card = page.split('id="top-items"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'<span class="muted ltr">([^<]+)</span></td>\s*<td class="num">([^<]+)</td><td class="num">([^<]+)</td>', card)
    assert [(sku, int(pieces)) for sku, pieces, _total in shown] == [
        (sku, row[0]) for sku, row in sorted(raw.items(), key=lambda kv: -kv[1][3])]
    assert [Decimal(total.split()[0].replace(",", "")) for _sku, _pieces, total in shown] == sorted(
        (row[3] for row in raw.values()), reverse=True)
    today_card = page.split('id="today-sales"', 1)[1].split("</section>", 1)[0]
    raw_today = raw_days(history.today, history.today)[history.today]
    assert f"{raw_today['total']:,.0f}" in today_card and "1 sale" in today_card
