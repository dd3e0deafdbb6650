"""
`Idempotency-Key` on POST: the same key and body get the stored response; the
same key with another body is 422 `idempotency_mismatch`; the same key while
the first request still runs is 409 `idempotency_in_progress`.

The claim is committed before the view runs, so a concurrent duplicate sees
it; the database's unique constraint decides the race. A 5xx releases the key
so the client can retry; a crash between the view's commit and the recorded
response leaves the key "in progress" (409), never a second execution.
"""
import hashlib
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.models import IdempotencyKey

MAX_KEY_LENGTH = 255
# Visible ASCII, no spaces: what survives every HTTP hop unchanged (a
# UUID is the usual choice). The OpenAPI schema says the same (schema.py).
KEY_PATTERN = rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"


@dataclass(frozen=True)
class Claim:
    record: IdempotencyKey | None = None  # ours to complete
    replay: IdempotencyKey | None = None  # finished earlier: answer with it


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def idempotency_claim(*, owner: str, key: str, request_hash: str) -> Claim:
    if not re.fullmatch(KEY_PATTERN, key):
        raise ApplicationError("invalid_idempotency_key",
                               f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters, no spaces.")
    try:
        with transaction.atomic():
            return Claim(record=IdempotencyKey.objects.create(owner=owner, key=key, request_hash=request_hash))
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.get(owner=owner, key=key)
    if existing.request_hash != request_hash:
        raise ApplicationError("idempotency_mismatch", "This Idempotency-Key was used with a different request.", status=422)
    if existing.status_code is None:
        raise ApplicationError("idempotency_in_progress", "A request with this Idempotency-Key is still running.", status=409)
    return Claim(replay=existing)


def idempotency_complete(*, record: IdempotencyKey, status_code: int, body) -> None:
    if status_code >= 500:
        record.delete()
        return
    record.status_code = status_code
    record.response_body = body
    record.completed_at = timezone.now()
    record.save(update_fields=["status_code", "response_body", "completed_at"])
