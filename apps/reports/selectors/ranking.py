"""A period's items ranked by PostgreSQL: the whole past days' sums by item
(kept in `PeriodItemSums` once per version of the range, or summed from the
daily item rows with the reports' cache off) and today's sale lines summed
by item in one query, ordered, and cut to the page asked for. A month of a
10,000-item shop is 10,000 rows; summing, naming and sorting them in Python
took about a second a page, summing the month's daily rows in PostgreSQL
about 100 ms (docs/performance.md, "Staff pages at 20 users"). An item's
category is the one it has now."""
from uuid import UUID

from django.db import connection

from apps.inventory.models import Category, Item
from apps.reports.models import DailyItemSales, PeriodItemSums
from apps.reports.period_sums import period_item_sums_kept
from apps.reports.selectors import figures
from apps.reports.selectors.periods import Period, period_split

_SUMS = ("lines", "pieces", "returned", "grams", "total")
_ORDERS = {"total": "s.total DESC, i.sku, i.id", "pieces": "s.pieces DESC, s.total DESC, i.sku, i.id"}
_KEYS = ("item_id", *figures.ITEM_NAMES, *_SUMS)
_TOTALS = ("items", *_SUMS)
_FROM = (f"FROM ({{sums}}) s JOIN {Item._meta.db_table} i ON i.id = s.item_id "
         f"JOIN {Category._meta.db_table} c ON c.id = i.category_id")


def _sums(period: Period, branch_id: UUID | None) -> tuple[str, list]:
    """The SQL of the items' sums over the period (item_id and `_SUMS`),
    with its parameters."""
    split = period_split(period)
    parts, params = [], []
    if split.closed:
        kept = period_item_sums_kept(start=split.closed[0], end=split.closed[1], branch_id=branch_id)
        if kept is not None:
            closed = PeriodItemSums.objects.filter(key=kept)
        else:
            closed = DailyItemSales.objects.filter(day__gte=split.closed[0], day__lte=split.closed[1])
            if branch_id is not None:
                closed = closed.filter(branch_id=branch_id)
        parts.append(closed.values("item_id", *_SUMS).order_by().query.sql_with_params())
    if split.live:
        parts.append(figures.item_lines(start=split.live[0], end=split.live[1], branch_id=branch_id).query.sql_with_params())
    for _sql, part_params in parts:
        params.extend(part_params)
    union = " UNION ALL ".join(f"({sql})" for sql, _params in parts)
    sums = ", ".join(f"coalesce(sum({key}), 0) AS {key}" for key in _SUMS)
    return f"SELECT item_id, {sums} FROM ({union}) parts GROUP BY item_id", params


class ItemRanking:
    """Every item sold in the period (sales not voided), highest `by`
    ("total", or "pieces" then total) first, then by SKU: lines, pieces,
    pieces returned since, grams and total, with the item's SKU, name and
    category. Read a slice at a time (a Paginator's object list): a slice
    is one query, which also brings the whole period's `totals()` and
    `count()`; asked for before any slice, they are one query of their own."""

    def __init__(self, period: Period, *, branch_id: UUID | None = None, by: str = "total"):
        self._sql, self._params = _sums(period, branch_id)
        self._order = _ORDERS[by]
        self._totals = None
        self._slices: dict[tuple[int, int | None], list[dict]] = {}

    def _rows(self, sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params)
            return cursor.fetchall()

    def totals(self) -> dict:
        """How many items ("items") and their sums over the whole period."""
        if self._totals is None:
            sums = ", ".join(f"coalesce(sum({key}), 0)" for key in _SUMS)
            (row,) = self._rows(f"SELECT count(*), {sums} FROM ({self._sql}) s")
            self._totals = dict(zip(_TOTALS, row))
        return self._totals

    def count(self) -> int:
        return self.totals()["items"]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        start, stop = index.start or 0, index.stop
        if start < 0 or (stop is not None and stop < 0) or index.step not in (None, 1):
            raise ValueError("a ranking is sliced from the start, forwards")
        for (first, last), rows in self._slices.items():  # within a slice read, or past the end it found
            if first == start and (last is None or (stop is not None and stop <= last) or len(rows) < last - first):
                return rows if stop is None else rows[:stop - start]
        if (start, stop) not in self._slices:
            limit = "" if stop is None else f"LIMIT {max(stop - start, 0)}"
            totals = ", ".join(["count(*) OVER ()", *(f"sum(s.{key}) OVER ()" for key in _SUMS)])
            rows = self._rows(
                f"SELECT s.item_id, i.sku, i.name, c.name, {', '.join(f's.{key}' for key in _SUMS)}, {totals} "
                f"{_FROM.format(sums=self._sql)} ORDER BY {self._order} {limit} OFFSET {start}"
            )
            width = 4 + len(_SUMS)
            if rows:
                self._totals = dict(zip(_TOTALS, rows[0][width:]))
            self._slices[(start, stop)] = [dict(zip(_KEYS, row[:width])) for row in rows]
        return self._slices[(start, stop)]

    def __iter__(self):
        return iter(self[0:])


def categories_ranked(period: Period) -> list[dict]:
    """The period's sales by category (an item's category is its current
    one), highest total first: lines, pieces, grams and total."""
    sql, params = _sums(period, None)
    keys = ("lines", "pieces", "grams", "total")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.name, {', '.join(f'sum(s.{key})' for key in keys)} {_FROM.format(sums=sql)} "
            f"GROUP BY c.name ORDER BY sum(s.total) DESC, c.name",
            params,
        )
        return [dict(zip(("item__category__name", *keys), row)) for row in cursor.fetchall()]
