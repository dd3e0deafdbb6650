"""A period's sales by product and by category: the items' daily rows for
whole past days, today's sale lines for today. An item's category is the one
it has now."""
from collections import defaultdict
from decimal import Decimal
from uuid import UUID

from apps.inventory.models import Item
from apps.reports.selectors import daily, figures
from apps.reports.selectors.periods import Period, period_split

ZERO = Decimal(0)
_SUMS = ("lines", "pieces", "returned", "grams", "total")
# How products rank: by total, or by pieces then total; then by SKU.
_RANKS = {"total": lambda sums: (-sums["total"],), "pieces": lambda sums: (-sums["pieces"], -sums["total"])}
_ORDERS = {"total": ("-total", "item__sku"), "pieces": ("-pieces", "-total", "item__sku")}


def _sums_by_item(period: Period, branch_id: UUID | None) -> tuple[dict[UUID, dict], dict[UUID, dict]]:
    """The items' sums over the period, and the names of those sold today
    (read with today's lines)."""
    split = period_split(period)
    parts, names = [], {}
    if split.closed:
        parts.append(daily.daily_items(start=split.closed[0], end=split.closed[1], branch_id=branch_id))
    if split.live:
        live = figures.lines_by_item(start=split.live[0], end=split.live[1], branch_id=branch_id, named=True)
        names = {row["item_id"]: {key: row[key] for key in figures.ITEM_NAMES} for row in live}
        parts.append(live)
    by_item: dict = defaultdict(lambda: {"lines": 0, "pieces": 0, "returned": 0, "grams": ZERO, "total": ZERO})
    for rows in parts:
        for row in rows:
            sums = by_item[row["item_id"]]
            for key in _SUMS:
                sums[key] += row[key] or 0
    return by_item, names


def _named(by_item: dict[UUID, dict], names: dict[UUID, dict]) -> list[dict]:
    missing = [item_id for item_id in by_item if item_id not in names]
    if missing:
        names = {**names, **{
            row["id"]: {"item__sku": row["sku"], "item__name": row["name"], "item__category__name": row["category__name"]}
            for row in Item.objects.filter(pk__in=missing).values("id", "sku", "name", "category__name")
        }}
    return [{"item_id": item_id, **names[item_id], **sums} for item_id, sums in by_item.items()]


def items_in_period(period: Period, *, branch_id: UUID | None = None) -> list[dict]:
    """Every item sold in the period (sales not voided): lines, pieces,
    pieces returned since, grams and total, with its SKU, name and category."""
    return _named(*_sums_by_item(period, branch_id))


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


def sales_by_product(period: Period, *, limit: int | None = None, branch_id: UUID | None = None, by: str = "total") -> list[dict]:
    """Items by total (or by pieces), highest first, then by SKU. With a
    limit only the items that can make it (ties included) are looked up."""
    split = period_split(period)
    if limit and split.closed is None:  # today alone: PostgreSQL ranks and cuts
        return figures.lines_by_item(start=split.live[0], end=split.live[1], branch_id=branch_id, named=True,
                                     order=_ORDERS[by], limit=limit)
    rank = _RANKS[by]
    top = _top_candidates(split, limit, branch_id, by) if limit else None
    by_item, names = top if top is not None else _sums_by_item(period, branch_id)
    ranked = sorted(by_item.items(), key=lambda pair: rank(pair[1]))
    if limit and len(ranked) > limit:
        last = rank(ranked[limit - 1][1])
        ranked = [pair for pair in ranked if rank(pair[1]) <= last]
    rows = sorted(_named(dict(ranked), names), key=lambda row: (*rank(row), row["item__sku"]))
    return rows[:limit] if limit else rows


def sales_by_category(period: Period) -> list[dict]:
    """Categories by total, highest first: lines, pieces, grams and total."""
    by_category: dict = defaultdict(lambda: {"lines": 0, "pieces": 0, "grams": ZERO, "total": ZERO})
    for row in items_in_period(period):
        sums = by_category[row["item__category__name"]]
        for key in sums:
            sums[key] += row[key]
    rows = [{"item__category__name": name, **sums} for name, sums in by_category.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["item__category__name"]))
