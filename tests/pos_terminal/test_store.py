import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

from pos_terminal.errors import AlreadyEnrolled, NotEnrolled
from pos_terminal.store import Settlement, Store
from tests.pos_terminal.conftest import RING, ROOT, TAX_IR, catalogue_page, enrolled_store

LINE = {"item_id": "item-ring", "quantity": 1, "gold_rate_id": "rate-1", "unit_price": "10"}
CASH = {"method": "cash", "amount": "10"}


def sell(store, **kwargs):
    return store.record_sale(lines=[LINE], payments=[CASH], total="10", **kwargs)


def test_sales_get_consecutive_seqs_and_their_own_ids(store):
    ops = [sell(store) for _ in range(3)]

    assert [op.seq for op in ops] == [1, 2, 3]
    assert [op.receipt_number for op in ops] == ["B1T1-000001", "B1T1-000002", "B1T1-000003"]
    assert len({op.op_id for op in ops}) == len({op.client_sale_id for op in ops}) == 3
    assert all(op.payload["receipt_number"] == op.receipt_number and op.payload["client_sale_id"] == op.client_sale_id for op in ops)
    assert store.device().next_seq == 4
    assert [op.state for op in store.pending()] == ["pending"] * 3


def test_customers_and_voids_take_seqs_from_the_same_sequence(store):
    sale = sell(store)
    customer = store.record_customer(full_name="Sara Ahmadi", phone="+989121234567")
    void = store.record_void(client_sale_id=sale.client_sale_id, reason="wrong ring")

    assert [sale.seq, customer.seq, void.seq] == [1, 2, 3]
    assert customer.receipt_number is None and void.receipt_number is None
    assert store.row("customers", customer.payload["id"])["full_name"] == "Sara Ahmadi"  # usable offline at once
    assert void.payload == {"client_sale_id": sale.client_sale_id, "receipt_number": "B1T1-000001", "reason": "wrong ring"}
    with pytest.raises(LookupError):
        store.record_void(client_sale_id=str(uuid.uuid4()))
    assert store.device().next_seq == 4


def test_a_failed_record_leaves_nothing_and_burns_no_seq(store):
    sell(store)
    with pytest.raises(TypeError):  # not JSON-serializable: fails inside the transaction
        store.record_sale(lines=[{**LINE, "unit_price": object()}], payments=[CASH], total="10")

    assert [op.seq for op in store.operations()] == [1]
    assert sell(store).seq == 2


def test_store_resumes_after_reopening_the_file(tmp_path):
    path = tmp_path / "t.sqlite"
    with enrolled_store(path) as first:
        recorded = [sell(first) for _ in range(2)]
        device = first.device()

    with Store(path) as again:
        assert again.device() == device
        assert [op.op_id for op in again.pending()] == [op.op_id for op in recorded]
        assert sell(again).seq == 3
        assert again._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_recording_needs_an_enrolled_device_and_a_store_has_one_device(tmp_path, store):
    with Store(tmp_path / "empty.sqlite") as empty, pytest.raises(NotEnrolled):
        sell(empty)
    with pytest.raises(AlreadyEnrolled):
        store.device_save(device_id="x", token="y", receipt_prefix="B9T9", branch={})


def test_settling_is_stored_once(store):
    ops = [sell(store) for _ in range(3)]
    answer = Settlement(seq=1, state="applied", result={"status": "applied", "server_id": "s1"}, server_id="s1", invoice_number="INV-1")

    assert store.operations_settle([answer, Settlement(seq=2, state="rejected", result={"errors": [{"code": "bad"}]})]) == 2
    assert store.operations_settle([Settlement(seq=1, state="duplicate", result={}, server_id="other")]) == 0  # already settled

    first, second, third = store.operations()
    assert (first.state, first.server_id, first.invoice_number) == ("applied", "s1", "INV-1")
    assert second.state == "rejected" and second.result["errors"][0]["code"] == "bad"
    assert [op.seq for op in store.pending()] == [third.seq] == [ops[2].seq]
    with pytest.raises(ValueError):
        store.operations_settle([Settlement(seq=3, state="pending", result={})])


def test_the_database_refuses_a_second_sale_with_the_same_seq(store):
    sell(store)
    with pytest.raises(sqlite3.IntegrityError):
        store._db.execute(
            "INSERT INTO operations (seq, op_id, type, payload, occurred_at, recorded_at) VALUES (1, 'x', 'sale.create', '{}', 'now', 'now')"
        )


def test_pull_pages_apply_changes_deletions_and_the_cursor(store):
    other = {**RING, "id": "item-2", "sku": "R-2", "barcode": None}
    store.pull_page_apply(catalogue_page(items=[RING, other], next_cursor="c1"))
    store.pull_page_apply(catalogue_page(items=[{**RING, "quantity": 1}], rates=[], tax_rule=None, next_cursor="c2",
                                         deleted={"items": ["item-2"], "customers": []}))

    assert store.pull_cursor() == "c2"
    assert [i["id"] for i in store.rows("items")] == ["item-ring"]
    assert store.item_find("R-1")["quantity"] == 1
    assert store.item_find("200001")["id"] == store.item_find("item-ring")["id"] == "item-ring"
    assert store.item_find("R-2") is None
    assert store.tax_rule() == TAX_IR  # a page without a tax rule keeps the one we have
    assert len(store.rows("gold_rates")) == 1


def test_a_full_resync_page_replaces_the_catalogue_but_keeps_unpushed_customers(store):
    store.pull_page_apply(catalogue_page(items=[RING], next_cursor="c9"))
    customer = store.record_customer(full_name="Offline Customer", phone="+989120000000")

    store.pull_page_apply(catalogue_page(items=[], rates=[], tax_rule=None, next_cursor="n1"), reset=True)

    assert store.rows("items") == [] and store.rows("gold_rates") == []
    assert store.tax_rule() is None
    assert store.pull_cursor() == "n1"
    assert [c["id"] for c in store.rows("customers")] == [customer.payload["id"]]


WRITER = """
import sys
from pos_terminal.store import Store
store = Store(sys.argv[1])
line = {"item_id": "item-ring", "quantity": 1, "gold_rate_id": "rate-1", "unit_price": "10"}
while True:
    op = store.record_sale(lines=[line], payments=[{"method": "cash", "amount": "10"}], total="10")
    print(op.receipt_number, flush=True)
"""


def _writers(path, count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, cwd=ROOT, text=True)
            for _ in range(count)]


def _kill(processes, printed: list[str]) -> None:
    for process in processes:
        os.kill(process.pid, signal.SIGKILL)
    for process in processes:
        process.wait()
        # Only whole lines: a line cut by the kill was not acknowledged.
        printed += [line.strip() for line in process.stdout.readlines() if line.endswith("\n")]
        process.stdout.close()


def _assert_no_sale_lost_or_doubled(path, printed: list[str]) -> list:
    with Store(path) as store:
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ops = store.operations()
        receipts = [op.receipt_number for op in ops]
        assert [op.seq for op in ops] == list(range(1, len(ops) + 1))  # contiguous, none doubled
        assert receipts == [f"B1T1-{op.seq:06d}" for op in ops]
        assert len({op.op_id for op in ops}) == len({op.client_sale_id for op in ops}) == len(ops)
        assert sorted(printed) == sorted(set(printed))  # no receipt handed out twice
        assert set(printed) <= set(receipts)  # every acknowledged sale is there
        assert store.device().next_seq == len(ops) + 1
        return ops


def test_kill_9_while_recording_never_loses_nor_doubles_a_sale(tmp_path):
    path = tmp_path / "crash.sqlite"
    enrolled_store(path).close()
    printed: list[str] = []
    for round_number in range(6):
        [writer] = _writers(path, 1)
        for _ in range(10 + 7 * round_number):  # let it get going, then kill it mid-stride
            printed.append(writer.stdout.readline().strip())
        time.sleep(0.003 * round_number)
        _kill([writer], printed)
        _assert_no_sale_lost_or_doubled(path, printed)

    ops = _assert_no_sale_lost_or_doubled(path, printed)
    assert len(ops) >= len(printed) >= 6 * 10


def test_kill_9_of_two_processes_recording_on_one_file(tmp_path):
    path = tmp_path / "two.sqlite"
    enrolled_store(path).close()
    printed: list[str] = []
    for _ in range(3):
        writers = _writers(path, 2)
        for writer in writers:
            for _ in range(15):
                printed.append(writer.stdout.readline().strip())
        _kill(writers, printed)

    assert len(_assert_no_sale_lost_or_doubled(path, printed)) >= 90
