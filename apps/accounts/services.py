"""Writes on staff users, in the current shop's schema."""
from django.contrib.auth.models import Group
from django.db import transaction

from apps.accounts.models import Role, User
from apps.core.errors import ApplicationError


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
