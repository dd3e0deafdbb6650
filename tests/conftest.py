"""
Two shops, created once per test session through the real provisioning
service and committed; every test then runs in a transaction that is rolled
back, so tests stay independent and the suite stays fast.
"""
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from apps.tenancy.models import Tenant

PASSWORD = "Zargar-test-pass-7"
SHOPS = {
    "a": {"name": "Shop A", "domain": "shop-a.localhost", "owner": "owner@shop-a.test", "branch": "Bazaar"},
    "b": {"name": "Shop B", "domain": "shop-b.localhost", "owner": "owner@shop-b.test", "branch": "Airport"},
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from apps.accounts.models import Role
    from apps.accounts.services import user_create
    from apps.branches.services import branch_create
    from apps.tenancy.services import shop_create

    with django_db_blocker.unblock():
        call_command("setup_platform", verbosity=0)
        for key, spec in SHOPS.items():
            shop = shop_create(name=spec["name"], domain=spec["domain"], owner_email=spec["owner"], owner_password=PASSWORD).tenant
            with shop:
                branch_create(name=spec["branch"])
                for role in (Role.MANAGER, Role.CASHIER):
                    user_create(email=f"{role}@shop-{key}.test", password=PASSWORD, role=role)
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _back_to_public():
    yield
    connection.set_schema_to_public()


def _shop(key: str) -> Tenant:
    return Tenant.objects.get(domains__domain=SHOPS[key]["domain"])


@pytest.fixture
def shop_a(db) -> Tenant:
    return _shop("a")


@pytest.fixture
def shop_b(db) -> Tenant:
    return _shop("b")


@pytest.fixture
def in_shop_a(shop_a):
    """Runs the test inside shop A's schema."""
    connection.set_tenant(shop_a)
    return shop_a


@pytest.fixture
def client_a(shop_a) -> Client:
    return Client(HTTP_HOST=SHOPS["a"]["domain"])


@pytest.fixture
def client_b(shop_b) -> Client:
    return Client(HTTP_HOST=SHOPS["b"]["domain"])
