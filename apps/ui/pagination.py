"""A paginator for lists that grow without bound (a shop's sales: a million
after two years). Django's Paginator counts every row the filters match to
number the pages; over a million sales that count was most of the sales
page's time (scripts/bench_ui.py). This one counts no further than a cap:
past it the page says "of more than N" and older rows are reached by
narrowing the filters (a date range), as people do."""
from django.core.paginator import Paginator
from django.utils.functional import cached_property

ROWS_COUNTED_MAX = 10_000


class CappedPaginator(Paginator):
    """Pages of `per_page` rows; counts at most `rows_max` of them.
    `more` tells whether the list goes on past the last page it numbers."""

    def __init__(self, object_list, per_page, *, rows_max: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        rows_max = ROWS_COUNTED_MAX if rows_max is None else rows_max
        self.rows_max = max(rows_max - rows_max % per_page, per_page)  # whole pages

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMIT subquery: PostgreSQL stops at rows_max + 1
        counted = self.object_list[: self.rows_max + 1].count()
        self._more = counted > self.rows_max
        return min(counted, self.rows_max)

    @property
    def more(self) -> bool:
        return self.count >= self.rows_max and self._more
