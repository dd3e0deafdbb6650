"""The one CSV writer: every spreadsheet export goes through `csv_response`.

An export is whole (every row, no top-N cut) and streamed: rows are read
from an iterator and written a chunk at a time (`CHUNK_ROWS`), so a large
shop's file is never built in memory; callers hand it a generator over
their queryset (`.iterator(chunk_size=...)`).

Names come from customers and staff, and a spreadsheet program runs a cell
that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before
one) as a formula: `=HYPERLINK(...)` in a customer's name would become a
link, or worse, in the manager's copy of Excel. So every text cell that
starts with one of those gets a leading single quote (OWASP "CSV
injection"). Numbers are ours, not typed in, and are written as they are:
Decimals and ints (negative ones too) never get the quote, nor a text that
is only a number ("+98912...", "-5"): a spreadsheet reads it as that number
and nothing else. Every other text cell that starts with one of those
characters is neutralised, whoever typed it."""
import csv
import re
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

CHUNK_ROWS = 500
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


class _Line:
    """A file-like object that hands back what the csv writer wrote."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def csv_chunks(rows, *, chunk_rows: int = CHUNK_ROWS):
    """Rows of values as CSV text, `chunk_rows` rows at a time, the first
    chunk led by a byte-order mark so that spreadsheet programs read the
    file as UTF-8."""
    out = _Line()
    out.write("\ufeff")
    writer = csv.writer(out)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
        if count % chunk_rows == 0:
            yield out.take()
    yield out.take()


def csv_text(rows) -> str:
    """Rows of values as one CSV text (small exports and tests)."""
    return "".join(csv_chunks(rows))


def csv_response(rows, *, filename: str) -> StreamingHttpResponse:
    """A CSV download of `rows` (the header row first; any iterable, read
    once, as the response is sent)."""
    chunks = (chunk.encode("utf-8") for chunk in csv_chunks(rows))
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
