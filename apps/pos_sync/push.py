"""
Applying a push (docs/sync-protocol.md). One database transaction per push,
holding the device's row lock, so that `last_applied_seq` moves in the same
transaction as the effects of the operations it counts.

Runs of `sale.create` are checked in memory and written set-wise; when a
set-wise write fails, each sale is retried alone in its own savepoint, so
every operation stays all-or-nothing. A temporary failure (a lock wait that
times out) turns the operation and everything after it into `retry`.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from psycopg import errors as pg_errors

from apps.core import metrics
from apps.core.bulk import copy_insert
from apps.core.errors import ApplicationError
from apps.core.ids import ledger_id
from apps.core.unavailable import database_unavailable
from apps.customers.services import customer_create
from apps.pos_sync.envelope import Operation as Op
from apps.pos_sync.models import Device, Operation
from apps.pos_sync.sale_ops import Catalogue, Rejected, SalePlan, sale_plan, sales_write
from apps.inventory.shop_pricing import tax_rules_for_shop
from apps.review.models import ReviewItem
from apps.review.services import review_open_many
from apps.sales.models import Sale, invoice_label
from apps.sales.reversals import sale_return, sale_void

UNSTORABLE_MESSAGES = {
    "invalid_characters": "This text cannot be stored (a NUL or a lone surrogate).",
    "number_out_of_range": "This number cannot be stored (out of range, or not a number).",
}
TEMPORARY = (pg_errors.LockNotAvailable, pg_errors.QueryCanceled, pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


class _Temporary(Exception):
    """The database could not do it now; the terminal should send it again."""


@dataclass(frozen=True)
class PushOutcome:
    results: list[dict]
    last_applied_seq: int


def _is_temporary(exc: DatabaseError) -> bool:
    return isinstance(exc.__cause__, TEMPORARY)


def device_lock(*, device_id) -> Device:
    """The device's row, locked for this push; a push already holding it
    means this one is a concurrent duplicate (409, nothing changed)."""
    try:
        return Device.objects.select_for_update(nowait=True, no_key=True, of=("self",)).select_related("terminal__branch").get(pk=device_id)
    except OperationalError as exc:
        if isinstance(exc.__cause__, pg_errors.LockNotAvailable):
            raise ApplicationError(
                "sync_in_progress", "Another push from this device is running; try again shortly.",
                status=409, headers={"Retry-After": "2"},
            ) from exc
        raise


def push_apply(*, device_id, shop, operations: list[Op]) -> PushOutcome:
    received_at = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [settings.POS_LOCK_TIMEOUT])
        device = device_lock(device_id=device_id)
        if device.revoked_at is not None:
            raise ApplicationError("device_revoked", "This device has been revoked.", status=401)
        run = _Run(device=device, shop=shop, received_at=received_at)
        run.process(operations)
        device.last_applied_seq = run.last_seq
        device.last_seen_at = received_at
        device.save(update_fields=["last_applied_seq", "last_seen_at"])
        copy_insert(Operation, run.logs)
        review_open_many(items=run.reviews)
    metrics.pos_operations_count(types={str(op.op_id): op.type for op in operations}, results=run.results)
    return PushOutcome(results=run.results, last_applied_seq=run.last_seq)


class _Run:
    def __init__(self, *, device: Device, shop, received_at: datetime):
        self.device, self.shop, self.received_at = device, shop, received_at
        self.exponent = tax_rules_for_shop(shop).exponent
        self.last_seq = device.last_applied_seq
        self.results: list[dict] = []
        self.logs: list[dict] = []
        self.reviews: list[ReviewItem] = []

    # -- the queue ---------------------------------------------------------

    def process(self, operations: list[Op]) -> None:
        seen = self._earlier_results(operations)
        sales: list[Op] = []
        for position, op in enumerate(operations):
            prior = seen.get(op.op_id)
            if op.seq <= self.last_seq or prior is not None:
                self._flush(sales, operations)
                if self.results and self.results[-1]["status"] == "retry":
                    return
                self._repeat(op, prior)
                continue
            if op.seq != self.last_seq + 1 + len(sales):
                self._flush(sales, operations)
                if not (self.results and self.results[-1]["status"] == "retry"):
                    self._retry_from(operations, position)
                return
            if op.unstorable is not None:
                self._flush(sales, operations)
                if self.results and self.results[-1]["status"] == "retry":
                    return
                where, code = op.unstorable
                self._reject(op, [{"code": code, "field": where, "message": UNSTORABLE_MESSAGES[code]}])
                continue
            if op.type == "sale.create":
                sales.append(op)
                continue
            self._flush(sales, operations)
            if self.results and self.results[-1]["status"] == "retry":
                return
            try:
                self._single(op)
            except _Temporary:
                self._retry_from(operations, position)
                return
        self._flush(sales, operations)

    def _earlier_results(self, operations: list[Op]) -> dict:
        """Stored results for operations this push repeats, by op_id."""
        by_op_id = {log.op_id: log for log in Operation.objects.filter(op_id__in=[op.op_id for op in operations])}
        repeated_seqs = [op.seq for op in operations if op.seq <= self.last_seq and op.op_id not in by_op_id]
        if repeated_seqs:
            for log in Operation.objects.filter(device=self.device, seq__in=repeated_seqs):
                by_op_id.setdefault(log.op_id, log)
        return by_op_id

    def _repeat(self, op: Op, prior: Operation | None) -> None:
        """An operation seen before: its first result, or a mismatch."""
        consumes = op.seq == self.last_seq + 1
        if prior is not None and prior.op_id == op.op_id and prior.payload_hash == op.payload_hash:
            self.results.append(prior.result | {"seq": op.seq, "op_id": str(op.op_id), "status": "duplicate"})
        else:
            errors = [{"code": "idempotency_mismatch", "field": "op_id",
                       "message": "This op_id (or seq) was already used for a different operation."}]
            self.results.append(_result(op, "rejected", errors=errors))
            if consumes:
                self.reviews.append(ReviewItem(kind=ReviewItem.Kind.REJECTED, device=self.device,
                                               details={"seq": op.seq, "op_id": str(op.op_id), "type": op.type, "errors": errors, "operation": op.raw}))
        if consumes:
            self.last_seq = op.seq

    def _retry_from(self, operations: list[Op], position: int) -> None:
        expected = self.last_seq + 1
        for op in operations[position:]:
            self.results.append(_result(op, "retry") | {"expected_seq": expected})

    # -- sales, set-wise ---------------------------------------------------

    def _flush(self, sales: list[Op], operations: list[Op]) -> None:
        if not sales:
            return
        chunk = list(sales)
        sales.clear()
        catalogue = Catalogue.load([op.payload for op in chunk])
        claimed: set = set()
        outcome: dict = {}
        plans: list[SalePlan] = []
        for op in chunk:
            try:
                plan = sale_plan(op=op, shop=self.shop, exponent=self.exponent, catalogue=catalogue,
                                 claimed=claimed, received_at=self.received_at)
                plans.append(plan)
                outcome[op.op_id] = plan
            except Rejected as rejected:
                outcome[op.op_id] = rejected
        try:
            numbers = self._write(plans)
        except _Temporary:
            first = next((i for i, op in enumerate(operations) if op.op_id == chunk[0].op_id))
            self._retry_from(operations, first)
            return
        for op in chunk:
            found = outcome[op.op_id]
            if isinstance(found, Rejected) or found.sale_id not in numbers:
                errors = found.errors if isinstance(found, Rejected) else numbers.get(("error", found.sale_id))
                self._reject(op, errors)
            else:
                self._applied(op, found, numbers[found.sale_id])

    def _write(self, plans: list[SalePlan]) -> dict:
        """Set-wise first; on failure, one savepoint per sale."""
        if not plans:
            return {}
        try:
            with transaction.atomic():
                return sales_write(plans=plans, device=self.device, shop=self.shop, received_at=self.received_at)
        except DatabaseError as exc:
            if _is_temporary(exc):
                raise _Temporary() from exc
            if database_unavailable(exc):  # the connection is gone, not this sale: the push fails whole (503)
                raise
            if len(plans) == 1:
                return {("error", plans[0].sale_id): [{"code": "integrity_error", "field": None, "message": _constraint(exc)}]}
        numbers: dict = {}
        for plan in plans:
            numbers |= self._write([plan])
        return numbers

    def _applied(self, op: Op, plan: SalePlan, invoice_number: int) -> None:
        branch = self.device.terminal.branch
        result = _result(op, "applied", server_id=str(plan.sale_id), invoice_number=invoice_label(branch.code, invoice_number),
                         conflicts=plan.conflicts)
        log = self._log(op, Operation.Status.APPLIED, result)
        for conflict in plan.conflicts:
            self.reviews.append(ReviewItem(
                kind=conflict["kind"], operation_id=log, device=self.device, sale_id=plan.sale_id,
                item_id=conflict.get("item_id"), details=conflict,
            ))

    # -- other operation types, one at a time ------------------------------

    def _single(self, op: Op) -> None:
        handler = SINGLE_HANDLERS.get(op.type)
        if handler is None:
            self._reject(op, [{"code": "unsupported_type", "field": "type", "message": f"Unknown operation type '{op.type}'."}])
            return
        if not isinstance(op.payload, dict):
            self._reject(op, [{"code": "invalid_payload", "field": "payload", "message": "The payload must be an object."}])
            return
        try:
            with transaction.atomic():
                server_id = handler(run=self, op=op)
        except ApplicationError as exc:
            self._reject(op, [{"code": exc.code, "field": None, "message": exc.message}])
        except Rejected as rejected:
            self._reject(op, rejected.errors)
        except DatabaseError as exc:
            if _is_temporary(exc):
                raise _Temporary() from exc
            if database_unavailable(exc):
                raise
            self._reject(op, [{"code": "integrity_error", "field": None, "message": _constraint(exc)}])
        else:
            self._log(op, Operation.Status.APPLIED, _result(op, "applied", server_id=server_id))

    # -- bookkeeping -------------------------------------------------------

    def _reject(self, op: Op, errors: list[dict]) -> None:
        log = self._log(op, Operation.Status.REJECTED, _result(op, "rejected", errors=errors))
        self.reviews.append(ReviewItem(kind=ReviewItem.Kind.REJECTED, operation_id=log, device=self.device,
                                       details={"type": op.type, "errors": errors}))

    def _log(self, op: Op, status: str, result: dict) -> uuid.UUID:
        """Records the operation's outcome; returns the log row's id."""
        self.results.append(result)
        self.last_seq = op.seq
        log_id = ledger_id()
        self.logs.append({
            "id": log_id, "device_id": self.device.pk, "seq": op.seq, "op_id": op.op_id, "type": op.type[:32],
            # What the terminal sent is kept whole where a manager must read it
            # (rejections); an applied sale is recorded in the sales tables.
            "payload": op.raw if status == Operation.Status.REJECTED else {}, "payload_hash": op.payload_hash,
            "status": status, "result": result,
            "occurred_at": op.occurred_at, "received_at": self.received_at,
        })
        return log_id


def _result(op: Op, status: str, *, server_id=None, invoice_number=None, conflicts=(), errors=()) -> dict:
    return {"seq": op.seq, "op_id": str(op.op_id), "status": status, "server_id": server_id,
            "invoice_number": invoice_number, "conflicts": list(conflicts), "errors": list(errors)}


def _constraint(exc: DatabaseError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return f"The database refused it ({name})." if name else "The database refused it."


def _customer_create(*, run: _Run, op: Op) -> str:
    payload = op.payload
    customer = customer_create(
        customer_id=payload.get("id"), full_name=str(payload.get("full_name", "")), phone=str(payload.get("phone", "")),
        email=str(payload.get("email", "") or ""),
    )
    return str(customer.pk)


def _sale_of(payload: dict) -> Sale:
    sale = Sale.objects.filter(client_sale_id=_uuid(payload.get("client_sale_id"), "payload.client_sale_id")).first()
    if sale is None:
        raise Rejected("unknown_sale", "No sale with this client_sale_id in this shop.", "payload.client_sale_id")
    return sale


def _uuid(value, field_name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Rejected("invalid_id", f"{field_name} must be a UUID.", field_name) from exc


def _sale_void(*, run: _Run, op: Op) -> str:
    sale = _sale_of(op.payload)
    sale_void(actor=None, sale=sale, reason=str(op.payload.get("reason") or "voided at the terminal"), device=run.device)
    return str(sale.pk)


def _return_create(*, run: _Run, op: Op) -> str:
    """Lines name items; each is taken from the sale's lines of that item
    that still have pieces to return, in line order."""
    sale = _sale_of(op.payload)
    lines = op.payload.get("lines")
    if not isinstance(lines, list) or not lines:
        raise Rejected("invalid_lines", "A return names at least one line.", "payload.lines")
    left = {line.pk: (line.item_id, line.quantity - line.returned_quantity) for line in sale.lines.order_by("line_no")}
    taken: dict = {}
    for index, wanted in enumerate(lines):
        where = f"payload.lines[{index}]"
        if not isinstance(wanted, dict):
            raise Rejected("invalid_line", "A return line must be an object.", where)
        item_id, quantity = _uuid(wanted.get("item_id"), f"{where}.item_id"), wanted.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise Rejected("invalid_quantity", "quantity must be a whole number from 1.", f"{where}.quantity")
        for line_id, (line_item, available) in left.items():
            if line_item != item_id or available <= 0 or quantity <= 0:
                continue
            step = min(available, quantity)
            taken[line_id] = taken.get(line_id, 0) + step
            left[line_id] = (line_item, available - step)
            quantity -= step
        if quantity:
            raise Rejected("return_exceeds_sale", "More pieces returned than the sale has left.", where)
    sale_return(actor=None, sale=sale, lines=list(taken.items()), reason=str(op.payload.get("reason") or "returned at the terminal"),
                device=run.device)
    return str(sale.pk)


SINGLE_HANDLERS = {
    "customer.create": _customer_create,
    "sale.void": _sale_void,
    "return.create": _return_create,
}
