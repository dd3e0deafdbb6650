"""Periods of the shop's calendar. A day is a day of the shop's time zone;
a period is split at the shop's midnight: whole past days are read from the
daily aggregates, the rest (today) from the sales tables."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.core.timezones import shop_timezone, shop_today


def local_start(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The shop's midnight that starts `day`."""
    return datetime.combine(day, time.min, tzinfo=tz or shop_timezone())


def today(tz: ZoneInfo | None = None) -> date:
    """Today in the shop's time zone (or in `tz`)."""
    return timezone.localdate(timezone=tz) if tz else shop_today()


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date  # inclusive

    @property
    def start(self) -> datetime:
        return local_start(self.date_from)

    @property
    def end(self) -> datetime:
        return local_start(self.date_to + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=n) for n in range((self.date_to - self.date_from).days + 1)]


@dataclass(frozen=True)
class Split:
    """`closed`: the whole past days (first, last) read from the aggregates;
    `live`: [start, end) read from the sales, from the shop's midnight on."""

    closed: tuple[date, date] | None
    live: tuple[datetime, datetime] | None
    tz: ZoneInfo


def period_split(period: Period, *, tz: ZoneInfo | None = None, on: date | None = None) -> Split:
    tz = tz or shop_timezone()
    on = on or today(tz)
    closed = (period.date_from, min(period.date_to, on - timedelta(days=1))) if period.date_from < on else None
    live = None
    if period.date_to >= on:
        live = (local_start(max(period.date_from, on), tz), local_start(period.date_to + timedelta(days=1), tz))
    return Split(closed=closed, live=live, tz=tz)
