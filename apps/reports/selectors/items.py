"""A period's sales by product and by category: the items' daily rows for
whole past days, today's sale lines for today. An item's category is the one
it has now. PostgreSQL ranks and pages the whole period (`ranking`); a top
few is read from the cached first rows of the closed days."""
from uuid import UUID

from django.conf import settings
from django.core.cache import cache

from apps.inventory.models import Item
from apps.reports.selectors import daily, figures
from apps.reports.selectors.periods import Period, period_split
from apps.reports.selectors.ranking import ItemRanking, categories_ranked

_SUMS = ("lines", "pieces", "returned", "grams", "total")
# How products rank: by total, or by pieces then total; then by SKU.
_RANKS = {"total": lambda sums: (-sums["total"],), "pieces": lambda sums: (-sums["pieces"], -sums["total"])}

sales_by_category = categories_ranked


def _top_candidates(split, limit: int, branch_id: UUID | None, by: str) -> tuple[dict, dict] | None:
    """The sums of the only items that can rank in the first `limit`, or
    None when that cannot be told from the closed days' first rows.

    An item's sum is its closed days' plus today's. Today adds at most
    `most` to any item, so an item whose closed sum is below the limit-th
    closed sum less `most` ends below the limit-th item whatever today
    brings: the candidates are the closed rows down to there, with today
    added. A month of 10,000 items is then a few hundred rows from the
    cache, not ten thousand (scripts/bench_ui.py: the dashboard)."""
    kept = daily.daily_items_ranked(start=split.closed[0], end=split.closed[1], branch_id=branch_id, by=by)
    closed = kept["rows"]
    if len(closed) < limit:
        return None
    least, most = (figures.lines_by_item_range(start=split.live[0], end=split.live[1], branch_id=branch_id, by=by)
                   if split.live else (0, 0))
    if least < 0:
        return None
    cut = (closed[limit - 1][by] or 0) - most
    if cut <= 0:  # an item sold today only could make it
        return None
    candidates = [row for row in closed if (row[by] or 0) >= cut]
    if len(candidates) == len(closed) and not kept["complete"]:
        return None  # the candidates may go on past the rows kept
    by_item = {row["item_id"]: {key: row[key] or 0 for key in _SUMS} for row in candidates}
    names = {}
    live = (figures.lines_by_item(start=split.live[0], end=split.live[1], branch_id=branch_id, named=True, item_ids=by_item)
            if split.live else [])
    for row in live:
        if row["item_id"] in by_item:
            names[row["item_id"]] = {key: row[key] for key in figures.ITEM_NAMES}
            for key in _SUMS:
                by_item[row["item_id"]][key] += row[key] or 0
    return by_item, names


def _top_kept(split, limit: int, branch_id: UUID | None, by: str) -> tuple[dict, dict] | None:
    """`_top_candidates`' sums, kept in the cache (per shop: the keys carry
    the schema) under the closed days' `daily.range_version` and today's
    `figures.live_version`: any sale, void or return since is a new key. The
    names are not kept; `_named` reads the few it shows, as they are now."""
    if not settings.REPORTS_CACHE_SECONDS or not split.live:
        return _top_candidates(split, limit, branch_id, by)
    (start, end), (live_start, live_end) = split.closed, split.live
    key = (f"reports:top:{by}:{limit}:{branch_id or 'all'}:{start.isoformat()}:{end.isoformat()}:"
           f"{daily.range_version(start, end)}:{live_start.isoformat()}:"
           f"{figures.live_version(start=live_start, end=live_end, branch_id=branch_id)}")
    kept = cache.get(key)
    if kept is None:
        found = _top_candidates(split, limit, branch_id, by)
        kept = (None if found is None else found[0],)
        cache.set(key, kept, settings.REPORTS_CACHE_SECONDS)
    return None if kept[0] is None else (kept[0], {})


def _named(by_item: dict[UUID, dict], names: dict[UUID, dict]) -> list[dict]:
    missing = [item_id for item_id in by_item if item_id not in names]
    if missing:
        names = {**names, **{
            row["id"]: {"item__sku": row["sku"], "item__name": row["name"], "item__category__name": row["category__name"]}
            for row in Item.objects.filter(pk__in=missing).values("id", "sku", "name", "category__name")
        }}
    return [{"item_id": item_id, **names[item_id], **sums} for item_id, sums in by_item.items()]


def sales_by_product(period: Period, *, limit: int | None = None, branch_id: UUID | None = None,
                     by: str = "total") -> ItemRanking | list[dict]:
    """Items by total (or by pieces), highest first, then by SKU: the whole
    ranking (read a slice at a time), or its first `limit` rows. For a top
    few only the items that can make it are looked up, from the cache."""
    split = period_split(period)
    top = _top_kept(split, limit, branch_id, by) if limit and split.closed else None
    if top is None:
        ranking = ItemRanking(period, branch_id=branch_id, by=by)
        return ranking[:limit] if limit else ranking
    by_item, names = top
    rank = _RANKS[by]
    ranked = sorted(by_item.items(), key=lambda pair: rank(pair[1]))
    last = rank(ranked[min(limit, len(ranked)) - 1][1])
    kept = {item_id: sums for item_id, sums in ranked if rank(sums) <= last}  # ties of the last are named too
    return sorted(_named(kept, names), key=lambda row: (*rank(row), row["item__sku"]))[:limit]
