"""The shop's clock: its days are the days of its reports, invoices and screens."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection

UTC = ZoneInfo("UTC")


def shop_timezone(shop=None) -> ZoneInfo:
    """The shop's time zone (`shop.timezone`); without a shop, the current
    connection's tenant. A shop without one, or with a name that is not a
    time zone, gets UTC (the settings' TIME_ZONE)."""
    if shop is None:
        shop = getattr(connection, "tenant", None)
    name = getattr(shop, "timezone", None)
    if not name or not isinstance(name, str):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, KeyError):
        return UTC


def shop_today(shop=None):
    """Today in the shop's time zone (whatever zone the process runs in:
    a request, a task or a command)."""
    from django.utils import timezone

    return timezone.localdate(timezone=shop_timezone(shop))
