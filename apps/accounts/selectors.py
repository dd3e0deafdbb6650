"""Reads on staff users, in the current shop's schema."""
from django.db.models import QuerySet

from apps.accounts.models import User


def staff_list() -> QuerySet[User]:
    """Every member of the shop's staff (not platform operators), active first."""
    return User.objects.exclude(role="").order_by("-is_active", "role", "full_name", "email")
