"""
Pull: the catalogue down to a terminal, page by page, by change number.

Rows are stamped from the shop's sequence when they change. A page serves
changes in (cursor, high] where `high` is the newest number handed out when
the pull began; before reading, the pull waits for every transaction that
stamped a number to end (see core migration 0002), so no change at or below
`high` can still commit later and be skipped.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from apps.customers.models import Customer
from apps.inventory.models import Category, GoldRate, GoldRateFineness, Item
from apps.inventory.shop_pricing import tax_rules_for_shop
from apps.pos_sync.cursor import UnusableCursor, cursor_decode, cursor_encode
from apps.pos_sync.models import Device
from apps.pos_sync.selectors import change_number_latest

BARRIER_TIMEOUT = "10s"


@dataclass(frozen=True)
class _Source:
    kind: str
    model: type
    fields: tuple[str, ...]


SOURCES = (
    _Source("categories", Category, ("id", "name", "parent_id", "change_number")),
    _Source("items", Item, (
        "id", "sku", "barcode", "name", "category_id", "branch_id", "fineness", "gross_weight", "stone_weight",
        "net_weight", "making_mode", "making_value", "stone_value", "pricing_mode", "fixed_price", "quantity",
        "is_unique_piece", "status", "is_deleted", "change_number",
    )),
    _Source("customers", Customer, (
        "id", "full_name", "phone", "email", "tier_id", "points_balance", "is_deleted", "change_number",
    )),
    _Source("gold_rates", GoldRate, ("id", "effective_at", "base_rate", "base_fineness", "change_number")),
)


def _plain(value):
    """JSON-ready: decimals and ids as strings, never floats."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _wait_for_writers_in_flight() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{BARRIER_TIMEOUT}'")
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('zargar-changes:' || current_schema()))")


def tax_rule(shop) -> dict:
    """The shop's pricing settings as a terminal prices with them: the same
    rules the server prices with (apps.inventory.shop_pricing)."""
    rules = tax_rules_for_shop(shop)
    return {
        "regime": rules.regime,
        "currency": rules.currency,
        "vat_percent": str(shop.vat_percent),
        "profit_percent": str(rules.profit_percent),
        "rounding_increment": str(shop.rounding_increment),
        "rounding_mode": shop.rounding_mode,
        "price_tolerance_percent": str(shop.price_tolerance_percent),
        "gold_rate_max_age_hours": shop.gold_rate_max_age_hours,
    }


def pull_page(*, device: Device, shop, cursor: str | None, limit: int) -> dict:
    page = {
        "changes": {source.kind: [] for source in SOURCES} | {"tax_rule": tax_rule(shop)},
        "deleted": {"items": [], "customers": []},
        "next_cursor": None,
        "has_more": False,
        "full_resync_required": False,
    }
    try:
        after = cursor_decode(cursor)
        high = change_number_latest()
        if after > high:  # a cursor from before a restore, or forged
            raise UnusableCursor("cursor ahead of the shop")
    except UnusableCursor:
        page["full_resync_required"] = True
        return page

    _wait_for_writers_in_flight()
    rows = []
    for source in SOURCES:
        found = (
            source.model.objects.filter(change_number__gt=after, change_number__lte=high)
            .order_by("change_number")
            .values(*source.fields)[: limit + 1]
        )
        rows.extend((row["change_number"], source.kind, row) for row in found)
    rows.sort(key=lambda entry: entry[0])
    page["has_more"] = len(rows) > limit
    rows = rows[:limit]
    _fill(page, rows, device=device)
    page["next_cursor"] = cursor_encode(rows[-1][0] if page["has_more"] else high)
    return page


def _fill(page: dict, rows: list, *, device: Device) -> None:
    branch_id = device.terminal.branch_id
    rate_rows = []
    for _, kind, row in rows:
        if kind == "items" and (row["is_deleted"] or row["branch_id"] != branch_id):
            # Gone, or no longer sold at this terminal's branch.
            page["deleted"]["items"].append(str(row["id"]))
            continue
        if kind == "customers" and row["is_deleted"]:
            page["deleted"]["customers"].append(str(row["id"]))
            continue
        clean = {key: _plain(value) for key, value in row.items() if key not in {"is_deleted", "branch_id"}}
        if kind == "customers":
            clean["tier"] = clean.pop("tier_id")
        page["changes"][kind].append(clean)
        if kind == "gold_rates":
            rate_rows.append(clean)
    if rate_rows:
        explicit = GoldRateFineness.objects.filter(gold_rate_id__in=[r["id"] for r in rate_rows])
        by_rate: dict[str, dict] = {}
        for entry in explicit.values("gold_rate_id", "fineness", "rate"):
            by_rate.setdefault(str(entry["gold_rate_id"]), {})[str(entry["fineness"])] = str(entry["rate"])
        for rate in rate_rows:
            rate["fineness_rates"] = by_rate.get(rate["id"], {})
