"""A merge and a sale to the customer merged away, at once, on real threads
and committed rows (a shop of its own, dropped after): the sale holds the
customer's row, so either it lands first and the merge moves it, or the
merge lands first and the sale is refused. No sale is left on the tombstone."""
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from apps.core.errors import ApplicationError
from tests.conftest import drop_shops_committed, run_committed
from tests.helpers import PASSWORD, at_once
from tests.vectors import RING

DOMAIN = "merge-race.localhost"
ROUNDS = 4


def _make_shop():
    from apps.accounts.models import User
    from apps.branches.models import Branch
    from apps.customers.services import customer_create
    from apps.inventory.services import category_create, gold_rate_set, item_create
    from apps.tenancy.services import shop_create

    shop = shop_create(name="Merge race", domain=DOMAIN, owner_email="owner@merge-race.test", owner_password=PASSWORD,
                       first_branch="Main").tenant
    with shop:
        owner = User.objects.get(email="owner@merge-race.test")
        gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750, effective_at=timezone.now() - timedelta(days=1))
        item = item_create(**RING, sku="RACE-1", quantity=ROUNDS, actor=owner, category=category_create(name="Rings"),
                           branch=Branch.objects.get(name="Main"))
        pairs = [(customer_create(full_name=f"Kept {n}", phone=f"0912666{n:04d}").pk,
                  customer_create(full_name=f"Dup {n}", phone=f"0912667{n:04d}").pk) for n in range(ROUNDS)]
    return shop, item.pk, pairs


def test_a_merge_and_a_sale_of_the_dropped_customer_at_once(db):
    drop_shops_committed(domains__domain=DOMAIN)
    shop, item_id, pairs = run_committed(_make_shop)
    try:
        outcomes = [_race(shop, item_id, kept_id, dropped_id) for kept_id, dropped_id in pairs]
        assert all(merge == "merged" for merge, _ in outcomes)
        assert {sale for _, sale in outcomes} <= {"sold", "customer_not_found"}

        def check():
            from apps.sales.models import Sale

            connection.set_tenant(shop)
            on_tombstones = Sale.objects.filter(customer_id__in=[d for _, d in pairs]).count()
            on_kept = Sale.objects.filter(customer_id__in=[k for k, _ in pairs]).count()
            return on_tombstones, on_kept

        assert run_committed(check) == (0, sum(sale == "sold" for _, sale in outcomes))
    finally:
        drop_shops_committed(schema_name=shop.schema_name)


def _race(shop, item_id, kept_id, dropped_id) -> tuple[str, str]:
    def merge():
        from apps.accounts.models import User
        from apps.customers.models import Customer
        from apps.sales.customer_merge import customer_merge

        connection.set_tenant(shop)
        customer_merge(kept=Customer.objects.get(pk=kept_id), dropped=Customer.objects.get(pk=dropped_id),
                       actor=User.objects.get(email="owner@merge-race.test"))
        return ("merge", "merged")

    def sell():
        from apps.accounts.models import User
        from apps.branches.models import Branch
        from apps.customers.models import Customer
        from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote

        connection.set_tenant(shop)
        customer = Customer.objects.get(pk=dropped_id)  # read before the merge, as a counter holds it
        lines = [LineInput(item_id=item_id, quantity=1)]
        due = sale_quote(lines=lines).due
        try:
            sale_create(actor=User.objects.get(email="owner@merge-race.test"), branch=Branch.objects.get(name="Main"),
                        lines=lines, payments=[PaymentInput(method="cash", amount=due)], customer=customer)
        except ApplicationError as exc:
            return ("sale", exc.code)
        return ("sale", "sold")

    calls = [merge, sell]
    results = dict(at_once(lambda: calls.pop()(), times=2))
    return results["merge"], results["sale"]
