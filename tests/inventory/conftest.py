"""Inventory fixtures: everything is created through the services, in shop A."""
from decimal import Decimal

import pytest

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.services import category_create, item_create

RING = {
    "name": "18k ring",
    "fineness": 750,
    "gross_weight": Decimal("5.250"),
    "stone_weight": Decimal("0.250"),
    "making_mode": "percent",
    "making_value": Decimal("18"),
    "stone_value": Decimal("2000000"),
    "pricing_mode": "gold_rate",
    "cost": Decimal("30000000"),
}


@pytest.fixture
def owner(in_shop_a) -> User:
    return User.objects.get(email="owner@shop-a.test")


@pytest.fixture
def branch(in_shop_a) -> Branch:
    return Branch.objects.get(name="Bazaar")


@pytest.fixture
def category(in_shop_a):
    return category_create(name="Rings")


@pytest.fixture
def make_item(owner, branch, category):
    """An 18k ring (PRICING.md vector 1: net 5 g, making 18%, stones 2,000,000)
    unless told otherwise; SKUs are numbered so several can coexist."""
    counter = iter(range(1, 10_000))

    def make(**overrides):
        values = {**RING, "sku": f"R-{next(counter):04d}", "category": category, "branch": branch, "actor": owner}
        values.update(overrides)
        return item_create(**values)

    return make
