"""
The push envelope, checked at the edge. A bad envelope is refused whole (400
or 413) and nothing is written; a bad *operation* inside a good envelope is
the business of push.py (rejected, and the queue moves on). A value the
database cannot store (text with a NUL or a lone surrogate, a number such as
1e400 or NaN) anywhere in an operation but its `seq` and `op_id` makes such
a bad operation: it is marked here, and kept, made storable, for review.
"""
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime

from apps.core.errors import ApplicationError
from apps.core.input_guard import JSON_HOOKS, storable_copy, unstorable


MAX_SEQ = 2**63 - 1  # the column is a bigint


@dataclass(frozen=True)
class Operation:
    seq: int
    op_id: uuid.UUID
    type: str
    occurred_at: datetime | None  # None when missing or not RFC 3339 with an offset
    payload: object
    payload_hash: str  # of type, occurred_at and payload: what "the same operation" means
    raw: dict  # as sent, but storable
    unstorable: tuple[str, str] | None = None  # (where, code) of a value the database cannot store


def _envelope_error(code: str, message: str, field: str | None = None, status: int = 400) -> ApplicationError:
    details = [{"field": field, "code": code, "message": message}] if field else []
    return ApplicationError(code, message, status=status, details=details)


def _operation_hash(raw: dict) -> str:
    subject = {"type": raw.get("type"), "occurred_at": raw.get("occurred_at"), "payload": raw.get("payload")}
    return hashlib.sha256(json.dumps(subject, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def envelope_parse(body: bytes) -> tuple[uuid.UUID | None, list[Operation]]:
    if len(body) > settings.POS_MAX_BODY_BYTES:
        raise _envelope_error("payload_too_large", f"The body is over {settings.POS_MAX_BODY_BYTES} bytes; send fewer operations.", status=413)
    try:
        data = json.loads(body, **JSON_HOOKS)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, too deep, a number of too many digits
        raise _envelope_error("invalid_json", f"The body is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("operations"), list):
        raise _envelope_error("invalid_envelope", "The body must be an object with an `operations` list.", "operations")
    raw_ops = data["operations"]
    limit = settings.POS_MAX_OPERATIONS_PER_PUSH
    if len(raw_ops) > limit:
        raise _envelope_error("too_many_operations", f"At most {limit} operations per push; got {len(raw_ops)}.", "operations", status=413)

    batch_id = None
    if data.get("batch_id") is not None:
        try:
            batch_id = uuid.UUID(str(data["batch_id"]))
        except ValueError as exc:
            raise _envelope_error("invalid_envelope", "batch_id must be a UUID.", "batch_id") from exc

    operations, previous = [], 0
    for index, raw in enumerate(raw_ops):
        field = f"operations[{index}]"
        if not isinstance(raw, dict):
            raise _envelope_error("invalid_operation", "Each operation must be an object.", field)
        seq = raw.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
            raise _envelope_error("invalid_operation", f"seq must be a whole number from 1 to {MAX_SEQ}.", f"{field}.seq")
        if seq <= previous:
            raise _envelope_error("operations_out_of_order", "Operations must be sent in increasing seq order.", f"{field}.seq")
        previous = seq
        try:
            op_id = uuid.UUID(str(raw.get("op_id")))
        except ValueError as exc:
            raise _envelope_error("invalid_operation", "op_id must be a UUID.", f"{field}.op_id") from exc
        payload_hash = _operation_hash(raw)
        bad = unstorable(raw)
        if bad is not None:
            raw = storable_copy(raw)
        occurred_at = parse_datetime(raw["occurred_at"]) if isinstance(raw.get("occurred_at"), str) else None
        if occurred_at is not None and occurred_at.tzinfo is None:
            occurred_at = None
        operations.append(Operation(
            seq=seq, op_id=op_id, type=str(raw.get("type", "")), occurred_at=occurred_at,
            payload=raw.get("payload"), payload_hash=payload_hash, raw=raw, unstorable=bad,
        ))
    if len({op.op_id for op in operations}) != len(operations):
        raise _envelope_error("invalid_envelope", "An op_id appears twice in one push.", "operations")
    return batch_id, operations
