"""Periodic jobs of a shop, run as the worker runs them (the task bodies), in
shop A inside the test's transaction: stock reconciliation and retention
clean-up (review notifications: tests/review/test_notifications.py)."""
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from apps.core.models import IdempotencyKey, JobRun, OutboxEvent, ProcessedEvent
from apps.core.retention import retention_run
from apps.core.selectors import job_run_latest
from apps.core.tasks import retention_task
from apps.inventory.models import Item, MovementReason
from apps.inventory.services import stock_moves_apply
from apps.inventory.tasks import stock_reconcile_task
from apps.pos_sync.models import Operation
from apps.review.models import ReviewItem
from tests.background import shop_data
from tests.pos_sync import catalogue
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, push, sale_payload

# --------------------------------------------------------------------------
# stock reconciliation
# --------------------------------------------------------------------------


def _write_around_the_ledger(item: Item, quantity: int) -> None:
    """What a bug or a hand-edited row would do: the column moves, the ledger does not."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Item._meta.db_table} SET quantity = %s WHERE id = %s", [quantity, item.pk])


def test_a_clean_shop_reconciles_clean(db, bg_shop):
    connection.set_tenant(bg_shop)  # only background tests' data, none of it broken
    at = shop_data.branch()
    shop_data.sell(shop_data.ring(at, quantity=3), at=at)
    result = stock_reconcile_task()
    assert result["clean"] is True and result["drift"] == 0 and result["oversold"] == 0
    assert result["items_checked"] == Item.objects.count()
    assert job_run_latest(job=JobRun.Job.STOCK_RECONCILIATION).result == result


def test_drift_opens_one_review_item_and_the_quantity_is_never_rewritten(in_shop_a):
    at = shop_data.branch()
    ring = shop_data.ring(at, quantity=4)
    _write_around_the_ledger(ring, 7)

    first = stock_reconcile_task()
    second = stock_reconcile_task()

    assert first["drift"] == second["drift"] == 1
    assert first["drift_items"] == [{"sku": ring.sku, "quantity": 7, "ledger_sum": 4}]
    assert (first["reviews_opened"], second["reviews_opened"]) == (1, 0)  # not piled up while it waits
    [review] = ReviewItem.objects.filter(kind="stock_drift", item=ring)
    assert review.status == "open" and review.details["difference"] == 3
    ring.refresh_from_db()
    assert ring.quantity == 7  # left as found: a manager decides


def test_oversold_pieces_are_reported_even_when_the_ledger_agrees(in_shop_a):
    at = shop_data.branch()
    ring = shop_data.ring(at, quantity=1)
    stock_moves_apply(moves=[(ring.pk, -2, "offline-sale")], reason=MovementReason.SALE)  # two terminals sold it offline

    result = stock_reconcile_task()
    assert (result["drift"], result["oversold"]) == (0, 1)
    assert result["oversold_items"] == [{"sku": ring.sku, "quantity": -1, "ledger_sum": -1}]
    assert ReviewItem.objects.filter(kind="oversold", item=ring, status="open").count() == 1


# --------------------------------------------------------------------------
# retention
# --------------------------------------------------------------------------


def _age(queryset, field: str, days: float) -> None:
    queryset.update(**{field: timezone.now() - timedelta(days=days)})


def test_old_idempotency_keys_go_and_recent_ones_stay(in_shop_a, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_DAYS = 7
    mine = IdempotencyKey.objects.filter(owner="user:retention-test")
    old = IdempotencyKey.objects.create(owner="user:retention-test", key="old", request_hash="x")
    recent = IdempotencyKey.objects.create(owner="user:retention-test", key="recent", request_hash="x")
    _age(mine.filter(pk=old.pk), "created_at", 8)
    _age(mine.filter(pk=recent.pk), "created_at", 6)
    others_old = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - timedelta(days=7)).exclude(pk=old.pk).count()

    result = retention_task()
    assert result["idempotency_keys"] == 1 + others_old
    assert list(mine.values_list("key", flat=True)) == ["recent"]


def test_the_operation_log_keeps_each_devices_last_operation_and_review_evidence(shop_a, settings):
    settings.POS_OPERATION_RETENTION_DAYS = 30
    enrolled = enrol_device(shop_a)
    rate = catalogue.gold_rate()
    ring = catalogue.ring(quantity=10)
    client = pos_client("a", enrolled.token)
    operations = [op(1, {"lines": []})] + [op(seq, sale_payload([(ring, rate, 1)])) for seq in (2, 3, 4)]
    body = push(client, operations).json()
    assert [r["status"] for r in body["results"]] == ["rejected"] + ["applied"] * 3
    log = Operation.objects.filter(device_id=enrolled.device.id)
    _age(log, "received_at", 31)

    result = retention_task()

    # 1 stays: its review item is evidence; 4 stays: it is the device's last. 2 and 3 go.
    assert sorted(log.values_list("seq", flat=True)) == [1, 4]
    assert result["operations"] == 2
    assert ReviewItem.objects.get(operation__device_id=enrolled.device.id).operation.seq == 1
    # A terminal that missed the answer and sends its last push again gets "duplicate", not a second sale.
    again = push(client, operations[3:]).json()
    assert again["results"][0]["status"] == "duplicate"


def test_operations_younger_than_the_retention_or_the_offline_limit_stay(shop_a, settings):
    settings.POS_OPERATION_RETENTION_DAYS = 1
    settings.POS_MAX_OFFLINE_HOURS = 72
    enrolled = enrol_device(shop_a)
    rate = catalogue.gold_rate()
    ring = catalogue.ring(quantity=10)
    push(pos_client("a", enrolled.token), [op(seq, sale_payload([(ring, rate, 1)])) for seq in (1, 2)])
    log = Operation.objects.filter(device_id=enrolled.device.id)
    _age(log, "received_at", 2)  # older than the retention, not than a terminal may stay offline

    assert retention_run().result["operations"] == 0
    assert log.count() == 2


def test_published_outbox_events_and_their_records_go_after_the_retention(in_shop_a, settings):
    settings.OUTBOX_RETENTION_DAYS = 14
    done, waiting, recent = OutboxEvent.objects.bulk_create(OutboxEvent(topic="t", payload={}) for _ in range(3))
    OutboxEvent.objects.filter(pk__in=[done.pk, recent.pk]).update(published_at=timezone.now())
    _age(OutboxEvent.objects.filter(pk__in=[done.pk, waiting.pk]), "created_at", 15)
    for event in (done, waiting, recent):
        ProcessedEvent.objects.create(event_id=event.pk, consumer="c")
    _age(ProcessedEvent.objects.all(), "processed_at", 15)

    result = retention_run().result

    mine = {done.pk, waiting.pk, recent.pk}
    assert set(OutboxEvent.objects.filter(pk__in=mine).values_list("pk", flat=True)) == {waiting.pk, recent.pk}  # never an unpublished one
    assert set(ProcessedEvent.objects.filter(event_id__in=mine).values_list("event_id", flat=True)) == {waiting.pk}  # may be relayed again
    assert result["outbox_events"] >= 1 and result["processed_events"] >= 2


def test_the_shops_dead_letters_resolved_long_ago_go_and_open_ones_stay(in_shop_a, settings):
    from django_tenants.utils import schema_context

    from apps.core.models import DeadLetter

    settings.DEAD_LETTER_RETENTION_DAYS = 30
    now = timezone.now()

    def letter(schema_name, resolved_days_ago=None, failed_days_ago=60):
        return DeadLetter.objects.create(
            task_name="t", schema_name=schema_name, exception="boom", failed_at=now - timedelta(days=failed_days_ago),
            resolved=resolved_days_ago is not None,
            resolved_at=None if resolved_days_ago is None else now - timedelta(days=resolved_days_ago),
        ).pk

    mine, other = connection.schema_name, "another_shop"
    with schema_context("public"):
        old_resolved, recent_resolved, old_open = letter(mine, 31), letter(mine, 29), letter(mine)
        others = letter(other, 31)

    result = retention_run().result

    with schema_context("public"):
        left = set(DeadLetter.objects.filter(pk__in=[old_resolved, recent_resolved, old_open, others]).values_list("pk", flat=True))
    assert left == {recent_resolved, old_open, others}  # another shop's are its own retention's
    assert result["dead_letters"] == 1


def test_the_last_run_of_each_job_is_kept_whatever_its_age(in_shop_a, settings):
    settings.JOB_RUN_RETENTION_DAYS = 90
    stock_reconcile_task()
    stock_reconcile_task()
    _age(JobRun.objects.all(), "started_at", 100)
    JobRun.objects.update(finished_at=timezone.now() - timedelta(days=100))

    retention_run()
    assert JobRun.objects.filter(job=JobRun.Job.STOCK_RECONCILIATION).count() == 1
