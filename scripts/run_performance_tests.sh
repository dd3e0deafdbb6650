#!/usr/bin/env bash
# Locust load of a shop's site (`make bench-locust`): a benchmark, not a test.
#
#   scripts/run_performance_tests.sh [USERS] [SPAWN_RATE] [RUN_TIME]
#   PERF_USERS=50 PERF_SPAWN_RATE=10 PERF_RUN_TIME=60s scripts/run_performance_tests.sh
#
# Prepares the bench shop (bench.localhost) in the local database, starts
# gunicorn with production settings on a free 127.0.0.1 port, runs Locust
# headless (tests/performance/locustfile.py), stops gunicorn, checks the
# database and prints a summary. Everything lands in bench-results/locust-<ts>*.
# Exit status 1 when more than PERF_MAX_FAILURE_RATIO (default 0.01) of the
# requests failed, a POS operation was rejected, or the database check failed.
# More: tests/performance/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${1:-${PERF_USERS:-50}}
SPAWN_RATE=${2:-${PERF_SPAWN_RATE:-10}}
RUN_TIME=${3:-${PERF_RUN_TIME:-60s}}
WORKERS=${PERF_WORKERS:-4}
THREADS=${PERF_THREADS:-1}
MAX_FAILURE_RATIO=${PERF_MAX_FAILURE_RATIO:-0.01}
PY=.venv/bin/python

say() { printf '\033[1m[bench-locust]\033[0m %s\n' "$*"; }

scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
$PY manage.py migrate_schemas --shared -v 0
$PY manage.py setup_platform >/dev/null
$PY manage.py migrate_schemas -v 0

mkdir -p bench-results
ts=$(date +%Y%m%d-%H%M%S)
base=bench-results/locust-$ts
setup_json=$base-setup.json
terminals_json=$base-terminals.json
stats_json=$base-stats.json

say "preparing bench.localhost: demo data, a staff login, $USERS enrolment codes"
$PY -m tests.performance.prepare prepare --codes "$USERS" --out "$setup_json"

port=${PERF_PORT:-$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
worker_class=sync
[ "$THREADS" -gt 1 ] && worker_class=gthread

gunicorn_pid=
stop_gunicorn() {
  if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill -TERM "$gunicorn_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$gunicorn_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$gunicorn_pid" 2>/dev/null || true
  fi
  gunicorn_pid=
}
trap stop_gunicorn EXIT
trap 'exit 130' INT TERM

say "gunicorn on 127.0.0.1:$port ($WORKERS workers x $THREADS threads, production settings)"
DJANGO_SETTINGS_MODULE=config.settings.production \
SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))') \
ALLOWED_HOSTS=.localhost,localhost,127.0.0.1 \
SECURE_SSL_REDIRECT=0 \
THROTTLE_ANON=1000000/min THROTTLE_USER=1000000/min THROTTLE_AUTH=1000000/min \
LOG_LEVEL=WARNING \
  .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$port" --workers "$WORKERS" --threads "$THREADS" \
    --worker-class "$worker_class" --no-control-socket --log-level warning >"$base-gunicorn.log" 2>&1 &
gunicorn_pid=$!

for _ in $(seq 1 100); do
  if $PY -c "import httpx, sys; sys.exit(httpx.get('http://127.0.0.1:$port/healthz', headers={'Host': 'localhost'}, timeout=1, trust_env=False).status_code != 200)" 2>/dev/null; then
    break
  fi
  kill -0 "$gunicorn_pid" 2>/dev/null || { cat "$base-gunicorn.log" >&2; say "gunicorn did not start"; exit 1; }
  sleep 0.3
done

# Warm-up, not measured: each worker imports its views on its first requests.
$PY - "$port" "$WORKERS" <<'PY'
import sys
import httpx

port, workers = sys.argv[1], int(sys.argv[2])
with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": "bench.localhost"}, trust_env=False, timeout=30) as client:
    for _ in range(3 * workers):
        for path in ("/api/pos/v1/sync/status", "/api/v1/items/", "/accounts/login/"):
            client.get(path)
PY

cat >"$base-run.json" <<JSON
{"users": $USERS, "spawn_rate": $SPAWN_RATE, "run_time": "$RUN_TIME", "host": "http://127.0.0.1:$port",
 "shop_host": "bench.localhost", "gunicorn_workers": $WORKERS, "gunicorn_threads": $THREADS,
 "settings": "config.settings.production", "cpus": $(nproc), "ui_users": "${PERF_UI:-0}"}
JSON

say "locust: $USERS users, $SPAWN_RATE/s, $RUN_TIME"
set +e
PERF_SETUP=$setup_json PERF_TERMINALS_OUT=$terminals_json PERF_STATS_OUT=$stats_json \
  .venv/bin/locust --headless -f tests/performance/locustfile.py --host "http://127.0.0.1:$port" \
    -u "$USERS" -r "$SPAWN_RATE" --run-time "$RUN_TIME" --stop-timeout 30 --only-summary \
    --csv "$base" --html "$base.html" 2>&1 | tee "$base-locust.log"
locust_status=${PIPESTATUS[0]}
set -e
say "locust exited with $locust_status (1 means some request failed; the threshold below decides)"
stop_gunicorn

check_args=()
check_missing=0
if [ -f "$terminals_json" ]; then
  say "database check of the terminals' sales"
  $PY -m tests.performance.prepare check --terminals "$terminals_json" --out "$base-check.json" >/dev/null || true
  if [ -f "$base-check.json" ]; then check_args=(--check "$base-check.json"); else check_missing=1; fi
  check_args+=(--terminals "$terminals_json")
fi

status=0
$PY -m tests.performance.summary --stats "$stats_json" --out "$base.json" --run "$base-run.json" \
  --max-failure-ratio "$MAX_FAILURE_RATIO" "${check_args[@]}" || status=$?
if [ "$check_missing" = 1 ]; then say "the database check did not run (see the error above)"; status=1; fi
exit $status
