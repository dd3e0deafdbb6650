"""A real Celery worker whose every query goes through PgBouncer's one
server connection (transaction mode): tasks sent from shop A and shop B, in
turn, each run in the shop it was sent from and see only its rows."""
import uuid

import pytest
from django.conf import settings
from django.db import connection

from apps.tenancy.models import Tenant
from apps.tenancy.tasks import shop_probe_task
from tests.background.conftest import Worker
from tests.helpers import SHOPS
from tests.pooling.conftest import SINGLE

BRANCHES = {"a": ["Bazaar", "Main"], "b": ["Airport", "Main"]}


@pytest.mark.celery_worker
def test_tasks_of_two_shops_run_each_in_its_own_shop_through_pgbouncer(pgbouncer, django_db_blocker, tmp_path):
    worker = Worker(broker_url=settings.CELERY_BROKER_URL, queue=f"pooled-{uuid.uuid4().hex[:8]}", log=tmp_path / "worker.log",
                    env={"DATABASE_URL": pgbouncer.url(SINGLE), "DATABASE_POOL_MODE": "transaction"}).start()
    try:
        with django_db_blocker.unblock():
            shops = {key: Tenant.objects.get(domains__domain=spec["domain"]) for key, spec in SHOPS.items()}
        before = pgbouncer.transactions(SINGLE)
        sent = []
        for key in ["a", "b"] * 4:
            connection.set_tenant(shops[key])
            sent.append((key, shop_probe_task.apply_async(queue=worker.queue)))
        connection.set_schema_to_public()
        for key, result in sent:
            assert result.get(timeout=60) == {"schema": shops[key].schema_name, "branches": BRANCHES[key]}
        assert pgbouncer.transactions(SINGLE) - before >= len(sent)  # the worker's queries went through PgBouncer
    finally:
        worker.stop()
