#!/usr/bin/env bash
# `make test`: the whole pytest suite against real PostgreSQL and Redis.
# pytest exits 5 when it collected no test; that is a failure here too.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
scripts/browser.sh  # Debian's Chromium for tests/browser, when missing
NGINX="${NGINX:-$(scripts/nginx.sh)}"  # a real nginx in front, for the trusted-proxy tests
export NGINX
PGBOUNCER="${PGBOUNCER:-$(scripts/pgbouncer.sh)}"  # a real PgBouncer in front, for tests/pooling
export PGBOUNCER
# Two processes (pytest-xdist), a test file at a time each: a file's tests
# share its module fixtures; each process has its own test database, cache
# namespace and Celery queue (config/settings/test.py). PYTEST_WORKERS=0 runs
# the suite in this one process.
workers="${PYTEST_WORKERS:-2}"
status=0
.venv/bin/python -m pytest -n "$workers" --dist loadfile "$@" || status=$?
if [ "$status" = 5 ]; then echo "[test] no test was collected: failing" >&2; fi
# Who may import whom: the contracts in .importlinter (docs/architecture.md).
if ! .venv/bin/lint-imports --no-cache; then
  echo "[test] an import contract is broken (.importlinter)" >&2
  [ "$status" = 0 ] && status=1
fi
exit "$status"
