"""A review entry as a person reads it, in their language: what happened
(one sentence per kind) and its facts as labelled values (money, counts,
dates formatted for the language), never the JSON keys or raw ids the
opening code stored in `details`."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.review.models import ReviewItem
from apps.ui import formatting

Kind = ReviewItem.Kind

WHAT_HAPPENED = {
    Kind.OVERSOLD: gettext_lazy("More pieces were sold than the shop had: the stock of this item is below zero. "
                                "Count the item, or void the sale if it should not have happened."),
    Kind.PRICE_MISMATCH: gettext_lazy("A terminal sold this item at a price other than the shop's. "
                                      "The sale stands at what the customer paid; accept that price or void the sale."),
    Kind.STALE: gettext_lazy("A terminal sent this sale after the offline limit. It was recorded; check that it is real."),
    Kind.UNKNOWN_CUSTOMER: gettext_lazy("A terminal sold to a customer the server does not know "
                                        "(created offline and refused). The sale was recorded without a customer."),
    Kind.REJECTED: gettext_lazy("The server refused an operation a terminal sent; nothing of it was recorded. "
                                "Redo it at the counter if it was real."),
    Kind.STOCK_DRIFT: gettext_lazy("The quantity on record differs from the sum of the stock ledger. "
                                   "Count the item: its quantity and ledger are set to the count."),
    Kind.POINTS_UNREVERSED: gettext_lazy("The customer had already spent points this sale earned, so they could not be "
                                         "taken back. Settle them by hand with a points adjustment."),
}

OPERATION_TYPES = {
    "sale.create": gettext_lazy("Sale"),
    "sale.void": gettext_lazy("Void of a sale"),
    "return.create": gettext_lazy("Return"),
    "customer.create": gettext_lazy("New customer"),
}

# Why a terminal's operation was refused (pos_sync.push and sale_ops codes);
# in English a code not listed shows the server's own message.
REJECTIONS = {
    "unknown_item": gettext_lazy("An item of the sale is not in this shop."),
    "unknown_gold_rate": gettext_lazy("The gold rate the terminal used is not in this shop."),
    "unknown_sale": gettext_lazy("The sale it refers to is not in this shop."),
    "payment_mismatch": gettext_lazy("The payments do not add up to the sale's total."),
    "invalid_quantity": gettext_lazy("A quantity is not valid."),
    "invalid_amount": gettext_lazy("An amount is not valid."),
    "invalid_payment": gettext_lazy("A payment is not valid."),
    "invalid_payments": gettext_lazy("The sale has no payments."),
    "invalid_lines": gettext_lazy("The sale has no lines or too many."),
    "return_exceeds_sale": gettext_lazy("More was returned than was sold."),
    "client_sale_id_taken": gettext_lazy("The terminal sent the same sale twice with different contents."),
    "idempotency_mismatch": gettext_lazy("The terminal reused an operation number for a different operation."),
    "unsupported_type": gettext_lazy("The terminal sent an operation this server does not know."),
    "sale_already_voided": gettext_lazy("This invoice is already voided."),
}
REJECTED_OTHERWISE = gettext_lazy("The operation was not valid.")


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    numeric: bool = False  # shown left to right (digits, amounts)


def _money(value, currency: str) -> str:
    try:
        return formatting.money(value, currency)
    except (ArithmeticError, TypeError, ValueError):
        return ""


def _count(value) -> str:
    return formatting.number(value, 0) if isinstance(value, int) else ""


def _when(text) -> str:
    try:
        return formatting.datetime_text(datetime.fromisoformat(str(text)))
    except ValueError:
        return ""


def rejection_reasons(details: dict) -> list[str]:
    persian = formatting.is_persian()
    reasons = []
    for error in details.get("errors") or []:
        if not isinstance(error, dict):
            continue
        known = REJECTIONS.get(error.get("code"))
        reasons.append(str(known) if known else (str(REJECTED_OTHERWISE) if persian else str(error.get("message") or REJECTED_OTHERWISE)))
    return reasons or [str(REJECTED_OTHERWISE)]


def entry_facts(entry: ReviewItem, *, currency: str) -> list[Fact]:
    """The entry's details as labelled values in the current language."""
    details = entry.details if isinstance(entry.details, dict) else {}
    currency = entry.sale.currency if entry.sale_id and entry.sale else currency
    facts: list[Fact] = []
    if entry.kind == Kind.PRICE_MISMATCH:
        expected, given = details.get("expected"), details.get("given")
        facts += [Fact(_("The shop's price"), _money(expected, currency), True),
                  Fact(_("Charged at the terminal"), _money(given, currency), True)]
        try:
            facts.append(Fact(_("Difference"), _money(Decimal(given) - Decimal(expected), currency), True))
        except (ArithmeticError, TypeError, ValueError):
            pass
    elif entry.kind == Kind.OVERSOLD and "quantity_after" in details:
        facts.append(Fact(_("Stock after this sale"), _count(details.get("quantity_after")), True))
    elif entry.kind in (Kind.OVERSOLD, Kind.STOCK_DRIFT):
        facts += [Fact(_("Quantity on record"), _count(details.get("quantity")), True),
                  Fact(_("Sum of the stock ledger"), _count(details.get("ledger_sum")), True)]
    elif entry.kind == Kind.STALE:
        facts.append(Fact(_("Sold at the terminal on"), _when(details.get("occurred_at"))))
        hours = details.get("max_offline_hours")
        if isinstance(hours, int):
            facts.append(Fact(_("Offline limit"), _("%(hours)s hours") % {"hours": formatting.number(hours, 0)}))
    elif entry.kind == Kind.REJECTED:
        kind = OPERATION_TYPES.get(details.get("type") or (entry.operation.type if entry.operation_id and entry.operation else ""))
        if kind:
            facts.append(Fact(_("Operation"), str(kind)))
        facts += [Fact(_("Why"), reason) for reason in rejection_reasons(details)]
    elif entry.kind == Kind.POINTS_UNREVERSED:
        facts += [Fact(_("Customer"), str(details.get("customer") or "")),
                  Fact(_("Points to take back"), _count(details.get("points")), True),
                  Fact(_("The customer's points now"), _count(details.get("balance")), True)]
    return [fact for fact in facts if fact.value]


def what_happened(entry: ReviewItem) -> str:
    return str(WHAT_HAPPENED.get(entry.kind, ""))
