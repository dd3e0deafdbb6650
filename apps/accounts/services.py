"""Writes on staff users, in the current shop's schema."""
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import Role, User
from apps.core.errors import ApplicationError

LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]


@transaction.atomic
def user_create(*, email: str, password: str, role: str, full_name: str = "") -> User:
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
