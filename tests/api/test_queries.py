"""
No N+1: a list costs the same number of queries for a page of 5 rows as
for a page of 50, and never more than a small bound. The count includes
everything the request does (host lookup, token user, permissions).
"""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role
from apps.accounts.services import user_create
from apps.branches.models import Branch
from apps.branches.services import branch_create, terminal_create
from apps.customers.models import Customer
from apps.customers.services import customer_create, points_earn
from apps.inventory.models import Category
from apps.inventory.services import category_create, gold_rate_set, item_create
from apps.sales.services import LineInput, PaymentInput, sale_create
from tests.helpers import staff, staff_client
from tests.vectors import RING
from tests.world import CHAIN

ROWS = 55
MAX_QUERIES = 12


def _items(world):
    category, branch, owner = Category.objects.get(pk=world.category_id), Branch.objects.get(pk=world.branch_id), staff("a", "owner")
    for n in range(ROWS):
        spec = RING if n % 2 else CHAIN
        item_create(**spec, sku=f"Q-{n:03d}", category=category, branch=branch, actor=owner, quantity=1)


def _categories(world):
    for n in range(ROWS):
        category_create(name=f"Category {n:03d}")


def _gold_rates(world):
    for n in range(ROWS):
        gold_rate_set(actor=staff("a", "manager"), base_rate=Decimal(8_000_000 + n), explicit_rates={999: Decimal(11_000_000 + n)})


def _customers(world):
    for n in range(ROWS):
        customer_create(full_name=f"Customer {n:03d}", phone=f"0935{n:07d}")


def _sales(world):
    branch = Branch.objects.get(pk=world.branch_id)
    chain = item_create(**CHAIN, sku="Q-CHAIN", category=Category.objects.get(pk=world.category_id), branch=branch,
                        actor=staff("a", "owner"), quantity=ROWS)
    customer = Customer.objects.get(pk=world.customer_id)
    for _ in range(ROWS):
        sale_create(actor=staff("a", "cashier"), branch=branch, customer=customer, lines=[LineInput(item_id=chain.pk)],
                    payments=[PaymentInput(method="card", amount=Decimal(600000)), PaymentInput(method="cash", amount=Decimal(500000))])


def _points(world):
    customer = Customer.objects.get(pk=world.customer_id)
    for n in range(ROWS):
        points_earn(customer=customer, points=n + 1, reference=f"ref-{n}", actor=staff("a", "cashier"))


def _branches(world):
    for n in range(ROWS):
        branch_create(name=f"Branch {n:03d}")


def _terminals(world):
    branch = Branch.objects.get(pk=world.branch_id)
    for n in range(ROWS):
        terminal_create(branch=branch, name=f"Till {n:03d}")


def _staff(world):
    for n in range(ROWS):
        user_create(email=f"list-staff-{n:03d}@shop-a.test", password=None, role=Role.CASHIER, full_name=f"Staff {n:03d}")


LISTS = [
    ("/api/v1/items/", _items),
    ("/api/v1/items/?ordering=-net_weight&search=Q-", _items),
    ("/api/v1/items/low-stock/?threshold=5", _items),
    ("/api/v1/categories/", _categories),
    ("/api/v1/gold-rates/", _gold_rates),
    ("/api/v1/customers/", _customers),
    ("/api/v1/customers/?search=customer", _customers),
    ("/api/v1/customers/{customer_id}/purchases/", _sales),
    ("/api/v1/customers/{customer_id}/points/", _points),
    ("/api/v1/sales/", _sales),
    ("/api/v1/sales/?status=completed&branch={branch_id}", _sales),
    ("/api/v1/branches/", _branches),
    ("/api/v1/terminals/", _terminals),
    ("/api/v1/staff/", _staff),
]


def _count(client, url: str, page_size: int) -> int:
    separator = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}{separator}page_size={page_size}")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == page_size
    return len(queries)


@pytest.mark.parametrize("url, build", LISTS, ids=[url for url, _ in LISTS])
def test_a_list_costs_the_same_queries_for_5_or_50_rows(world, shop_a, django_assert_max_num_queries, url, build):
    connection.set_tenant(shop_a)
    build(world)
    url = url.format(customer_id=world.customer_id, branch_id=world.branch_id)
    client = staff_client("a", "owner")
    small = _count(client, url, 5)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _count(client, url, 50)
    assert small == large


def test_the_dashboard_costs_the_same_queries_whatever_the_days_sales(world, shop_a, django_assert_max_num_queries):
    client = staff_client("a", "owner")
    with CaptureQueriesContext(connection) as before:
        assert client.get("/api/v1/dashboard/").status_code == 200
    connection.set_tenant(shop_a)
    _sales(world)
    with django_assert_max_num_queries(MAX_QUERIES):
        with CaptureQueriesContext(connection) as after:
            assert client.get("/api/v1/dashboard/").json()["sales_count"] == ROWS + 1
    assert len(before) == len(after)


def test_detail_endpoints_are_bounded_too(world, django_assert_max_num_queries):
    client = staff_client("a", "owner")
    for url in (f"/api/v1/items/{world.ring_id}/", f"/api/v1/customers/{world.customer_id}/", f"/api/v1/sales/{world.sale_id}/",
                "/api/v1/gold-rates/current/"):
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(url).status_code == 200
