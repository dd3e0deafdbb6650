"""Fixing the cause of a review-queue entry, and resolving it, in one
transaction: counting the stock of an oversold or drifting item (through the
ledger), accepting the price a terminal charged, voiding the sale.

They live here, not in apps.review: review sits below inventory and sales
(docs/architecture.md), and a fix calls their writers. Each fix takes the
entry's lock first (`review_lock_open`), so a fix is done once, and is
audited twice: by the writer it calls and by the resolution.
"""
from django.db import transaction

from apps.core.errors import ApplicationError
from apps.inventory.models import Item
from apps.inventory.services import stock_count_correct
from apps.review.models import ReviewItem
from apps.review.services import review_lock_open, review_resolve
from apps.sales import rules
from apps.sales.models import Sale, SaleStatus
from apps.sales.reversals import sale_void

Kind = ReviewItem.Kind
Resolution = ReviewItem.Resolution

STOCK_KINDS = frozenset({Kind.OVERSOLD, Kind.STOCK_DRIFT})
VOID_KINDS = frozenset({Kind.OVERSOLD, Kind.PRICE_MISMATCH, Kind.STALE, Kind.UNKNOWN_CUSTOMER})
STOCK_PERMISSION = "accounts.manage_inventory"
VOID_PERMISSION = "accounts.void_sale"


def _not_applicable(what: str) -> ApplicationError:
    return ApplicationError("review_fix_not_applicable", f"This entry cannot be resolved by {what}.", status=409)


def review_fixes(entry: ReviewItem, user) -> set[str]:
    """The fixes the page offers for an entry to this user: only those that
    apply to its kind and state and that the user may do."""
    if entry.status != ReviewItem.Status.OPEN or not user.has_perm("accounts.resolve_review"):
        return set()
    fixes = set()
    if entry.kind in STOCK_KINDS and entry.item_id and user.has_perm(STOCK_PERMISSION):
        fixes.add(Resolution.STOCK_COUNTED)
    if entry.kind == Kind.PRICE_MISMATCH and entry.sale_id:
        fixes.add(Resolution.PRICE_ACCEPTED)
    if (entry.kind in VOID_KINDS and entry.sale_id and entry.sale.status == SaleStatus.COMPLETED
            and user.has_perm(VOID_PERMISSION)):
        fixes.add(Resolution.SALE_VOIDED)
    return fixes


@transaction.atomic
def review_stock_count(*, entry: ReviewItem, actor, new_quantity: int, note: str) -> ReviewItem:
    """The item counted: its quantity becomes the count through the ledger
    (`stock_count_correct` also mends a drifted ledger), and the entry is
    resolved."""
    rules.require_perm(actor, STOCK_PERMISSION, "change stock")
    locked = review_lock_open(item=entry, actor=actor)
    if locked.kind not in STOCK_KINDS or locked.item_id is None:
        raise _not_applicable("counting stock")
    item = Item.objects.get(pk=locked.item_id)
    before = item.quantity
    stock_count_correct(actor=actor, item=item, new_quantity=new_quantity, note=note)
    return review_resolve(item=entry, actor=actor, note=note, resolution=Resolution.STOCK_COUNTED,
                          facts={"item_id": str(item.pk), "quantity_before": before, "quantity_after": item.quantity})


@transaction.atomic
def review_price_accept(*, entry: ReviewItem, actor, note: str = "") -> ReviewItem:
    """The terminal's price stands: the sale is already booked at what the
    customer paid (the difference as discount or making, pos_sync.sale_ops),
    so accepting writes nothing but the decision."""
    locked = review_lock_open(item=entry, actor=actor)
    if locked.kind != Kind.PRICE_MISMATCH or locked.sale_id is None:
        raise _not_applicable("accepting the price")
    facts = {key: locked.details.get(key) for key in ("expected", "given") if key in locked.details}
    return review_resolve(item=entry, actor=actor, note=note, resolution=Resolution.PRICE_ACCEPTED,
                          facts={"sale_id": str(locked.sale_id), **facts})


@transaction.atomic
def review_sale_void(*, entry: ReviewItem, actor, reason: str) -> ReviewItem:
    """The sale should not have happened: it is voided (its pieces go back
    through the ledger, `sale_void`) with the reason, and the entry resolved."""
    rules.require_perm(actor, VOID_PERMISSION, "void a sale")
    locked = review_lock_open(item=entry, actor=actor)
    if locked.kind not in VOID_KINDS or locked.sale_id is None:
        raise _not_applicable("voiding the sale")
    sale = sale_void(actor=actor, sale=Sale.objects.get(pk=locked.sale_id), reason=reason)
    return review_resolve(item=entry, actor=actor, note=sale.void_reason, resolution=Resolution.SALE_VOIDED,
                          facts={"sale_id": str(sale.pk), "invoice": sale.invoice_label})
