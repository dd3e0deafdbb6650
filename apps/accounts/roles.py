"""
Roles are carried as permissions: each role is a Group holding the
permissions below, and code checks permissions, never role names.
"""
import functools

from apps.accounts.models import Role

CASHIER_PERMISSIONS = {"sell", "manage_customers"}
MANAGER_PERMISSIONS = CASHIER_PERMISSIONS | {
    "void_sale",
    "return_sale",
    "override_price",
    "manage_inventory",
    "set_gold_rate",
    "manage_terminals",
    "resolve_review",
    "view_reports",
    # Within their own permissions: a manager never makes or changes an
    # owner (apps.accounts.services.role_within).
    "manage_staff",
    "manage_workshop",
}
OWNER_PERMISSIONS = MANAGER_PERMISSIONS | {"manage_shop"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.CASHIER: CASHIER_PERMISSIONS,
    Role.MANAGER: MANAGER_PERMISSIONS,
    Role.OWNER: OWNER_PERMISSIONS,
}


# The roles a shop that requires two-step sign-in (Tenant.mfa_required)
# holds to it; cashiers may enrol but are never made to.
MFA_REQUIRED_ROLES = {Role.OWNER, Role.MANAGER}

# Managers and owners may look at every shop record in the shop's admin site;
# writes go through services, so the admin grants no add/change/delete.
ADMIN_VIEW_ROLES = {Role.MANAGER, Role.OWNER}
PLATFORM_APP_LABELS = {"tenancy"}


def roles_sync(**kwargs) -> None:
    """Creates or corrects the role groups of the current schema (idempotent)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from apps.accounts.models import User

    content_type = ContentType.objects.get_for_model(User)
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = list(Permission.objects.filter(content_type=content_type, codename__in=codenames))
        if role in ADMIN_VIEW_ROLES:
            wanted += Permission.objects.filter(codename__startswith="view_").exclude(
                content_type__app_label__in=PLATFORM_APP_LABELS
            )
        group.permissions.set(wanted)


@functools.cache
def role_permission_names(role: str) -> frozenset[str]:
    """What roles_sync gives the role's group, as "app_label.codename": read
    from this code and the installed models, not from the database
    (apps.accounts.backends)."""
    from django.apps import apps

    from apps.accounts.models import User

    names = {f"{User._meta.app_label}.{codename}" for codename in ROLE_PERMISSIONS.get(role, ())}
    if role in ADMIN_VIEW_ROLES:
        names |= {f"{model._meta.app_label}.view_{model._meta.model_name}" for model in apps.get_models()
                  if "view" in model._meta.default_permissions and model._meta.app_label not in PLATFORM_APP_LABELS}
    return frozenset(names)
