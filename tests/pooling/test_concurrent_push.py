"""Two shops' terminals pushing sales at the same time through ONE server
connection (PgBouncer `single`, transaction mode): each sale lands in its own
shop, none in the other. Shops of their own, committed, dropped at the end."""
import threading
import uuid

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from apps.inventory.models import Item
from apps.sales.models import Sale
from tests.conftest import drop_shops_committed, in_shop, run_committed
from tests.helpers import shop_of_its_own
from tests.pooling.conftest import SINGLE, default_through
from tests.pos_sync import catalogue
from tests.pos_sync.conftest import enrol_device
from tests.pos_sync.ops import op, push, sale_payload

BATCHES, SALES_PER_BATCH = 6, 2


def _a_shop_with_a_terminal(key):
    tenant, _owner, _branch, _category = shop_of_its_own(key, f"Pooled {key}")
    enrolled = enrol_device(tenant)
    ring, rate = catalogue.ring(quantity=100), catalogue.gold_rate()
    payloads = [sale_payload([(ring, rate, 1)]) for _ in range(BATCHES * SALES_PER_BATCH)]
    return {"tenant": tenant, "domain": f"{key}.localhost", "token": enrolled.token, "ring": ring.pk, "payloads": payloads}


@pytest.fixture
def two_shops(pgbouncer, django_db_blocker):
    keys = [f"pooled-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    with django_db_blocker.unblock():
        shops = [run_committed(_a_shop_with_a_terminal, key) for key in keys]
        connection.set_schema_to_public()
        yield shops
        drop_shops_committed(schema_name__in=[shop["tenant"].schema_name for shop in shops])


def _sales_and_stock(ring_id):
    return {str(s) for s in Sale.objects.values_list("client_sale_id", flat=True)}, Item.objects.get(pk=ring_id).quantity


def test_two_shops_push_at_once_through_one_server_connection(pgbouncer, two_shops, django_db_blocker):
    answers, start = {}, threading.Barrier(len(two_shops))

    def terminal(shop):
        client = APIClient(HTTP_HOST=shop["domain"])
        client.credentials(HTTP_AUTHORIZATION=f"Device {shop['token']}")
        statuses = []
        try:
            start.wait()
            for batch in range(BATCHES):
                operations = [op(batch * SALES_PER_BATCH + n + 1, shop["payloads"][batch * SALES_PER_BATCH + n])
                              for n in range(SALES_PER_BATCH)]
                response = push(client, operations)
                statuses += [response.status_code] + [r["status"] for r in response.json().get("results", [])]
        finally:
            connections.close_all()
        answers[shop["domain"]] = statuses

    before = pgbouncer.transactions(SINGLE)
    with default_through(pgbouncer, SINGLE, django_db_blocker):
        threads = [threading.Thread(target=terminal, args=(shop,)) for shop in two_shops]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert pgbouncer.servers(SINGLE) == 1
    assert pgbouncer.transactions(SINGLE) - before >= BATCHES * len(two_shops)

    expected = ([200] + ["applied"] * SALES_PER_BATCH) * BATCHES
    assert answers == {shop["domain"]: expected for shop in two_shops}
    with django_db_blocker.unblock():
        for shop, other in (two_shops, two_shops[::-1]):
            ids = {p["client_sale_id"] for p in shop["payloads"]}

            here, quantity = in_shop(shop["tenant"], _sales_and_stock, shop["ring"])
            assert here == ids  # every sale of this shop's terminal, and nothing of the other's
            assert quantity == 100 - len(ids)
            assert not ids & {p["client_sale_id"] for p in other["payloads"]}
