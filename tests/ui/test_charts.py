"""The gold-rate history chart: an axis over the data's own range with
round ticks (not from zero), several dates (Jalali in Persian), values in
the page's digits; drawn on the gold-rate page."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone, translation

from apps.ui.charts import line_chart, nice_ticks
from tests.helpers import text


def test_ticks_are_round_and_cover_the_data_not_from_zero():
    ticks = nice_ticks(Decimal("7950000"), Decimal("8420000"))
    assert ticks == [Decimal("7800000"), Decimal("8000000"), Decimal("8200000"), Decimal("8400000"), Decimal("8600000")]
    assert [str(t) for t in ticks[:2]] == ["7800000", "8000000"]
    assert nice_ticks(Decimal("0.12"), Decimal("0.19")) == [Decimal("0.12"), Decimal("0.14"), Decimal("0.16"),
                                                             Decimal("0.18"), Decimal("0.20")]
    flat = nice_ticks(Decimal("8000000"), Decimal("8000000"))
    assert flat[0] < Decimal("8000000") < flat[-1] and flat[0] > 0


def _series(days=40, start=Decimal("8000000"), step=Decimal("12500")):
    now = timezone.now()
    return [(now - timedelta(days=days - n), start + step * n, str(start + step * n)) for n in range(days)]


def test_the_line_spans_the_plot_and_points_sit_by_time():
    series = _series()
    chart = line_chart(series)
    ys = [dot.y for dot in chart.dots]
    assert min(ys) >= chart.top and max(ys) <= chart.bottom
    assert max(ys) - min(ys) > Decimal(chart.bottom - chart.top) / 2  # not a flat line near the top
    assert chart.dots[0].x == chart.left and chart.dots[-1].x == chart.right
    middle = chart.dots[len(series) // 2]
    assert abs(middle.x - Decimal(chart.left + chart.right) / 2) < 20
    assert len(chart.value_ticks) >= 4 and all(isinstance(t.at, Decimal) for t in chart.value_ticks)


def test_dates_and_values_in_persian_and_english():
    series = _series()
    with translation.override("en"):
        english = line_chart(series)
    with translation.override("fa"):
        persian = line_chart(series)
    assert len(english.date_ticks) >= 5 and len(persian.date_ticks) == len(english.date_ticks)
    assert english.value_ticks[1].text == "8,000,000" or english.value_ticks[0].text.replace(",", "").isdigit()
    assert all(t.text.replace(",", "").isdigit() for t in english.value_ticks)
    assert all(not any(c in "0123456789" for c in t.text) for t in persian.value_ticks + persian.date_ticks)
    assert "٬" in persian.value_ticks[1].text
    first_day = timezone.localtime(series[0][0]).date()
    import jdatetime

    jalali = jdatetime.date.fromgregorian(date=first_day)
    assert persian.date_ticks[0].text == f"{jalali.month:02d}/{jalali.day:02d}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert english.date_ticks[0].text == first_day.strftime("%m-%d")


def test_the_gold_rate_page_draws_the_axis(as_owner, owner):
    from apps.inventory.services import gold_rate_set

    now = timezone.now()
    for n, rate in enumerate(("7900000", "8050000", "8200000", "8150000")):
        gold_rate_set(actor=owner, base_rate=Decimal(rate), effective_at=now - timedelta(days=30 - n * 7))
    page = text(as_owner.get("/gold-rate/"))
    assert 'class="chart line-chart"' in page
    assert page.count('class="value-tick"') >= 4 and page.count('class="date-tick"') >= 4
    assert ">7,900,000<" in page and ">8,200,000<" in page and ">0<" not in page  # from the lowest rate, not from 0


def test_the_bars_are_drawn_as_the_template_drew_them():
    from django.template import Context, Template

    from apps.ui.charts import chart

    per_bar = Template('{% for bar in chart.bars %}<rect class="bar" x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.width }}" '
                       'height="{{ bar.height }}"><title>{{ bar.label }}: {{ bar.value_text }}</title></rect>{% endfor %}')
    series = [(f"<{n}>", Decimal(n * 1234567 % 97), f"{n} & co") for n in range(30)]
    for language in ("fa", "en"):
        with translation.override(language):
            drawn = chart(series)
            assert drawn.bars_svg == per_bar.render(Context({"chart": drawn})) and drawn.bars_svg.count("<rect") == 30
