"""Log lines say which request, shop and task they belong to: X-Request-ID
taken when it is plain, replaced otherwise, echoed; JSON lines in a request
and in a real Celery worker."""
import io
import json
import logging
import uuid

import pytest
import redis
from django.conf import settings
from django.test import Client

from apps.core.request_context import (
    JsonFormatter,
    RequestContextFilter,
    request_id_var,
)
from tests.background.conftest import Worker, wait_for


@pytest.fixture
def json_lines():
    """The lines the root logger writes through a handler set up as
    settings.LOGGING's console handler with LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_the_configured_handler_adds_the_context_with_the_format_chosen():
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["context"] and console["formatter"] in ("plain", "json")
    assert "%(request_id)s" in settings.LOGGING["formatters"]["plain"]["format"]


def test_a_requests_log_line_is_json_with_its_request_id_and_shop(shop_a, owner_a, json_lines):
    response = owner_a.get("/api/v1/items/", HTTP_X_REQUEST_ID="ingress-5f2a9c")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "ingress-5f2a9c"
    [line] = [entry for entry in json_lines() if entry["logger"] == "zargar.access"]
    assert line["request_id"] == "ingress-5f2a9c" and line["shop"] == shop_a.schema_name
    assert (line["method"], line["route"], line["status"], line["level"]) == ("GET", "api/v1/items/", 200, "INFO")
    assert line["time"].endswith("+00:00")


def test_every_line_inside_a_request_carries_its_id_and_none_leaks_after(json_lines):
    token = request_id_var.set("req-1")
    try:
        logging.getLogger("apps.anything").warning("inside")
    finally:
        request_id_var.reset(token)
    logging.getLogger("apps.anything").warning("outside")
    inside, outside = [entry for entry in json_lines() if entry["logger"] == "apps.anything"]
    assert (inside["request_id"], outside["request_id"]) == ("req-1", "")


@pytest.mark.parametrize("incoming", [
    "x" * 129,  # too long
    "abc\x01def",  # a control character
    "abc def",  # a space
    "\u0645\u062b\u0627\u0644",  # not ASCII
    "-starts-with-a-dash",
    "",
])
def test_a_bad_request_id_is_replaced_by_a_fresh_one(db, incoming, json_lines):
    response = Client(HTTP_HOST="localhost").get("/", HTTP_X_REQUEST_ID=incoming)
    replaced = response["X-Request-ID"]
    assert replaced != incoming and len(replaced) == 32 and int(replaced, 16) >= 0
    [line] = [entry for entry in json_lines() if entry["logger"] == "zargar.access"]
    assert line["request_id"] == replaced and line["shop"] == "public"


def test_a_refused_request_still_gets_an_id_and_a_line(db, json_lines):
    response = Client(HTTP_HOST="nobody.localhost").get("/api/v1/items/", HTTP_X_REQUEST_ID="abc\x00def")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_characters"
    assert len(response["X-Request-ID"]) == 32
    [line] = [entry for entry in json_lines() if entry["logger"] == "zargar.access"]
    assert (line["route"], line["status"], line["shop"]) == ("<unmatched>", 400, "")  # refused before the host routing


def test_every_request_gets_its_own_id(db):
    client = Client(HTTP_HOST="localhost")
    assert len({client.get("/healthz")["X-Request-ID"] for _ in range(3)}) == 3


def test_a_workers_task_log_lines_are_json_with_the_task_id_and_shop(shop_a, tmp_path):
    """A real worker with LOG_FORMAT=json: Celery logs through Django's
    LOGGING (config/celery_app.py), so its lines carry the task and the shop."""
    from config.celery_app import app

    queue = f"metrics-log-{uuid.uuid4().hex[:8]}"
    worker = Worker(broker_url=settings.CELERY_BROKER_URL, queue=queue, log=tmp_path / "worker.log",
                    env={"LOG_FORMAT": "json"}).start()
    try:
        result = app.send_task("tests.fails_while_flag", kwargs={"flag": str(tmp_path / "absent")}, queue=queue,
                               headers={"_schema_name": shop_a.schema_name})

        def succeeded():
            entries = [json.loads(line) for line in worker.log.read_text().splitlines() if line.startswith("{")]
            return [entry for entry in entries if entry.get("task_id") == result.id and "succeeded" in entry["message"]]

        [line] = wait_for(succeeded, timeout=30, what="the task's success line", log=worker.log)
        assert line["shop"] == shop_a.schema_name and line["request_id"] == ""
    finally:
        worker.stop()
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
