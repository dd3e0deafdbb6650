"""Writes on the shop's stock, in the current shop's schema.

Quantities change only through `stock_move` / `stock_move_many`, which write
a ledger row for every change, so an item's quantity always equals the sum
of its ledger.
"""
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.branches.models import Branch
from apps.core.bulk import copy_insert
from apps.core.errors import ApplicationError
from apps.core.ids import ledger_id
from apps.core.services import audit_record
from apps.inventory import validation
from apps.inventory.lock_objects import item_lock, items_lock_ids
from apps.inventory.models import Category, GoldRate, GoldRateFineness, Item, StockMovement
from apps.inventory.selectors import gold_rate_current

Reason = StockMovement.Reason
Status = Item.Status

# Fields a price depends on: a change to any of them is audited.
PRICE_FIELDS = (
    "fineness", "gross_weight", "stone_weight", "net_weight", "making_mode",
    "making_value", "stone_value", "pricing_mode", "fixed_price",
)
ITEM_ATTRIBUTES = (
    "sku", "barcode", "name", "fineness", "gross_weight", "stone_weight", "making_mode",
    "making_value", "stone_value", "pricing_mode", "fixed_price", "cost",
)
EDITABLE_FIELDS = frozenset(ITEM_ATTRIBUTES) | {"category", "branch", "status"}


# --------------------------------------------------------------------------
# categories
# --------------------------------------------------------------------------


def _category_name(name: str, *, exclude_pk=None) -> str:
    name = validation.text(name, field="Category name", code="invalid_category_name", max_length=120)
    if Category.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ApplicationError("category_exists", f"A category named {name} already exists.", status=409)
    return name


def _check_parent(parent: Category | None, *, child: Category | None = None) -> None:
    if parent is None:
        return
    if not isinstance(parent, Category) or parent._state.adding:
        raise ApplicationError("invalid_parent", "The parent must be an existing category.")
    ancestor = parent
    while child is not None and ancestor is not None:
        if ancestor.pk == child.pk:
            raise ApplicationError("invalid_parent", "A category cannot sit under itself or its own children.")
        ancestor = ancestor.parent


def _save_category(category: Category, **kwargs) -> None:
    try:
        with transaction.atomic():
            category.save(**kwargs)
    except IntegrityError as exc:
        if _constraint_name(exc) == "inventory_category_name_ci_unique":
            raise ApplicationError("category_exists", f"A category named {category.name} already exists.", status=409) from exc
        raise


@transaction.atomic
def category_create(*, name: str, parent: Category | None = None) -> Category:
    name = _category_name(name)
    _check_parent(parent)
    category = Category(name=name, parent=parent)
    _save_category(category)
    return category


_UNCHANGED = object()


@transaction.atomic
def category_update(*, category: Category, name: str | None = None, parent: Category | None = _UNCHANGED) -> Category:
    if name is not None:
        category.name = _category_name(name, exclude_pk=category.pk)
    if parent is not _UNCHANGED:
        _check_parent(parent, child=category)
        category.parent = parent
    _save_category(category)
    return category


# --------------------------------------------------------------------------
# items
# --------------------------------------------------------------------------


def _constraint_name(exc: IntegrityError) -> str:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""


def _check_unique(*, sku: str, barcode: str | None, exclude_pk=None) -> None:
    others = Item.objects.exclude(pk=exclude_pk)
    if others.filter(sku=sku).exists():
        raise ApplicationError("sku_taken", f"SKU {sku} is already used by another item.", status=409)
    if barcode is not None and others.filter(barcode=barcode).exists():
        raise ApplicationError("barcode_taken", f"Barcode {barcode} is already used by another item.", status=409)


def _save_item(item: Item, **kwargs) -> None:
    """Saves, turning a unique-key race lost to another writer into our error."""
    try:
        with transaction.atomic():
            item.save(**kwargs)
    except IntegrityError as exc:
        name = _constraint_name(exc)
        if "sku" in name:
            raise ApplicationError("sku_taken", f"SKU {item.sku} is already used by another item.", status=409) from exc
        if "barcode" in name:
            raise ApplicationError("barcode_taken", f"Barcode {item.barcode} is already used by another item.", status=409) from exc
        raise


def _lock(item: Item) -> Item:
    try:
        return item_lock(item_id=item.pk)
    except Item.DoesNotExist:
        raise ApplicationError("item_not_found", "The item does not exist.", status=404) from None


def _check_relations(*, category=None, branch=None) -> None:
    if category is not None and (not isinstance(category, Category) or category._state.adding):
        raise ApplicationError("invalid_category", "The category must be an existing category.")
    if branch is not None and (not isinstance(branch, Branch) or branch._state.adding):
        raise ApplicationError("invalid_branch", "The branch must be an existing branch.")


def shop_making_percent_max() -> Decimal | None:
    """The shop's highest making charge in percent (its settings), read from
    the request's shop; None outside a shop (no limit to apply)."""
    return getattr(getattr(connection, "tenant", None), "making_percent_max", None)


@transaction.atomic
def item_create(
    *,
    actor,
    sku: str,
    name: str,
    category: Category,
    branch: Branch,
    fineness: int,
    gross_weight: Decimal,
    stone_weight: Decimal,
    making_mode: str,
    making_value: Decimal,
    stone_value: Decimal,
    pricing_mode: str,
    fixed_price: Decimal | None = None,
    cost: Decimal,
    quantity: int = 1,
    is_unique_piece: bool = False,
    barcode: str | None = None,
) -> Item:
    """A new item; its initial stock arrives as a purchase in the ledger."""
    attributes = validation.item_attributes(
        {
            "sku": sku, "barcode": barcode, "name": name, "fineness": fineness,
            "gross_weight": gross_weight, "stone_weight": stone_weight,
            "making_mode": making_mode, "making_value": making_value, "stone_value": stone_value,
            "pricing_mode": pricing_mode, "fixed_price": fixed_price, "cost": cost,
        },
        making_percent_max=shop_making_percent_max(),
    )
    if category is None or branch is None:
        raise ApplicationError("invalid_category" if category is None else "invalid_branch", "Category and branch are required.")
    _check_relations(category=category, branch=branch)
    quantity = validation.initial_quantity(quantity, is_unique_piece=bool(is_unique_piece))
    _check_unique(sku=attributes["sku"], barcode=attributes["barcode"])

    item = Item(**attributes, category=category, branch=branch, is_unique_piece=bool(is_unique_piece), quantity=0)
    _save_item(item)
    if quantity:
        stock_move(item=item, delta=quantity, reason=Reason.PURCHASE, actor=actor, note="Initial stock")
    return item


@transaction.atomic
def item_update(*, actor, item: Item, **fields) -> Item:
    """Changes an item's attributes (never its quantity); a change to anything
    its price depends on is audited with the values before and after."""
    unknown = sorted(set(fields) - EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            "unknown_field", f"These fields cannot be changed here: {', '.join(unknown)}.",
            details=[{"field": f, "code": "not_editable", "message": "Not editable."} for f in unknown],
        )
    locked = _lock(item)
    if locked.is_deleted:
        raise ApplicationError("item_deleted", f"Item {locked.sku} has been deleted.", status=409)

    current = {name: getattr(locked, name) for name in (*ITEM_ATTRIBUTES, "net_weight")}
    wanted = {**current, **{k: v for k, v in fields.items() if k in ITEM_ATTRIBUTES}}
    if fields.get("pricing_mode") == Item.PricingMode.GOLD_RATE and "fixed_price" not in fields:
        wanted["fixed_price"] = None
    # The limit holds for a making charge being set; an item priced before
    # the shop lowered its limit keeps its charge until it is changed.
    making_changed = any(wanted[name] != current[name] for name in ("making_mode", "making_value"))
    try:
        new = validation.item_attributes(wanted, making_percent_max=shop_making_percent_max() if making_changed else None)
    except ApplicationError as exc:
        # One weight changed against the other as stored: a conflict with the item (409), not a bad request.
        if exc.code == "invalid_weight" and len({"gross_weight", "stone_weight"} & set(fields)) == 1 and "exceeds" in exc.message:
            exc.status = 409
        raise

    _check_relations(category=fields.get("category"), branch=fields.get("branch"))
    for relation in ("category", "branch"):
        if relation in fields:
            if fields[relation] is None:
                raise ApplicationError(f"invalid_{relation}", f"An item needs a {relation}.")
            new[relation] = fields[relation]
            current[relation] = getattr(locked, relation)
    if "status" in fields:
        new["status"] = validation.hand_set_status(fields["status"])
        current["status"] = locked.status
        if new["status"] != locked.status and locked.status == Status.SOLD:
            raise ApplicationError("item_sold", f"Item {locked.sku} is sold out; its status follows its stock.", status=409)

    changed = [name for name, value in new.items() if value != current[name]]
    if not changed:
        return locked
    if "sku" in changed or "barcode" in changed:
        _check_unique(sku=new["sku"], barcode=new["barcode"], exclude_pk=locked.pk)
    for name in changed:
        setattr(locked, name, new[name])
    _save_item(locked, update_fields=[*changed, "updated_at"])

    price_changes = [name for name in changed if name in PRICE_FIELDS]
    if price_changes:
        audit_record(
            actor=actor,
            action="inventory.item_price_change",
            obj=locked,
            before={name: current[name] for name in price_changes},
            after={name: new[name] for name in price_changes},
        )
    return locked


@transaction.atomic
def item_delete(*, actor, item: Item) -> Item:
    """Soft delete: POS terminals must learn about it on their next pull."""
    locked = _lock(item)
    if not locked.is_deleted:
        locked.is_deleted = True
        locked.save(update_fields=["is_deleted", "updated_at"])
        audit_record(actor=actor, action="inventory.item_delete", obj=locked, before={"is_deleted": False}, after={"is_deleted": True})
    item.is_deleted = True
    return locked


# --------------------------------------------------------------------------
# stock
# --------------------------------------------------------------------------


def _status_after(*, item: Item, quantity: int) -> str:
    """A one-of-a-kind piece is sold at zero and back in stock above it.
    Mirrored in SQL by `_apply_deltas`."""
    if not item.is_unique_piece:
        return item.status
    if quantity <= 0:
        return Status.SOLD
    return Status.IN_STOCK if item.status == Status.SOLD else item.status


def _check_move(*, reason: str, reference: str) -> str:
    if reason not in Reason.values:
        raise ApplicationError("invalid_reason", f"Reason must be one of {', '.join(Reason.values)}.")
    return validation.text(reference, field="Reference", code="invalid_reference", max_length=64, required=False)


def _user_or_none(actor):
    """Anonymous or system callers are recorded as nobody."""
    return actor if getattr(actor, "pk", None) else None


def _check_delta(delta) -> int:
    delta = validation.whole_number(delta, field="Quantity change", code="invalid_delta")
    if delta == 0:
        raise ApplicationError("invalid_delta", "A stock movement must change the quantity.")
    return delta


@transaction.atomic
def stock_move(*, item: Item, delta: int, reason: str, actor=None, reference: str = "", note: str = "") -> StockMovement:
    """Moves stock of one item. The caller's `item` gets the new quantity and
    status. Deleted items move too: a sale made offline is still a fact."""
    delta = _check_delta(delta)
    reference = _check_move(reason=reason, reference=reference)
    locked = _lock(item)

    movement = StockMovement.objects.create(
        item=locked, quantity_delta=delta, reason=reason, reference=reference, note=note or "", actor=_user_or_none(actor)
    )
    status = _status_after(item=locked, quantity=locked.quantity + delta)
    Item.objects.filter(pk=locked.pk).update(quantity=F("quantity") + delta, status=status, updated_at=timezone.now())
    locked.refresh_from_db(fields=["quantity", "status", "updated_at", "change_number"])
    for name in ("quantity", "status", "updated_at", "change_number"):
        setattr(item, name, getattr(locked, name))
    return movement


_APPLY_DELTAS_SQL = f"""
UPDATE {Item._meta.db_table} AS i
SET quantity = i.quantity + d.delta,
    status = CASE
        WHEN NOT i.is_unique_piece THEN i.status
        WHEN i.quantity + d.delta <= 0 THEN %(sold)s
        WHEN i.status = %(sold)s THEN %(in_stock)s
        ELSE i.status
    END,
    updated_at = %(now)s
FROM unnest(%(ids)s::uuid[], %(deltas)s::int[]) AS d(id, delta)
WHERE i.id = d.id
RETURNING i.id, i.quantity
"""


def _apply_deltas(deltas: dict[UUID, int], *, now: datetime) -> dict[UUID, int]:
    """One statement for the whole batch: round trips, not rows, are what a
    sync push pays for. `deltas` has one entry per item (UPDATE ... FROM
    applies a single joined row per target). Returns the new quantities."""
    if not deltas:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _APPLY_DELTAS_SQL,
            {"ids": list(deltas), "deltas": list(deltas.values()), "now": now, "sold": Status.SOLD, "in_stock": Status.IN_STOCK},
        )
        return dict(cursor.fetchall())


@transaction.atomic
def stock_move_many(
    *, moves: Sequence[tuple[UUID, int]], reason: str, reference: str, actor=None
) -> dict[UUID, int]:
    """Moves stock of many items at once, set-wise, under one reference."""
    return stock_moves_apply(moves=[(item_id, delta, reference) for item_id, delta in moves], reason=reason, actor=actor)


@transaction.atomic
def stock_moves_apply(
    *, moves: Sequence[tuple[UUID, int, str]], reason: str, actor=None
) -> dict[UUID, int]:
    """Moves stock set-wise, each move with its own reference (a POS push
    carries many sales): one lock query in primary-key order, one ledger
    insert, one quantity update. All or nothing. Returns each moved item's
    new quantity."""
    if not moves:
        return {}
    _check_move(reason=reason, reference="")
    checked = [
        (validation.item_id(item_id), _check_delta(delta),
         validation.text(reference, field="Reference", code="invalid_reference", max_length=64, required=False))
        for item_id, delta, reference in moves
    ]

    ids = {item_id for item_id, _, _ in checked}
    missing = ids - set(items_lock_ids(item_ids=ids))
    if missing:
        raise ApplicationError(
            "item_not_found", f"{len(missing)} item(s) do not exist.", status=404,
            details=[{"field": "item_id", "code": "not_found", "message": str(m)} for m in sorted(missing)],
        )

    actor = _user_or_none(actor)
    movements = [
        {"id": ledger_id(), "item_id": item_id, "quantity_delta": delta, "reason": reason, "reference": reference,
         "note": "", "actor_id": actor.pk if actor else None}
        for item_id, delta, reference in checked
    ]
    copy_insert(StockMovement, movements)  # the hot path of a POS push: COPY, not INSERT
    net: dict[UUID, int] = defaultdict(int)
    for item_id, delta, _ in checked:
        net[item_id] += delta
    quantities = _apply_deltas({item_id: delta for item_id, delta in net.items() if delta}, now=timezone.now())
    return {item_id: quantities.get(item_id) for item_id in ids}


def _checked_count(*, item: Item, new_quantity, note: str) -> tuple[int, str, Item]:
    """A counted quantity and its note, checked; the item locked."""
    new_quantity = validation.whole_number(new_quantity, field="New quantity", code="invalid_quantity")
    if new_quantity < 0:
        raise ApplicationError("invalid_quantity", "A counted quantity cannot be negative.")
    note = validation.text(note, field="Note", code="note_required", max_length=2000)
    locked = _lock(item)
    if locked.is_unique_piece and new_quantity > 1:
        # The piece's nature, not the number's form: a conflict with the item (409).
        raise ApplicationError("invalid_quantity", "A one-of-a-kind piece has quantity 0 or 1.", status=409)
    return new_quantity, note, locked


@transaction.atomic
def stock_adjust(*, actor, item: Item, new_quantity: int, note: str) -> StockMovement | None:
    """Sets the counted quantity; the difference goes to the ledger and the
    audit log. Returns None when the count matches (nothing to write)."""
    new_quantity, note, locked = _checked_count(item=item, new_quantity=new_quantity, note=note)
    before = locked.quantity
    if new_quantity == before:
        return None
    movement = stock_move(item=item, delta=new_quantity - before, reason=Reason.ADJUSTMENT, actor=actor, note=note)
    audit_record(
        actor=actor, action="inventory.stock_adjust", obj=locked,
        before={"quantity": before}, after={"quantity": new_quantity}, note=note,
    )
    return movement


@transaction.atomic
def stock_count_correct(*, actor, item: Item, new_quantity: int, note: str) -> StockMovement | None:
    """A count that also mends a ledger out of step with the quantity (what
    reconciliation reports as drift): the ledger gets the difference from its
    own sum, so afterwards quantity, ledger and count agree. Without drift it
    is `stock_adjust`. Returns None when nothing had to change."""
    new_quantity, note, locked = _checked_count(item=item, new_quantity=new_quantity, note=note)
    before, ledger = locked.quantity, sum(locked.movements.values_list("quantity_delta", flat=True))
    if ledger == before:
        return stock_adjust(actor=actor, item=item, new_quantity=new_quantity, note=note)
    movement = None
    if new_quantity != ledger:
        movement = StockMovement.objects.create(item=locked, quantity_delta=new_quantity - ledger, reason=Reason.ADJUSTMENT,
                                                note=note, actor=_user_or_none(actor))
    status = _status_after(item=locked, quantity=new_quantity)
    Item.objects.filter(pk=locked.pk).update(quantity=new_quantity, status=status, updated_at=timezone.now())
    locked.refresh_from_db(fields=["quantity", "status", "updated_at", "change_number"])
    for name in ("quantity", "status", "updated_at", "change_number"):
        setattr(item, name, getattr(locked, name))
    audit_record(actor=actor, action="inventory.stock_count_correct", obj=locked,
                 before={"quantity": before, "ledger_sum": ledger}, after={"quantity": new_quantity}, note=note)
    return movement


# --------------------------------------------------------------------------
# gold rate board
# --------------------------------------------------------------------------


def _rate_snapshot(gold_rate: GoldRate | None) -> dict | None:
    if gold_rate is None:
        return None
    return {
        "base_rate": gold_rate.base_rate,
        "base_fineness": gold_rate.base_fineness,
        "explicit_rates": {str(r.fineness): r.rate for r in gold_rate.fineness_rates.all()},
        "effective_at": gold_rate.effective_at,
        "source": gold_rate.source,
    }


@transaction.atomic
def gold_rate_set(
    *,
    actor,
    base_rate: Decimal,
    base_fineness: int = 750,
    explicit_rates: dict[int, Decimal] | None = None,
    effective_at: datetime | None = None,
    source: str = "manual",
) -> GoldRate:
    """Adds a row to the rate board (history is never rewritten)."""
    base_rate = validation.rate(base_rate, "Base rate")
    base_fineness = validation.fineness(base_fineness, "Base fineness")
    explicit = {
        validation.fineness(f, "Explicit rate fineness"): validation.rate(r, f"Rate for fineness {f}")
        for f, r in (explicit_rates or {}).items()
    }
    effective_at = timezone.now() if effective_at is None else validation.aware_datetime(effective_at, "Effective at")
    source = validation.text(source, field="Source", code="invalid_source", max_length=32)

    before = _rate_snapshot(gold_rate_current())
    gold_rate = GoldRate.objects.create(
        base_rate=base_rate, base_fineness=base_fineness, effective_at=effective_at, source=source,
        set_by=_user_or_none(actor),
    )
    GoldRateFineness.objects.bulk_create(
        GoldRateFineness(gold_rate=gold_rate, fineness=f, rate=r) for f, r in sorted(explicit.items())
    )
    audit_record(actor=actor, action="inventory.gold_rate_set", obj=gold_rate, before=before, after=_rate_snapshot(gold_rate))
    return gold_rate
