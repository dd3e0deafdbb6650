"""Fixtures for the reference POS terminal: local stores, a fake of the sync
endpoints for fault injection, and a live server for integration tests."""
import json
import uuid
from pathlib import Path

import httpx
import pytest

from pos_terminal.store import Store

ROOT = Path(__file__).resolve().parents[2]


def enrolled_store(path, prefix: str = "B1T1") -> Store:
    """A store that already holds a device identity (no server involved)."""
    store = Store(path)
    store.device_save(device_id=str(uuid.uuid4()), token="t" * 43, receipt_prefix=prefix, branch={"name": "Main"},
                      server_url="http://pos.test", shop_host="shop.test")
    return store


@pytest.fixture
def store(tmp_path):
    store = enrolled_store(tmp_path / "terminal.sqlite")
    yield store
    store.close()


# ----------------------------------------------------------------------
# catalogue rows shaped like the pull endpoint's (decimal strings)
# ----------------------------------------------------------------------

RATE = {"id": "rate-1", "effective_at": "2026-01-01T00:00:00+00:00", "base_rate": "8000000", "base_fineness": 750, "fineness_rates": {}}
TAX_IR = {"regime": "IR", "currency": "IRR", "vat_percent": "10", "profit_percent": "7", "rounding_increment": "0", "rounding_mode": "nearest"}
RING = {
    "id": "item-ring", "sku": "R-1", "name": "Ring 18k", "barcode": "200001", "category_id": "cat-1", "fineness": 750,
    "gross_weight": "5.000", "stone_weight": "0.000", "net_weight": "5.000", "making_mode": "percent",
    "making_value": "18", "stone_value": "2000000", "pricing_mode": "gold_rate", "fixed_price": None,
    "quantity": 3, "status": "in_stock", "is_unique_piece": False, "change_number": 7,
}


def catalogue_page(items=(RING,), rates=(RATE,), tax_rule=TAX_IR, next_cursor="c1", has_more=False, deleted=None):
    return {
        "changes": {"items": list(items), "categories": [], "customers": [], "gold_rates": list(rates), "tax_rule": tax_rule},
        "deleted": deleted or {"items": [], "customers": []},
        "next_cursor": next_cursor, "has_more": has_more, "full_resync_required": False, "protocol_version": 1,
    }


class FakeServer:
    """The sync endpoints' contract (SYNC_PROTOCOL.md) held in memory, with
    faults to inject: this is the server as the terminal sees it, used where
    the real one cannot be made to fail on cue (timeouts, 5xx, lost answers)."""

    def __init__(self, *, max_operations=200, pages=None):
        self.last_applied_seq = 0
        self.stored = {}  # seq -> result
        self.payloads = {}  # op_id -> payload
        self.requests: list[httpx.Request] = []
        self.faults: list = []  # consumed one per request: "503", "timeout", "lost", "409", "401", "413", "retry"
        self.max_operations = max_operations
        self.pages = pages or {None: catalogue_page()}
        self.rejects_items = {"unknown-item"}
        self.oversold_items: set[str] = set()
        self.invoice = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "503":
            return httpx.Response(503, json={"error": {"code": "unavailable", "message": "down"}})
        if fault == "409":
            return httpx.Response(409, headers={"Retry-After": "2"}, json={"error": {"code": "sync_in_progress", "message": "busy"}})
        if fault == "401":
            return httpx.Response(401, json={"error": {"code": "device_revoked", "message": "revoked"}})
        if fault == "413":
            return httpx.Response(413, json={"error": {"code": "body_too_large", "message": "too big"}})
        path = request.url.path
        if path.endswith("/sync/status"):
            return httpx.Response(200, json={"server_time": "2026-01-01T00:00:00+00:00", "device_id": "d", "last_applied_seq": self.last_applied_seq,
                                             "pull_cursor_hint": "x", "protocol_version": 1, "clock_skew_seconds": 0.0,
                                             "limits": {"max_operations_per_push": self.max_operations, "max_body_bytes": 1048576, "max_offline_hours": 72}})
        if path.endswith("/sync/pull"):
            return httpx.Response(200, json=self.pages[request.url.params.get("cursor")])
        if path.endswith("/sync/push"):
            body = json.loads(request.content)
            response = httpx.Response(200, json=self.push(body["operations"], temporary_failure=fault == "retry"))
            if fault == "lost":  # applied, then the connection dropped before the answer arrived
                raise httpx.RemoteProtocolError("server disconnected", request=request)
            return response
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})

    def push(self, operations, *, temporary_failure=False):
        results, gap = [], None
        for op in operations:
            seq = op["seq"]
            if seq <= self.last_applied_seq:
                results.append({**self.stored[seq], "status": "duplicate"})
                continue
            if gap is not None or seq > self.last_applied_seq + 1 or temporary_failure:
                gap = self.last_applied_seq + 1
                results.append({"seq": seq, "op_id": op["op_id"], "status": "retry", "expected_seq": gap, "errors": []})
                continue
            if op["op_id"] in self.payloads and self.payloads[op["op_id"]] != op["payload"]:
                result = {"status": "rejected", "errors": [{"code": "idempotency_mismatch"}]}
            elif any(line["item_id"] in self.rejects_items for line in op["payload"].get("lines", [])):
                result = {"status": "rejected", "errors": [{"code": "unknown_item", "field": "lines[0].item_id", "message": "no such item"}]}
            else:
                self.invoice += 1
                result = {"status": "applied", "server_id": str(uuid.uuid4()), "invoice_number": f"INV-{self.invoice}", "errors": [],
                          "conflicts": [{"kind": "oversold", "item_id": line["item_id"]} for line in op["payload"].get("lines", [])
                                        if line["item_id"] in self.oversold_items]}
            result = {"seq": seq, "op_id": op["op_id"], "conflicts": [], "server_id": None, "invoice_number": None, **result}
            self.payloads[op["op_id"]] = op["payload"]
            self.stored[seq] = result
            self.last_applied_seq = seq
            results.append(result)
        return {"results": results, "last_applied_seq": self.last_applied_seq}


@pytest.fixture
def fake_server():
    return FakeServer()


# ----------------------------------------------------------------------
# the real server
# ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def pos_server(http_server):
    """The project served over real HTTP (tests/conftest.py's `http_server`),
    on the session's test database. Tests write what the server must see
    with run_committed."""
    return f"http://127.0.0.1:{http_server}"
