"""Staff UI fixtures: shop A as an Iranian shop (PRICING.md vector 1), its
staff logged in on Django's test client, stock made through the services."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.inventory.services import category_create, gold_rate_set, item_create
from tests.conftest import SHOPS
from tests.vectors import RING, RING_TOTAL as VECTOR_1_TOTAL  # noqa: F401  (re-exported to the UI tests)


@pytest.fixture
def shop(in_shop_a):
    """Shop A, Iranian settings, English pages unless a test says otherwise."""
    in_shop_a.tax_regime, in_shop_a.currency, in_shop_a.language = "IR", "IRR", "en"
    in_shop_a.vat_percent, in_shop_a.profit_percent = Decimal("10"), Decimal("7")
    in_shop_a.rounding_increment, in_shop_a.rounding_mode = Decimal("0"), "nearest"
    in_shop_a.save()
    return in_shop_a


def staff(role: str) -> User:
    return User.objects.get(email=f"{role}@shop-a.test")


@pytest.fixture
def owner(shop):
    return staff("owner")


@pytest.fixture
def manager(shop):
    return staff("manager")


@pytest.fixture
def cashier(shop):
    return staff("cashier")


def logged_in(user: User) -> Client:
    client = Client(HTTP_HOST=SHOPS["a"]["domain"])
    client.force_login(user)
    return client


@pytest.fixture
def as_owner(owner):
    return logged_in(owner)


@pytest.fixture
def as_manager(manager):
    return logged_in(manager)


@pytest.fixture
def as_cashier(cashier):
    return logged_in(cashier)


@pytest.fixture
def branch(shop) -> Branch:
    return Branch.objects.get(name="Bazaar")


@pytest.fixture
def category(shop):
    return category_create(name="Rings")


@pytest.fixture
def gold_rate(owner):
    """8,000,000 per gram of 750 (vector 1), on the board since yesterday."""
    return gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750,
                         effective_at=timezone.now() - timedelta(days=1))


@pytest.fixture
def make_item(owner, branch, category):
    numbers = iter(range(1, 10_000))

    def make(**overrides):
        values = {**RING, "sku": f"UI-{next(numbers):04d}", "category": category, "branch": branch, "actor": owner}
        values.update(overrides)
        return item_create(**values)

    return make


def text(response) -> str:
    return response.content.decode()
