"""
Hooks for `st run` (SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks): the
client follows two rules that OpenAPI's JSON Schema cannot state, as a real
client does; everything the schema can state is left as drawn.

- An Idempotency-Key names one request: the same key with another body is
  refused with 422 `idempotency_mismatch`, by design (apps/core/idempotency.py
  and the header's description). Schemathesis draws keys from the header's
  schema and sends "0" with a hundred bodies, so every key the schema allows
  is replaced by a fresh one of the same format; a key it forbids (negative
  cases) is sent as drawn, and must be refused.
- A push lists operations in increasing `seq` with each `op_id` once
  (docs/sync-protocol.md); a schema can bound each item, not order them. In a
  positive case (every item valid) the operations are put in that order and
  repeats dropped, which leaves it valid; negative cases are sent as drawn.
- Rules between fields, or against the clock, that OpenAPI 3.0 cannot state
  (no if/then, no "now"; each is refused with its own code): an item priced
  by the gold rate has no fixed price and a fixed-price item has one
  (fixed_price_not_allowed / _required), its stones weigh no more than the
  piece and an item priced by the gold rate holds some gold (invalid_weight); a sale did not happen in the future
  (invalid_occurred_at); a trade-in at a given rate is worth something after
  rounding (invalid_trade_in). A positive case is made to keep them: the
  pricing mode follows the fixed price, the stone weight is at most the
  gross, a future time becomes now, a trade-in worth less than one unit is
  left out; a repair is not promised for a day already past
  (invalid_promised_on), the gold a repair adds or takes is not 0 g
  (invalid_weight), and a cancelled one says why (invalid_note): an
  earlier date becomes tomorrow, 0 g a milligram, a blank reason gets one.
  (What depends on stored state instead, e.g. a trade-in at the board's
  rate or a deposit over a ticket's estimate, is a 409, which the check
  accepts.)
- A reference in a body (`branch_id`, `lines[].item_id`...) names a record:
  in a positive case it is made to name a real one of the shop
  (ZARGAR_FUZZ_REFERENCES), as the config's parameters do for paths. The
  config can say so for bodies too, but the coverage phase ignores it.
"""
import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta

import schemathesis

HEADER = "Idempotency-Key"
PUSH = "/api/pos/v1/sync/push"


def _key_schema(case) -> dict:
    """The header's schema, as the operation declares it (apps/core/schema.py)."""
    for parameter in case.operation.iter_parameters():
        if parameter.name == HEADER and parameter.location == "header":
            return parameter.definition["schema"]
    return {}


def _is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def _fresh_idempotency_key(case) -> None:
    key = (case.headers or {}).get(HEADER)
    schema = _key_schema(case) if isinstance(key, str) else {}
    if schema and re.fullmatch(schema["pattern"], key) and len(key) <= schema["maxLength"]:
        case.headers[HEADER] = uuid.uuid4().hex


def _push_in_order(case) -> None:
    operations = case.body.get("operations") if isinstance(case.body, dict) else None
    if case.operation.path != PUSH or not _is_positive(case) or not isinstance(operations, list):
        return
    seen_seq, seen_op, ordered = set(), set(), []
    for operation in sorted(operations, key=lambda op: op["seq"]):
        if operation["seq"] not in seen_seq and operation["op_id"] not in seen_op:
            seen_seq.add(operation["seq"])
            seen_op.add(operation["op_id"])
            ordered.append(operation)
    case.body["operations"] = ordered


REFERENCES = json.loads(os.environ.get("ZARGAR_FUZZ_REFERENCES", "{}"))


def _real_references(value) -> None:
    if isinstance(value, list):
        for item in value:
            _real_references(item)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name in REFERENCES and isinstance(item, str):
                value[name] = REFERENCES[name]
            else:
                _real_references(item)


def _number(value) -> float | None:
    try:
        return float(value) if isinstance(value, str | int) else None
    except ValueError:
        return None


def _items_consistent(body) -> None:
    if "fixed_price" in body or "pricing_mode" in body:
        fixed = isinstance(body.get("fixed_price"), str | int)
        body["pricing_mode"] = "fixed" if fixed else "gold_rate"
        if not fixed:
            body["fixed_price"] = None
    gross, stones = _number(body.get("gross_weight")), _number(body.get("stone_weight"))
    if gross is not None and stones is not None and stones > gross:
        body["stone_weight"] = body["gross_weight"]
    if body.get("pricing_mode") != "fixed" and gross is not None and gross - min(stones or 0, gross) <= 0:
        body["gross_weight"], body["stone_weight"] = "1.000", "0"  # priced by weight: some gold in it


def _worth_something(trade_in) -> bool:
    """Roughly what apps/inventory/shop_pricing values it at, at its own rate."""
    try:
        if trade_in.get("pure_rate") is None:
            return True  # at the board's rate: the server's 409 if it is worth nothing
        rate = float(trade_in["pure_rate"])
        kept = 1 - float(trade_in.get("deduction_percent") or 0) / 100
        return float(trade_in["weight"]) * trade_in["fineness"] / 1000 * rate * kept >= 2
    except (KeyError, TypeError, ValueError):
        return True


def _sales_as_they_happen(body) -> None:
    occurred = body.get("occurred_at")
    if isinstance(occurred, str) and occurred[:4].isdigit() and occurred > datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"):
        body["occurred_at"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    if isinstance(body.get("trade_ins"), list):
        body["trade_ins"] = [t for t in body["trade_ins"] if not isinstance(t, dict) or _worth_something(t)]


def _repairs_as_the_counter_takes_them(path: str, body: dict) -> None:
    # Tomorrow in UTC is today or later in any shop's zone (Tehran is 3:30 ahead).
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    if path == "/api/v1/repairs/" and isinstance(body.get("promised_on"), str) and body["promised_on"] < tomorrow:
        body["promised_on"] = tomorrow
    if path.endswith("/metal/") and _number(body.get("weight")) == 0:
        body["weight"] = "0.001"
    if path.endswith("/close/") and body.get("to") == "cancelled" and not str(body.get("note") or "").strip():
        body["note"] = "Changed their mind"


def _business_rules(case) -> None:
    if not isinstance(case.body, dict):
        return
    if case.operation.path.startswith("/api/v1/repairs/"):
        _repairs_as_the_counter_takes_them(case.operation.path, case.body)
    if case.operation.path in ("/api/v1/items/", "/api/v1/items/{item_id}/"):
        _items_consistent(case.body)
    if case.operation.path in ("/api/v1/sales/", "/api/v1/sales/quote/"):
        _sales_as_they_happen(case.body)


@schemathesis.hook
def before_call(context, case, kwargs):
    _fresh_idempotency_key(case)
    _push_in_order(case)
    if _is_positive(case) and case.operation.path.startswith("/api/v1/"):
        _real_references(case.body)
        _business_rules(case)
