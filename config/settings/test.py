"""The test suite: real PostgreSQL and Redis, a cache namespace of its own."""
import os
import warnings

from .base import *  # noqa: F401,F403
from .base import CACHES, REST_FRAMEWORK, env, env_list

# `make test` runs the suite in two processes (pytest-xdist: gw0, gw1), each
# on a test database of its own (pytest-django names them); each also gets a
# cache namespace and a Celery queue of its own, and so do the processes it
# starts (they inherit PYTEST_XDIST_WORKER), since both have the same shops.
# Set explicitly, CACHE_KEY_PREFIX and CELERY_TASK_DEFAULT_QUEUE are taken as
# they are.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SUFFIX = f"-{_WORKER}" if _WORKER else ""

DEBUG = False
# The suite's gunicorn serves /static/ from the finders: nothing is collected.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
SECRET_KEY = env("SECRET_KEY", "test-insecure-key-only-for-the-test-suite-0123456789abcdef")
# A namespace of its own; parallel suites on one Redis set their own.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", "zargar-test" + _SUFFIX)

# Tests log in far more often than people do; the throttle test sets its own.
for scope in ("anon", "user", "auth"):
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope] = env(f"THROTTLE_{scope.upper()}", "100000/min")
# Failed enrolments are counted in Redis, which no test rolls back: the
# enrolment-limit tests set production values themselves.
POS_ENROLL_FAILURES_PER_CLIENT = env("POS_ENROLL_FAILURES_PER_CLIENT", 100000, int)
POS_ENROLL_FAILURES_PER_CODE = env("POS_ENROLL_FAILURES_PER_CODE", 100000, int)

# Relay messages sent by tests go to a queue of their own; the tests that need
# a worker start one on a private queue.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "zargar-test" + _SUFFIX)
METRICS_CELERY_QUEUES = env_list("METRICS_CELERY_QUEUES", CELERY_TASK_DEFAULT_QUEUE)
