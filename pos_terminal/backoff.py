"""Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
Backoff And Jitter"): sleep a uniformly random time between 0 and
min(cap, base * 2**attempt). Full jitter spreads a fleet of terminals that
lost the server at the same moment, instead of having them retry in step."""
from __future__ import annotations

import random
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Callable

BASE_SECONDS = 0.2
CAP_SECONDS = 10.0


def backoff_delay(
    attempt: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry)."""
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    # 2**attempt is bounded first so a huge attempt number cannot overflow a float.
    ceiling = min(cap, base * 2 ** min(attempt, 64))
    return min(ceiling, rng() * ceiling)


def retry_after_seconds(value: str | None, *, default: float, limit: float = 60.0) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date),
    clamped to [0, limit]; `default` when absent or unreadable."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, min(limit, seconds))
