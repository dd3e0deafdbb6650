"""Translated names for the models' choices (the models keep plain English
labels; the staff pages show these)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "payment": {"cash": _("Cash"), "card": _("Card"), "bank_transfer": _("Bank transfer"), "old_gold": _("Old gold credit"),
                "store_credit": _("Store credit"), "exchange": _("Exchange credit"), "deposit": _("Deposit")},
    "item_status": {"in_stock": _("In stock"), "sold": _("Sold"), "reserved": _("Reserved"), "in_transit": _("In transit"),
                    "on_memo": _("On memo"), "in_repair": _("In repair")},
    "making": {"percent": _("Percent of gold value"), "per_gram": _("Amount per gram"), "fixed": _("Fixed amount")},
    "pricing": {"gold_rate": _("By gold rate"), "fixed": _("Fixed price")},
    "movement": {"purchase": _("Purchase"), "sale": _("Sale"), "return": _("Return"), "void": _("Void"),
                 "adjustment": _("Adjustment"), "transfer": _("Transfer"), "sync": _("Sync")},
    "sale_status": {"completed": _("Completed"), "voided": _("Voided"), "returned": _("Returned"),
                    "partially_returned": _("Partially returned")},
    "sale_source": {"web": _("Counter"), "offline": _("POS (offline)"), "api": _("API"), "workshop": _("Workshop")},
    "service": {"sizing": _("Sizing"), "soldering": _("Soldering"), "polishing": _("Polishing"), "stone_setting": _("Stone setting"),
                "engraving": _("Engraving"), "plating": _("Plating")},
    "repair_status": {"received": _("Received"), "in_work": _("In work"), "ready": _("Ready"), "collected": _("Collected"),
                      "returned": _("Returned unrepaired"), "cancelled": _("Cancelled")},
    "review_kind": {"oversold": _("Oversold"), "price_mismatch": _("Price mismatch"), "stale": _("Stale"),
                    "unknown_customer": _("Unknown customer"), "rejected": _("Rejected operation"),
                    "stock_drift": _("Stock differs from its ledger"), "points_unreversed": _("Points could not be taken back")},
    "review_status": {"open": _("Open"), "resolved": _("Resolved")},
    "review_resolution": {"note": _("Resolved with a note"), "stock_counted": _("Stock counted"),
                          "price_accepted": _("Price accepted"), "sale_voided": _("Sale voided")},
    "tier": {"bronze": _("Bronze"), "silver": _("Silver"), "gold": _("Gold"), "platinum": _("Platinum")},
    "points": {"earn": _("Earned"), "redeem": _("Redeemed"), "reverse": _("Earning reversed"), "adjust": _("Adjusted")},
    "credit": {"refund": _("Return refunded as credit"), "trade_in": _("Old gold over the purchase"), "spend": _("Paid at the counter"),
               "adjust": _("Adjusted"), "merge_in": _("Moved in from a merged customer"), "merge_out": _("Moved to the kept customer"),
               "deposit": _("Workshop deposit kept as credit")},
    "role": {"owner": _("Owner"), "manager": _("Manager"), "cashier": _("Cashier")},
}


def label(kind: str, value) -> str:
    value = getattr(value, "value", value)
    return str(LABELS.get(kind, {}).get(value, value or ""))


def choices(kind: str, values=None) -> list[tuple[str, str]]:
    table = LABELS[kind]
    return [(key, table[key]) for key in (values or table)]


# What the counter shows for the services' errors in Persian; in English the
# services' own (more detailed) messages are shown.
ERRORS = {
    "item_unavailable": _("This item is not available for sale."),
    "insufficient_stock": _("Not enough of this item in stock."),
    "item_not_in_branch": _("This item belongs to another branch."),
    "item_deleted": _("This item has been deleted."),
    "payment_mismatch": _("The payments do not add up to the invoice total."),
    "no_gold_rate": _("No gold rate has been set yet; set one before selling gold."),
    "rate_below_board": _("Only a manager may lower the rate below the board's."),
    "making_below_item": _("Only a manager may lower the making charge."),
    "discount_over_limit": _("This discount is over your limit."),
    "trade_in_rate_above_board": _("Only a manager may pay more than the board's rate for old gold."),
    "invalid_trade_in": _("Check the old gold's weight, fineness and deduction."),
    "invalid_discount": _("The discount is not valid."),
    "invalid_rate": _("The rate is not valid."),
    "invalid_making_value": _("The making charge is not valid."),
    "making_over_limit": _("The making charge is above the shop's limit."),
    "amount_out_of_range": _("The amount is too large to record; check the rates, weights and quantities."),
    "invalid_phone": _("This phone number is not valid."),
    "phone_taken": _("This phone number already belongs to a customer."),
    "name_required": _("A customer name is required."),
    "empty_sale": _("The cart is empty."),
    "permission_denied": _("You are not allowed to do this."),
    "invalid_payment": _("The payment is not valid."),
    "reason_required": _("Say why."),
    "sale_already_voided": _("This invoice is already voided."),
    "sale_has_returns": _("This invoice has returns; return the rest instead of voiding."),
    "note_required": _("Say how it was resolved."),
    "review_already_resolved": _("This entry has already been resolved."),
    "review_fix_not_applicable": _("This entry cannot be resolved that way."),
    "invalid_quantity": _("The quantity is not valid."),
    # returns, store credit and payouts
    "return_exceeds_sold": _("More pieces than are left to return."),
    "store_credit_needs_customer": _("Store credit belongs to a customer: choose the customer first."),
    "insufficient_credit": _("The customer does not have that much store credit."),
    "invalid_refund_method": _("Refund in cash, by card or as store credit."),
    "payout_method_required": _("The shop owes the customer money: pay it out in cash or keep it as store credit."),
    "payment_not_needed": _("The old gold already pays for the sale; take no other payment."),
    "no_payout": _("Nothing is owed to the customer."),
    # the workshop
    "deposit_over_estimate": _("The deposits would come to more than the estimate."),
    "ticket_closed": _("This ticket is closed."),
    "ticket_not_ready": _("This repair is not ready yet."),
    "invalid_move": _("The ticket cannot go to that status from where it is."),
    "invalid_deposit_outcome": _("Say what happens to the deposit: refund it or keep it as credit."),
    "invalid_weight": _("The weight is not valid."),
    "invalid_note": _("Say why."),
    "no_services": _("Choose at least one service."),
    "invalid_promised_on": _("The promised date cannot be in the past."),
    "craftsman_inactive": _("This craftsman no longer takes work."),
    "workshop_invoice": _("This invoice is for work collected from the workshop; it cannot be voided or returned."),
}


def error_text(exc) -> str:
    from django.utils import translation

    if (translation.get_language() or "").startswith("fa") and exc.code in ERRORS:
        return str(ERRORS[exc.code])
    return exc.message
