#!/usr/bin/env bash
# `make run`: migrate, make sure the demo shop exists, then web + Celery
# worker + beat in the foreground. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PY=.venv/bin/python
PORT=${PORT:-8000}

$PY manage.py migrate_shops -v 0
login=$($PY manage.py demo_shop)
if $PY manage.py help seed_demo >/dev/null 2>&1; then
  shop=$(echo "$login" | sed -n 's/^demo shop: \([^ ]*\).*/\1/p')
  $PY manage.py seed_demo --shop "$shop" --items 500 --customers 200 --sales 100
  $PY manage.py seed_demo_workshop --shop "$shop"
fi

mkdir -p var
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

.venv/bin/celery -A config.celery_app worker --loglevel=INFO --concurrency=2 & pids+=($!)
.venv/bin/celery -A config.celery_app beat --loglevel=INFO --schedule var/celerybeat-schedule & pids+=($!)
$PY manage.py runserver "0.0.0.0:$PORT" & pids+=($!)

sleep 2
cat <<TEXT

  Zargar is running. Open http://demo.localhost:$PORT/
  $(echo "$login" | sed "2s/^/  /")
  Offline counter: http://demo.localhost:$PORT/pos/terminal/ (enrol it with a code from Terminals)
  Operators' site: http://localhost:$PORT/admin/    Ctrl-C stops everything.

TEXT
wait -n "${pids[@]}"
