"""
Background work proportional to activity (apps.core.shopwork): the outbox
tick sweeps only the shops marked dirty, the full check and the periodic jobs
only the shops the database shows with work. Real Redis (a probe queue of the
test's own: the marks are per queue too) and real PostgreSQL schemas; each
beat entry is run as beat would send it.
"""
import os
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.core.outbox import outbox_sweep, relay_breaker_reset
from apps.core.services import outbox_event_add
from apps.core.shopwork import dirty_key, dirty_take, shops_with_work, work_filter
from config.celery_app import app
from tests.background import shop_data
from tests.conftest import PASSWORD, drop_shops_committed, in_shop

pytestmark = pytest.mark.django_db
EXTRA_SHOPS = int(os.environ.get("SHOPWORK_TEST_SHOPS", "7"))  # the last one never gets any work
SALE = {"sale_id": "00000000-0000-0000-0000-000000000001", "customer_id": None, "total": "100", "branch_id": None}


@pytest.fixture(scope="module")
def shops(django_db_setup, django_db_blocker):
    """EXTRA_SHOPS committed shops of this module's own (besides the session's)."""
    from apps.tenancy.services import shop_create

    key = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        made = [shop_create(name=f"Work {key} {n}", domain=f"work-{key}-{n}.localhost", owner_email=f"owner@work-{key}-{n}.test",
                            owner_password=PASSWORD).tenant for n in range(EXTRA_SHOPS)]
        connection.set_schema_to_public()
        yield made
        connection.set_schema_to_public()
        drop_shops_committed(schema_name__in=[shop.schema_name for shop in made])


@pytest.fixture(autouse=True)
def _breaker_closed():
    relay_breaker_reset()
    yield
    relay_breaker_reset()


@pytest.fixture(autouse=True)
def _outboxes_left_empty(shops):
    """Each test starts with this module's shops' outboxes relayed."""
    yield
    for shop in shops:
        in_shop(shop, lambda: OutboxEvent.objects.filter(published_at__isnull=True).update(published_at=timezone.now()))


@pytest.fixture
def marks():
    """The probe queue's dirty set, read without taking it."""
    import redis

    client = redis.Redis.from_url(app.conf.broker_url)

    def read() -> set[str]:
        return {name.decode() for name in client.smembers(dirty_key())}

    yield read
    client.delete(dirty_key())


def _beat(entry: str):
    """Runs beat's entry `entry` in this process, as a worker would run what beat sends."""
    app.loader.import_default_modules()
    spec = settings.CELERY_BEAT_SCHEDULE[entry]
    return app.tasks[spec["task"]].apply(kwargs=spec["kwargs"]).get()


def _sent(broker_queue, task_name: str) -> list[str]:
    """The schemas `task_name` was sent to (each message's schema header), in order."""
    return [headers["_schema_name"] for task, headers, _kwargs in broker_queue() if task == task_name]


def _event(*, age: timedelta = timedelta(0)) -> OutboxEvent:
    """A committed outbox event in the current shop (its hand-off runs on commit), `age` old."""
    event = outbox_event_add(topic="sale.applied", payload=SALE)
    if age:
        OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - age)
    return event


def test_the_tick_sweeps_only_the_shops_whose_outbox_got_events(shops, broker_queue, marks):
    busy = shops[1:3]
    for shop in busy:
        in_shop(shop, _event)
    assert marks() == {shop.schema_name for shop in busy}  # marked on the hand-off's connection

    sent = _beat("outbox-sweep")

    # One sweep per busy shop, in its schema; none to the other shops (the old
    # fan-out sent one to every active shop: 3 session shops + EXTRA_SHOPS).
    assert sorted(schema for schema, _id in sent) == sorted(shop.schema_name for shop in busy)
    assert sorted(_sent(broker_queue, "core.outbox_sweep")) == sorted(shop.schema_name for shop in busy)
    assert marks() == set()  # taken
    assert _beat("outbox-sweep") == []  # nothing new: the next tick sends nothing


def test_a_sweep_that_leaves_young_events_marks_its_shop_again_so_the_event_is_never_forgotten(shops, broker_queue, marks):
    shop = shops[0]
    young = in_shop(shop, _event)  # its relay message waits in the probe queue: no worker runs it
    [(schema, _id)] = _beat("outbox-sweep")  # the mark is taken before the sweep runs
    assert schema == shop.schema_name and marks() == set()

    # The sweep leaves the event to its hand-off (younger than the grace): it
    # marks the shop again rather than forget it.
    assert in_shop(shop, outbox_sweep) == 0
    assert marks() == {shop.schema_name}
    # An event committed after the take marks the shop too (its own hand-off).
    dirty_take(client=_client())
    in_shop(shop, _event)
    assert marks() == {shop.schema_name}

    # Once old enough, the next tick's sweep relays both and clears for good.
    in_shop(shop, lambda: OutboxEvent.objects.filter(published_at__isnull=True).update(
        created_at=timezone.now() - timedelta(minutes=1)))
    assert [s for s, _ in _beat("outbox-sweep")] == [shop.schema_name]
    assert in_shop(shop, outbox_sweep) == 2
    assert in_shop(shop, lambda: OutboxEvent.objects.filter(pk=young.pk, published_at__isnull=False).exists())
    assert marks() == set()


def _client():
    import redis

    return redis.Redis.from_url(app.conf.broker_url)


def test_the_full_check_finds_the_shop_whose_hand_off_failed_with_the_broker_down(shops, broker_queue, marks, monkeypatch):
    shop = shops[3]
    # Redis is down for this web process: its breaker is open and the hand-off
    # does not even try, so no mark is written (and none could be).
    monkeypatch.setattr(outbox, "_broker_down_until", time.monotonic() + 3600)
    lost = in_shop(shop, _event, age=timedelta(minutes=1))
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    assert marks() == set() and broker_queue() == []
    assert _beat("outbox-sweep") == []  # the tick cannot know

    found = _beat("outbox-full-check")

    # The database can: among this module's shops, exactly that one is swept.
    mine = {s.schema_name for s in shops}
    assert [schema for schema, _id in found if schema in mine] == [shop.schema_name]
    assert in_shop(shop, outbox_sweep) == 1
    assert in_shop(shop, lambda: OutboxEvent.objects.get(pk=lost.pk).published_at is not None)


def test_the_full_check_after_an_outage_has_no_grace(shops, broker_queue, marks, monkeypatch):
    """The recovery check (apps.core.broker.recovery_sweep_send) passes grace 0:
    an event the breaker kept from the broker a second ago is found too."""
    shop = shops[4]
    monkeypatch.setattr(outbox, "_broker_down_until", time.monotonic() + 3600)
    in_shop(shop, _event)
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    mine = {s.schema_name for s in shops}
    connection.set_schema_to_public()
    schemas = sorted(mine)

    def found(**kwargs):
        return shops_with_work(schemas=schemas, found=work_filter("outbox_backlog", now=timezone.now(), kwargs=kwargs))

    assert found() == []  # younger than the grace
    assert found(grace_seconds=0) == [shop.schema_name]
    in_shop(shop, lambda: outbox_sweep(grace=timedelta(0)))


def test_the_query_checks_many_schemas_in_chunks_and_skips_a_schema_without_the_table(shops):
    shop = shops[5]
    in_shop(shop, _event, age=timedelta(minutes=1))
    connection.set_schema_to_public()
    schemas = [s.schema_name for s in shops] + ["no_such_schema"]
    backlog = work_filter("outbox_backlog", now=timezone.now(), kwargs={})
    assert shops_with_work(schemas=schemas, found=backlog, chunk=2) == [shop.schema_name]
    assert shops_with_work(schemas=schemas, found=backlog, chunk=200) == [shop.schema_name]
    in_shop(shop, outbox_sweep)


def test_periodic_jobs_go_only_to_the_shops_with_work_of_their_kind(shops, broker_queue):
    from apps.review.models import ReviewItem
    from apps.review.services import review_open

    moved, reviewed, sold, quiet = shops[0], shops[1], shops[2], shops[-1]
    in_shop(moved, lambda: shop_data.ring(shop_data.branch()))  # stock received: a ledger row
    in_shop(reviewed, lambda: review_open(kind=ReviewItem.Kind.STOCK_DRIFT, details={"source": "test"}))
    in_shop(sold, lambda: _event() and outbox_sweep(grace=timedelta(0)))  # a sale's event, published
    # A key from before UUIDv7 (random, v4) sorts above every time floor: it is no recent event.
    in_shop(quiet, lambda: OutboxEvent.objects.create(id=uuid.UUID("f47ac10b-58cc-4372-a567-0e02b2c3d479"), topic="tests.none",
                                                      published_at=timezone.now()))
    mine = {s.schema_name for s in shops}

    def fanned(entry: str) -> set[str]:
        return {schema for schema, _id in _beat(entry)} & mine

    assert fanned("stock-reconciliation") == {moved.schema_name}
    assert fanned("review-notification") == {reviewed.schema_name}
    rebuilt = fanned("daily-sales-rebuild")  # the other tests' events count too: sales in the last days
    assert sold.schema_name in rebuilt and quiet.schema_name not in rebuilt
    # The daily jobs that need every shop still reach every shop.
    assert fanned("retention") == mine and fanned("stock-reconciliation-all") == mine
    for task, headers, _kwargs in broker_queue():
        assert headers["_schema_name"], task  # every task carries its shop's schema


def test_with_a_real_worker_the_tick_and_the_full_check_deliver_and_the_sweep_marks_its_shop_again(
    shops, redis_server, start_worker, monkeypatch,
):
    """The whole loop on a worker of its own (its broker: this module's Redis;
    its queue: its own, which is also where it sends the sweeps and keeps the marks)."""
    from tests.background.conftest import send, sender, wait_for

    shop = shops[2]
    worker = start_worker(redis_server.url)
    app_ = sender(redis_server.url)
    key, client = f"outbox:dirty:{worker.queue}", redis_server.client()

    def published(event) -> bool:
        return in_shop(shop, lambda: OutboxEvent.objects.get(pk=event.pk).published_at is not None)

    monkeypatch.setattr(outbox, "_broker_down_until", time.monotonic() + 3600)  # no hand-off from this process
    young = in_shop(shop, lambda: OutboxEvent.objects.create(topic="tests.none", payload={}))
    client.sadd(key, shop.schema_name)  # what its hand-off would have written

    # The tick takes the mark; its sweep leaves the young event and marks the shop again.
    [(schema, sweep_id)] = send(app_, "core.outbox_dirty_sweep", schema="public", queue=worker.queue).get(timeout=30)
    assert schema == shop.schema_name
    assert app_.AsyncResult(sweep_id).get(timeout=30) == 0
    assert {m.decode() for m in client.smembers(key)} == {shop.schema_name} and not published(young)

    # Old enough now: the next tick relays it, and the mark is gone for good.
    in_shop(shop, lambda: OutboxEvent.objects.filter(pk=young.pk).update(created_at=timezone.now() - timedelta(minutes=1)))
    [(_schema, sweep_id)] = send(app_, "core.outbox_dirty_sweep", schema="public", queue=worker.queue).get(timeout=30)
    assert app_.AsyncResult(sweep_id).get(timeout=30) == 1 and published(young)
    assert client.smembers(key) == set()

    # An event that left no mark at all: only the full check finds it.
    lost = in_shop(shop, lambda: OutboxEvent.objects.create(topic="tests.none", payload={}))
    in_shop(shop, lambda: OutboxEvent.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=1)))
    assert send(app_, "core.outbox_dirty_sweep", schema="public", queue=worker.queue).get(timeout=30) == []
    spec = settings.CELERY_BEAT_SCHEDULE["outbox-full-check"]["kwargs"]
    found = send(app_, "core.fan_out", schema="public", queue=worker.queue, **spec).get(timeout=60)
    assert shop.schema_name in {schema for schema, _id in found}
    wait_for(lambda: published(lost), timeout=60, what="the full check's sweep to relay the event", log=worker.log)
