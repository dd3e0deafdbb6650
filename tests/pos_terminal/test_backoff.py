import random
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest

from pos_terminal.backoff import backoff_delay, retry_after_seconds


@pytest.mark.parametrize("attempt", [0, 1, 2, 5, 6, 10, 50, 10_000])
def test_full_jitter_stays_within_zero_and_the_capped_exponential(attempt):
    ceiling = min(10.0, 0.2 * 2 ** min(attempt, 64))
    rng = random.Random(attempt)
    delays = [backoff_delay(attempt, rng=rng.random) for _ in range(2000)]

    assert all(0 <= d <= ceiling <= 10.0 for d in delays)
    assert backoff_delay(attempt, rng=lambda: 1.0) == ceiling  # the bound is reached, never passed
    assert backoff_delay(attempt, rng=lambda: 0.0) == 0.0
    if attempt >= 6:  # 0.2 * 2**6 = 12.8 > cap
        assert max(delays) > 5.0  # jitter spreads over the whole capped range


def test_delays_grow_exponentially_until_the_cap():
    assert [backoff_delay(a, rng=lambda: 1.0) for a in range(8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0]
    assert backoff_delay(3, base=1, cap=5, rng=lambda: 0.5) == 2.5
    with pytest.raises(ValueError):
        backoff_delay(-1)


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after_seconds("3", default=1) == 3
    assert retry_after_seconds(None, default=1.5) == 1.5
    assert retry_after_seconds("soon", default=0.7) == 0.7
    assert retry_after_seconds("100000", default=1) == 60  # clamped
    when = (datetime.now(timezone.utc) + timedelta(seconds=10)).replace(microsecond=0)  # HTTP dates count seconds
    before = datetime.now(timezone.utc)
    seconds = retry_after_seconds(format_datetime(when, usegmt=True), default=1)
    after = datetime.now(timezone.utc)
    assert (when - after).total_seconds() <= seconds <= (when - before).total_seconds()
