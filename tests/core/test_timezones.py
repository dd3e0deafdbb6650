"""apps.core.timezones.shop_timezone: one answer for the web UI, the API and
the reports."""
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from apps.core.timezones import shop_timezone

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize("name, zone", [
    ("Asia/Tehran", ZoneInfo("Asia/Tehran")),
    ("Asia/Dubai", ZoneInfo("Asia/Dubai")),
    ("", UTC),
    (None, UTC),
    ("Mars/Olympus_Mons", UTC),
    ("../../etc/passwd", UTC),
])
def test_the_shops_zone_else_utc(name, zone):
    assert shop_timezone(SimpleNamespace(timezone=name)) == zone


def test_something_without_a_zone_is_utc():
    assert shop_timezone(object()) == UTC


def test_without_a_shop_the_current_shops_zone(shop_a):
    connection.set_tenant(shop_a)
    assert shop_timezone() == ZoneInfo(shop_a.timezone) == ZoneInfo("Asia/Tehran")
    connection.set_schema_to_public()
    assert shop_timezone() == UTC  # the public schema is no shop
