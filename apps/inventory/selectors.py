"""Reads on the shop's stock and the gold rate board. Prices: shop_pricing."""
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.inventory import pricing
from apps.inventory.models import GoldRate, GoldRateFineness, Item, StockMovement

SEARCH_LIMIT_MAX = 100


def gold_rate_current(*, at: datetime | None = None) -> GoldRate | None:
    """The board row in force at `at` (default now): the latest one that has
    taken effect. Rows set for later are not current yet."""
    return GoldRate.objects.filter(effective_at__lte=at or timezone.now()).order_by("-effective_at", "-created_at").first()


def gold_rate_for_fineness(*, gold_rate: GoldRate, fineness: int) -> Decimal:
    """Rate per gram at `fineness`: the shop's explicit rate if it set one,
    else the base rate scaled by purity."""
    try:
        return pricing.rate_for_fineness(
            base_rate=gold_rate.base_rate,
            base_fineness=gold_rate.base_fineness,
            fineness=fineness,
            explicit_rates=_explicit_rates(gold_rate),
        )
    except (TypeError, ValueError) as exc:
        raise ApplicationError("invalid_fineness", str(exc)) from exc


def _explicit_rates(gold_rate: GoldRate) -> Mapping[int, Decimal]:
    """The rates the shop set explicitly with this board row: prefetched
    (a POS push prices hundreds of lines against a few rows), or read once
    per process. A board row and its rates are written together and never
    changed (history is kept), so what was read for a row's id stays true."""
    explicit = getattr(gold_rate, "_explicit_rates", None)
    if explicit is None:
        prefetched = getattr(gold_rate, "_prefetched_objects_cache", {}).get("fineness_rates")
        explicit = gold_rate._explicit_rates = ({r.fineness: r.rate for r in prefetched} if prefetched is not None
                                                else _explicit_rates_of(connection.schema_name, gold_rate.pk))
    return explicit


@lru_cache(maxsize=4096)
def _explicit_rates_of(schema_name: str, gold_rate_id) -> Mapping[int, Decimal]:
    return MappingProxyType(dict(GoldRateFineness.objects.filter(gold_rate_id=gold_rate_id).values_list("fineness", "rate")))


def item_ledger_sum(item: Item) -> int:
    """What the item's quantity should be; the reconciliation job compares."""
    return StockMovement.objects.filter(item=item).aggregate(total=Sum("quantity_delta"))["total"] or 0


def item_list_low_stock(threshold: int) -> QuerySet[Item]:
    """Items to reorder: stock at or below `threshold`. One-of-a-kind pieces
    are left out, as they are never restocked."""
    return (
        Item.objects.filter(is_deleted=False, is_unique_piece=False, quantity__lte=threshold)
        .select_related("category", "branch")
        .order_by("quantity", "sku")
    )


def item_by_code(code: str) -> list[Item]:
    """The items (not deleted) whose SKU (in any case) or barcode is `code`:
    what a scanner sends. Two indexed lookups, so a scan does not read the
    whole stock as a search does; more than one hit means the code is
    ambiguous (a SKU that is another item's barcode)."""
    code = (code or "").strip()
    if not code:
        return []
    return list(
        Item.objects.filter(is_deleted=False).filter(Q(sku__iexact=code) | Q(barcode=code))
        .select_related("category", "branch").order_by("sku")[:2]
    )


def item_search(query: str, *, limit: int = 20) -> list[Item]:
    """Items whose SKU, barcode or name contains `query`; exact SKU or
    barcode hits first (that is what a scanner sends)."""
    query = (query or "").strip()
    if not query:
        return []
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    exact = Q(sku__iexact=query) | Q(barcode=query)
    return list(
        Item.objects.filter(is_deleted=False)
        .filter(exact | Q(sku__icontains=query) | Q(barcode__icontains=query) | Q(name__icontains=query))
        .annotate(rank=Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .select_related("category", "branch")
        .order_by("rank", "name", "sku")[:limit]
    )
