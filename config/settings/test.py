"""The test suite: real PostgreSQL and Redis, a cache namespace of its own."""
from .base import *  # noqa: F401,F403
from .base import CACHES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", "test-insecure-key-only-for-the-test-suite-0123456789abcdef")
CACHES["default"]["KEY_PREFIX"] = "zargar-test"
