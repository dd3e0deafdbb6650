"""
No N+1 on the staff pages: every list page (and the pages that list
something: the dashboard, an item's movements, a customer's purchases)
costs the same number of queries with 5 rows to show as with 50, counting
everything the request does (host lookup, session, user). The API's lists
have the same guard in tests/api/test_queries.py.
"""
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role
from apps.accounts.services import user_create
from apps.branches.models import Branch
from apps.core.timezones import shop_today
from apps.branches.services import terminal_create
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.inventory.models import Category, Item
from apps.inventory.services import gold_rate_set, item_create, stock_adjust
from apps.review.models import ReviewItem
from apps.review.services import review_open
from apps.sales.services import LineInput, PaymentInput, sale_create
from apps.workshop.services import ServiceInput, repair_ticket_create
from tests.helpers import logged_in, staff
from tests.world import CHAIN

PAGES = [
    "/", "/sales/", "/sales/?status=completed", "/sales/?search=0936", "/inventory/", "/inventory/?q=P-",
    "/inventory/{item}/", "/customers/", "/customers/?q=Page", "/customers/{customer}/", "/gold-rate/",
    "/review/", "/terminals/", "/staff/", "/reports/daily/", "/reports/products/", "/reports/categories/",
    "/reports/customers/", "/reports/valuation/", "/reports/low-stock/", "/workshop/", "/workshop/?status=all&q=Page",
    "/reports/workshop-open/", "/reports/workshop-revenue/",
]
MAX_QUERIES = 30


def _rows(world, upto: int) -> None:
    """Tops the shop's page rows up to `upto` of each kind: items (each sold
    to a customer of its own and to the world's regular customer), movements on the chain's page, rates on
    the board, review items, terminals and staff."""
    branch, category = Branch.objects.get(pk=world.branch_id), Category.objects.get(pk=world.category_id)
    owner, cashier = staff("a", "owner"), staff("a", "cashier")
    chain, regular = Item.objects.get(pk=world.chain_id), Customer.objects.get(pk=world.customer_id)
    for n in range(Item.objects.filter(sku__startswith="P-").count(), upto):
        item = item_create(**CHAIN, sku=f"P-{n:03d}", category=category, branch=branch, actor=owner, quantity=3)
        customer = customer_create(full_name=f"Page customer {n:03d}", phone=f"0936{n:07d}")
        for buyer in (customer, regular):  # the regular's page lists a purchase more each time
            sale_create(actor=cashier, branch=branch, customer=buyer, lines=[LineInput(item_id=item.pk)],
                        payments=[PaymentInput(method="card", amount=Decimal(600000)), PaymentInput(method="cash", amount=Decimal(500000))])
        stock_adjust(actor=owner, item=Item.objects.get(pk=chain.pk), new_quantity=20 + n, note="Counted")  # a movement on its page
        gold_rate_set(actor=owner, base_rate=Decimal(8_000_000 + n))
        review_open(kind=ReviewItem.Kind.STOCK_DRIFT, item=item, details={"quantity": 3, "ledger": 2})
        terminal_create(branch=branch, name=f"Page till {n:03d}")
        user_create(email=f"page-staff-{n:03d}@shop-a.test", password=None, role=Role.CASHIER, full_name=f"Page staff {n}")
        repair_ticket_create(actor=cashier, branch=branch, customer=customer, description=f"Page ring {n:03d}", fineness=750,
                             gross_weight=Decimal("2.5"), services=[ServiceInput("polishing", price=Decimal(1000)), ServiceInput("sizing")],
                             promised_on=shop_today())


def _counts(client, world) -> dict[str, int]:
    """Queries per page; none of them a server-side cursor (a DECLARE, then
    a FETCH and a CLOSE: what Django's iterator() costs for a select's few
    choices, apps.ui.forms.RowChoiceField)."""
    found = {}
    for page in PAGES:
        url = page.format(item=world.chain_id, customer=world.customer_id)
        client.get(url)  # the report caches filled: the count is a page's, not a cache miss's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found[url] = len(queries)
        assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DECLARE")], url
    return found


def test_every_list_page_costs_the_same_queries_for_5_or_50_rows(world, shop_a):
    client = logged_in(staff("a", "owner"))
    connection.set_tenant(shop_a)
    _rows(world, 5)
    small = _counts(client, world)
    connection.set_tenant(shop_a)
    _rows(world, 50)
    large = _counts(client, world)
    assert {url: (small[url], large[url]) for url in small if small[url] != large[url]} == {}
    assert max(large.values()) <= MAX_QUERIES, large


def test_a_new_category_or_branch_is_offered_at_once(world, shop_a):
    from apps.branches.services import branch_create
    from apps.inventory.services import category_create

    client = logged_in(staff("a", "owner"))
    connection.set_tenant(shop_a)
    category_create(name="Anklets, new")
    branch_create(name="Harbour, new")
    page = client.get("/inventory/").content.decode()
    assert "Anklets, new" in page and "Harbour, new" in page
    assert "Anklets, new" in client.get("/inventory/new/").content.decode()
