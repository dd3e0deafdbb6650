"""The terminal's local SQLite store: its device identity, the catalogue pulled
from the server, the pull cursor and the queue of operations to push.

Durability is the point. The file is in WAL mode with synchronous=FULL and
every state change is one transaction (BEGIN IMMEDIATE takes the write lock
up front, so two processes on one file queue up instead of failing half-way).
A sale is durable once `record_sale` returns; a process killed at any moment
leaves either the whole sale or none of it, and never two sales with one seq:
the seq comes from `device.next_seq`, bumped in the same transaction, and is
the operations table's primary key.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from pos_terminal.errors import AlreadyEnrolled, NotEnrolled

SCHEMA_VERSION = 1
CATALOGUE = ("items", "categories", "customers", "gold_rates")
OPERATION_TYPES = ("sale.create", "sale.void", "customer.create", "return.create")
STATES = ("pending", "applied", "duplicate", "rejected")

_SCHEMA = f"""
CREATE TABLE device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    token TEXT NOT NULL,
    receipt_prefix TEXT NOT NULL,
    branch TEXT NOT NULL,
    server_url TEXT,
    shop_host TEXT,
    enrolled_at TEXT NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 1 CHECK (next_seq >= 1)
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{"".join(f"CREATE TABLE {kind} (id TEXT PRIMARY KEY, data TEXT NOT NULL);" for kind in CATALOGUE)}
CREATE INDEX items_sku ON items (json_extract(data, '$.sku'));
CREATE INDEX items_barcode ON items (json_extract(data, '$.barcode'));
CREATE TABLE operations (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    op_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ({", ".join(f"'{t}'" for t in OPERATION_TYPES)})),
    payload TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    client_sale_id TEXT UNIQUE,
    receipt_number TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ({", ".join(f"'{s}'" for s in STATES)})),
    result TEXT,
    server_id TEXT,
    invoice_number TEXT,
    recorded_at TEXT NOT NULL,
    settled_at TEXT,
    CHECK ((state = 'pending') = (settled_at IS NULL))
);
CREATE INDEX operations_pending ON operations (seq) WHERE state = 'pending';
"""


def now_iso() -> str:
    """The terminal's local time, RFC 3339 with its offset."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Device:
    device_id: str
    token: str
    receipt_prefix: str
    branch: dict
    server_url: str | None
    shop_host: str | None
    enrolled_at: str
    next_seq: int


@dataclass(frozen=True)
class Operation:
    seq: int
    op_id: str
    type: str
    payload: dict
    occurred_at: str
    state: str
    client_sale_id: str | None = None
    receipt_number: str | None = None
    result: dict | None = None
    server_id: str | None = None
    invoice_number: str | None = None

    def as_wire(self) -> dict:
        """The operation as it goes into a push: identical on every resend."""
        return {"seq": self.seq, "op_id": self.op_id, "type": self.type, "occurred_at": self.occurred_at, "payload": self.payload}


@dataclass(frozen=True)
class Settlement:
    """What the server said about one operation; see `operations_settle`."""

    seq: int
    state: str
    result: dict
    server_id: str | None = None
    invoice_number: str | None = None


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        # isolation_level=None: no implicit transactions; `_transaction` owns them.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                # Not executescript: it would COMMIT; statements go one by one.
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} has store schema {version}; this terminal knows {SCHEMA_VERSION}")

    # ------------------------------------------------------------------
    # device
    # ------------------------------------------------------------------

    def device(self) -> Device | None:
        row = self._db.execute("SELECT * FROM device WHERE id = 1").fetchone()
        if row is None:
            return None
        return Device(
            device_id=row["device_id"], token=row["token"], receipt_prefix=row["receipt_prefix"],
            branch=json.loads(row["branch"]), server_url=row["server_url"], shop_host=row["shop_host"],
            enrolled_at=row["enrolled_at"], next_seq=row["next_seq"],
        )

    def device_required(self) -> Device:
        device = self.device()
        if device is None:
            raise NotEnrolled(f"{self.path} has no enrolled device: run `enroll` first")
        return device

    def device_save(
        self, *, device_id: str, token: str, receipt_prefix: str, branch: Mapping,
        server_url: str | None = None, shop_host: str | None = None,
    ) -> Device:
        """Stores the enrolled identity. One store, one device, for life: the
        per-device seq would otherwise collide with the queue already here."""
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM device").fetchone():
                raise AlreadyEnrolled(f"{self.path} already belongs to a device; use a new store file")
            db.execute(
                "INSERT INTO device (id, device_id, token, receipt_prefix, branch, server_url, shop_host, enrolled_at)"
                " VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (str(device_id), token, receipt_prefix, json.dumps(dict(branch)), server_url, shop_host, _utc_now()),
            )
        return self.device_required()

    # ------------------------------------------------------------------
    # recording operations (each one transaction: seq, ids and payload together)
    # ------------------------------------------------------------------

    def _record(self, db: sqlite3.Connection, *, type: str, build_payload, occurred_at: str | None,
                client_sale_id: str | None = None) -> Operation:
        row = db.execute("SELECT next_seq, receipt_prefix FROM device WHERE id = 1").fetchone()
        if row is None:
            raise NotEnrolled(f"{self.path} has no enrolled device: run `enroll` first")
        seq = row["next_seq"]
        receipt_number = f"{row['receipt_prefix']}-{seq:06d}" if type == "sale.create" else None
        payload = build_payload(receipt_number)
        op = Operation(
            seq=seq, op_id=str(uuid.uuid4()), type=type, payload=payload, occurred_at=occurred_at or now_iso(),
            state="pending", client_sale_id=client_sale_id, receipt_number=receipt_number,
        )
        db.execute(
            "INSERT INTO operations (seq, op_id, type, payload, occurred_at, client_sale_id, receipt_number, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (op.seq, op.op_id, op.type, json.dumps(op.payload), op.occurred_at, client_sale_id, receipt_number, _utc_now()),
        )
        bumped = db.execute("UPDATE device SET next_seq = next_seq + 1 WHERE id = 1 AND next_seq = ?", (seq,)).rowcount
        if bumped != 1:  # impossible under BEGIN IMMEDIATE; refuse rather than reuse a seq
            raise RuntimeError(f"seq {seq} was taken concurrently")
        return op

    def record_sale(
        self, *, lines: Iterable[Mapping], payments: Iterable[Mapping], total: str,
        customer_id: str | None = None, trade_ins: Iterable[Mapping] = (), occurred_at: str | None = None,
    ) -> Operation:
        """Queues a sale.create. Lines and payments are wire dicts (money as
        strings); the caller priced them (see Terminal.sell)."""
        client_sale_id = str(uuid.uuid4())
        lines, payments, trade_ins = [dict(x) for x in lines], [dict(x) for x in payments], [dict(x) for x in trade_ins]

        def payload(receipt_number: str) -> dict:
            return {
                "client_sale_id": client_sale_id,
                "receipt_number": receipt_number,
                "customer": {"id": str(customer_id)} if customer_id else None,
                "lines": lines,
                "trade_ins": trade_ins,
                "payments": payments,
                "total": str(total),
            }

        with self._transaction() as db:
            return self._record(db, type="sale.create", build_payload=payload, occurred_at=occurred_at, client_sale_id=client_sale_id)

    def record_customer(
        self, *, full_name: str, phone: str, email: str = "", customer_id: str | None = None, occurred_at: str | None = None,
    ) -> Operation:
        """Queues a customer.create with a client-chosen id, and adds the
        customer to the local catalogue so a sale can name it at once."""
        customer = {"id": str(customer_id or uuid.uuid4()), "full_name": full_name, "phone": phone, "email": email}
        with self._transaction() as db:
            op = self._record(db, type="customer.create", build_payload=lambda _: dict(customer), occurred_at=occurred_at)
            db.execute("INSERT OR REPLACE INTO customers (id, data) VALUES (?, ?)", (customer["id"], json.dumps(customer)))
            return op

    def record_void(self, *, client_sale_id: str, reason: str = "", occurred_at: str | None = None) -> Operation:
        """Queues a sale.void of a sale recorded on this terminal."""
        with self._transaction() as db:
            sale = db.execute("SELECT receipt_number FROM operations WHERE client_sale_id = ?", (str(client_sale_id),)).fetchone()
            if sale is None:
                raise LookupError(f"no sale {client_sale_id} was recorded on this terminal")
            return self._record(
                db, type="sale.void", occurred_at=occurred_at,
                build_payload=lambda _: {"client_sale_id": str(client_sale_id), "receipt_number": sale["receipt_number"], "reason": reason},
            )

    # ------------------------------------------------------------------
    # the queue
    # ------------------------------------------------------------------

    @staticmethod
    def _operation(row: sqlite3.Row) -> Operation:
        return Operation(
            seq=row["seq"], op_id=row["op_id"], type=row["type"], payload=json.loads(row["payload"]),
            occurred_at=row["occurred_at"], state=row["state"], client_sale_id=row["client_sale_id"],
            receipt_number=row["receipt_number"], result=json.loads(row["result"]) if row["result"] else None,
            server_id=row["server_id"], invoice_number=row["invoice_number"],
        )

    def operations(self, *, state: str | None = None) -> list[Operation]:
        query, args = "SELECT * FROM operations", ()
        if state:
            query, args = query + " WHERE state = ?", (state,)
        return [self._operation(r) for r in self._db.execute(query + " ORDER BY seq", args)]

    def operation(self, seq: int) -> Operation | None:
        row = self._db.execute("SELECT * FROM operations WHERE seq = ?", (seq,)).fetchone()
        return self._operation(row) if row else None

    def pending(self, limit: int | None = None) -> list[Operation]:
        """Pending operations in seq order, the oldest first."""
        rows = self._db.execute("SELECT * FROM operations WHERE state = 'pending' ORDER BY seq LIMIT ?", (limit or -1,))
        return [self._operation(r) for r in rows]

    def pending_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM operations WHERE state = 'pending'").fetchone()[0]

    def operations_settle(self, settlements: Iterable[Settlement]) -> int:
        """Stores the server's answers, all in one transaction. Only pending
        rows change, so storing the same answer twice is harmless."""
        changed = 0
        with self._transaction() as db:
            for s in settlements:
                if s.state not in STATES or s.state == "pending":
                    raise ValueError(f"cannot settle an operation as {s.state!r}")
                changed += db.execute(
                    "UPDATE operations SET state = ?, result = ?, server_id = ?, invoice_number = ?, settled_at = ?"
                    " WHERE seq = ? AND state = 'pending'",
                    (s.state, json.dumps(s.result), s.server_id, s.invoice_number, _utc_now(), s.seq),
                ).rowcount
        return changed

    def operations_requeue(self, *, from_seq: int) -> int:
        """Back to pending from `from_seq` on: the server says it has not got
        them (e.g. restored from a backup). They go again with the same op_ids."""
        with self._transaction() as db:
            return db.execute(
                "UPDATE operations SET state = 'pending', settled_at = NULL WHERE seq >= ? AND state != 'pending'", (from_seq,)
            ).rowcount

    # ------------------------------------------------------------------
    # catalogue and cursor
    # ------------------------------------------------------------------

    def meta_get(self, key: str, default=None):
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def meta_set(self, **values) -> None:
        with self._transaction() as db:
            self._meta_set(db, values)

    @staticmethod
    def _meta_set(db: sqlite3.Connection, values: Mapping) -> None:
        for key, value in values.items():
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def pull_cursor(self) -> str | None:
        return self.meta_get("pull_cursor")

    def pull_page_apply(self, page: Mapping, *, reset: bool = False) -> dict[str, int]:
        """Applies one pull page and moves the cursor past it, atomically, so
        the catalogue always matches the cursor stored beside it. `reset`
        (first page of a full resync) empties the catalogue in the same
        transaction, so a failed resync never leaves the terminal with nothing."""
        changes, deleted = page.get("changes") or {}, page.get("deleted") or {}
        counts: dict[str, int] = {}
        with self._transaction() as db:
            if reset:
                self._catalogue_clear(db)
            for kind in CATALOGUE:
                rows = changes.get(kind) or []
                db.executemany(
                    "INSERT OR REPLACE INTO " + kind + " (id, data) VALUES (?, ?)",
                    [(str(row["id"]), json.dumps(row)) for row in rows],
                )
                gone = [str(i) for i in deleted.get(kind) or []]
                db.executemany("DELETE FROM " + kind + " WHERE id = ?", [(i,) for i in gone])
                counts[kind], counts[f"deleted_{kind}"] = len(rows), len(gone)
            if changes.get("tax_rule"):
                self._meta_set(db, {"tax_rule": changes["tax_rule"]})
            self._meta_set(db, {"pull_cursor": page.get("next_cursor"), "pulled_at": _utc_now()})
        return counts

    def catalogue_clear(self) -> None:
        with self._transaction() as db:
            self._catalogue_clear(db)

    def _catalogue_clear(self, db: sqlite3.Connection) -> None:
        for kind in CATALOGUE:
            db.execute("DELETE FROM " + kind)
        # Customers created here but not pushed yet must survive a resync.
        for op in self._db.execute("SELECT payload FROM operations WHERE type = 'customer.create' AND state = 'pending'"):
            customer = json.loads(op["payload"])
            db.execute("INSERT OR REPLACE INTO customers (id, data) VALUES (?, ?)", (customer["id"], op["payload"]))
        db.execute("DELETE FROM meta WHERE key IN ('pull_cursor', 'tax_rule')")

    def rows(self, kind: str) -> list[dict]:
        if kind not in CATALOGUE:
            raise ValueError(f"unknown catalogue {kind!r}")
        return [json.loads(r["data"]) for r in self._db.execute("SELECT data FROM " + kind + " ORDER BY id")]

    def row(self, kind: str, id: str) -> dict | None:
        if kind not in CATALOGUE:
            raise ValueError(f"unknown catalogue {kind!r}")
        found = self._db.execute("SELECT data FROM " + kind + " WHERE id = ?", (str(id),)).fetchone()
        return json.loads(found["data"]) if found else None

    def item_find(self, ref: str) -> dict | None:
        """An item by id, SKU or barcode, as the cashier typed or scanned it."""
        found = self._db.execute(
            "SELECT data FROM items WHERE id = ? OR json_extract(data, '$.sku') = ? OR json_extract(data, '$.barcode') = ?"
            " ORDER BY id = ? DESC LIMIT 1",
            (ref, ref, ref, ref),
        ).fetchone()
        return json.loads(found["data"]) if found else None

    def tax_rule(self) -> dict | None:
        return self.meta_get("tax_rule")

    def quantity_pending(self, item_id: str) -> int:
        """Pieces of an item sold here and not pushed yet (the pulled quantity
        does not know them)."""
        total = 0
        for row in self._db.execute("SELECT payload FROM operations WHERE type = 'sale.create' AND state = 'pending'"):
            total += sum(int(line.get("quantity", 1)) for line in json.loads(row["payload"]).get("lines", []) if line.get("item_id") == item_id)
        return total
