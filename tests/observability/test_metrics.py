"""/metrics: the token, the latency histogram, POS push counters, and the
cluster-wide gauges read from real Redis and PostgreSQL."""
import uuid
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.core.deadletters import dead_letter_record
from apps.core.metrics import outbox_backlog_publish
from apps.core.services import outbox_event_add
from apps.core.tasks import outbox_sweep_task
from config.celery_app import app
from tests.observability.conftest import POD_HOST, TOKEN, scrape, value
from tests.pos_sync import catalogue
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, push, sale_payload

LATENCY = "zargar_http_request_duration_seconds_count"


# -- the token --------------------------------------------------------------


def test_without_a_configured_token_there_are_no_metrics(db, settings):
    settings.METRICS_TOKEN = ""
    response = Client(HTTP_HOST=POD_HOST).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("header, status, code", [
    (None, 401, "not_authenticated"),
    ("Basic " + TOKEN, 401, "not_authenticated"),
    ("Bearer ", 401, "not_authenticated"),
    ("Bearer wrong-token", 403, "permission_denied"),
    ("Bearer " + TOKEN[:-1], 403, "permission_denied"),
    ("Bearer " + TOKEN + "é", 403, "permission_denied"),  # not ASCII: still a plain refusal
])
def test_metrics_refuse_a_missing_or_wrong_token(db, metrics_on, header, status, code):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client(HTTP_HOST=POD_HOST).get("/metrics", **extra)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "zargar_" not in response.content.decode()


def test_metrics_are_served_with_the_token_on_any_host(db, metrics_on):
    for host in (POD_HOST, "localhost", "unknown-shop.example.net"):
        response = Client(HTTP_HOST=host).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        assert "zargar_metrics_source_up" in response.content.decode()
    assert Client(HTTP_HOST=POD_HOST).post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


# -- latency by route ---------------------------------------------------------


def test_a_request_adds_a_sample_under_its_url_pattern_not_its_path(db, metrics_on, owner_a):
    before = scrape()
    item = uuid.uuid4()
    assert owner_a.get(f"/api/v1/items/{item}/").status_code == 404
    assert Client(HTTP_HOST="localhost").get("/healthz").status_code == 200
    assert Client(HTTP_HOST="nobody.localhost").get("/api/v1/items/").status_code == 404
    after = scrape()

    route = "api/v1/items/<uuid:item_id>/"
    assert value(after, LATENCY, route=route, method="GET", status="4xx") == value(before, LATENCY, route=route, method="GET", status="4xx") + 1
    assert value(after, LATENCY, route="healthz", method="GET", status="2xx") == value(before, LATENCY, route="healthz", method="GET", status="2xx") + 1
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "4xx"}
    assert value(after, LATENCY, **unmatched) == value(before, LATENCY, **unmatched) + 1
    assert not any(str(item) in dict(labels).get("route", "") for _name, labels in after)
    # The histogram's buckets hold the same sample: le=+Inf counts it.
    bucket = "zargar_http_request_duration_seconds_bucket"
    assert value(after, bucket, route=route, method="GET", status="4xx", le="+Inf") == value(after, LATENCY, route=route, method="GET", status="4xx")


# -- POS push throughput -----------------------------------------------------


def test_a_push_through_the_api_counts_its_operations_by_outcome(shop_a, metrics_on):
    device = enrol_device(shop_a)
    rate = catalogue.gold_rate()
    ring = catalogue.ring(quantity=5)
    client = pos_client("a", device.token)
    operations = [op(1, sale_payload([(ring, rate, 1)])), op(2, sale_payload([(ring, rate, 1)])),
                  op(3, {"code": "X"}, type="gift.card")]  # no such type: rejected, counted as "other"
    counter = "zargar_pos_operations_total"
    before = scrape()
    first = push(client, operations).json()["results"]
    assert [r["status"] for r in first] == ["applied", "applied", "rejected"]
    push(client, operations[:2])  # the terminal sends the first two again
    after = scrape()

    def moved(outcome, type="sale.create"):
        return value(after, counter, type=type, outcome=outcome) - value(before, counter, type=type, outcome=outcome)

    assert (moved("applied"), moved("duplicate"), moved("rejected", type="other")) == (2, 2, 1)
    assert not any(dict(labels).get("type") == "gift.card" for _name, labels in after)


# -- Celery queue depth --------------------------------------------------------


@pytest.fixture
def own_queue(settings):
    queue = f"metrics-probe-{uuid.uuid4().hex[:8]}"
    settings.METRICS_CELERY_QUEUES = [queue]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]
    yield queue
    client.delete(*keys, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def test_queue_depth_counts_the_messages_in_redis_at_every_priority(db, metrics_on, own_queue):
    assert value(scrape(), "zargar_celery_queue_length", queue=own_queue) == 0
    for priority in (0, 0, 6, 9):
        app.send_task("core.outbox_sweep", queue=own_queue, priority=priority)
    found = scrape()
    assert value(found, "zargar_celery_queue_length", queue=own_queue) == 4
    assert value(found, "zargar_metrics_source_up", source="broker") == 1


# -- dead letters and the outbox backlog --------------------------------------


def test_open_dead_letters_are_counted_by_task(db, metrics_on):
    task = f"metrics.probe_{uuid.uuid4().hex[:6]}"
    for _ in range(2):
        dead_letter_record(task_name=task, task_id=str(uuid.uuid4()), args=[], kwargs={}, schema_name="public",
                           exception="RuntimeError: x", traceback="", attempts=7)
    found = scrape()
    assert value(found, "zargar_dead_letters_open", task=task) == 2
    assert value(found, "zargar_metrics_source_up", source="database") == 1


@pytest.fixture
def clean_backlog():
    from django_redis import get_redis_connection

    from apps.core.metrics import _backlog_keys

    get_redis_connection("default").delete(*_backlog_keys())
    yield
    get_redis_connection("default").delete(*_backlog_keys())


def test_the_outbox_backlog_is_what_the_sweeps_left_behind(in_shop_a, metrics_on, clean_backlog, own_queue):
    app.conf.task_default_queue, before = own_queue, app.conf.task_default_queue  # what the sweep relays lands there
    try:
        _sweep_twice(in_shop_a)
    finally:
        app.conf.task_default_queue = before


def _sweep_twice(in_shop_a):
    assert value(scrape(), "zargar_outbox_backlog_shops") == 0
    connection.set_tenant(in_shop_a)
    outbox_event_add(topic="sale.applied", payload={"sale_id": str(uuid.uuid4())})  # younger than the sweep's grace
    outbox_sweep_task()
    outbox_backlog_publish(schema_name="other_shop", unpublished=3, oldest=timezone.now() - timedelta(minutes=5))
    found = scrape()
    assert value(found, "zargar_outbox_unpublished_events") == 4
    assert value(found, "zargar_outbox_backlog_shops") == 2
    assert 300 <= value(found, "zargar_outbox_oldest_unpublished_age_seconds") < 3600

    connection.set_tenant(in_shop_a)
    outbox_sweep_task(grace_seconds=0)  # relays it: shop A leaves the backlog
    found = scrape()
    assert (value(found, "zargar_outbox_unpublished_events"), value(found, "zargar_outbox_backlog_shops")) == (3, 1)


def test_a_source_that_is_down_is_reported_not_a_500(db, metrics_on, settings):
    from apps.core import metrics

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6539/0"  # nothing listens there (this helper's ports)
    metrics._broker_client = None
    try:
        found = scrape()
    finally:
        metrics._broker_client = None
    assert value(found, "zargar_metrics_source_up", source="broker") == 0
    assert value(found, "zargar_metrics_source_up", source="database") == 1
    assert ("zargar_celery_queue_length", frozenset()) not in found
