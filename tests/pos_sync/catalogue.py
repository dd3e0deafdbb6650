"""A small catalogue for POS tests, made through the real services, in
whichever shop the connection is in."""
from decimal import Decimal
from itertools import count

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.models import Category
from apps.inventory.services import category_create, gold_rate_set, item_create
from tests.helpers import first_staff
from tests.vectors import RING

_numbers = count(1)


def owner() -> User:
    return first_staff("owner")


def rings() -> Category:
    return Category.objects.filter(name="POS rings").first() or category_create(name="POS rings")


def ring(*, branch_name="Main", unique=False, quantity=1, sku=None, **overrides):
    """PRICING.md vector 1's ring (net 5 g of 750, making 18%, stones 2,000,000)."""
    values = dict(
        RING, actor=owner(), sku=sku or f"POS-{next(_numbers):05d}", category=rings(),
        branch=Branch.objects.get(name=branch_name), quantity=quantity, is_unique_piece=unique,
    )
    values.update(overrides)
    return item_create(**values)


def gold_rate(base_rate=Decimal("8000000")):
    return gold_rate_set(actor=owner(), base_rate=base_rate, base_fineness=750)
