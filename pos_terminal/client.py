"""A POS terminal speaking sync protocol v1 (docs/sync-protocol.md) to the
server: enrol, handshake, pull the catalogue, sell offline, push the queue.

Retries are safe by construction: an operation keeps its seq and op_id for
life, a push batch is resent byte for byte, and the server answers an
operation it already has with `duplicate` and the stored result. So the
terminal may retry whenever it does not know whether the server got a batch
(timeout, dropped connection, 5xx, or a crash before the answer was stored).
"""
from __future__ import annotations

import json
import platform
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import httpx

from apps.inventory import pricing as engine

from pos_terminal import __version__
from pos_terminal.backoff import BASE_SECONDS, CAP_SECONDS, backoff_delay, retry_after_seconds
from pos_terminal.errors import (
    AlreadyEnrolled,
    AuthenticationFailed,
    CatalogueError,
    DeviceRevoked,
    EnrollmentFailed,
    EnvelopeError,
    ServerError,
    ServerUnavailable,
    TerminalError,
)
from pos_terminal.pricing import LinePrice, dec, gold_rate_current, money, price_line, sale_total, tax_rules
from pos_terminal.store import Device, Operation, Settlement, Store

API_PREFIX = "/api/pos/v1"
PROTOCOL_VERSION = 1
DEFAULT_MAX_OPERATIONS = 200
DEFAULT_MAX_BODY_BYTES = 1048576

# on_request(method, path, status or None, seconds, error or None): a hook for
# load tests (Locust's request event) and logging.
RequestHook = Callable[[str, str, "int | None", float, "Exception | None"], None]


@dataclass
class PushSummary:
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0
    batches: int = 0
    conflicts: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    expected_seq: int | None = None
    last_applied_seq: int | None = None
    pending: int = 0  # still queued after this push


@dataclass
class PullSummary:
    pages: int = 0
    full_resync: bool = False
    changes: dict[str, int] = field(default_factory=dict)
    cursor: str | None = None


@dataclass(frozen=True)
class Sale:
    """A sale recorded offline: durable in the store, pushed later."""

    operation: Operation
    lines: list[LinePrice]
    total: Decimal
    rounding: Decimal
    warnings: list[str]

    @property
    def receipt_number(self) -> str:
        return self.operation.receipt_number

    @property
    def seq(self) -> int:
        return self.operation.seq


class Terminal:
    def __init__(
        self,
        db: str | Path | Store,
        server_url: str | None = None,
        shop_host: str | None = None,
        *,
        timeout: float = 10.0,
        max_attempts: int = 6,
        backoff_base: float = BASE_SECONDS,
        backoff_cap: float = CAP_SECONDS,
        pull_limit: int = 500,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        on_request: RequestHook | None = None,
    ):
        self._own_store = not isinstance(db, Store)
        self.store = Store(db) if self._own_store else db
        device = self.store.device()
        # Explicit arguments win; otherwise what enrolment remembered.
        self.server_url = (server_url or (device.server_url if device else None) or "").rstrip("/") or None
        self.shop_host = shop_host or (device.shop_host if device else None)
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.pull_limit = pull_limit
        self._own_http = http is None
        # trust_env=False: a terminal talks to its server directly; a proxy
        # from the environment must not silently take 127.0.0.1 traffic.
        self._http = http or httpx.Client(timeout=timeout, trust_env=False)
        self._sleep, self._rng, self._on_request = sleep, rng, on_request

    def close(self) -> None:
        if self._own_http:
            self._http.close()
        if self._own_store:
            self.store.close()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def device(self) -> Device:
        return self.store.device_required()

    # ------------------------------------------------------------------
    # HTTP with retries
    # ------------------------------------------------------------------

    def _headers(self, *, auth: bool, has_body: bool) -> dict:
        headers = {
            "Accept": "application/json",
            "User-Agent": f"zargar-pos-terminal/{__version__}",
            "X-Device-Time": datetime.now().astimezone().isoformat(timespec="milliseconds"),
        }
        if self.shop_host:
            headers["Host"] = self.shop_host
        if has_body:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Device {self.device.token}"
        return headers

    def _report(self, method, path, status, started, error) -> None:
        if self._on_request:
            self._on_request(method, path, status, time.monotonic() - started, error)

    def _send(self, method: str, path: str, *, body=None, params=None, auth: bool = True, idempotent: bool = True) -> httpx.Response:
        """One call, retried with backoff while the outcome is unknown or
        temporary. A non-idempotent call (enrolment) is retried only when the
        request cannot have reached the server (connection refused)."""
        if not self.server_url:
            raise TerminalError("no server URL: pass server_url (CLI: --server)")
        url = f"{self.server_url}{API_PREFIX}{path}"
        # Serialized once, so every retry sends the very same bytes.
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        attempt = 0
        while True:
            started, wait = time.monotonic(), None
            try:
                response = self._http.request(method, url, params=params, content=content, headers=self._headers(auth=auth, has_body=content is not None))
            except httpx.TransportError as exc:
                self._report(method, path, None, started, exc)
                if not idempotent and not isinstance(exc, httpx.ConnectError):
                    raise ServerUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}", attempt + 1) from exc
                failure = f"{type(exc).__name__}: {exc}"
            else:
                self._report(method, path, response.status_code, started, None)
                status = response.status_code
                code = _error(response)[0]
                # Too many failed enrolments: minutes to wait, and a person must fix the code.
                busy = (status == 429 and code != "enrollment_attempts_exceeded") or (status == 409 and code == "sync_in_progress")
                if not (busy or (status >= 500 and idempotent)):
                    return response
                failure = f"HTTP {status} {_error(response)[0]}"
                if busy or "Retry-After" in response.headers:
                    wait = retry_after_seconds(response.headers.get("Retry-After"), default=self._backoff(attempt))
            attempt += 1
            if attempt >= self.max_attempts:
                raise ServerUnavailable(f"{method} {path}: {failure}", attempt)
            self._sleep(self._backoff(attempt - 1) if wait is None else wait)

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_cap, rng=self._rng)

    @staticmethod
    def _json(response: httpx.Response, *, ok: Sequence[int] = (200,), envelope: bool = False) -> dict:
        if response.status_code in ok:
            return response.json()
        code, message, details = _error(response)
        status = response.status_code
        if status == 401:
            raise (DeviceRevoked if code == "device_revoked" else AuthenticationFailed)(status, code, message, details)
        if envelope and status in (400, 413):
            raise EnvelopeError(status, code, message, details)
        raise ServerError(status, code, message, details)

    # ------------------------------------------------------------------
    # enrolment and handshake
    # ------------------------------------------------------------------

    def enroll(self, code: str, name: str, fingerprint: str | None = None, app_version: str | None = None) -> Device:
        """Trades a one-time enrolment code for this terminal's identity and
        token. If the process dies between the server's answer and the save,
        the code is spent: ask the manager for a fresh one."""
        if self.store.device():
            raise AlreadyEnrolled(f"{self.store.path} already belongs to a device; use a new store file")
        body = {
            "enrollment_code": code,
            "name": name,
            "fingerprint": fingerprint or f"{platform.node()}:{uuid.uuid5(uuid.NAMESPACE_URL, str(Path(self.store.path).resolve()))}",
            "app_version": app_version or __version__,
        }
        response = self._send("POST", "/devices/enroll", body=body, auth=False, idempotent=False)
        refused = {400: "enrollment_code_invalid", 429: "enrollment_attempts_exceeded"}
        if refused.get(response.status_code) == _error(response)[0]:
            raise EnrollmentFailed(response.status_code, *_error(response))
        data = self._json(response, ok=(201,))
        return self.store.device_save(
            device_id=data["device_id"], token=data["token"], receipt_prefix=data["receipt_prefix"],
            branch=data.get("branch") or {}, server_url=self.server_url, shop_host=self.shop_host,
        )

    def status(self) -> dict:
        """The handshake: remembers the server's limits and our clock skew."""
        data = self._json(self._send("GET", "/sync/status"))
        self.store.meta_set(
            limits=data.get("limits") or {}, last_applied_seq=data.get("last_applied_seq"),
            clock_skew_seconds=data.get("clock_skew_seconds"), server_time=data.get("server_time"),
        )
        return data

    # ------------------------------------------------------------------
    # pull
    # ------------------------------------------------------------------

    def pull(self) -> PullSummary:
        """Pulls catalogue changes page by page from the stored cursor. Each
        page is applied with its cursor in one transaction, so an interrupted
        pull resumes where it stopped."""
        self.store.device_required()
        summary = PullSummary()
        cursor, reset = self.store.pull_cursor(), False
        while True:
            params = {"limit": self.pull_limit}
            if cursor:
                params["cursor"] = cursor
            page = self._json(self._send("GET", "/sync/pull", params=params))
            summary.pages += 1
            if page.get("full_resync_required"):
                if not cursor or summary.full_resync:
                    raise ServerError(200, "full_resync_loop", "the server asked for a full resync of a pull from the beginning")
                cursor, reset, summary.full_resync = None, True, True
                continue
            for kind, n in self.store.pull_page_apply(page, reset=reset).items():
                summary.changes[kind] = summary.changes.get(kind, 0) + n
            reset, previous, cursor = False, cursor, page.get("next_cursor")
            summary.cursor = cursor
            if not page.get("has_more"):
                return summary
            if not cursor or cursor == previous:
                raise ServerError(200, "pull_cursor_stuck", "has_more is true but the cursor did not move")

    # ------------------------------------------------------------------
    # push
    # ------------------------------------------------------------------

    def push(self, max_batch: int | None = None, max_batches: int | None = None) -> PushSummary:
        """Sends pending operations in seq order, in batches within the
        server's limits, and stores every answer. Stops at the first `retry`
        (the queue is kept for the next push), or after `max_batches` batches
        (load tests pace themselves with it); raises EnvelopeError,
        DeviceRevoked or ServerUnavailable, leaving the queue intact."""
        self.store.device_required()
        limits = self.store.meta_get("limits") or {}
        batch_size = int(limits.get("max_operations_per_push") or DEFAULT_MAX_OPERATIONS)
        if max_batch:
            batch_size = min(batch_size, max_batch)
        max_bytes = int(limits.get("max_body_bytes") or DEFAULT_MAX_BODY_BYTES)
        summary, requeued = PushSummary(), False
        while True:
            ops = self.store.pending(batch_size)
            if not ops:
                break
            ops, body = _batch(ops, max_bytes)
            data = self._json(self._send("POST", "/sync/push", body=body), envelope=True)
            summary.batches += 1
            summary.last_applied_seq = data.get("last_applied_seq", summary.last_applied_seq)
            stop = self._settle(ops, data, summary)
            if stop == "requeue" and not requeued:
                requeued = True
                continue
            if stop or (max_batches and summary.batches >= max_batches):
                break
        if summary.last_applied_seq is not None:
            self.store.meta_set(last_applied_seq=summary.last_applied_seq)
        summary.pending = self.store.pending_count()
        return summary

    def _settle(self, ops: list[Operation], data: Mapping, summary: PushSummary) -> str | None:
        """Stores the results of one batch (one transaction). Returns why the
        push must stop, or None to go on with the next batch."""
        results = data.get("results")
        if results is None:
            results = data.get("operations") or []
        by_seq = {r.get("seq"): r for r in results if isinstance(r, Mapping)}
        settlements, stop = [], None
        for index, op in enumerate(ops):
            result = by_seq.get(op.seq)
            if result is None or result.get("op_id") not in (None, op.op_id):
                stop = "unanswered"  # kept pending; resent next time
                break
            status = result.get("status")
            if status in ("applied", "duplicate"):
                state = status
                # The duplicate of an operation that was rejected the first time.
                if status == "duplicate" and result.get("errors") and not result.get("server_id"):
                    state = "rejected"
                setattr(summary, status, getattr(summary, status) + 1)
                summary.conflicts += [{"seq": op.seq, "receipt_number": op.receipt_number, **c} for c in result.get("conflicts") or []]
            elif status == "rejected":
                state = "rejected"
                summary.rejected += 1
                summary.rejections.append({"seq": op.seq, "op_id": op.op_id, "receipt_number": op.receipt_number, "errors": result.get("errors") or []})
            else:  # "retry", or a status this client does not know: resend later
                summary.retry += len(ops) - index
                expected = result.get("expected_seq")
                summary.expected_seq = expected
                stop = "retry"
                if isinstance(expected, int) and expected < op.seq and self.store.operation(expected):
                    # The server lost operations we hold as settled (restored
                    # from a backup): send them again, same op_ids.
                    stop = "requeue"
                break
            settlements.append(Settlement(seq=op.seq, state=state, result=dict(result),
                                          server_id=result.get("server_id"), invoice_number=result.get("invoice_number")))
        self.store.operations_settle(settlements)
        if stop == "requeue":
            self.store.operations_requeue(from_seq=summary.expected_seq)
        return stop

    def sync(self) -> tuple[PushSummary, PullSummary]:
        """Push first (our facts go up), then pull (stock and rates come down)."""
        return self.push(), self.pull()

    # ------------------------------------------------------------------
    # selling offline
    # ------------------------------------------------------------------

    def gold_rate_current(self) -> dict | None:
        """The pulled rate in force now, by the server's clock as far as the
        last handshake told us (a terminal clock running behind must not keep
        an old rate)."""
        skew = self.store.meta_get("clock_skew_seconds") or 0
        now = datetime.now(timezone.utc) - timedelta(seconds=float(skew))
        return gold_rate_current(self.store.rows("gold_rates"), at=now)

    def quote(self, lines: str | Iterable[tuple[str, int]], quantity: int = 1) -> tuple[list[LinePrice], engine.RoundedTotal]:
        """Prices lines offline without recording anything."""
        tax_rule, rate = self.store.tax_rule(), self.gold_rate_current()
        priced = [price_line(self._item(ref), rate, tax_rule, qty) for ref, qty in _lines(lines, quantity)]
        return priced, sale_total(priced, tax_rule)

    def sell(
        self,
        lines: str | Iterable[tuple[str, int]],
        quantity: int = 1,
        *,
        customer_id: str | None = None,
        payments: Iterable[tuple[str, str | Decimal | None]] | None = None,
        occurred_at: str | None = None,
    ) -> Sale:
        """Prices and records a sale offline. `lines` is an item id, SKU or
        barcode, or a list of (item ref, quantity). `payments` are
        (method, amount) pairs; an amount of None takes what is left; none at
        all means cash for the total. The sale is durable when this returns."""
        priced, total = self.quote(lines, quantity)
        rules = tax_rules(self.store.tax_rule())
        warnings, counted = [], {}
        for line in priced:
            item = self.store.row("items", line.item_id)
            counted[line.item_id] = counted.get(line.item_id, 0) + line.quantity
            left = int(item.get("quantity") or 0) - self.store.quantity_pending(line.item_id) - counted[line.item_id]
            if left < 0 or item.get("status") not in (None, "in_stock"):
                warnings.append(f"{item.get('sku')}: not in stock here ({item.get('status')}, {left} left); sold anyway, the server will flag it")
        if customer_id and not self.store.row("customers", customer_id):
            warnings.append(f"customer {customer_id} is not in the local catalogue")
        paid = _payments(payments, total.total, rules.exponent)
        operation = self.store.record_sale(
            lines=[line.as_payload() for line in priced], payments=paid, total=money(total.total),
            customer_id=customer_id, occurred_at=occurred_at,
        )
        return Sale(operation=operation, lines=priced, total=total.total, rounding=total.rounding, warnings=warnings)

    def create_customer(self, full_name: str, phone: str, email: str = "", customer_id: str | None = None) -> Operation:
        return self.store.record_customer(full_name=full_name, phone=phone, email=email, customer_id=customer_id)

    def void(self, sale_ref: str, reason: str = "") -> Operation:
        """Voids a sale recorded here, by receipt number or client_sale_id."""
        for op in self.store.operations():
            if op.type == "sale.create" and sale_ref in (op.receipt_number, op.client_sale_id):
                return self.store.record_void(client_sale_id=op.client_sale_id, reason=reason)
        raise LookupError(f"no sale {sale_ref!r} was recorded on this terminal")

    def _item(self, ref: str) -> dict:
        item = self.store.item_find(str(ref))
        if item is None:
            raise CatalogueError(f"unknown item {ref!r} (pull the catalogue first?)")
        return item


# ----------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------


def _error(response: httpx.Response) -> tuple[str, str, list]:
    """(code, message, details) from the API's error body, whatever came back."""
    try:
        error = response.json().get("error") or {}
        return str(error.get("code") or f"http_{response.status_code}"), str(error.get("message") or ""), error.get("details") or []
    except (ValueError, AttributeError):
        return f"http_{response.status_code}", response.text[:200], []


def _batch(ops: list[Operation], max_bytes: int) -> tuple[list[Operation], dict]:
    """The longest prefix of `ops` whose push body fits in max_bytes (at
    least one operation: a lone oversized one gets the server's 413)."""
    while True:
        body = {"batch_id": str(uuid.uuid4()), "operations": [op.as_wire() for op in ops]}
        if len(ops) == 1 or len(json.dumps(body, separators=(",", ":")).encode()) <= max_bytes:
            return ops, body
        ops = ops[: len(ops) // 2]


def _lines(lines, quantity: int) -> list[tuple[str, int]]:
    if isinstance(lines, str):
        return [(lines, quantity)]
    return [(str(ref), int(qty)) for ref, qty in lines]


def _payments(payments, total: Decimal, exponent: int) -> list[dict]:
    """Wire payments that add up to the total exactly (the server rejects a
    sale whose payments do not): checked here, before the sale is recorded."""
    if not payments:
        return [{"method": "cash", "amount": money(total)}]
    paid, remainder_at = [], None
    for method, amount in payments:
        if amount is None:
            if remainder_at is not None:
                raise ValueError("only one payment may take the remainder")
            remainder_at = len(paid)
            paid.append({"method": method, "amount": None})
            continue
        try:
            value = dec(str(amount), f"{method} amount")
        except CatalogueError as exc:
            raise ValueError(str(exc)) from None
        if value < 0 or value != engine.quantize_money(value, exponent):
            raise ValueError(f"{method} amount {amount} is not a valid amount of the shop currency")
        paid.append({"method": method, "amount": value})
    given = sum((p["amount"] for p in paid if p["amount"] is not None), Decimal(0))
    if remainder_at is not None:
        if given > total:
            raise ValueError(f"payments {given} already exceed the total {total}")
        paid[remainder_at]["amount"] = total - given
    elif given != total:
        raise ValueError(f"payments add up to {money(given)} but the total is {money(total)}")
    return [{"method": p["method"], "amount": money(engine.quantize_money(p["amount"], exponent))} for p in paid]


__all__ = ["Terminal", "PushSummary", "PullSummary", "Sale"]
