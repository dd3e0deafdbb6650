"""Tasks only the test workers load (`celery worker -I tests.background.worker_tasks`).

They use the real machinery (BackgroundTask, events_consume, ProcessedEvent)
with a step the test controls through files, so a test can kill a worker in
the middle of a task, or make a task fail until it says otherwise.
"""
import os
import time

from apps.core.consumers import events_consume
from apps.core.services import audit_record
from apps.core.tasks import BackgroundTask
from config.celery_app import app

SLOW_CONSUMER = "tests.slow_effect"


def _slow_effect(event) -> None:
    """Notes its start (with the process id), writes its effect (an audit
    entry) and, while the flag file exists, waits inside the transaction."""
    with open(event.payload["starts"], "a") as starts:
        starts.write(f"{os.getpid()}\n")
    audit_record(actor=None, action="tests.effect", obj=event)
    deadline = time.monotonic() + 60
    while os.path.exists(event.payload["flag"]) and time.monotonic() < deadline:
        time.sleep(0.05)


@app.task(base=BackgroundTask, name="tests.slow_effect")
def slow_effect_task(event_ids: list[str]) -> int:
    return events_consume(consumer=SLOW_CONSUMER, event_ids=event_ids, handle=_slow_effect)


@app.task(base=BackgroundTask, name="tests.fails_while_flag", max_retries=2, retry_backoff=1, retry_backoff_max=1)
def fails_while_flag_task(flag: str) -> str:
    if os.path.exists(flag):
        raise RuntimeError(f"failing on purpose while {flag} exists")
    return "ok"
