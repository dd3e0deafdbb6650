"""
What staff may change at the counter (PRICING.md, last section).

* The per-gram rate may be raised above the board's rate, never lowered.
* The making charge may be raised above the item's, never lowered.
* A discount may reach the role's limit (DISCOUNT_LIMIT_PERCENT).
* Old gold is bought the other way round: its rate may be lowered below the
  board's pure-gold rate, never raised.

A user holding `accounts.override_price` may break any of these. Every
change made by hand is returned as an "override" record for the sale line
(and the caller writes it to the audit log), whoever made it.

Functions here decide; they write nothing.
"""
from decimal import Decimal

from apps.core.errors import ApplicationError

OVERRIDE_PERMISSION = "accounts.override_price"

# The largest discount, in percent of the line (tax included, before the
# discount), that a user may give without `accounts.override_price`, by
# `user.role`. A user with no role (platform operators) gets 0. There is no
# shop-level setting for this yet; when there is, it replaces this table.
DISCOUNT_LIMIT_PERCENT: dict[str, Decimal] = {
    "cashier": Decimal("2"),
    "manager": Decimal("10"),
    "owner": Decimal("100"),
}

_HUNDRED = Decimal(100)


def require_perm(actor, permission: str, doing: str) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(permission):
        raise ApplicationError("permission_denied", f"You are not allowed to {doing}.", status=403)


def may_override(user) -> bool:
    return bool(user is not None and user.has_perm(OVERRIDE_PERMISSION))


def discount_limit_percent(user) -> Decimal:
    return DISCOUNT_LIMIT_PERCENT.get(getattr(user, "role", "") or "", Decimal(0))


def discount_percent(*, discount: Decimal, gross: Decimal) -> Decimal:
    """The discount as a percent of the line before it (exact, not rounded)."""
    if not discount:
        return Decimal(0)
    if gross <= 0:
        return _HUNDRED
    return discount * _HUNDRED / gross


def line_override(
    *,
    actor,
    line_no: int,
    board_rate: Decimal,
    rate: Decimal,
    item_making_value: Decimal,
    making_value: Decimal,
    discount: Decimal,
    gross: Decimal,
) -> dict | None:
    """Checks one line's hand-made changes against `actor`'s rights.

    Returns what changed ({"rate": {"from", "to"}, "making_value": {...},
    "discount_percent": "..."}, values as strings) or None when the line is
    priced as the board and the tag say. Raises `rate_below_board`,
    `making_below_item` or `discount_over_limit` (403) when `actor` may not
    make the change.
    """
    privileged = may_override(actor)
    changes: dict = {}
    where = {"field": f"lines[{line_no - 1}]"}

    if rate != board_rate:
        if rate < board_rate and not privileged:
            raise ApplicationError(
                "rate_below_board",
                f"Line {line_no}: the rate {rate} is below the board's {board_rate}; only a manager may lower it.",
                status=403, details=[{**where, "code": "rate_below_board", "board_rate": str(board_rate), "rate": str(rate)}],
            )
        changes["rate"] = {"from": str(board_rate), "to": str(rate)}

    if making_value != item_making_value:
        if making_value < item_making_value and not privileged:
            raise ApplicationError(
                "making_below_item",
                f"Line {line_no}: the making charge {making_value} is below the item's {item_making_value}; "
                "only a manager may lower it.",
                status=403,
                details=[{**where, "code": "making_below_item", "item": str(item_making_value), "making_value": str(making_value)}],
            )
        changes["making_value"] = {"from": str(item_making_value), "to": str(making_value)}

    if discount:
        percent = discount_percent(discount=discount, gross=gross)
        limit = discount_limit_percent(actor)
        if percent > limit and not privileged:
            raise ApplicationError(
                "discount_over_limit",
                f"Line {line_no}: a discount of {percent:.2f}% is over your limit of {limit}%.",
                status=403,
                details=[{**where, "code": "discount_over_limit", "percent": f"{percent:.2f}", "limit": str(limit)}],
            )
        changes["discount_percent"] = f"{percent:.2f}"
        changes["discount"] = str(discount)

    return changes or None


def trade_in_override(*, actor, index: int, board_rate: Decimal, rate: Decimal) -> dict | None:
    """Old gold: a lower rate than the board's is the shop's to give; a higher
    one needs `accounts.override_price` (`trade_in_rate_above_board`, 403)."""
    if rate == board_rate:
        return None
    if rate > board_rate and not may_override(actor):
        raise ApplicationError(
            "trade_in_rate_above_board",
            f"Trade-in {index + 1}: the rate {rate} is above the board's pure-gold rate {board_rate}; "
            "only a manager may pay more.",
            status=403,
            details=[{"field": f"trade_ins[{index}]", "code": "trade_in_rate_above_board",
                      "board_rate": str(board_rate), "rate": str(rate)}],
        )
    return {"pure_rate": {"from": str(board_rate), "to": str(rate)}}


def quote_overrides(*, actor, quote) -> tuple[list[dict | None], list[dict | None]]:
    """Every line's and trade-in's override record for a priced sale
    (`apps.sales.services.SaleQuote`), checking the counter rules for
    `actor`: what sale_create stores and what the counter checks as soon as
    a line changes."""
    lines = [
        line_override(actor=actor, line_no=no, board_rate=price.board_rate, rate=price.rate,
                      item_making_value=price.item_making_value, making_value=price.making_value,
                      discount=price.discount, gross=price.gross)
        for no, price in enumerate(quote.lines, start=1)
    ]
    trade_ins = [trade_in_override(actor=actor, index=i, board_rate=t.board_rate, rate=t.pure_rate)
                 for i, t in enumerate(quote.trade_ins)]
    return lines, trade_ins
