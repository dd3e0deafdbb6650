import csv
import io
from decimal import Decimal

import pytest

from apps.ui.pdf import font_paths
from apps.customers.services import customer_create
from apps.sales.reversals import sale_void
from apps.sales.services import LineInput, PaymentInput, sale_create
from tests.helpers import text
from tests.vectors import RING_TOTAL as VECTOR_1_TOTAL

REPORTS = ["daily", "products", "categories", "customers", "valuation", "low-stock"]


@pytest.fixture
def sold(cashier, manager, branch, make_item, gold_rate):
    """Two sales of vector 1's ring (one to a customer) and a voided third."""
    ring = make_item(sku="REP-1", quantity=5)
    customer = customer_create(full_name="Parisa", phone="09127770000")
    pay = [PaymentInput(method="cash", amount=VECTOR_1_TOTAL)]
    sales = [sale_create(actor=cashier, branch=branch, lines=[LineInput(item_id=ring.pk)], payments=pay, customer=c)
             for c in (customer, None, None)]
    sale_void(actor=manager, sale=sales[2], reason="mistake")
    return ring


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_shows_and_exports(as_manager, sold, name):
    page = as_manager.get(f"/reports/{name}/")
    assert page.status_code == 200 and 'id="report-table"' in text(page)
    exported = as_manager.get(f"/reports/{name}/", {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    assert len(rows[0]) >= 3
    pdf = as_manager.get(f"/reports/{name}/", {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_daily_sales_count_two_sales_and_leave_the_void_out(as_manager, sold):
    rows = list(csv.reader(io.StringIO(as_manager.get("/reports/daily/", {"format": "csv"}).getvalue().decode("utf-8-sig"))))
    assert rows[-1][:3] == ["Total", "2", str(2 * VECTOR_1_TOTAL)]
    assert "Voided sales" in text(as_manager.get("/reports/daily/"))


def test_sales_by_product_and_category(as_manager, sold):
    rows = list(csv.reader(io.StringIO(as_manager.get("/reports/products/", {"format": "csv"}).getvalue().decode("utf-8-sig"))))
    assert rows[1] == ["REP-1", "18k ring", "Rings", "2", "0", "10.000", str(2 * VECTOR_1_TOTAL)]
    rows = list(csv.reader(io.StringIO(as_manager.get("/reports/categories/", {"format": "csv"}).getvalue().decode("utf-8-sig"))))
    assert rows[1] == ["Rings", "2", "2", "10.000", str(2 * VECTOR_1_TOTAL)]


def test_customer_analytics(as_manager, sold):
    page = text(as_manager.get("/reports/customers/"))
    assert "Parisa" in page and "53,754,400" in page


def test_valuation_by_fineness_at_todays_rate(as_manager, sold, make_item):
    make_item(sku="V-916", fineness=916, gross_weight=Decimal("10"), stone_weight=Decimal("0"), quantity=2)
    rows = list(csv.reader(io.StringIO(as_manager.get("/reports/valuation/", {"format": "csv"}).getvalue().decode("utf-8-sig"))))
    by_fineness = {row[0]: row for row in rows[1:-1]}
    # ring: 5 left after two sales and a void = 3 * 5 g of 750 at 8,000,000
    assert by_fineness["750"][1:4] == ["3", "15.000", "11.250"]
    assert Decimal(by_fineness["750"][5]) == Decimal("120000000")
    # 916 scaled from the 750 board: 8,000,000 * 916 / 750 per gram, 20 g
    assert Decimal(by_fineness["916"][5]) == (Decimal("20") * Decimal("8000000") * 916 / 750).quantize(Decimal("1"))


def test_low_stock_threshold(as_manager, make_item):
    make_item(sku="LOW-0", quantity=0)
    make_item(sku="LOW-3", quantity=3)
    assert "LOW-0" in text(as_manager.get("/reports/low-stock/")) and "LOW-3" not in text(as_manager.get("/reports/low-stock/"))
    assert "LOW-3" in text(as_manager.get("/reports/low-stock/", {"threshold": "5"}))


def test_a_persian_report_pdf_is_made(as_manager, sold, manager):
    manager.language = "fa"
    manager.save(update_fields=["language"])
    response = as_manager.get("/reports/daily/", {"format": "pdf"})
    # Vazirmatn from npm (static/vendor/vazirmatn) when installed, else DejaVu.
    font = b"Vazirmatn" if "Vazirmatn" in font_paths()[""].name else b"DejaVu"
    assert response.content.startswith(b"%PDF") and font in response.content


def test_dashboard_shows_today(as_manager, sold):
    page = text(as_manager.get("/"))
    assert "107,508,800" in page  # two sales of 53,754,400
    assert "REP-1" in page and "<rect class=\"bar\"" in page


def test_reports_are_for_managers(as_cashier):
    assert as_cashier.get("/reports/daily/", {"format": "csv"}).status_code == 403


def test_a_long_report_is_shown_a_page_at_a_time_and_exported_whole(as_manager, history, monkeypatch):
    """A shop of 10,000 items sells nearly all of them in a month; rendering
    every row took seconds (scripts/bench_ui.py). The screen shows a page,
    the totals stay those of the whole period, CSV and PDF stay whole."""
    from apps.reports import views

    monkeypatch.setattr(views, "REPORT_ROWS_PER_PAGE", 1)
    first = as_manager.get("/reports/products/")
    second = as_manager.get("/reports/products/", {"page": 2})
    assert first.context["rows"] != second.context["rows"] and len(first.context["rows"]) == 1
    assert first.context["footer"] == second.context["footer"]
    assert "Page 1 of 2" in first.content.decode()
    rows = list(csv.reader(io.StringIO(as_manager.get("/reports/products/", {"format": "csv"}).getvalue().decode("utf-8-sig"))))
    assert {row[0] for row in rows} >= {"P-RING", "P-CHAIN"}
    # PostgreSQL ranks and cuts the page: the pages follow the export's order
    assert [first.context["rows"][0][0][0], second.context["rows"][0][0][0]] == [rows[1][0], rows[2][0]]


def test_a_page_of_products_is_one_query_over_the_period_whatever_the_page(as_manager, history, monkeypatch):
    """PostgreSQL adds today's lines to the past days' sums, ranks, cuts the
    page and adds the period's totals in one query: the page does not read
    the period twice (its count, then its rows), on the last page too. The
    past days' sums are written once (`PeriodItemSums`), then read by key:
    later pages do not sum the daily rows again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.reports import views

    monkeypatch.setattr(views, "REPORT_ROWS_PER_PAGE", 1)
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = as_manager.get("/reports/products/", {"page": page})
        ranked = [q["sql"] for q in queries if "perioditemsums" in q["sql"] and "OVER ()" in q["sql"]]
        assert len(ranked) == 1 and "LIMIT 1 OFFSET" in ranked[0], ranked
        assert not [q["sql"] for q in queries if q["sql"].startswith("SELECT count(*)")]  # no totals of their own
        summed = [q["sql"] for q in queries if "reports_dailyitemsales" in q["sql"]]
        assert len(summed) == (1 if page == 1 else 0), summed
        assert f"Page {page} of 2" in response.content.decode()


def test_the_dashboards_top_items_read_only_the_items_that_can_make_it(history, monkeypatch):
    """A month of a 10,000-item shop is 10,000 items' sums; the top five
    need the few whose closed days come near the top (scripts/bench_ui.py:
    reading them all was most of the dashboard's time). Same answer."""
    from datetime import timedelta

    from apps.reports.selectors import items
    from apps.reports.selectors.periods import Period

    month = Period(history.today - timedelta(days=29), history.today)
    for by in ("total", "pieces"):
        whole = list(items.sales_by_product(month, by=by))
        with monkeypatch.context() as patched:
            patched.setattr(items.ItemRanking, "_rows", lambda *a, **k: pytest.fail("read every item's sums"))
            top = items.sales_by_product(month, limit=1, by=by)
        assert [r["item_id"] for r in top] == [whole[0]["item_id"]]
        assert top[0]["total"] == whole[0]["total"] and top[0]["pieces"] == whole[0]["pieces"]


def test_a_toman_shop_exports_tomans_and_says_so_in_the_heading(as_manager, sold, shop):
    shop.amount_unit = "toman"
    shop.save()
    rows = list(csv.reader(io.StringIO(as_manager.get("/reports/daily/", {"format": "csv"}).getvalue().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Day", "Sales", "Total (toman)"]
    assert rows[-1][:3] == ["Total", "2", str(int(2 * VECTOR_1_TOTAL / 10))]
    assert "10,750,880 toman" in text(as_manager.get("/"))  # the dashboard: two sales of 5,375,440 toman
