"""Plays the web process in the delivery tests: one POS push through the
whole request path (middleware, device auth, push, commit, on-commit
hand-off), in a process whose broker the test chooses (CELERY_BROKER_URL).

    python -m tests.background.web_push < {"host": ..., "token": ..., "body": {...}}

Prints {"status", "body", "seconds"} as JSON.
"""
import json
import sys
import time

import django

django.setup()

from rest_framework.test import APIClient  # noqa: E402 - after setup

spec = json.load(sys.stdin)
client = APIClient(HTTP_HOST=spec["host"])
client.credentials(HTTP_AUTHORIZATION=f"Device {spec['token']}")
started = time.perf_counter()
response = client.post("/api/pos/v1/sync/push", spec["body"], format="json")
seconds = time.perf_counter() - started
print(json.dumps({"status": response.status_code, "body": response.json(), "seconds": seconds}))
