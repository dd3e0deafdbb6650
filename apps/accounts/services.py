"""Writes on staff users, in the current shop's schema."""
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from apps.accounts.models import Role, User
from apps.core.errors import ApplicationError
from apps.core.services import audit_record

LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]


@transaction.atomic
def user_create(*, email: str, password: str | None, role: str, full_name: str = "") -> User:
    """A user with the role's group; password None: none usable yet."""
    if role not in Role.values:
        raise ApplicationError("invalid_role", f"Unknown role '{role}'.")
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError("email_taken", f"A user with e-mail {email} already exists.", status=409)
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, role=role, is_staff=role != Role.CASHIER
    )
    user_set_role(user=user, role=role)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    if role not in Role.values:
        raise ApplicationError("invalid_role", f"Unknown role '{role}'.")
    user.role = role
    user.is_staff = role != Role.CASHIER
    user.save(update_fields=["role", "is_staff"])
    user.groups.set([Group.objects.get(name=role)])
    return user


@transaction.atomic
def user_update(*, user: User, email: str | None = None, full_name: str | None = None, language: str | None = None,
                is_active: bool | None = None, role: str | None = None) -> User:
    """A user's profile, whether they may log in, and their role (with the
    permissions it carries). Leaving a value out leaves it as it is."""
    fields = []
    if email is not None:
        email = User.objects.normalize_email(email.strip()).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise ApplicationError("email_taken", f"A user with e-mail {email} already exists.", status=409)
        user.email = email
        fields.append("email")
    if full_name is not None:
        user.full_name = full_name.strip()
        fields.append("full_name")
    if language is not None:
        user.language = language_check(language, allow_blank=True)
        fields.append("language")
    if is_active is not None:
        user.is_active = bool(is_active)
        fields.append("is_active")
    if fields:
        user.save(update_fields=fields)
    if role is not None and role != user.role:
        user_set_role(user=user, role=role)
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str | None) -> User:
    """A new password, held to the site's password rules; None: the user can
    no longer log in with a password."""
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError("weak_password", " ".join(exc.messages),
                                   details=[{"field": "password", "code": "weak_password", "message": m} for m in exc.messages]) from exc
        user.set_password(password)
    user.save(update_fields=["password"])
    return user


def language_check(language: str, *, allow_blank: bool) -> str:
    """One of the site's languages (or blank, where blank means "follow")."""
    language = (language or "").strip()
    if language == "" and allow_blank:
        return language
    if language not in LANGUAGE_CODES:
        raise ApplicationError("invalid_language", f"Language must be one of {', '.join(LANGUAGE_CODES)}.")
    return language


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """The user's own language; blank follows the shop's."""
    user.language = language_check(language, allow_blank=True)
    user.save(update_fields=["language"])
    return user


# --------------------------------------------------------------------------
# Staff, as the owner (or a manager, within limits) manages them
# --------------------------------------------------------------------------
# An actor may give, change or take away only a role whose permissions are
# all their own: a manager makes cashiers and managers, never an owner, and
# cannot touch an owner. The rule is on permissions, never role names.


def role_within(*, actor, role: str) -> bool:
    """Whether `actor` holds every permission `role` carries."""
    from apps.accounts.roles import ROLE_PERMISSIONS

    if role not in ROLE_PERMISSIONS:
        return False
    return actor.has_perms([f"accounts.{codename}" for codename in ROLE_PERMISSIONS[role]])


def roles_grantable(*, actor) -> list[str]:
    """The roles `actor` may give, in Role's order."""
    return [role for role in Role.values if role_within(actor=actor, role=role)]


def _require_staff_manager(actor, *, roles: tuple[str, ...]) -> None:
    if actor is None or not actor.has_perm("accounts.manage_staff"):
        raise ApplicationError("permission_denied", "Your role does not allow managing staff.", status=403)
    for role in roles:
        if role and not role_within(actor=actor, role=role):
            raise ApplicationError("role_above_yours", "Only someone holding every permission of a role may give, "
                                   "change or take it away: ask an owner.", status=403)


def _staff_state(user: User) -> dict:
    return {"email": user.email, "full_name": user.full_name, "role": user.role, "is_active": user.is_active}


def _email_clean(email: str) -> str:
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError("invalid_email", f"'{email}' is not a valid e-mail address.",
                               details=[{"field": "email", "code": "invalid", "message": "Not an e-mail address."}]) from exc
    return email


def _password_check(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError("weak_password", " ".join(exc.messages),
                               details=[{"field": "password", "code": "weak_password", "message": m} for m in exc.messages]) from exc


@transaction.atomic
def staff_create(*, actor, email: str, full_name: str, role: str, password: str | None = None, note: str = "") -> User:
    """A new member of staff. With no password the user has none usable
    until they set one through `password_link_make`'s link. Audited;
    `actor` None is an operator (manage.py create_staff): no checks."""
    if role not in Role.values:
        raise ApplicationError("invalid_role", f"Unknown role '{role}'.",
                               details=[{"field": "role", "code": "invalid", "message": "Not a role."}])
    if actor is not None:
        _require_staff_manager(actor, roles=(role,))
    email = _email_clean(email)
    full_name = " ".join((full_name or "").split())[:150]
    if password is not None:
        _password_check(password, User(email=email, full_name=full_name))
    user = user_create(email=email, password=password, role=role, full_name=full_name)
    audit_record(actor=actor, action="staff.create", obj=user, after=_staff_state(user) | {"password_set": password is not None},
                 note=note)
    return user


def _active_owners_locked() -> list[int]:
    """Locks the active owners' rows (in primary-key order) so that two
    owners demoting or deactivating each other at once leave one."""
    return list(User.objects.select_for_update().filter(role=Role.OWNER, is_active=True).order_by("pk")
                .values_list("pk", flat=True))


@transaction.atomic
def staff_update(*, actor, user: User, email: str | None = None, full_name: str | None = None, role: str | None = None,
                 is_active: bool | None = None) -> User:
    """Changes a member of staff: profile, role, whether they may log in.
    Nobody deactivates themselves, nobody leaves the shop without an active
    owner; a deactivated user's sessions and API tokens stop at once."""
    if role is not None and role not in Role.values:
        raise ApplicationError("invalid_role", f"Unknown role '{role}'.",
                               details=[{"field": "role", "code": "invalid", "message": "Not a role."}])
    _require_staff_manager(actor, roles=(user.role, role or user.role))
    # The owners first, then the user (one of them, maybe): always in this order.
    owners = _active_owners_locked() if is_active is False or role is not None else []
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _staff_state(user)
    if is_active is False and user.is_active and user.pk == actor.pk:
        raise ApplicationError("deactivate_self", "You cannot deactivate yourself.", status=409)
    losing_owner = user.role == Role.OWNER and user.is_active and (is_active is False or (role or Role.OWNER) != Role.OWNER)
    if losing_owner and owners == [user.pk]:
        raise ApplicationError("last_owner", "The shop's last active owner cannot be deactivated or given another role.",
                               status=409)
    user_update(user=user, email=_email_clean(email) if email is not None else None,
                full_name=" ".join(full_name.split())[:150] if full_name is not None else None, is_active=is_active, role=role)
    after = _staff_state(user)
    if after != before:
        action = {False: "staff.deactivate", True: "staff.reactivate"}.get(is_active) if after["is_active"] != before["is_active"] \
            else "staff.update"
        audit_record(actor=actor, action=action, obj=user, before=before, after=after)
    if before["is_active"] and not after["is_active"]:
        tokens_revoke(user=user)
    return user


@transaction.atomic
def staff_password_reset(*, actor, user: User, password: str | None = None) -> User:
    """A new password set by the owner, or (None) none usable until the
    user follows a new one-time link. Either way the old password, the
    user's sessions and API tokens stop working. Audited (never the password)."""
    _require_staff_manager(actor, roles=(user.role,))
    if user.pk == actor.pk:
        raise ApplicationError("reset_self", "Change your own password on your own page: it asks for the current one.",
                               status=409)
    if password is not None:
        _password_check(password, user)
    user_password_set(user=user, password=password)
    tokens_revoke(user=user)
    audit_record(actor=actor, action="staff.password_reset", obj=user, after={"by_link": password is None})
    return user


def tokens_revoke(*, user: User) -> int:
    """Blacklists every refresh token the user holds. Access tokens of an
    inactive user are refused (simplejwt checks is_active), and those issued
    before a password change carry the old password's hash (CHECK_REVOKE_TOKEN)."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    made = BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding],
                                                ignore_conflicts=True)
    return len(made)


PASSWORD_LINK_PATH = "/accounts/set-password/{uid}/{token}/"


def password_link_make(*, user: User) -> str:
    """The path of a link that sets the user's password once: Django's
    reset token is a hash of the current password (unusable until then), so
    it stops working as soon as a password is set, or after
    PASSWORD_RESET_TIMEOUT."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return PASSWORD_LINK_PATH.format(uid=urlsafe_base64_encode(force_bytes(user.pk)), token=default_token_generator.make_token(user))

