"""Plays the web process in the delivery tests: one POS push through the
whole request path (middleware, device auth, push, commit, on-commit
hand-off), in a process whose broker the test chooses (CELERY_BROKER_URL).

    python -m tests.background.web_push < {"host": ..., "token": ..., "body": {...}}

Prints {"status", "body", "hand_offs", "breaker_tripped"} as JSON: what
each on-commit hand-off to the broker returned (False: it failed, the sweep
will relay), and whether a failure set this process to skip the broker for
a while (OUTBOX_BROKER_BACKOFF_SECONDS).
How long a failed hand-off costs a request is measured by
scripts/bench_outbox_outage.py, not here.
"""
import json
import sys

import django

django.setup()

from rest_framework.test import APIClient  # noqa: E402 - after setup

from apps.core import outbox  # noqa: E402

hand_offs = []
_hand_off = outbox.relay_hand_off


def recorded_hand_off(**kwargs):
    hand_offs.append(_hand_off(**kwargs))
    return hand_offs[-1]


outbox.relay_hand_off = recorded_hand_off

spec = json.load(sys.stdin)
client = APIClient(HTTP_HOST=spec["host"])
client.credentials(HTTP_AUTHORIZATION=f"Device {spec['token']}")
response = client.post("/api/pos/v1/sync/push", spec["body"], format="json")
print(json.dumps({"status": response.status_code, "body": response.json(), "hand_offs": hand_offs,
                  "breaker_tripped": outbox._broker_down_until > 0}))
