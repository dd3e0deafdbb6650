"""Writes on staff users, in the current shop's schema."""
from django.conf import settings
from django.contrib.auth.models import Group
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
