#!/usr/bin/env bash
# Makes PostgreSQL and Redis available. Uses DATABASE_URL / REDIS_URL when
# set and reachable; else local servers on the default ports; else starts
# them, installing them with apt where it can (as root); else says exactly
# what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[services]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[services] %s\033[0m\n' "$*" >&2; exit 1; }

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zargar}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
check() { .venv/bin/python scripts/service_check.py "$@" 2>/dev/null; }
is_local() { [[ "$1" =~ @?(127\.0\.0\.1|localhost|\[::1\])(:|/|$) ]]; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    can_apt || return 1
    say "installing PostgreSQL with apt"
    apt_install postgresql
    # A server we installed ourselves serves this machine only: let the
    # default local URL (user postgres, no password) in over loopback.
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n1)
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster "$version" main start || return 1
  for _ in $(seq 30); do check postgres "$DATABASE_URL" && return 0; sleep 1; done
  return 1
}

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    can_apt || return 1
    say "installing Redis with apt"
    apt_install redis-server
  fi
  say "starting Redis"
  mkdir -p /tmp/zargar-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/zargar-redis >/dev/null
  for _ in $(seq 30); do check redis "$REDIS_URL" && return 0; sleep 1; done
  return 1
}

if ! check postgres "$DATABASE_URL"; then
  is_local "$DATABASE_URL" || die "PostgreSQL at $DATABASE_URL is not reachable (a remote server: start it or fix DATABASE_URL)."
  start_postgres || die "PostgreSQL is missing and could not be started here: install PostgreSQL 15 (apt-get install postgresql) or set DATABASE_URL to a reachable server."
fi
check createdb "$DATABASE_URL" >/dev/null || die "Could not create the database named in $DATABASE_URL."
say "PostgreSQL ok ($DATABASE_URL)"

if ! check redis "$REDIS_URL"; then
  is_local "$REDIS_URL" || die "Redis at $REDIS_URL is not reachable (a remote server: start it or fix REDIS_URL)."
  start_redis || die "Redis is missing and could not be started here: install Redis 7 (apt-get install redis-server) or set REDIS_URL to a reachable server."
fi
say "Redis ok ($REDIS_URL)"
