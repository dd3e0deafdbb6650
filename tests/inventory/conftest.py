"""Inventory fixtures: everything is created through the services, in shop A."""

import pytest

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.services import category_create, item_create
from tests.vectors import RING


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
