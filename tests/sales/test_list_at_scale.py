"""The sales list stays cheap when a shop has a million sales
(scripts/bench_ui.py measures it; these tests hold the causes fixed, by
what the queries are, never by time): a search is answered from the sale's
own indexes, and the list counts its rows no further than a cap."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers.services import customer_create
from apps.sales import views
from apps.sales.models import Sale
from apps.sales.selectors import sale_search
from apps.ui import pagination
from apps.ui.pagination import CappedPaginator
from tests.helpers import text


@pytest.fixture
def three_sales(make_item, gold_rate, sell):
    customer = customer_create(full_name="Sara", phone="09351112233")
    return [sell(make_item(), customer=customer), sell(make_item()), sell(make_item())]


@pytest.mark.parametrize("query", ["0935 111 2233", "۰۹۳۵۱۱۱۲۲۳۳", "B1-000001", "b1-1", "1", "R-17", "no such thing"])
def test_a_search_is_a_condition_on_the_sales_own_columns(three_sales, query):
    """An OR that reaches into the customers or branches table cannot use an
    index: with a million sales, such a search read every one of them."""
    sql = str(Sale.objects.filter(sale_search(query)).only("pk").query)
    assert " JOIN " not in sql, sql


def test_the_search_still_finds_by_phone_label_and_number(three_sales):
    kept, second, third = three_sales

    def found(query):
        return set(Sale.objects.filter(sale_search(query)).values_list("pk", flat=True))

    assert found("0935 111 2233") == found("۰۹۳۵۱۱۱۲۲۳۳") == {kept.pk}
    assert found(second.invoice_label.lower()) == {second.pk}
    assert found(str(third.invoice_number)) == {third.pk}
    assert found("0999 000 0000") == set()


def test_the_capped_paginator_counts_over_a_limit_and_says_there_is_more(three_sales):
    with CaptureQueriesContext(connection) as queries:
        paginator = CappedPaginator(Sale.objects.order_by("-occurred_at"), 1, rows_max=2)
        assert (paginator.count, paginator.num_pages, paginator.more) == (2, 2, True)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 3" in counts[0]
    whole = CappedPaginator(Sale.objects.all(), 1, rows_max=3)
    assert (whole.count, whole.more) == (3, False)


def test_the_sales_page_never_counts_every_sale(as_manager, three_sales, monkeypatch):
    monkeypatch.setattr(views, "SALES_PER_PAGE", 1)
    monkeypatch.setattr(pagination, "ROWS_COUNTED_MAX", 2)
    for params in ({}, {"status": "completed"}, {"search": "0935 111 2233"}):
        with CaptureQueriesContext(connection) as queries:
            response = as_manager.get("/sales/", params)
        assert response.status_code == 200
        counts = [q["sql"] for q in queries if re.search(r"COUNT\(", q["sql"]) and "sales_sale" in q["sql"]]
        assert counts and all(re.search(r"LIMIT \d+\) subquery", sql) for sql in counts), counts
    page = text(as_manager.get("/sales/"))
    assert "Page 1 of more than 2" in page


def test_the_sales_page_loads_no_lines_or_payments(as_manager, three_sales, django_assert_max_num_queries):
    """The list shows neither: no prefetch queries for them."""
    with CaptureQueriesContext(connection) as queries:
        assert as_manager.get("/sales/").status_code == 200
    tables = " ".join(q["sql"] for q in queries)
    assert "sales_saleline" not in tables and "sales_payment" not in tables
