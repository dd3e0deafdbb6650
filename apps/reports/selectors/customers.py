"""A period's customer analytics: the customers' daily rows for whole past
days, today's sales for today; the customer book as it is now."""
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count

from apps.customers.models import Customer, LoyaltyTier
from apps.reports.selectors import daily, figures
from apps.reports.selectors.periods import Period, period_split

ZERO = Decimal(0)


def _served(period: Period) -> dict:
    """Sales not voided by customer (None: walk-in): purchases, spent, last."""
    split = period_split(period)
    parts = []
    if split.closed:
        parts.append(daily.daily_customers(start=split.closed[0], end=split.closed[1]))
    if split.live:
        parts.append(figures.customers_served(start=split.live[0], end=split.live[1]))
    served: dict = defaultdict(lambda: {"purchases": 0, "spent": ZERO, "last": None})
    for rows in parts:
        for row in rows:
            sums = served[row["customer_id"]]
            sums["purchases"] += row["purchases"]
            sums["spent"] += row["spent"] or ZERO
            sums["last"] = max(filter(None, (sums["last"], row["last_at"])), default=None)
    return served


CHUNK = 1000


def _with_customers(rows: list[dict]):
    """The rows with their customer, read `CHUNK` customers at a time."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        found = Customer.objects.select_related("tier").in_bulk([row["customer_id"] for row in chunk])
        for row in chunk:
            yield {**row, "customer": found.get(row["customer_id"])}


def customer_analytics(period: Period, *, limit: int | None = 20) -> dict:
    """The customer book and the period's buyers, best first: `top` holds
    the first `limit` of them (a list), or with `limit=None` every buyer
    (an iterator that reads the customers in chunks, for a whole export)."""
    served = _served(period)
    walk_in = served.pop(None, {"purchases": 0, "spent": ZERO})
    buyers = sorted(({"customer_id": customer_id, **sums} for customer_id, sums in served.items()),
                    key=lambda row: (-row["spent"], str(row["customer_id"])))
    top = _with_customers(buyers) if limit is None else list(_with_customers(buyers[:limit]))
    book = Customer.objects.filter(is_deleted=False)
    tiers = dict(book.values("tier").annotate(n=Count("id")).values_list("tier", "n"))
    return {
        "customers": book.count(),
        "new": book.filter(created_at__gte=period.start, created_at__lt=period.end).count(),
        "buyers": len(buyers),
        "repeat": sum(1 for row in buyers if row["purchases"] > 1),
        "walk_in_count": walk_in["purchases"],
        "walk_in_total": walk_in["spent"],
        "tiers": [{"tier": tier, "count": tiers.get(tier.code, 0)} for tier in LoyaltyTier.objects.order_by("threshold_points")],
        "top": top,
    }
