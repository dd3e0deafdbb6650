"""
The figures of an interval [start, end), computed from the sales tables.

They are what the daily aggregates hold: `apps.reports.services` stores
them for one (branch, day), and the period reads compute them live for
today. One definition for both, so that a past day and today are counted
alike: sales count on the day they happened and never once voided; a
return counts on the day it was taken, against the branch of its sale.
"""
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DateField, DecimalField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.db.models.functions import TruncDate

from apps.sales.models import Payment, Return, Sale, SaleLine, SaleStatus

ZERO = Decimal(0)
GRAMS = DecimalField(max_digits=20, decimal_places=3)
LINE_GRAMS = ExpressionWrapper(F("net_weight") * F("quantity"), output_field=GRAMS)
VOIDED = Q(status=SaleStatus.VOIDED)

# The sums of a day's DailySales row the reports read (and a day with nothing
# has); its `items_sold` is the sum of the pieces of `lines_by_item`.
SALES_SUMS = ("sales_count", "voided_count", "gross_total", "tax_total", "discount_total", "returns_count", "refunds_total")


def empty_day() -> dict:
    return {"sales_count": 0, "voided_count": 0, "gross_total": ZERO, "tax_total": ZERO, "discount_total": ZERO,
            "returns_count": 0, "refunds_total": ZERO, "by_payment": {}, "payments_count": {}}


def _sales(start: datetime, end: datetime, branch_id: UUID | None, prefix: str = ""):
    where = {f"{prefix}occurred_at__gte": start, f"{prefix}occurred_at__lt": end}
    if branch_id is not None:
        where[f"{prefix}branch_id"] = branch_id
    return where


def _day(field: str, *, start: datetime, end: datetime, tz: ZoneInfo):
    """The shop-local day of `field`: a constant when the interval is one day
    (today, a recomputed day), so that nothing is converted or grouped by row."""
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
    return Value(first, output_field=DateField()) if first == last else TruncDate(field, tzinfo=tz)


def sales_by_day(*, start: datetime, end: datetime, tz: ZoneInfo, branch_id: UUID | None = None) -> dict[date, dict]:
    """Each shop-local day of the interval that has a sale or a return, with
    the sums of `empty_day()`: counts, totals and payments by method (amount
    and count) of the sales not voided, voids counted apart, returns taken."""
    days: dict[date, dict] = defaultdict(empty_day)
    local_day = lambda field: _day(field, start=start, end=end, tz=tz)  # noqa: E731
    for row in (
        Sale.objects.filter(**_sales(start, end, branch_id)).annotate(day=local_day("occurred_at")).values("day")
        .annotate(sales_count=Count("id", filter=~VOIDED), voided_count=Count("id", filter=VOIDED),
                  gross_total=Sum("total", filter=~VOIDED), tax_total=Sum("tax_total", filter=~VOIDED),
                  discount_total=Sum("discount_total", filter=~VOIDED)).order_by()
    ):
        days[row.pop("day")].update({key: value if value is not None else ZERO for key, value in row.items()})
    for day, method, count, amount in (
        Payment.objects.filter(**_sales(start, end, branch_id, "sale__")).exclude(sale__status=SaleStatus.VOIDED)
        .annotate(day=local_day("sale__occurred_at")).values("day", "method")
        .annotate(n=Count("id"), amount=Sum("amount")).order_by().values_list("day", "method", "n", "amount")
    ):
        days[day]["by_payment"][method] = amount
        days[day]["payments_count"][method] = count
    returns = Return.objects.filter(created_at__gte=start, created_at__lt=end)
    if branch_id is not None:
        returns = returns.filter(sale__branch_id=branch_id)
    for day, count, refunds in (
        returns.annotate(day=local_day("created_at")).values("day")
        .annotate(n=Count("id"), s=Sum("refund_total")).order_by().values_list("day", "n", "s")
    ):
        days[day]["returns_count"], days[day]["refunds_total"] = count, refunds or ZERO
    return dict(days)


ITEM_NAMES = ("item__sku", "item__name", "item__category__name")


def _item_lines(start: datetime, end: datetime, branch_id: UUID | None):
    """The lines of items sold in the interval (not work done: no item), of
    the sales not voided."""
    return (SaleLine.objects.filter(**_sales(start, end, branch_id, "sale__"), item__isnull=False)
            .exclude(sale__status=SaleStatus.VOIDED))


def lines_by_item(*, start: datetime, end: datetime, branch_id: UUID | None = None, named: bool = False,
                  order: tuple[str, ...] = (), limit: int | None = None, item_ids=None) -> list[dict]:
    """Lines of the sales not voided, by item: lines, pieces, pieces brought
    back since, net grams and total (and, `named`, the item's SKU, name and
    category: `ITEM_NAMES`); the first `limit` in `order` if asked; only
    the items `item_ids` if given."""
    rows = item_lines(start=start, end=end, branch_id=branch_id, names=ITEM_NAMES if named else ())
    if item_ids is not None:
        rows = rows.filter(item_id__in=list(item_ids))
    rows = rows.order_by(*order)  # none by default: PostgreSQL may hash the groups
    return list(rows[:limit] if limit else rows)


def item_lines(*, start: datetime, end: datetime, branch_id: UUID | None = None, names: tuple[str, ...] = ()):
    """The query of `lines_by_item`: item_id, (names,) lines, pieces,
    returned, grams, total; unordered."""
    lines = _item_lines(start, end, branch_id)
    return (
        lines.values("item_id", *names)
        .annotate(lines=Count("id"), pieces=Sum("quantity"), returned=Sum("returned_quantity"), grams=Sum(LINE_GRAMS),
                  total=Sum("total"))
        .order_by()
    )


def lines_by_item_range(*, start: datetime, end: datetime, branch_id: UUID | None = None, by: str = "total") -> tuple:
    """(lowest, highest) sum of `by` ("total" or "pieces") any one item has
    in the lines of the sales not voided; (0, 0) without lines. One row
    from PostgreSQL, not one per item."""
    per_item = (
        _item_lines(start, end, branch_id).values("item_id").annotate(s=Sum("quantity" if by == "pieces" else "total")).order_by().values("s")
    )
    with connection.cursor() as cursor:
        sql, params = per_item.query.sql_with_params()
        cursor.execute(f"SELECT coalesce(min(s), 0), coalesce(max(s), 0) FROM ({sql}) per_item", params)
        return cursor.fetchone()


def live_version(*, start: datetime, end: datetime, branch_id: UUID | None = None) -> str:
    """Changes whenever the interval's lines do: a sale made in it (counted
    whatever its status), a sale voided, a return taken (the only writer of
    a line's returned quantity; sales and lines are never deleted). Counts
    of committed rows, read before the rows they stand for: any commit
    since is a new version, a late one too (a sequence's highest number
    would not move for a transaction that took its number early)."""
    sales_sql, sales_params = Sale.objects.filter(**_sales(start, end, branch_id)).values("status").order_by().query.sql_with_params()
    returns_sql, returns_params = (Return.objects.filter(created_at__gte=start, created_at__lt=end).values("id").order_by()
                                   .query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), count(*) FILTER (WHERE s.status = %s), (SELECT count(*) FROM ({returns_sql}) r) "
                       f"FROM ({sales_sql}) s", (SaleStatus.VOIDED, *returns_params, *sales_params))
        return ":".join(str(n) for n in cursor.fetchone())


def customers_served(*, start: datetime, end: datetime, branch_id: UUID | None = None) -> list[dict]:
    """Sales not voided, by customer (None: walk-in sales): how many, their
    total and when the last happened."""
    return list(
        Sale.objects.filter(**_sales(start, end, branch_id)).exclude(VOIDED).values("customer_id")
        .annotate(purchases=Count("id"), spent=Sum("total"), last_at=Max("occurred_at"))
        .order_by()
    )
