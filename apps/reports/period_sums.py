"""The one writer of `PeriodItemSums`: the items' sums over a range of
whole past days, written once per version of the range by the first report
that reads it, and read by key after that."""
import datetime
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.reports.models import DailyItemSales, PeriodItemSums
from apps.reports.selectors.daily import range_version

SUMS = ("lines", "pieces", "returned", "grams", "total")
KEPT_FOR = datetime.timedelta(days=1)  # another range's rows, read by nobody once the day has moved on


def period_item_sums_kept(*, start: datetime.date, end: datetime.date, branch_id: UUID | None) -> str | None:
    """The key under which the range's item sums are kept, written now if
    they are not yet; None when the reports' cache is off."""
    if not settings.REPORTS_CACHE_SECONDS:
        return None
    prefix = f"{start.isoformat()}:{end.isoformat()}:{branch_id or 'all'}:"
    key = prefix + range_version(start, end)  # read before the rows, as the cache does
    if PeriodItemSums.objects.filter(key=key).exists():
        return key
    rows = DailyItemSales.objects.filter(day__gte=start, day__lte=end)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    daily_sql, params = rows.values("item_id", *SUMS).order_by().query.sql_with_params()
    sums = ", ".join(f"sum({column})" for column in SUMS)
    with transaction.atomic(), connection.cursor() as cursor:
        # The same range read at once by two reports: the second writes nothing.
        cursor.execute(
            f"INSERT INTO {PeriodItemSums._meta.db_table} (key, item_id, {', '.join(SUMS)}, created_at) "
            f"SELECT %s, item_id, {sums}, %s FROM ({daily_sql}) days GROUP BY item_id "
            f"ON CONFLICT (key, item_id) DO NOTHING",
            [key, timezone.now(), *params],
        )
        PeriodItemSums.objects.filter(key__startswith=prefix).exclude(key=key).delete()
        PeriodItemSums.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return key
