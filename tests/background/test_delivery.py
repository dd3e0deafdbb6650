"""
From a committed POS push to its effects, with real processes: a web process
(tests/background/web_push.py) pushes sales, a real Celery worker relays and
consumes their events. Both use a Redis server of this module's own, which
one test stops (the shared Redis is never touched).
"""
import json
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from apps.branches.services import terminal_create
from apps.core.models import OutboxEvent, ProcessedEvent
from apps.customers.models import Customer
from apps.pos_sync.services import device_enroll, enrollment_code_issue
from apps.reports.models import DailySales
from tests.background import shop_data
from tests.background.conftest import ROOT, send, sender, wait_for
from tests.conftest import child_env, in_shop
from tests.pos_sync.ops import op, sale_payload

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db]


def _counter_with_a_device(shop):
    """A branch of its own with an enrolled terminal, a ring in stock and a
    customer; two offline sales, one to the customer (committed)."""
    at = shop_data.branch()
    terminal = terminal_create(branch=at, name="Till")
    token = device_enroll(code=enrollment_code_issue(terminal=terminal).code, name="Till").token
    rate = shop_data.board_rate()
    ring = shop_data.ring(at, quantity=5)
    buyer = shop_data.customer()
    operations = [op(1, sale_payload([(ring, rate, 1)], customer_id=buyer.pk)), op(2, sale_payload([(ring, rate, 1)]))]
    return {"branch_id": at.pk, "customer_id": buyer.pk, "token": token,
            "body": {"batch_id": str(uuid.uuid4()), "operations": operations}}


def web_push(shop, counter: dict, broker_url: str, queue: str) -> dict:
    spec = {"host": shop.domain, "token": counter["token"], "body": counter["body"]}
    done = subprocess.run(
        [sys.executable, "-m", "tests.background.web_push"], input=json.dumps(spec, default=str), capture_output=True,
        text=True, timeout=120, cwd=ROOT,
        env=child_env(CELERY_BROKER_URL=broker_url, CELERY_RESULT_BACKEND=broker_url, REDIS_URL=broker_url,
                      CELERY_TASK_DEFAULT_QUEUE=queue),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def effects(shop, counter: dict, sale_ids: list[str]) -> dict:
    """What the consumers did, read in the shop (committed by the worker)."""
    connection.set_tenant(shop)
    events = OutboxEvent.objects.filter(payload__sale_id__in=sale_ids)
    return {
        "events": events.count(),
        "unpublished": events.filter(published_at__isnull=True).count(),
        "processed": sorted(ProcessedEvent.objects.filter(event_id__in=events.values("id")).values_list("consumer", flat=True)),
        "points": Customer.objects.get(pk=counter["customer_id"]).points_balance,
        "sales_counted": sum(DailySales.objects.filter(branch_id=counter["branch_id"]).values_list("sales_count", flat=True)),
    }


DELIVERED = {"events": 2, "unpublished": 0, "processed": ["daily_sales", "daily_sales", "loyalty"],
             "points": 53, "sales_counted": 2}


def test_a_push_reaches_its_consumers_through_the_on_commit_hand_off(bg_shop, redis_server, start_worker):
    worker = start_worker(redis_server.url)
    counter = in_shop(bg_shop, _counter_with_a_device, bg_shop)

    pushed = web_push(bg_shop, counter, redis_server.url, worker.queue)

    assert pushed["status"] == 200 and [r["status"] for r in pushed["body"]["results"]] == ["applied", "applied"]
    assert (pushed["hand_offs"], pushed["breaker_tripped"]) == ([True], False)  # one message for the whole batch
    sale_ids = [r["server_id"] for r in pushed["body"]["results"]]
    # No sweep runs here: the hand-off after the commit is what delivers.
    wait_for(lambda: effects(bg_shop, counter, sale_ids) == DELIVERED, timeout=30, what="the consumers", log=worker.log)
    assert "core.outbox_relay" in worker.log.read_text()


def test_with_redis_stopped_pushes_succeed_and_their_events_are_delivered_once_it_is_back(bg_shop, redis_server, start_worker):
    worker = start_worker(redis_server.url, env={"OUTBOX_SWEEP_GRACE_SECONDS": "0"})
    counter = in_shop(bg_shop, _counter_with_a_device, bg_shop)

    redis_server.stop()
    try:
        pushed = web_push(bg_shop, counter, redis_server.url, worker.queue)
        assert pushed["status"] == 200, pushed
        assert [r["status"] for r in pushed["body"]["results"]] == ["applied", "applied"]
        # The request tried the broker once, gave up without raising, and
        # later requests skip it for OUTBOX_BROKER_BACKOFF_SECONDS (what the
        # failed try costs: scripts/bench_outbox_outage.py).
        assert (pushed["hand_offs"], pushed["breaker_tripped"]) == ([False], True)
        sale_ids = [r["server_id"] for r in pushed["body"]["results"]]
        waiting = effects(bg_shop, counter, sale_ids)
        assert waiting == {"events": 2, "unpublished": 2, "processed": [], "points": 0, "sales_counted": 0}
    finally:
        redis_server.start()

    # What beat does every OUTBOX_SWEEP_SECONDS: sweep the shop's outbox.
    send(sender(redis_server.url), "core.outbox_sweep", schema=bg_shop.schema_name, queue=worker.queue)
    wait_for(lambda: effects(bg_shop, counter, sale_ids) == DELIVERED, timeout=60, what="delivery after the outage",
             log=worker.log)
