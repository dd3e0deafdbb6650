"""Offline pricing: the server's own pure engine (apps.inventory.pricing) fed
from pulled rows, so the terminal and the server compute the same price from
the same gold rate. Rows are plain dicts with decimal strings, exactly as the
pull endpoint sends them; nothing here touches the store or the network."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Iterable, Mapping

from apps.inventory import pricing as engine

from pos_terminal.errors import CatalogueError


def dec(value, name: str) -> Decimal:
    """A pulled decimal string as Decimal. Floats are refused: JSON numbers
    with a fraction would already have lost precision."""
    if isinstance(value, bool) or isinstance(value, float) or value is None:
        raise CatalogueError(f"{name} must be a decimal string, got {value!r}")
    try:
        result = Decimal(value) if isinstance(value, (str, int)) else Decimal(str(value))
    except InvalidOperation:
        raise CatalogueError(f"{name} is not a decimal: {value!r}") from None
    if not result.is_finite():
        raise CatalogueError(f"{name} must be finite, got {value!r}")
    return result


def money(amount: Decimal) -> str:
    """A Decimal as the wire's money string (never exponent notation)."""
    return f"{amount:f}"


def tax_rules(tax_rule: Mapping) -> engine.TaxRules:
    if not tax_rule:
        raise CatalogueError("no tax rule pulled yet: run `pull` first")
    vat = tax_rule.get("vat_percent")
    try:
        return engine.TaxRules(
            regime=tax_rule["regime"],
            currency=tax_rule["currency"],
            vat_percent=None if vat is None else dec(vat, "vat_percent"),
            profit_percent=dec(tax_rule.get("profit_percent") or "0", "profit_percent"),
            rounding_increment=dec(tax_rule.get("rounding_increment") or "0", "rounding_increment"),
            rounding_mode=tax_rule.get("rounding_mode") or "nearest",
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogueError(f"unusable tax rule {dict(tax_rule)!r}: {exc}") from None


def parse_time(value: str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def gold_rate_current(rates: Iterable[Mapping], *, at: datetime) -> Mapping | None:
    """The rate board row in force at `at`: the latest whose effective_at has
    passed (ties: the later id order is irrelevant, rows are immutable)."""
    passed = [r for r in rates if parse_time(r["effective_at"]) <= at]
    return max(passed, key=lambda r: parse_time(r["effective_at"]), default=None)


@dataclass(frozen=True)
class LinePrice:
    """One priced sale line. `unit_price` is the price of one piece with tax;
    the shop rounding is applied later, once, to the sale total."""

    item_id: str
    quantity: int
    gold_rate_id: str | None
    unit_price: Decimal
    total: Decimal
    breakdown: engine.PriceBreakdown

    def as_payload(self) -> dict:
        return {
            "item_id": self.item_id,
            "quantity": self.quantity,
            "gold_rate_id": self.gold_rate_id,
            "unit_price": money(self.unit_price),
        }


def price_line(item: Mapping, gold_rate: Mapping | None, tax_rule: Mapping, quantity: int = 1) -> LinePrice:
    """Prices `quantity` pieces of a pulled item from a pulled gold rate row
    and tax rule (plain dicts, decimal strings)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"quantity must be a positive int, got {quantity!r}")
    rules = tax_rules(tax_rule)
    label = item.get("sku") or item.get("id")
    try:
        if item.get("pricing_mode") == "fixed":
            breakdown = engine.price_fixed_item(price=dec(item.get("fixed_price"), f"{label} fixed_price"), rules=rules)
        else:
            if not gold_rate:
                raise CatalogueError("no gold rate in force: pull the rate board first")
            breakdown = engine.price_gold_piece(
                net_weight=_net_weight(item, label),
                rate=_rate(gold_rate, int(item["fineness"])),
                making=engine.Making(
                    mode=item.get("making_mode") or "percent",
                    value=dec(item.get("making_value") or "0", f"{label} making_value"),
                ),
                stone_value=dec(item.get("stone_value") or "0", f"{label} stone_value"),
                rules=rules,
            )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogueError(f"cannot price item {label}: {exc}") from None
    return LinePrice(
        item_id=str(item["id"]),
        quantity=quantity,
        gold_rate_id=str(gold_rate["id"]) if gold_rate and gold_rate.get("id") else None,
        unit_price=breakdown.total,
        total=breakdown.total * quantity,
        breakdown=breakdown,
    )


def sale_total(lines: Iterable[LinePrice], tax_rule: Mapping) -> engine.RoundedTotal:
    """The sale total: line totals summed, then the shop rounding applied once."""
    return engine.invoice_total((line.total for line in lines), tax_rules(tax_rule))


def _net_weight(item: Mapping, label) -> Decimal:
    if item.get("net_weight") not in (None, ""):
        return dec(item["net_weight"], f"{label} net_weight")
    return engine.net_weight(dec(item["gross_weight"], f"{label} gross_weight"), dec(item.get("stone_weight") or "0", f"{label} stone_weight"))


def _rate(gold_rate: Mapping, fineness: int) -> Decimal:
    explicit = {int(f): dec(r, f"rate for fineness {f}") for f, r in (gold_rate.get("fineness_rates") or {}).items()}
    return engine.rate_for_fineness(
        base_rate=dec(gold_rate["base_rate"], "base_rate"),
        base_fineness=int(gold_rate.get("base_fineness") or 750),
        fineness=fineness,
        explicit_rates=explicit,
    )
