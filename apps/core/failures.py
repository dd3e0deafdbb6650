"""Counting failed attempts (a wrong code, a bad secret) in the cache, so an
endpoint can refuse a caller that keeps failing without ever slowing the
callers that succeed.

Counts live in Redis through the cache (keys prefixed by the shop's schema).
A subject's window opens at its first failure and lasts `window` seconds:
`limit` failures within it shut the subject out until it closes, and the
time left is the Retry-After. With Redis down the cache misses and nothing
is refused."""
import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class FailureLimit:
    scope: str  # e.g. "enroll-client"
    limit: int  # 0: no limit
    window: int  # seconds


def _keys(rule: FailureLimit, subject: str) -> tuple[str, str]:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]  # no secret or address in a key
    base = f"failures:{rule.scope}:{digest}"
    return f"{base}:count", f"{base}:since"


def failures_wait(rule: FailureLimit, subject: str) -> int:
    """Seconds `subject` must wait before trying again (0: it may try now)."""
    if rule.limit <= 0:
        return 0
    count_key, since_key = _keys(rule, subject)
    values = cache.get_many([count_key, since_key])
    if (values.get(count_key) or 0) < rule.limit:
        return 0
    since = values.get(since_key) or time.time()
    return max(1, math.ceil(since + rule.window - time.time()))


def failure_record(rule: FailureLimit, subject: str) -> None:
    """Counts one failure of `subject`, opening its window if none is open."""
    if rule.limit <= 0:
        return
    count_key, since_key = _keys(rule, subject)
    if cache.add(count_key, 1, rule.window):
        cache.set(since_key, time.time(), rule.window)
        return
    try:
        cache.incr(count_key)
    except ValueError:  # the window closed just now: this failure opens the next
        cache.add(count_key, 1, rule.window)
        cache.set(since_key, time.time(), rule.window)
