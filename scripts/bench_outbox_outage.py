"""
Benchmark of what a broker outage costs a request, not a test: the on-commit
outbox hand-off (`apps.core.outbox.relay_hand_off`) against a broker that
refuses connections. The suite checks what happens (the push succeeds, the
hand-off gives up without raising, the breaker trips: tests/background/
test_delivery.py); how long the failed try takes is measured here.

No database is needed: the hand-off only talks to the broker. Prints and
writes JSON to bench-results/outbox_outage.json.

    .venv/bin/python scripts/bench_outbox_outage.py [--tries 20]
"""
import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def closed_port() -> int:
    """A local port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    down = f"redis://127.0.0.1:{closed_port()}/0"
    os.environ.update(CELERY_BROKER_URL=down, CELERY_RESULT_BACKEND=down)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import logging

    import django

    django.setup()
    logging.getLogger("apps.core.outbox").setLevel(logging.ERROR)  # one warning per failed try otherwise
    from apps.core.outbox import relay_breaker_reset, relay_hand_off

    failed, skipped = [], []
    for _ in range(args.tries):
        relay_breaker_reset()
        started = time.perf_counter()
        assert relay_hand_off(schema_name="bench", event_ids=["00000000-0000-0000-0000-000000000000"]) is False
        failed.append(time.perf_counter() - started)
        started = time.perf_counter()  # the breaker is open now: the next request does not try
        assert relay_hand_off(schema_name="bench", event_ids=["00000000-0000-0000-0000-000000000000"]) is False
        skipped.append(time.perf_counter() - started)

    def ms(values):
        return {"median_ms": round(statistics.median(values) * 1000, 2), "max_ms": round(max(values) * 1000, 2)}

    result = {"benchmark": "outbox hand-off with the broker down", "tries": args.tries,
              "failed_try": ms(failed), "breaker_open": ms(skipped)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "outbox_outage.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
