"""Exports of a large shop (issue 14, item 9): every CSV whole (the
customers one held only the top 20) and streamed a chunk at a time; text
that a spreadsheet would run neutralised, our own figures left as numbers;
a PDF report of hundreds of rows over several pages, its header row on each,
numbered "page n of m" (in Persian digits in Persian)."""
import csv
import io
import re
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import translation

from apps.customers.services import customer_create
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from apps.ui import spreadsheet
from apps.ui.formatting import localize_digits
from apps.ui.pdf import Table, document_layout, document_pdf

FORMULAS = ['=HYPERLINK("http://evil.example/","x")', "+SUM(1,2)", "-1+1", "@cmd"]
PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse) and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def sell(cashier, branch, item, customer):
    lines = [LineInput(item_id=item.pk)]
    return sale_create(actor=cashier, branch=branch, lines=lines, customer=customer,
                       payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])


def test_the_customers_csv_holds_every_buyer_not_the_top_20(as_manager, cashier, branch, make_item, gold_rate):
    chain = make_item(sku="EXP-C", pricing_mode="fixed", fixed_price=Decimal("1000000"), making_mode="fixed",
                      making_value=Decimal(0), quantity=30)
    names = [*FORMULAS, *(f"Buyer {n:02d}" for n in range(21))]
    for n, name in enumerate(names):
        sell(cashier, branch, chain, customer_create(full_name=name, phone=f"0912555{n:04d}"))

    page = as_manager.get("/reports/customers/")
    assert len(page.context["rows"]) == 20  # the page shows the best buyers
    rows = csv_rows(as_manager.get("/reports/customers/", {"format": "csv"}))
    assert len(rows) == 1 + len(names)  # the header and every buyer
    written = {row[0] for row in rows[1:]}
    assert {"'" + name for name in FORMULAS} <= written and "Buyer 20" in written
    assert all(Decimal(row[4]) > 0 for row in rows[1:])  # amounts stay numbers


def test_item_names_that_are_formulas_are_neutralised_and_negative_counts_stay_numbers(as_manager, make_item):
    for n, name in enumerate(FORMULAS):
        make_item(sku=f"EXP-{n}", name=name, quantity=0)
    rows = csv_rows(as_manager.get("/reports/low-stock/", {"format": "csv"}))
    names = {row[0]: row[1] for row in rows[1:]}
    assert [names[f"EXP-{n}"] for n in range(len(FORMULAS))] == ["'" + name for name in FORMULAS]


def test_cells_starting_with_a_tab_or_return_are_neutralised_and_our_numbers_are_not():
    assert [spreadsheet.csv_cell(v) for v in ("\tx", "\rx", "-1+1", "@cmd")] == ["'\tx", "'\rx", "'-1+1", "'@cmd"]
    assert [spreadsheet.csv_cell(v) for v in (Decimal("-1"), -1, Decimal("-0.500"))] == ["-1", "-1", "-0.500"]


def test_a_csv_is_streamed_a_chunk_at_a_time_from_an_iterator():
    read = []

    def rows():
        for n in range(2 * spreadsheet.CHUNK_ROWS + 10):
            read.append(n)
            yield [f"=name {n}", Decimal(n)]

    response = spreadsheet.csv_response(rows(), filename="big.csv")
    assert not read  # nothing is built before the response is sent
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith("\ufeff".encode()) and len(read) == spreadsheet.CHUNK_ROWS
    rest = b"".join(chunks)
    lines = list(csv.reader(io.StringIO((first + rest).decode("utf-8-sig"))))
    assert len(lines) == 2 * spreadsheet.CHUNK_ROWS + 10 and lines[-1] == ["'=name 1009", "1009"]


def _table(count: int) -> Table:
    return Table(columns=["SKU", "Item", "Total"], rows=[[f"S-{n}", f"Ring {n}", "1,000"] for n in range(count)],
                 numeric={2}, footer=["Total", "", "250,000"])


def test_a_long_table_runs_over_pages_with_its_header_on_each():
    doc = document_layout(title="Low stock", rtl=False, tables=[_table(250)])
    pages = doc.page_no()
    assert pages >= 3 and doc.header_pages == list(range(1, pages + 1))
    content = document_pdf(title="Low stock", rtl=False, tables=[_table(250)])
    assert len(PAGE.findall(content)) == pages


def test_pages_are_numbered_n_of_m_in_the_documents_digits():
    for language, rtl, title in (("en", False, "Low stock"), ("fa", True, "کالاهای رو به اتمام")):
        with translation.override(language):
            pages = document_layout(title=title, rtl=rtl, tables=[_table(250)]).page_no()
            doc = document_layout(title=title, rtl=rtl, tables=[_table(250)], pages=pages)
            n = localize_digits(pages, language)
            assert doc.page_text() == (f"صفحهٔ {n} از {n}" if rtl else f"Page {n} of {n}")
    assert not re.search(r"[0-9]", doc.page_text())  # Persian digits only


def test_a_report_of_200_rows_is_a_pdf_of_several_pages(as_manager, manager, make_item):
    for n in range(210):
        make_item(sku=f"PDF-{n:03d}", name=f"Ring {n}", quantity=0)
    for language in ("en", "fa"):
        manager.language = language
        manager.save(update_fields=["language"])
        response = as_manager.get("/reports/low-stock/", {"format": "pdf"})
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert len(PAGE.findall(response.content)) >= 4, language  # about 40 rows a page
        rows = csv_rows(as_manager.get("/reports/low-stock/", {"format": "csv"}))
        assert len([row for row in rows if row[0].startswith("PDF-")]) == 210
