import threading
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.db import connection, connections

from apps.core.models import OutboxEvent
from apps.customers.services import customer_create
from apps.inventory.models import Category, Item, StockMovement
from apps.inventory.selectors import item_ledger_sum
from apps.pos_sync.models import Device, Operation
from apps.review.models import ReviewItem
from apps.sales.models import Payment, Sale, SaleLine
from tests.conftest import run_committed
from tests.pos_sync import catalogue
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, push, sale_payload


@pytest.fixture
def rate(device_a):
    return catalogue.gold_rate()


def counts():
    return (Sale.objects.count(), SaleLine.objects.count(), Payment.objects.count(), StockMovement.objects.count(),
            OutboxEvent.objects.count(), Operation.objects.count())


def test_a_sale_is_applied_with_an_invoice_number(device_a, rate):
    ring = catalogue.ring(quantity=3)
    payload = sale_payload([(ring, rate, 2)])
    response = push(pos_client("a", device_a.token), [op(1, payload)])
    assert response.status_code == 200, response.content
    body = response.json()
    [result] = body["results"]
    assert result["status"] == "applied" and result["conflicts"] == [] and result["errors"] == []
    assert result["invoice_number"] == "B1-000001"
    assert body["last_applied_seq"] == 1

    sale = Sale.objects.get(pk=result["server_id"])
    assert sale.source == "offline" and str(sale.client_sale_id) == payload["client_sale_id"]
    assert sale.total == Decimal(payload["total"]) == Decimal("107508800")  # 2 x PRICING.md vector 1
    assert sale.device_id == device_a.device.id and sale.receipt_number == "B1T1-000001"
    ring.refresh_from_db()
    assert ring.quantity == 1 == item_ledger_sum(ring)
    assert OutboxEvent.objects.filter(topic="sale.applied", payload__sale_id=str(sale.pk)).count() == 1
    device_a.device.refresh_from_db()
    assert device_a.device.last_applied_seq == 1


def test_rows_a_push_writes_have_time_ordered_keys(device_a, rate):
    """Append-only rows get UUIDv7 keys (apps/core/ids.py): a later sale's key
    sorts after an earlier one's, so inserts stay at the end of the index."""
    ring = catalogue.ring(quantity=5)
    client = pos_client("a", device_a.token)
    first = push(client, [op(1, sale_payload([(ring, rate, 1)]))]).json()["results"][0]
    time.sleep(0.002)  # the key's clock counts milliseconds
    second = push(client, [op(2, sale_payload([(ring, rate, 1)]))]).json()["results"][0]
    earlier, later = Sale.objects.get(pk=first["server_id"]), Sale.objects.get(pk=second["server_id"])
    assert earlier.pk < later.pk
    for sale in (earlier, later):
        rows = [sale, *sale.lines.all(), *sale.payments.all(), *StockMovement.objects.filter(reference=str(sale.pk)),
                *OutboxEvent.objects.filter(payload__sale_id=str(sale.pk))]
        assert len(rows) == 5 and {row.pk.version for row in rows} == {7}
    assert {log.pk.version for log in Operation.objects.filter(device=device_a.device)} == {7}


def test_a_replayed_push_gets_the_stored_results_and_writes_nothing(device_a, rate):
    ring = catalogue.ring(quantity=5)
    operations = [op(1, sale_payload([(ring, rate, 1)])), op(2, sale_payload([(ring, rate, 1)]))]
    client = pos_client("a", device_a.token)
    first = push(client, operations).json()
    before = counts()
    again = push(client, operations).json()
    assert counts() == before
    for original, replay in zip(first["results"], again["results"]):
        assert replay["status"] == "duplicate"
        assert (replay["server_id"], replay["invoice_number"]) == (original["server_id"], original["invoice_number"])
    assert again["last_applied_seq"] == 2


def test_a_gap_returns_retry_with_expected_seq_for_it_and_all_after(device_a, rate):
    ring = catalogue.ring(quantity=5)
    client = pos_client("a", device_a.token)
    push(client, [op(1, sale_payload([(ring, rate, 1)]))])
    before = counts()
    body = push(client, [op(3, sale_payload([(ring, rate, 1)])), op(4, sale_payload([(ring, rate, 1)]))]).json()
    assert [(r["status"], r["expected_seq"]) for r in body["results"]] == [("retry", 2), ("retry", 2)]
    assert body["last_applied_seq"] == 1
    assert counts() == before


def test_same_op_id_with_another_payload_is_rejected_and_the_queue_moves_on(device_a, rate):
    ring = catalogue.ring(quantity=5)
    client = pos_client("a", device_a.token)
    first = op(1, sale_payload([(ring, rate, 1)]))
    push(client, [first])
    forged = op(2, sale_payload([(ring, rate, 2)]), op_id=first["op_id"])
    after = op(3, sale_payload([(ring, rate, 1)]))
    body = push(client, [forged, after]).json()
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["errors"][0]["code"] == "idempotency_mismatch"
    assert body["results"][1]["status"] == "applied"
    assert body["last_applied_seq"] == 3
    assert ReviewItem.objects.filter(kind="rejected", details__op_id=first["op_id"]).exists()


@pytest.mark.parametrize("breakage, code", [
    (lambda p: p["lines"][0].update(item_id="00000000-0000-0000-0000-000000000000"), "unknown_item"),
    (lambda p: p.update(total=str(Decimal(p["total"]) + 1)), "payment_mismatch"),
    (lambda p: p["lines"][0].update(quantity=0), "invalid_quantity"),
    (lambda p: p["lines"][0].update(unit_price=1.5), "invalid_amount"),
    (lambda p: p.update(lines=[]), "invalid_lines"),
    (lambda p: p["payments"][0].update(method="bitcoin"), "invalid_payment"),
    # A terminal cannot see a customer's balance: store credit is spent online only.
    (lambda p: p["payments"][0].update(method="store_credit"), "store_credit_offline"),
])
def test_a_permanently_bad_sale_is_rejected_stored_and_never_blocks(device_a, rate, breakage, code):
    ring = catalogue.ring(quantity=5)
    bad = sale_payload([(ring, rate, 1)])
    breakage(bad)
    body = push(pos_client("a", device_a.token), [op(1, sale_payload([(ring, rate, 1)])), op(2, bad),
                                                   op(3, sale_payload([(ring, rate, 1)]))]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert body["results"][1]["errors"][0]["code"] == code
    assert body["last_applied_seq"] == 3
    log = Operation.objects.get(seq=2, device=device_a.device)
    assert log.status == "rejected" and log.payload["payload"] == bad
    assert ReviewItem.objects.filter(operation=log, kind="rejected", status="open").exists()
    assert Sale.objects.filter(client_sale_id=bad["client_sale_id"]).count() == 0 if "client_sale_id" in bad else True
    ring.refresh_from_db()
    assert ring.quantity == 3 == item_ledger_sum(ring)


def test_two_devices_sell_the_same_unique_piece_offline(shop_a, rate):
    piece = catalogue.ring(unique=True, quantity=1)
    first, second = enrol_device(shop_a, name="Left"), enrol_device(shop_a, name="Right")
    one = push(pos_client("a", first.token), [op(1, sale_payload([(piece, rate, 1)]))]).json()["results"][0]
    two = push(pos_client("a", second.token), [op(1, sale_payload([(piece, rate, 1)]))]).json()["results"][0]
    assert one["status"] == two["status"] == "applied"
    assert one["conflicts"] == []
    assert two["conflicts"] == [{"kind": "oversold", "item_id": str(piece.pk), "quantity_after": -1}]
    piece.refresh_from_db()
    assert piece.quantity == -1 == item_ledger_sum(piece)
    assert piece.status == "sold"
    review = ReviewItem.objects.get(kind="oversold", item=piece)
    assert str(review.sale_id) == two["server_id"] and review.status == "open"


def test_a_price_beyond_tolerance_is_applied_and_flagged(device_a, rate):
    ring = catalogue.ring(quantity=2)
    cheap = sale_payload([(ring, rate, 1, Decimal("40000000"))])  # server says 53,754,400
    exact = sale_payload([(ring, rate, 1)])
    body = push(pos_client("a", device_a.token), [op(1, cheap), op(2, exact)]).json()
    flagged, clean = body["results"]
    assert flagged["status"] == "applied" and [c["kind"] for c in flagged["conflicts"]] == ["price_mismatch"]
    assert flagged["conflicts"][0]["expected"] == "53754400" and flagged["conflicts"][0]["given"] == "40000000"
    assert clean["conflicts"] == []
    sale = Sale.objects.get(pk=flagged["server_id"])
    assert sale.total == Decimal("40000000") and sale.discount_total == Decimal("13754400")
    assert ReviewItem.objects.filter(kind="price_mismatch", sale=sale).exists()


def test_an_old_sale_is_applied_and_flagged_stale(device_a, rate):
    ring = catalogue.ring()
    long_ago = datetime.now(dt_timezone.utc) - timedelta(hours=100)
    result = push(pos_client("a", device_a.token), [op(1, sale_payload([(ring, rate, 1)]), occurred_at=long_ago)]).json()["results"][0]
    assert result["status"] == "applied"
    assert [c["kind"] for c in result["conflicts"]] == ["stale"]
    sale = Sale.objects.get(pk=result["server_id"])
    assert abs((sale.occurred_at - long_ago).total_seconds()) < 1 and sale.received_at > sale.occurred_at


def test_customer_created_offline_then_used_in_a_sale(device_a, rate):
    import uuid

    ring = catalogue.ring()
    customer_id = uuid.uuid4()
    body = push(pos_client("a", device_a.token), [
        op(1, {"id": str(customer_id), "full_name": "زهرا کریمی", "phone": "۰۹۱۲۷۶۵۴۳۲۱"}, type="customer.create"),
        op(2, sale_payload([(ring, rate, 1)], customer_id=customer_id)),
    ]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    assert Sale.objects.get(pk=body["results"][1]["server_id"]).customer_id == customer_id


def test_a_sale_for_a_customer_the_server_refused_keeps_the_sale(device_a, rate):
    import uuid

    customer_create(full_name="Existing", phone="09120000001")
    ring = catalogue.ring()
    refused_id = uuid.uuid4()
    body = push(pos_client("a", device_a.token), [
        op(1, {"id": str(refused_id), "full_name": "Twin", "phone": "09120000001"}, type="customer.create"),
        op(2, sale_payload([(ring, rate, 1)], customer_id=refused_id)),
    ]).json()
    assert body["results"][0]["status"] == "rejected" and body["results"][0]["errors"][0]["code"] == "phone_taken"
    assert body["results"][1]["status"] == "applied"
    assert body["results"][1]["conflicts"] == [{"kind": "unknown_customer", "customer_id": str(refused_id)}]


def test_each_operation_is_all_or_nothing_when_the_set_wise_write_fails(device_a, rate):
    """A database-level failure of one sale (a CHECK added for this test,
    rolled back with it) sends the batch down the per-sale savepoint path:
    the others are applied whole, the failing one leaves no row at all."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE sales_saleline ADD CONSTRAINT test_no_seven CHECK (quantity <> 7)")
    ring = catalogue.ring(quantity=20)
    doomed = sale_payload([(ring, rate, 7)])
    body = push(pos_client("a", device_a.token), [op(1, sale_payload([(ring, rate, 1)])), op(2, doomed),
                                                   op(3, sale_payload([(ring, rate, 2)]))]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert "test_no_seven" in body["results"][1]["errors"][0]["message"]
    assert not Sale.objects.filter(client_sale_id=doomed["client_sale_id"]).exists()
    assert [r["invoice_number"] for r in body["results"] if r["status"] == "applied"] == ["B1-000001", "B1-000002"]
    ring.refresh_from_db()
    assert ring.quantity == 17 == item_ledger_sum(ring)
    assert Payment.objects.filter(sale__device=device_a.device).count() == 2


@pytest.mark.parametrize("body, status, code", [
    (b"{not json", 400, "invalid_json"),
    (b'{"batch_id": "x"}', 400, "invalid_envelope"),
    (b'{"operations": [{"seq": "one", "op_id": "x"}]}', 400, "invalid_operation"),
])
def test_envelope_errors_write_nothing(device_a, body, status, code):
    before = counts()
    response = pos_client("a", device_a.token).post("/api/pos/v1/sync/push", body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert counts() == before


def test_too_many_operations_and_too_large_bodies_are_413(device_a, rate):
    client = pos_client("a", device_a.token)
    ring = catalogue.ring()
    many = [op(i, sale_payload([(ring, rate, 1)])) for i in range(1, 202)]
    response = push(client, many)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_many_operations"
    big = b'{"operations": [], "pad": "' + b"x" * 1_100_000 + b'"}'
    response = client.post("/api/pos/v1/sync/push", big, content_type="application/json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert Sale.objects.count() == 0


def test_a_second_concurrent_push_from_one_device_is_409(shop_a, django_db_blocker):
    """Another connection holds the device's push lock: this push must not
    wait or write, but answer 409 sync_in_progress with Retry-After."""
    with django_db_blocker.unblock():
        def setup():
            connection.set_tenant(shop_a)
            return enrol_device(shop_a, name="Busy")

        enrolled = run_committed(setup)
        holding, release = threading.Event(), threading.Event()

        def hold_lock():
            from django.db import transaction

            connection.set_tenant(shop_a)
            try:
                with transaction.atomic():
                    Device.objects.select_for_update().get(pk=enrolled.device.pk)
                    holding.set()
                    release.wait(10)
            finally:
                connections.close_all()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        try:
            assert holding.wait(10)
            # From a connection of its own: this test's transaction must hold no lock.
            response = run_committed(push, pos_client("a", enrolled.token), [op(1, {"not": "checked"})])
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "sync_in_progress"
            assert int(response["Retry-After"]) > 0
        finally:
            release.set()
            holder.join(10)

        def cleanup():
            connection.set_tenant(shop_a)
            device = Device.objects.get(pk=enrolled.device.pk)
            assert device.last_applied_seq == 0
            terminal = device.terminal
            device.delete()
            terminal.enrollment_codes.all().delete()
            terminal.delete()

        run_committed(cleanup)


def test_a_lock_wait_that_times_out_is_retry_for_it_and_all_after(shop_a, django_db_blocker, settings):
    settings.POS_LOCK_TIMEOUT = "300ms"
    with django_db_blocker.unblock():
        def setup():
            connection.set_tenant(shop_a)
            return enrol_device(shop_a, name="Waits"), catalogue.ring(quantity=3), catalogue.gold_rate()

        enrolled, ring, rate = run_committed(setup)
        holding, release = threading.Event(), threading.Event()

        def hold_item():
            from django.db import transaction

            connection.set_tenant(shop_a)
            try:
                with transaction.atomic():
                    Item.objects.select_for_update().get(pk=ring.pk)
                    holding.set()
                    release.wait(10)
            finally:
                connections.close_all()

        holder = threading.Thread(target=hold_item)
        holder.start()
        try:
            assert holding.wait(10)
            connection.set_tenant(shop_a)  # to price the payloads; reads take no lock
            body = run_committed(push, pos_client("a", enrolled.token), [
                op(1, {"id": "6f1c1d4e-8d0a-4d35-9b1e-3f4f2b1a0c01", "full_name": "Ali", "phone": "09121110000"}, type="customer.create"),
                op(2, sale_payload([(ring, rate, 1)])),
                op(3, sale_payload([(ring, rate, 1)])),
            ]).json()
        finally:
            release.set()
            holder.join(10)
        assert [r["status"] for r in body["results"]] == ["applied", "retry", "retry"]
        assert [r.get("expected_seq") for r in body["results"][1:]] == [2, 2]
        assert body["last_applied_seq"] == 1

        def cleanup():
            from apps.customers.models import Customer

            connection.set_tenant(shop_a)
            Customer.objects.filter(phone="+989121110000").delete()
            Operation.objects.filter(device_id=enrolled.device.pk).delete()
            device = Device.objects.get(pk=enrolled.device.pk)
            terminal = device.terminal
            device.delete()
            terminal.enrollment_codes.all().delete()
            terminal.delete()
            StockMovement.objects.filter(item=ring).delete()
            Item.objects.filter(pk=ring.pk).delete()
            Category.objects.filter(pk=ring.category_id, items__isnull=True).delete()
            from apps.core.models import AuditEntry

            AuditEntry.objects.filter(object_id__in=[str(rate.pk), str(ring.pk)]).delete()
            rate.delete()

        run_committed(cleanup)


def test_void_and_return_by_client_sale_id(device_a, rate):
    ring = catalogue.ring(quantity=10)
    client = pos_client("a", device_a.token)
    to_void, to_return = sale_payload([(ring, rate, 1)]), sale_payload([(ring, rate, 3)])
    body = push(client, [
        op(1, to_void), op(2, to_return),
        op(3, {"client_sale_id": to_void["client_sale_id"], "reason": "customer changed mind"}, type="sale.void"),
        op(4, {"client_sale_id": to_return["client_sale_id"], "lines": [{"item_id": str(ring.pk), "quantity": 2}],
               "reason": "too big"}, type="return.create"),
        op(5, {"client_sale_id": to_void["client_sale_id"]}, type="sale.void"),
        op(6, {"client_sale_id": to_return["client_sale_id"], "lines": [{"item_id": str(ring.pk), "quantity": 2}]}, type="return.create"),
    ]).json()
    assert [r["status"] for r in body["results"]] == ["applied"] * 4 + ["rejected"] * 2
    assert body["results"][4]["errors"][0]["code"] == "sale_already_voided"
    assert body["results"][5]["errors"][0]["code"] == "return_exceeds_sale"
    assert Sale.objects.get(client_sale_id=to_void["client_sale_id"]).status == "voided"
    assert Sale.objects.get(client_sale_id=to_return["client_sale_id"]).status == "partially_returned"
    ring.refresh_from_db()
    assert ring.quantity == 10 - 4 + 1 + 2 == item_ledger_sum(ring)
