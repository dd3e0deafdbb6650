"""The terminal against a fake of the sync endpoints that fails on cue."""
import json
import sqlite3
from decimal import Decimal

import httpx
import pytest

from pos_terminal import DeviceRevoked, EnvelopeError, ServerUnavailable, Terminal
from pos_terminal.errors import CatalogueError
from tests.pos_terminal.conftest import RING, catalogue_page, enrolled_store


def terminal_for(server, path, **kwargs) -> Terminal:
    enrolled_store(path).close() if not path.exists() else None
    sleeps: list[float] = []
    terminal = Terminal(path, http=httpx.Client(transport=server.transport()), sleep=sleeps.append, **kwargs)
    terminal.sleeps = sleeps
    return terminal


@pytest.fixture
def terminal(fake_server, tmp_path):
    terminal = terminal_for(fake_server, tmp_path / "t.sqlite")
    terminal.pull()
    yield terminal
    terminal.close()


def pushes(server) -> list[dict]:
    return [json.loads(r.content) for r in server.requests if r.url.path.endswith("/sync/push")]


def test_requests_carry_the_shop_host_token_and_device_time(terminal, fake_server):
    terminal.status()
    request = fake_server.requests[-1]
    assert str(request.url) == "http://pos.test/api/pos/v1/sync/status"
    assert request.headers["Host"] == "shop.test"
    assert request.headers["Authorization"] == "Device " + "t" * 43
    assert "T" in request.headers["X-Device-Time"]
    assert terminal.store.meta_get("limits")["max_operations_per_push"] == 200


def test_sell_prices_offline_and_records_a_durable_sale(terminal):
    sale = terminal.sell("R-1", 2, payments=[("card", "7508800"), ("cash", None)])

    assert sale.receipt_number == "B1T1-000001"
    assert sale.total == Decimal("107508800")
    assert sale.operation.payload["lines"] == [{"item_id": "item-ring", "quantity": 2, "gold_rate_id": "rate-1", "unit_price": "53754400"}]
    assert sale.operation.payload["payments"] == [{"method": "card", "amount": "7508800"}, {"method": "cash", "amount": "100000000"}]
    assert sale.operation.payload["total"] == "107508800"
    assert terminal.store.pending()[0].op_id == sale.operation.op_id


def test_a_sale_whose_payments_do_not_add_up_is_not_recorded(terminal):
    with pytest.raises(ValueError, match="add up"):
        terminal.sell("R-1", payments=[("cash", "1")])
    with pytest.raises(CatalogueError):
        terminal.sell("NO-SUCH-SKU")
    assert terminal.store.operations() == []


def test_selling_more_than_the_pulled_stock_warns_but_sells(terminal):
    terminal.sell("R-1", 3)
    sale = terminal.sell("R-1")
    assert sale.warnings and "sold anyway" in sale.warnings[0]
    assert sale.operation.seq == 2


def test_push_sends_in_seq_order_in_batches_of_the_server_limit(terminal, fake_server):
    fake_server.max_operations = 2
    terminal.status()
    sales = [terminal.sell("R-1") for _ in range(5)]

    summary = terminal.push()

    assert [[op["seq"] for op in body["operations"]] for body in pushes(fake_server)] == [[1, 2], [3, 4], [5]]
    assert (summary.applied, summary.batches, summary.pending, summary.last_applied_seq) == (5, 3, 0, 5)
    stored = terminal.store.operations()
    assert [op.invoice_number for op in stored] == ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]
    assert [op.op_id for op in stored] == [s.operation.op_id for s in sales]
    assert terminal.push().batches == 0  # nothing left to send


def test_network_errors_and_5xx_resend_the_same_batch_with_backoff(terminal, fake_server):
    terminal.sell("R-1")
    terminal.sell("R-1")
    fake_server.faults = ["timeout", "503", "503"]

    summary = terminal.push()

    bodies = [r.content for r in fake_server.requests if r.url.path.endswith("/sync/push")]
    assert len(bodies) == 4 and len(set(bodies)) == 1  # byte for byte the same batch
    assert summary.applied == 2
    assert len(terminal.sleeps) == 3 and all(0 <= s <= cap for s, cap in zip(terminal.sleeps, (0.2, 0.4, 0.8)))


def test_an_answer_lost_after_the_server_applied_comes_back_as_duplicates(terminal, fake_server):
    sales = [terminal.sell("R-1") for _ in range(2)]
    fake_server.faults = ["lost"]

    summary = terminal.push()

    assert fake_server.last_applied_seq == 2
    assert (summary.applied, summary.duplicate) == (0, 2)
    stored = terminal.store.operations()
    assert [op.state for op in stored] == ["duplicate", "duplicate"]
    assert [op.server_id for op in stored] == [fake_server.stored[s.operation.seq]["server_id"] for s in sales]


def test_a_crash_before_storing_the_answer_is_repaired_by_the_next_push(fake_server, tmp_path):
    path = tmp_path / "crash.sqlite"
    with terminal_for(fake_server, path) as first:
        first.pull()
        sale = first.sell("R-1")
        fake_server.faults = ["lost"] * 6  # every try applies, no answer arrives: the process gives up (or dies)
        with pytest.raises(ServerUnavailable):
            first.push()
        assert first.store.pending()[0].op_id == sale.operation.op_id

    with terminal_for(fake_server, path) as restarted:
        summary = restarted.push()
        [op] = restarted.store.operations()

    assert summary.duplicate == 1
    assert (op.state, op.server_id, op.invoice_number) == ("duplicate", fake_server.stored[1]["server_id"], "INV-1")
    assert fake_server.invoice == 1  # applied once, whatever the number of tries


def test_a_rejected_operation_is_stored_and_never_blocks_the_queue(terminal, fake_server):
    bad = terminal.store.record_sale(lines=[{"item_id": "unknown-item", "quantity": 1, "gold_rate_id": None, "unit_price": "1"}],
                                     payments=[{"method": "cash", "amount": "1"}], total="1")
    good = terminal.sell("R-1")

    summary = terminal.push()
    again = terminal.push()

    assert (summary.rejected, summary.applied) == (1, 1)
    assert summary.rejections[0]["errors"][0]["code"] == "unknown_item"
    assert terminal.store.operation(bad.seq).state == "rejected"
    assert terminal.store.operation(good.seq).state == "applied"
    assert again.batches == 0  # the rejected one is never resent


def test_conflicts_are_reported(terminal, fake_server):
    fake_server.oversold_items = {"item-ring"}
    terminal.sell("R-1")
    summary = terminal.push()
    assert summary.conflicts == [{"seq": 1, "receipt_number": "B1T1-000001", "kind": "oversold", "item_id": "item-ring"}]


def test_a_retry_result_stops_the_push_and_keeps_the_rest_pending(terminal, fake_server):
    for _ in range(3):
        terminal.sell("R-1")
    fake_server.faults = ["retry"]

    summary = terminal.push()

    assert (summary.retry, summary.expected_seq, summary.pending) == (3, 1, 3)
    assert len(pushes(fake_server)) == 1
    assert terminal.push().applied == 3


def test_operations_the_server_lost_are_sent_again(terminal, fake_server):
    terminal.sell("R-1")
    terminal.push()
    fake_server.last_applied_seq, fake_server.stored = 0, {}  # the server was restored from an old backup
    terminal.sell("R-1")

    summary = terminal.push()

    assert [[op["seq"] for op in body["operations"]] for body in pushes(fake_server)][-2:] == [[2], [1, 2]]
    assert summary.applied == 2 and summary.pending == 0


def test_sync_in_progress_waits_for_retry_after(terminal, fake_server):
    terminal.sell("R-1")
    fake_server.faults = ["409"]
    assert terminal.push().applied == 1
    assert terminal.sleeps == [2.0]


def test_envelope_errors_and_revocation_raise_and_keep_the_queue(terminal, fake_server):
    terminal.sell("R-1")
    fake_server.faults = ["413"]
    with pytest.raises(EnvelopeError) as envelope:
        terminal.push()
    assert envelope.value.code == "body_too_large"
    fake_server.faults = ["401"]
    with pytest.raises(DeviceRevoked):
        terminal.push()
    assert terminal.store.pending_count() == 1 and terminal.sleeps == []


def test_giving_up_leaves_the_queue_for_later(terminal, fake_server):
    terminal.sell("R-1")
    fake_server.faults = ["503"] * 6
    with pytest.raises(ServerUnavailable) as gave_up:
        terminal.push()
    assert gave_up.value.attempts == 6
    assert terminal.store.pending_count() == 1


def test_pull_follows_pages_and_restarts_on_full_resync(fake_server, tmp_path):
    second = {**RING, "id": "item-2", "sku": "R-2"}
    fake_server.pages = {
        None: catalogue_page(items=[RING], next_cursor="p1", has_more=True),
        "p1": catalogue_page(items=[second], rates=[], tax_rule=None, next_cursor="p2"),
        "stale": {**catalogue_page(), "full_resync_required": True},
    }
    with terminal_for(fake_server, tmp_path / "p.sqlite") as terminal:
        summary = terminal.pull()
        assert (summary.pages, summary.cursor, summary.changes["items"]) == (2, "p2", 2)

        terminal.store.meta_set(pull_cursor="stale")
        terminal.store.pull_page_apply(catalogue_page(items=[{**RING, "id": "ghost", "sku": "G"}], next_cursor="stale"))
        resync = terminal.pull()

        assert resync.full_resync and resync.pages == 3
        assert sorted(i["id"] for i in terminal.store.rows("items")) == ["item-2", "item-ring"]  # the ghost is gone
        assert [r.url.params.get("cursor") for r in fake_server.requests][-3:] == ["stale", None, "p1"]


def test_void_by_receipt_number(terminal):
    sale = terminal.sell("R-1")
    void = terminal.void("B1T1-000001", "customer changed mind")
    assert void.payload["client_sale_id"] == sale.operation.client_sale_id
    with pytest.raises(LookupError):
        terminal.void("B1T1-999999")


def test_sqlite_file_is_the_only_state(terminal):
    sale = terminal.sell("R-1")
    raw = sqlite3.connect(terminal.store.path).execute("SELECT payload FROM operations WHERE seq = 1").fetchone()[0]
    assert json.loads(raw) == sale.operation.payload
