"""The one CSV writer: every spreadsheet export goes through `csv_response`.

Names come from customers and staff, and a spreadsheet program runs a cell
that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before
one) as a formula: `=HYPERLINK(...)` in a customer's name would become a
link, or worse, in the manager's copy of Excel. So every text cell that
starts with one of those gets a leading single quote (OWASP "CSV
injection"). Numbers are ours, not typed in, and are written as they are:
Decimals and ints (negative ones too) never get the quote, nor a text that
is only a number ("+98912...", "-5")."""
import csv
import re
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def csv_cell(value) -> str:
    """A value as a cell a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal, float)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows) -> str:
    """Rows of values as CSV, with a byte-order mark so that spreadsheet
    programs read the file as UTF-8."""
    out = StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def csv_response(rows, *, filename: str) -> HttpResponse:
    """A CSV download of `rows` (the header row first)."""
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
