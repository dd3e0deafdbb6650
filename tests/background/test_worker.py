"""
Real workers, killed and failing: late acknowledgement and reject-on-worker-
lost rerun a task whose worker died, ProcessedEvent keeps its effect single,
and a task that keeps failing ends as a dead letter operators can re-run.
Workers and Redis are this module's own (tests/background/conftest.py).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.core.models import AuditEntry, DeadLetter, OutboxEvent, ProcessedEvent
from apps.tenancy.selectors import shop_list_active
from tests.background.conftest import ROOT, send, sender, wait_for
from tests.background.worker_tasks import SLOW_CONSUMER
from tests.conftest import child_env, in_shop, run_committed

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db]


@pytest.fixture
def slow_event(bg_shop, tmp_path):
    """A committed event whose test consumer waits while `flag` exists."""
    flag, starts = tmp_path / "flag", tmp_path / "starts"
    flag.touch()
    event = in_shop(bg_shop, lambda: OutboxEvent.objects.create(topic="tests.slow", payload={"flag": str(flag), "starts": str(starts)}))
    return event, flag, starts


def started(starts: Path) -> list[int]:
    return [int(pid) for pid in starts.read_text().split()] if starts.exists() else []


def effect_of(shop, event) -> tuple[int, bool]:
    """(effects written, event recorded as processed) for the slow consumer."""
    connection.set_tenant(shop)
    return (AuditEntry.objects.filter(action="tests.effect", object_id=str(event.pk)).count(),
            ProcessedEvent.objects.filter(event_id=event.pk, consumer=SLOW_CONSUMER).exists())


def test_a_pool_process_killed_mid_task_is_replaced_and_the_task_reruns_with_one_effect(bg_shop, redis_server, start_worker, slow_event):
    event, flag, starts = slow_event
    worker = start_worker(redis_server.url, pool="prefork")
    app = sender(redis_server.url)
    send(app, "tests.slow_effect", schema=bg_shop.schema_name, queue=worker.queue, event_ids=[str(event.pk)])

    [first_pid] = wait_for(lambda: started(starts), what="the task to start", log=worker.log)
    os.kill(first_pid, 9)  # the pool process dies in the middle of the consumer's transaction
    flag.unlink()

    wait_for(lambda: effect_of(bg_shop, event)[1], what="the rerun to finish", log=worker.log)
    pids = started(starts)
    assert len(pids) == 2 and pids[0] != pids[1]  # it ran again, in a new pool process
    assert effect_of(bg_shop, event) == (1, True)  # and its effect happened once
    assert "WorkerLostError" in worker.log.read_text()

    # A redelivery of the same event (the relay handing it over twice) does nothing.
    again = send(app, "tests.slow_effect", schema=bg_shop.schema_name, queue=worker.queue, event_ids=[str(event.pk)])
    assert again.get(timeout=30) == 0
    assert effect_of(bg_shop, event) == (1, True) and len(started(starts)) == 2


def test_a_whole_worker_killed_mid_task_leaves_the_task_to_the_next_worker_once(bg_shop, redis_server, start_worker, slow_event):
    event, flag, starts = slow_event
    first = start_worker(redis_server.url)
    send(sender(redis_server.url), "tests.slow_effect", schema=bg_shop.schema_name, queue=first.queue, event_ids=[str(event.pk)])
    wait_for(lambda: started(starts), what="the task to start", log=first.log)

    first.kill()  # no acknowledgement was sent: Redis still holds the task as unacknowledged
    flag.unlink()
    assert effect_of(bg_shop, event) == (0, False)  # the dead worker's transaction was rolled back

    # The next worker takes it back once the visibility timeout has passed
    # (short here; in production longer than any task).
    second = start_worker(redis_server.url, queue=first.queue, env={
        "CELERY_VISIBILITY_TIMEOUT": "2", "CELERY_ALLOW_SHORT_VISIBILITY": "1",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    })
    wait_for(lambda: effect_of(bg_shop, event)[1], timeout=30, what="the next worker to rerun it", log=second.log)
    assert effect_of(bg_shop, event) == (1, True)
    assert len(started(starts)) == 2


@pytest.fixture
def dead_letters():
    """Dead letters the worker commits in the public schema, removed after."""
    yield lambda: list(DeadLetter.objects.filter(task_name="tests.fails_while_flag"))
    run_committed(lambda: DeadLetter.objects.filter(task_name="tests.fails_while_flag").delete())


def test_a_task_that_keeps_failing_becomes_a_dead_letter_and_a_rerun_closes_it(bg_shop, redis_server, start_worker, tmp_path, dead_letters):
    flag = tmp_path / "failing"
    flag.touch()
    worker = start_worker(redis_server.url)
    send(sender(redis_server.url), "tests.fails_while_flag", schema=bg_shop.schema_name, queue=worker.queue, flag=str(flag))

    [letter] = wait_for(dead_letters, timeout=30, what="the dead letter", log=worker.log)
    assert letter.attempts == 3  # the first run and its 2 retries
    assert letter.schema_name == bg_shop.schema_name and letter.kwargs == {"flag": str(flag)}
    assert letter.exception.startswith("RuntimeError: failing on purpose") and "Traceback" in letter.traceback
    assert not letter.resolved
    assert worker.log.read_text().count("Retry in") == 2

    flag.unlink()  # whatever was wrong is fixed; an operator runs it again
    done = subprocess.run(
        [sys.executable, "manage.py", "deadletter_retry", "--id", str(letter.pk)], capture_output=True, text=True, timeout=120,
        cwd=ROOT, env=child_env(CELERY_BROKER_URL=redis_server.url, CELERY_RESULT_BACKEND=redis_server.url,
                                CELERY_TASK_DEFAULT_QUEUE=worker.queue),
    )
    assert done.returncode == 0, done.stderr
    wait_for(lambda: dead_letters()[0].resolved, timeout=30, what="the rerun to resolve the dead letter", log=worker.log)
    [closed] = dead_letters()
    assert closed.retried_at is not None and closed.resolved_at is not None and closed.attempts == 3


def test_periodic_jobs_fan_out_one_task_per_active_shop_each_in_its_schema(bg_shop, redis_server, start_worker):
    worker = start_worker(redis_server.url)
    app = sender(redis_server.url)
    with schema_context("public"):
        active = sorted(shop_list_active().values_list("schema_name", flat=True))

    fanned = send(app, "core.fan_out", schema="public", queue=worker.queue,
                  task_name="apps.tenancy.tasks.shop_probe_task", expires=60).get(timeout=30)

    assert sorted(schema for schema, _ in fanned) == active and bg_shop.schema_name in active
    for schema, task_id in fanned:
        assert app.AsyncResult(task_id).get(timeout=30)["schema"] == schema
