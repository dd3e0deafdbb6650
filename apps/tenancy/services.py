"""Provisioning and lifecycle of shops. Every function runs in the public schema."""
import re
import time
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from apps.accounts.mfa import mfa_enabled
from apps.accounts.models import Role
from apps.accounts.services import language_check, user_create
from apps.branches.services import branch_create
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.tenancy.blueprint import TEMPLATE_SCHEMA
from apps.tenancy.models import LOW_STOCK_THRESHOLD_MAX, Domain, Tenant
from apps.tenancy.upgrade_state import schema_state_copy

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
RESERVED_SCHEMAS = {"public", "information_schema", TEMPLATE_SCHEMA}


@dataclass(frozen=True)
class ProvisionedShop:
    tenant: Tenant
    seconds: float


def platform_ensure(*, domains: list[str]) -> Tenant:
    """The public schema's own tenant row and the host names of the platform site."""
    public, _ = Tenant.objects.get_or_create(schema_name="public", defaults={"name": "Zargar platform"})
    for domain in domains:
        Domain.objects.get_or_create(domain=domain.lower(), defaults={"tenant": public, "is_primary": False})
    return public


def template_schema_ensure() -> Tenant:
    """The schema every new shop is cloned from; migrated in full once."""
    template = Tenant.objects.filter(schema_name=TEMPLATE_SCHEMA).first()
    if template is None:
        template = Tenant(schema_name=TEMPLATE_SCHEMA, name="Shop template", is_template=True)
        template.save(verbosity=0)
    return template


def _schema_name_for(domain: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", domain.split(".")[0].lower()).strip("_") or "shop"
    if base[0].isdigit() or base.startswith("pg_") or base in RESERVED_SCHEMAS:
        base = f"shop_{base}"
    base = base[:50]
    candidate, n = base, 1
    while Tenant.objects.filter(schema_name__iexact=candidate).exists() or schema_exists(candidate):
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _validate_new_shop(*, name: str, domain: str, owner_email: str, owner_password: str) -> None:
    from django.contrib.auth.password_validation import validate_password

    details = []
    if not name.strip():
        details.append({"field": "name", "code": "required", "message": "A shop name is required."})
    if not HOSTNAME.match(domain):
        details.append({"field": "domain", "code": "invalid", "message": f"'{domain}' is not a valid host name."})
    elif Domain.objects.filter(domain=domain).exists():
        raise ApplicationError("domain_taken", f"The domain {domain} already belongs to a shop.", status=409)
    try:
        validate_email(owner_email)
    except ValidationError:
        details.append({"field": "owner_email", "code": "invalid", "message": f"'{owner_email}' is not a valid e-mail address."})
    try:
        validate_password(owner_password)
    except ValidationError as exc:
        details.extend({"field": "owner_password", "code": "weak_password", "message": m} for m in exc.messages)
    if details:
        raise ApplicationError("invalid_shop", "The shop cannot be created: " + "; ".join(d["message"] for d in details), details=details)


# A new shop's first branch, in the shop's language.
FIRST_BRANCH_NAMES = {Tenant.Language.FA: "شعبه مرکزی", Tenant.Language.EN: "Main"}


def shop_create(
    *,
    name: str,
    domain: str,
    owner_email: str,
    owner_password: str,
    currency: str = Tenant.Currency.IRR,
    language: str = Tenant.Language.FA,
    tax_regime: str = Tenant.TaxRegime.IR,
    timezone: str = "Asia/Tehran",
    first_branch: str | None = None,
) -> ProvisionedShop:
    """
    Creates a shop: schema (the template's, apps.tenancy.blueprint), domain,
    owner and a first branch named in the shop's language («شعبه مرکزی» in
    Persian, "Main" in English; `first_branch` names it otherwise). PostgreSQL DDL is transactional, so one
    atomic block makes it all-or-nothing: a failure anywhere leaves no schema
    and no row.
    """
    domain = domain.strip().lower()
    owner_email = owner_email.strip().lower()
    _validate_new_shop(name=name, domain=domain, owner_email=owner_email, owner_password=owner_password)
    template_schema_ensure()

    started = time.perf_counter()
    with transaction.atomic():
        tenant = Tenant(
            schema_name=_schema_name_for(domain),
            name=name.strip(),
            currency=currency,
            language=language,
            tax_regime=tax_regime,
            timezone=timezone,
        )
        tenant.save(verbosity=0)  # the schema, from the template's blueprint
        # It has the template's migration history: migrate_shops skips it.
        schema_state_copy(schema=tenant.schema_name, source=TEMPLATE_SCHEMA)
        Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
        with tenant:
            user_create(email=owner_email, password=owner_password, role=Role.OWNER, full_name=name.strip())
            branch_create(name=first_branch or FIRST_BRANCH_NAMES.get(language, FIRST_BRANCH_NAMES[Tenant.Language.EN]))
    return ProvisionedShop(tenant=tenant, seconds=time.perf_counter() - started)


# What an operator may change on a shop (status has its own services; the
# schema and the template flag never change).
SHOP_SETTINGS = (
    "name", "currency", "language", "timezone", "tax_regime", "vat_percent", "profit_percent",
    "rounding_increment", "rounding_mode", "price_tolerance_percent", "low_stock_threshold", "mfa_required",
    "legal_name", "address", "phone", "postal_code", "economic_code", "national_id", "amount_unit", "making_percent_max",
    "gold_rate_max_age_hours",
)


def timezone_check(name: str) -> str:
    """An IANA time zone name, as `zoneinfo` knows it (shop days follow it)."""
    name = (name or "").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ApplicationError("invalid_timezone", f"'{name}' is not a time zone (e.g. Asia/Tehran).",
                               details=[{"field": "timezone", "code": "invalid_timezone", "message": f"'{name}' is not a time zone."}]) from None
    return name


@transaction.atomic
def shop_update(*, tenant: Tenant, **changes) -> Tenant:
    """Changes a shop's name and settings (`SHOP_SETTINGS`), each checked
    with the model's own rules; the shop's row is locked while it changes."""
    unknown = sorted(set(changes) - set(SHOP_SETTINGS))
    if unknown:
        raise ApplicationError("invalid_shop_setting", f"Not a shop setting: {', '.join(unknown)}.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.is_template:
        raise ApplicationError("not_a_shop", "The template schema is not a shop.")
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    if "timezone" in changes:
        changes["timezone"] = timezone_check(changes["timezone"])
    for field, value in changes.items():
        setattr(tenant, field, value)
    checked = set(changes)
    try:
        tenant.full_clean(exclude=[f.name for f in Tenant._meta.concrete_fields if f.name not in checked], validate_unique=False)
    except ValidationError as exc:
        details = [{"field": field, "code": "invalid", "message": m} for field, messages in exc.message_dict.items() for m in messages]
        raise ApplicationError("invalid_shop", "The shop cannot be changed: " + "; ".join(d["message"] for d in details),
                               details=details) from exc
    if changes:
        tenant.save(update_fields=list(changes))
    return tenant


def _require_manage_shop(actor) -> None:
    if not actor.has_perm("accounts.manage_shop"):
        raise ApplicationError("permission_denied", "You may not change the shop's settings.", status=403)


def _setting_store(*, shop: Tenant, actor, field: str, value) -> Tenant:
    """Stores one checked setting on the tenant row (public schema) and, on
    the shop's own connection, audits it there as tenancy.shop_<field>_set."""
    before = getattr(shop, field)
    if before == value:
        return shop
    Tenant.objects.filter(pk=shop.pk).update(**{field: value})
    setattr(shop, field, value)
    if getattr(connection, "tenant", None) is not None and connection.schema_name == shop.schema_name:
        audit_record(actor=actor, action=f"tenancy.shop_{field}_set", obj=shop, before={field: before}, after={field: value})
    return shop


@transaction.atomic
def shop_low_stock_threshold_set(*, shop: Tenant, actor, threshold: int) -> Tenant:
    """The quantity at or below which a restockable item is low on stock,
    for the dashboard, the low-stock report and the API. The tenant row
    lives in the public schema; the audit entry in the shop's."""
    _require_manage_shop(actor)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 <= threshold <= LOW_STOCK_THRESHOLD_MAX:
        raise ApplicationError("invalid_low_stock_threshold", f"The low-stock threshold must be a whole number from 0 to {LOW_STOCK_THRESHOLD_MAX}.")
    return _setting_store(shop=shop, actor=actor, field="low_stock_threshold", value=threshold)


@transaction.atomic
def shop_mfa_required_set(*, shop: Tenant, actor, required: bool) -> Tenant:
    """Whether owners and managers must use two-step sign-in. The one who
    turns it on must use it already, so the shop cannot lock its owner out
    of the settings page."""
    _require_manage_shop(actor)
    required = bool(required)
    if required and not mfa_enabled(actor):
        raise ApplicationError("mfa_enrolment_required", "Set up two-step sign-in for yourself before requiring it of others.")
    return _setting_store(shop=shop, actor=actor, field="mfa_required", value=required)


def shop_suspend(*, tenant: Tenant) -> Tenant:
    if tenant.is_template:
        raise ApplicationError("not_a_shop", "The template schema is not a shop.")
    tenant.status = Tenant.Status.SUSPENDED
    tenant.save(update_fields=["status"])
    return tenant


def shop_reactivate(*, tenant: Tenant) -> Tenant:
    if tenant.is_template:
        raise ApplicationError("not_a_shop", "The template schema is not a shop.")
    tenant.status = Tenant.Status.ACTIVE
    tenant.save(update_fields=["status"])
    return tenant


@transaction.atomic
def shop_language_set(*, shop: Tenant, actor, language: str) -> Tenant:
    """The shop's language, for staff who have not chosen their own. The
    tenant row lives in the public schema; the audit entry in the shop's."""
    language = language_check(language, allow_blank=False)
    _require_manage_shop(actor)
    return _setting_store(shop=shop, actor=actor, field="language", value=language)


SHOP_PROFILE_FIELDS = ("legal_name", "address", "phone", "postal_code", "economic_code", "national_id",
                       "amount_unit", "making_percent_max", "gold_rate_max_age_hours")


@transaction.atomic
def shop_profile_set(*, shop: Tenant, actor, **changes) -> Tenant:
    """The shop's legal identity on invoices, how amounts are shown and the
    making-charge limit, each checked with the model's own rules and audited
    in the shop's schema as tenancy.shop_<field>_set. All or nothing."""
    _require_manage_shop(actor)
    unknown = sorted(set(changes) - set(SHOP_PROFILE_FIELDS))
    if unknown:
        raise ApplicationError("invalid_shop_setting", f"Not a shop setting: {', '.join(unknown)}.")
    changes = {k: (" ".join(v.split()) if isinstance(v, str) else v) for k, v in changes.items()}
    probe = Tenant.objects.get(pk=shop.pk)
    for field, value in changes.items():
        setattr(probe, field, value)
    try:
        probe.full_clean(exclude=[f.name for f in Tenant._meta.concrete_fields if f.name not in changes], validate_unique=False)
    except ValidationError as exc:
        details = [{"field": field, "code": "invalid", "message": m} for field, messages in exc.message_dict.items() for m in messages]
        raise ApplicationError("invalid_shop", "; ".join(d["message"] for d in details), details=details) from exc
    for field, value in changes.items():
        _setting_store(shop=shop, actor=actor, field=field, value=value)
    return shop
