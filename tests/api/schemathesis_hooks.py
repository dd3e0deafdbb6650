"""
Hooks for `st run` (SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks).

An Idempotency-Key names one request: the same key with another body is
refused with 422 `idempotency_mismatch`, by design (apps/core/idempotency.py,
and the schema's description of the header). Schemathesis draws keys from
the header's schema and happily sends "0" with a hundred different bodies; a
real client sends a new key per request. So every key the schema allows is
replaced, just before the call, by a fresh one of the same format; a key the
schema forbids (negative cases) is sent as drawn, and must be refused.
"""
import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"


def _key_schema(case) -> dict:
    """The header's schema, as the operation declares it (apps/core/schema.py)."""
    for parameter in case.operation.iter_parameters():
        if parameter.name == HEADER and parameter.location == "header":
            return parameter.definition["schema"]
    return {}


@schemathesis.hook
def before_call(context, case, kwargs):
    key = (case.headers or {}).get(HEADER)
    schema = _key_schema(case) if isinstance(key, str) else {}
    if schema and re.fullmatch(schema["pattern"], key) and len(key) <= schema["maxLength"]:
        case.headers[HEADER] = uuid.uuid4().hex
