"""
Writes on customers and their loyalty points, in the current shop's schema.

Points change only through a PointsEntry row written in the same transaction
as the F() update of the cached balance, with the customer row locked, so the
columns always equal the ledger sums.
"""
import datetime
import uuid
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from psycopg.errors import UniqueViolation

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.customers.lock_objects import customer_lock
from apps.customers.models import Customer, LoyaltyTier, PointsEntry
from apps.customers.text import normalize_phone, normalize_search_text

# Purchase amount (in major units) that earns one point before the tier
# multiplier, by the currency's number of decimals: 1,000,000 Rial, or
# 100.00 of a currency with cents (INR, AED, USD, EUR).
AMOUNT_PER_POINT: dict[int, Decimal] = {0: Decimal("1000000"), 2: Decimal("100.00")}

_UPDATABLE = {"full_name", "phone", "email", "notes", "birthday", "is_deleted", "tier"}


# --------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------


@transaction.atomic
def customer_create(
    *,
    full_name: str,
    phone: str,
    email: str = "",
    notes: str = "",
    birthday: datetime.date | None = None,
    customer_id: uuid.UUID | None = None,
) -> Customer:
    """`customer_id` lets an offline POS choose the id; replaying the same
    creation returns the customer it made the first time."""
    full_name = _clean_name(full_name)
    phone = _clean_phone(phone)
    email = _clean_email(email)
    if customer_id is not None:
        existing = Customer.objects.filter(pk=customer_id).first()
        if existing is not None:
            if existing.phone == phone:
                return existing
            raise ApplicationError("customer_id_taken", f"Another customer already has the id {customer_id}.", status=409)
    _ensure_phone_free(phone)

    customer = Customer(
        id=customer_id or uuid.uuid4(),
        full_name=full_name,
        name_search=normalize_search_text(full_name),
        phone=phone,
        email=email,
        notes=notes,
        birthday=birthday,
    )
    _save_catching_phone_race(customer, phone=phone, save=lambda: customer.save(force_insert=True))
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor=None, **fields) -> Customer:
    """Changes the customer's own details (audited when a member of staff,
    `actor`, does it). Points and balances are not fields here: they move
    only through the points services."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ApplicationError("invalid_field", f"These customer fields cannot be changed here: {names}.")
    if "full_name" in fields:
        fields["full_name"] = _clean_name(fields["full_name"])
        fields["name_search"] = normalize_search_text(fields["full_name"])
    if "phone" in fields:
        fields["phone"] = _clean_phone(fields["phone"])
        _ensure_phone_free(fields["phone"], exclude_id=customer.pk)
    if "email" in fields:
        fields["email"] = _clean_email(fields["email"])
    if "tier" in fields and not isinstance(fields["tier"], LoyaltyTier):
        fields["tier"] = _tier_by_code(fields["tier"])

    before = {name: getattr(customer, name) for name in fields if name != "name_search"}
    for name, value in fields.items():
        setattr(customer, name, value)
    update_fields = [*fields, "updated_at"]
    _save_catching_phone_race(
        customer, phone=customer.phone, save=lambda: customer.save(update_fields=update_fields)
    )
    customer.refresh_from_db(fields=["change_number"])
    if actor is not None:
        after = {name: getattr(customer, name) for name in before}
        before, after = ({k: getattr(v, "pk", v) for k, v in d.items()} for d in (before, after))
        if before != after:
            audit_record(actor=actor, action="customer.update", obj=customer, before=before, after=after)
    return customer


def _clean_name(full_name: str) -> str:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        message = "A customer name is required."
        raise ApplicationError("name_required", message, details=[_detail("full_name", "required", message)])
    return full_name


def _clean_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValueError as exc:
        raise ApplicationError("invalid_phone", str(exc), details=[_detail("phone", "invalid", str(exc))]) from exc


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            message = f"'{email}' is not a valid e-mail address."
            raise ApplicationError("invalid_email", message, details=[_detail("email", "invalid", message)]) from exc
    return email


def _ensure_phone_free(phone: str, *, exclude_id=None) -> None:
    holder = Customer.objects.filter(phone=phone).exclude(pk=exclude_id).values_list("pk", flat=True).first()
    if holder is not None:
        raise _phone_taken(phone, holder)


def _save_catching_phone_race(customer: Customer, *, phone: str, save) -> None:
    """The pre-check above gives the friendly error; the constraint is what
    holds when two terminals register the same number at once."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as exc:
        holder = Customer.objects.filter(phone=phone).exclude(pk=customer.pk).values_list("pk", flat=True).first()
        if not _is_unique_violation(exc) or holder is None:
            raise
        raise _phone_taken(phone, holder) from exc


def _phone_taken(phone: str, holder_id) -> ApplicationError:
    message = f"The phone number {phone} already belongs to a customer."
    detail = _detail("phone", "phone_taken", message) | {"customer_id": str(holder_id)}
    return ApplicationError("phone_taken", message, status=409, details=[detail])


def _detail(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def _is_unique_violation(exc: IntegrityError) -> bool:
    """Tells a duplicate from other violations without naming the constraint:
    shops cloned from the template schema get their single-column unique
    constraints renamed (customers_customer_phone_key)."""
    return isinstance(exc.__cause__, UniqueViolation)


# --------------------------------------------------------------------------
# Loyalty tiers
# --------------------------------------------------------------------------


def _tier_by_code(code: str) -> LoyaltyTier:
    tier = LoyaltyTier.objects.filter(pk=code).first()
    if tier is None:
        raise ApplicationError("invalid_tier", f"Unknown loyalty tier '{code}'.")
    return tier


@transaction.atomic
def loyalty_tier_update(
    *, tier: LoyaltyTier, name: str | None = None, threshold_points: int | None = None, multiplier: Decimal | None = None
) -> LoyaltyTier:
    """Changes a tier's terms; customers already above it keep their tier
    (tiers move up on the next points change, never down by themselves)."""
    if name is not None:
        tier.name = name.strip() or tier.name
    if threshold_points is not None:
        if threshold_points < 0:
            raise ApplicationError("invalid_tier", "A tier threshold cannot be negative.")
        tier.threshold_points = threshold_points
    if multiplier is not None:
        if not isinstance(multiplier, Decimal) or multiplier <= 0:
            raise ApplicationError("invalid_tier", "A tier multiplier must be a positive Decimal.")
        tier.multiplier = multiplier
    try:
        with transaction.atomic():
            tier.save()
    except IntegrityError as exc:
        message = f"Another tier already starts at {tier.threshold_points} points."
        raise ApplicationError("invalid_tier", message, status=409) from exc
    return tier


def _tier_promoted(*, current: LoyaltyTier, lifetime_points: int) -> LoyaltyTier | None:
    """The tier `lifetime_points` reaches if above `current`. Tiers only go up
    automatically; a downgrade is a manager's decision (customer_update)."""
    reached = LoyaltyTier.objects.filter(threshold_points__lte=lifetime_points).order_by("-threshold_points").first()
    if reached is not None and reached.threshold_points > current.threshold_points:
        return reached
    return None


# --------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------


def points_for_purchase(*, customer: Customer, amount: Decimal, currency_exponent: int) -> int:
    """Points a purchase earns: one per AMOUNT_PER_POINT, times the tier
    multiplier, rounded down once at the end (so 1.5 units at x1.50 is 2)."""
    if isinstance(amount, (float, bool)) or not isinstance(amount, (Decimal, int)):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    if currency_exponent not in AMOUNT_PER_POINT:
        raise ValueError(f"No loyalty points rule for a currency with {currency_exponent} decimals.")
    if amount <= 0:
        return 0
    raw = Decimal(amount) * customer.tier.multiplier / AMOUNT_PER_POINT[currency_exponent]
    return int(raw.to_integral_value(rounding=ROUND_FLOOR))


@transaction.atomic
def points_earn(*, customer: Customer, points: int, reference: str, actor=None) -> PointsEntry:
    """Idempotent per reference: a replay returns the first entry and
    changes nothing, whatever `points` it carries."""
    if not reference:
        raise ApplicationError("reference_required", "Earned points must name what earned them (e.g. the sale id).")
    _require_positive(points)
    locked = customer_lock(customer_id=customer.pk)
    entry, created = _entry_add(
        customer=locked, points=points, reason=PointsEntry.Reason.EARN, reference=reference, actor=actor
    )
    if created:
        _balances_move(locked=locked, customer=customer, balance=points, lifetime=points)
    return entry


@transaction.atomic
def points_redeem(*, customer: Customer, points: int, reference: str = "", actor=None) -> PointsEntry:
    """With a reference (the sale paying with points) a replay is a no-op."""
    _require_positive(points)
    locked = customer_lock(customer_id=customer.pk)
    if reference:
        replay = PointsEntry.objects.filter(reference=reference, reason=PointsEntry.Reason.REDEEM).first()
        if replay is not None:
            return replay
    _require_balance(locked, points)
    entry, created = _entry_add(
        customer=locked, points=-points, reason=PointsEntry.Reason.REDEEM, reference=reference, actor=actor
    )
    if created:
        _balances_move(locked=locked, customer=customer, balance=-points, lifetime=0)
    return entry


@transaction.atomic
def points_reverse(*, customer: Customer, reference: str, actor=None) -> PointsEntry:
    """Takes back exactly what `reference` earned, once (a return or void).
    Refused with insufficient_points if part of it was already redeemed: the
    caller decides how to settle that (e.g. a smaller refund)."""
    locked = customer_lock(customer_id=customer.pk)
    earned = reference and (
        PointsEntry.objects.filter(customer=locked, reference=reference, reason=PointsEntry.Reason.EARN).first()
    )
    if not earned:
        message = f"No points were earned by this customer for '{reference}'."
        raise ApplicationError("points_not_found", message, status=404)
    replay = PointsEntry.objects.filter(reference=reference, reason=PointsEntry.Reason.REVERSE).first()
    if replay is not None:
        return replay
    _require_balance(locked, earned.points)
    entry, created = _entry_add(
        customer=locked, points=-earned.points, reason=PointsEntry.Reason.REVERSE, reference=reference, actor=actor
    )
    if created:
        _balances_move(locked=locked, customer=customer, balance=-earned.points, lifetime=-earned.points)
    return entry


@transaction.atomic
def points_adjust(*, customer: Customer, points: int, note: str, actor) -> PointsEntry:
    """A manager's correction, either way; audited. Lifetime points are not
    touched: adjustments are not purchases, so they never raise a tier."""
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise ApplicationError("invalid_points", "An adjustment must be a non-zero whole number of points.")
    if not note.strip():
        raise ApplicationError("note_required", "Say why the points are adjusted.")
    locked = customer_lock(customer_id=customer.pk)
    if points < 0:
        _require_balance(locked, -points)
    before = locked.points_balance
    entry, _ = _entry_add(
        customer=locked, points=points, reason=PointsEntry.Reason.ADJUST, reference="", actor=actor, note=note.strip()
    )
    _balances_move(locked=locked, customer=customer, balance=points, lifetime=0)
    audit_record(
        actor=actor, action="customer.points_adjust", obj=customer,
        before={"points_balance": before}, after={"points_balance": customer.points_balance}, note=note.strip(),
    )
    return entry


def _require_positive(points: int) -> None:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise ApplicationError("invalid_points", "Points must be a positive whole number.")


def _require_balance(customer: Customer, points: int) -> None:
    if customer.points_balance < points:
        raise ApplicationError(
            "insufficient_points",
            f"The customer has {customer.points_balance} points; {points} are needed.",
            status=409,
            details=[{"field": "points", "code": "insufficient_points", "message": "Not enough points.",
                      "balance": customer.points_balance, "requested": points}],
        )


def _entry_add(
    *, customer: Customer, points: int, reason: str, reference: str, actor, note: str = ""
) -> tuple[PointsEntry, bool]:
    """The (reference, reason) constraint is the real guard against doubled
    points: a pre-check alone can't see a concurrent insert for another row."""
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                customer=customer, points=points, reason=reason, reference=reference, actor=actor, note=note
            )
        return entry, True
    except IntegrityError as exc:
        first = PointsEntry.objects.filter(reference=reference, reason=reason).first() if reference else None
        if not _is_unique_violation(exc) or first is None:
            raise
        return first, False


def _balances_move(*, locked: Customer, customer: Customer, balance: int, lifetime: int) -> None:
    """One UPDATE for the cached sums (and a promotion, if one is due); the
    row is locked, so the tier computed from `locked` is the right one."""
    changes = {
        "points_balance": F("points_balance") + balance,
        "lifetime_points": F("lifetime_points") + lifetime,
        "updated_at": timezone.now(),
    }
    promoted = _tier_promoted(current=locked.tier, lifetime_points=locked.lifetime_points + lifetime)
    if promoted is not None:
        changes["tier"] = promoted
    Customer.objects.filter(pk=locked.pk).update(**changes)
    customer.refresh_from_db()
