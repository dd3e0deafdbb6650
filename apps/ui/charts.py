"""Small charts drawn as SVG on the server: nothing to load, print-friendly."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html_join

from apps.ui import formatting


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    points: str  # polyline points, for line charts
    max_text: str
    axis_y: float
    first_label: str
    last_label: str
    empty: bool

    @property
    def bars_svg(self) -> str:
        """The bars' <rect>s as the template wrote them, made here in one go
        (a template variable per coordinate cost a fifth of the dashboard)."""
        return format_html_join("", '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>', (
            (localize(bar.x), localize(bar.y), localize(bar.width), localize(bar.height), localize(bar.label),
             localize(bar.value_text)) for bar in self.bars))


def chart(series: list[tuple[str, Decimal, str]], *, width: int = 600, height: int = 160) -> Chart:
    """`series`: (axis label, value, value as shown) in order. Bars and a line
    share the same scale; the template picks which to draw."""
    top, bottom = 12, 18
    plot = height - top - bottom
    peak = max((value for _, value, _ in series), default=Decimal(0))
    count = max(len(series), 1)
    step = width / count
    bars, points = [], []
    for index, (label, value, shown) in enumerate(series):
        h = float(value / peak) * plot if peak > 0 else 0.0
        x = index * step
        bars.append(Bar(x=round(x + step * 0.1, 2), y=round(top + plot - h, 2), width=round(step * 0.8, 2),
                        height=round(h, 2), label=label, value_text=shown))
        points.append(f"{x + step / 2:.2f},{top + plot - h:.2f}")
    return Chart(
        width=width, height=height, bars=tuple(bars), points=" ".join(points),
        max_text=formatting.number(peak, 0) if peak else "", axis_y=top + plot,
        first_label=series[0][0] if series else "", last_label=series[-1][0] if series else "",
        empty=peak <= 0,
    )


# --------------------------------------------------------------------------
# line charts over time: a real axis (the data's range, nice ticks), dates
# --------------------------------------------------------------------------

_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Tick:
    at: Decimal  # y of a value tick, x of a date tick
    text: str


@dataclass(frozen=True)
class Dot:
    x: Decimal
    y: Decimal
    title: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: str
    dots: tuple[Dot, ...]
    value_ticks: tuple[Tick, ...]
    date_ticks: tuple[Tick, ...]
    empty: bool = False


def nice_ticks(low: Decimal, high: Decimal, *, count: int = 5) -> list[Decimal]:
    """About `count` round values (1, 2 or 5 times a power of ten apart)
    from at or below `low` to at or above `high`: an axis that shows where
    the data moves, not one from zero. A flat series gets a band around it."""
    low, high = Decimal(low), Decimal(high)
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(high) / 100 if high else Decimal(1)
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    power = Decimal(1).scaleb(raw.adjusted())
    step = next(n * power for n in (1, 2, 5, 10) if raw <= n * power)
    exact = Decimal(1).scaleb(-_places(step))
    first = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    ticks = [first.quantize(exact)]
    while ticks[-1] < high:
        ticks.append((ticks[-1] + step).quantize(exact))
    return ticks


def _places(step: Decimal) -> int:
    return max(0, -step.normalize().as_tuple().exponent)


def line_chart(series: list[tuple[datetime, Decimal, str]], *, width: int = 640, height: int = 220,
               date_labels: int = 6, value_labels: int = 5) -> LineChart:
    """`series`: (when, value, value as shown) in time order. x is time
    (points as far apart as their dates), y runs over the data's own range
    with round ticks; up to `date_labels` dates along the bottom (the
    Jalali calendar and Persian digits in Persian), values in the page's
    digits."""
    left, right, top, bottom = 84, 12, 10, 26
    if not series:
        return LineChart(width, height, left, width - right, top, height - bottom, "", (), (), (), empty=True)
    ticks = nice_ticks(min(v for _, v, _ in series), max(v for _, v, _ in series), count=value_labels)
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = Decimal(width - left - right), Decimal(height - top - bottom)
    start, end = series[0][0], series[-1][0]
    span = max((end - start) // timedelta(seconds=1), 1)

    def x_of(when) -> Decimal:
        return (left + plot_w * ((when - start) // timedelta(seconds=1)) / span).quantize(_HUNDREDTH)

    def y_of(value) -> Decimal:
        return (top + plot_h - plot_h * (Decimal(value) - low) / (high - low)).quantize(_HUNDREDTH)

    places = _places(ticks[1] - ticks[0]) if len(ticks) > 1 else 0
    value_ticks = tuple(Tick(at=y_of(t), text=formatting.number(t, places)) for t in ticks)
    long_span = (end - start) > timedelta(days=300)
    date_ticks, seen = [], set()
    for k in range(date_labels):
        when = start + (end - start) * k / max(date_labels - 1, 1)
        day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
        text = formatting.date_text(day) if long_span else formatting.short_date(day)
        if text not in seen:
            seen.add(text)
            date_ticks.append(Tick(at=x_of(when), text=text))
    dots = tuple(Dot(x=x_of(when), y=y_of(value), title=f"{formatting.datetime_text(when)}: {shown}")
                 for when, value, shown in series)
    return LineChart(width=width, height=height, left=left, right=width - right, top=top, bottom=height - bottom,
                     points=" ".join(f"{d.x},{d.y}" for d in dots), dots=dots,
                     value_ticks=value_ticks, date_ticks=tuple(date_ticks))
