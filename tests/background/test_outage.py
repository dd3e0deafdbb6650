"""
A broker outage with real processes: a Redis server of this module's own,
killed (SIGKILL) and started again on its append-only file (as
docker-compose.yml runs it), under a real prefork Celery worker holding a
task. No beat runs and the visibility timeout keeps its production value
(an hour): what delivers is the worker's own recovery (apps.core.broker).
How long a real burst takes to drain is measured by
scripts/bench_outbox_outage.py, not here.
"""
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Sum

from apps.core import outbox
from apps.core.models import AuditEntry, OutboxEvent, ProcessedEvent
from apps.customers.models import Customer, PointsEntry
from apps.reports.models import DailySales
from tests.background import shop_data
from tests.background.conftest import RedisServer, send, sender, wait_for
from tests.background.worker_tasks import SLOW_CONSUMER
from tests.conftest import in_shop

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db]


@pytest.fixture
def persistent_redis(tmp_path):
    server = RedisServer(tmp_path, persistent=True).start()
    yield server
    server.stop()


def _sales_while_the_broker_is_down():
    """Six committed sales in a branch of their own, three to one customer;
    their on-commit hand-offs find the broker down (the breaker is open)."""
    at = shop_data.branch()
    ring = shop_data.ring(at, quantity=10)
    buyer = shop_data.customer()
    sales = [shop_data.sell(ring, at=at, customer=buyer if n % 2 else None) for n in range(6)]
    return {"branch_id": at.pk, "customer_id": buyer.pk, "sale_ids": [str(s.pk) for s in sales],
            "with_customer": [str(s.pk) for s in sales if s.customer_id]}


def _backlog(shop, sales: dict) -> dict:
    """What the consumers did with the backlog, read in the shop."""
    connection.set_tenant(shop)
    events = OutboxEvent.objects.filter(payload__sale_id__in=sales["sale_ids"])
    processed = ProcessedEvent.objects.filter(event_id__in=events.values("id"))
    earned = PointsEntry.objects.filter(reference__in=sales["with_customer"]).values("reference").annotate(n=Count("id"))
    return {
        "events": events.count(),
        "unpublished": events.filter(published_at__isnull=True).count(),
        "processed": dict(processed.values_list("consumer").annotate(n=Count("id"))),
        "points_entries_per_sale": sorted(row["n"] for row in earned),
        "sales_counted": DailySales.objects.filter(branch_id=sales["branch_id"]).aggregate(n=Sum("sales_count"))["n"] or 0,
        "points": Customer.objects.get(pk=sales["customer_id"]).points_balance,
    }


def _held(shop, event) -> tuple[int, bool]:
    """(effects written, recorded as processed) for the held task's event."""
    connection.set_tenant(shop)
    return (AuditEntry.objects.filter(action="tests.effect", object_id=str(event.pk)).count(),
            ProcessedEvent.objects.filter(event_id=event.pk, consumer=SLOW_CONSUMER).exists())


def _starts(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_after_redis_comes_back_the_held_task_and_the_backlog_are_delivered_once_without_the_visibility_timeout(
    bg_shop, persistent_redis, start_worker, tmp_path, monkeypatch,
):
    flag, starts = tmp_path / "flag", tmp_path / "starts"
    flag.touch()
    held = in_shop(bg_shop, lambda: OutboxEvent.objects.create(
        topic="tests.slow", payload={"flag": str(flag), "starts": str(starts)}))
    worker = start_worker(persistent_redis.url, pool="prefork")
    task = send(sender(persistent_redis.url), "tests.slow_effect", schema=bg_shop.schema_name, queue=worker.queue,
         event_ids=[str(held.pk)])
    wait_for(lambda: _starts(starts), what="the worker to start the task", log=worker.log)

    persistent_redis.kill()  # the worker holds the task, unacknowledged; Redis keeps it on disk
    # Pushes go on while Redis is down: the web process's breaker is open, so
    # their hand-offs do not even try, and only a sweep can deliver them.
    monkeypatch.setattr(outbox, "_broker_down_until", time.monotonic() + 3600)
    sales = in_shop(bg_shop, _sales_while_the_broker_is_down)
    waiting = _backlog(bg_shop, sales)
    assert (waiting["events"], waiting["unpublished"], waiting["processed"]) == (6, 6, {})
    wait_for(lambda: "Connection to broker lost" in worker.log.read_text(), timeout=60,
             what="the worker to notice the lost connection", log=worker.log)
    flag.unlink()  # a rerun finishes at once

    persistent_redis.start()

    # The held task is delivered again and its effect happens once (a first
    # run stopped when the connection dropped was rolled back; one that got
    # to finish leaves the rerun nothing to do).
    received = f"Task tests.slow_effect[{task.id}] received"
    wait_for(lambda: worker.log.read_text().count(received) == 2, timeout=120,
             what="the held task to be delivered again", log=worker.log)
    wait_for(lambda: _held(bg_shop, held)[1], timeout=120, what="the held task's effect", log=worker.log)
    assert _held(bg_shop, held) == (1, True)
    assert 1 <= len(_starts(starts)) <= 2
    # The backlog reaches both consumers, each event once: one record per
    # event and consumer, one loyalty entry per sale to the customer, the
    # day's aggregate equal to the six sales.
    delivered = {"daily_sales": 6, "loyalty": 3}
    wait_for(lambda: _backlog(bg_shop, sales)["processed"] == delivered, timeout=120,
             what="the backlog to be delivered", log=worker.log)
    done = _backlog(bg_shop, sales)
    assert (done["unpublished"], done["points_entries_per_sale"], done["sales_counted"]) == (0, [1, 1, 1], 6)
    assert done["points"] > 0
    log = worker.log.read_text()
    assert "1 held message(s) given back" in log and "outbox sweep sent for every shop" in log
    assert "Unrecoverable error" not in log
