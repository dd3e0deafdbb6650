"""A period's sales: per day, in total, by payment method. Whole past days
are read from DailySales, today from today's sales (`periods.period_split`);
voided sales never count, returns count on the day they were taken."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from apps.reports.selectors import daily, figures
from apps.reports.selectors.periods import Period, period_split
from apps.sales.models import PaymentMethod

ZERO = Decimal(0)


@dataclass(frozen=True)
class PeriodSales:
    period: Period
    by_day: dict[date, dict]  # the days that have sales or returns, with the sums of figures.empty_day()
    totals: dict = field(default_factory=figures.empty_day)

    def of_day(self, day: date) -> "PeriodSales":
        """One day of the period, without reading anything again."""
        sums = self.by_day.get(day)
        return PeriodSales(period=Period(day, day), by_day={day: sums} if sums else {}, totals=sums or figures.empty_day())

    @property
    def days(self) -> list[dict]:
        """One row per day of the period, days without sales included."""
        rows = []
        for day in self.period.days:
            sums = self.by_day.get(day) or figures.empty_day()
            rows.append({"day": day, "count": sums["sales_count"], "total": sums["gross_total"], "tax": sums["tax_total"],
                         "discount": sums["discount_total"], "refunds": sums["refunds_total"]})
        return rows

    @property
    def summary(self) -> dict:
        t = self.totals
        count, total = t["sales_count"], t["gross_total"]
        return {"count": count, "total": total, "tax": t["tax_total"], "discount": t["discount_total"],
                "refunds": t["refunds_total"], "net": total - t["refunds_total"], "voided": t["voided_count"],
                "average": (total / count).quantize(Decimal("0.01")) if count else ZERO}

    @property
    def payments(self) -> list[dict]:
        """Amounts by payment method, in the methods' order, those used only."""
        by_payment = self.totals["by_payment"]
        return [{"method": method, "label": label, "amount": by_payment[method]}
                for method, label in PaymentMethod.choices if by_payment.get(method)]


def _add(into: dict, sums: dict) -> None:
    for key in figures.SALES_SUMS:
        into[key] += sums[key]
    for method, amount in sums["by_payment"].items():
        into["by_payment"][method] = into["by_payment"].get(method, ZERO) + amount
    for method, count in sums["payments_count"].items():
        into["payments_count"][method] = into["payments_count"].get(method, 0) + count


def period_sales(period: Period, *, branch_id: UUID | None = None) -> PeriodSales:
    split = period_split(period)
    by_day: dict[date, dict] = {}
    if split.closed:
        by_day.update(daily.daily_sales_days(start=split.closed[0], end=split.closed[1], branch_id=branch_id))
    if split.live:
        by_day.update(figures.sales_by_day(start=split.live[0], end=split.live[1], tz=split.tz, branch_id=branch_id))
    totals = figures.empty_day()
    for sums in by_day.values():
        _add(totals, sums)
    return PeriodSales(period=period, by_day=by_day, totals=totals)
