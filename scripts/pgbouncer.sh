#!/usr/bin/env bash
# Debian's PgBouncer for the pooling tests (tests/pooling), unpacked with the
# libraries it needs into var/pgbouncer when no pgbouncer is on PATH: no
# service is installed or started, and no root is needed. Prints the path of
# a binary to run (empty if none): on PATH, or var/pgbouncer/bin/pgbouncer,
# which runs the unpacked one against the unpacked libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v pgbouncer >/dev/null 2>&1; then command -v pgbouncer; exit 0; fi
root="$PWD/var/pgbouncer"
wrapper="$root/bin/pgbouncer"
if [ ! -x "$wrapper" ] && command -v apt-get >/dev/null 2>&1; then
  mkdir -p "$root/bin"
  if (cd "$root" && apt-get download -qq pgbouncer libc-ares2 libevent-2.1-7 >/dev/null 2>&1 \
      && for deb in ./*.deb; do dpkg -x "$deb" .; done && rm -f ./*.deb); then
    libs="$(dirname "$(find "$root/usr/lib" -name 'libcares.so.2' | head -n 1)")"
    printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' \
      "$libs" "$root/usr/sbin/pgbouncer" >"$wrapper"
    chmod +x "$wrapper"
  else
    printf '\033[1m[pgbouncer]\033[0m pgbouncer could not be fetched: the pooling tests will be skipped\n' >&2
  fi
fi
if [ -x "$wrapper" ]; then echo "$wrapper"; fi
