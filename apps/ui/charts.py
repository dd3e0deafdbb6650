"""Small charts drawn as SVG on the server: nothing to load, print-friendly."""
from dataclasses import dataclass
from decimal import Decimal

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
