"""Tasks carry the schema they were sent from; a real worker runs them there."""
import pytest
from django.db import connection

from apps.tenancy.tasks import shop_probe_task


@pytest.mark.celery_worker
def test_task_from_shop_a_runs_in_a_and_from_b_in_b(celery_worker, shop_a, shop_b):
    connection.set_tenant(shop_a)
    from_a = shop_probe_task.apply_async(queue=celery_worker)
    connection.set_tenant(shop_b)
    from_b = shop_probe_task.apply_async(queue=celery_worker)

    assert from_a.get(timeout=60) == {"schema": shop_a.schema_name, "branches": ["Bazaar", "Main"]}
    assert from_b.get(timeout=60) == {"schema": shop_b.schema_name, "branches": ["Airport", "Main"]}
