"""A small catalogue for POS tests, made through the real services."""
from decimal import Decimal
from itertools import count

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.models import Category
from apps.inventory.services import category_create, gold_rate_set, item_create

_numbers = count(1)


def owner() -> User:
    return User.objects.filter(role="owner").first()


def rings() -> Category:
    return Category.objects.filter(name="POS rings").first() or category_create(name="POS rings")


def ring(*, branch_name="Main", unique=False, quantity=1, sku=None, **overrides):
    """PRICING.md vector 1's ring (net 5 g of 750, making 18%, stones 2,000,000)."""
    values = dict(
        actor=owner(), sku=sku or f"POS-{next(_numbers):05d}", name="18k ring", category=rings(),
        branch=Branch.objects.get(name=branch_name), fineness=750, gross_weight=Decimal("5.250"),
        stone_weight=Decimal("0.250"), making_mode="percent", making_value=Decimal("18"),
        stone_value=Decimal("2000000"), pricing_mode="gold_rate", cost=Decimal("30000000"),
        quantity=quantity, is_unique_piece=unique,
    )
    values.update(overrides)
    return item_create(**values)


def gold_rate(base_rate=Decimal("8000000")):
    return gold_rate_set(actor=owner(), base_rate=base_rate, base_fineness=750)
