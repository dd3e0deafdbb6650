#!/usr/bin/env bash
# Debian's nginx for the reverse-proxy tests (tests/integration/test_behind_a_proxy.py),
# unpacked into var/nginx when no nginx is on PATH: no service is installed or
# started, and no root is needed. Prints the binary's path (empty if none).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v nginx >/dev/null 2>&1; then command -v nginx; exit 0; fi
binary=var/nginx/usr/sbin/nginx
if [ ! -x "$binary" ] && command -v apt-get >/dev/null 2>&1; then
  mkdir -p var/nginx
  (cd var/nginx && apt-get download -qq nginx >/dev/null 2>&1 && dpkg -x nginx_*.deb . && rm -f nginx_*.deb) ||
    printf '\033[1m[nginx]\033[0m nginx could not be fetched: the reverse-proxy tests will be skipped\n' >&2
fi
if [ -x "$binary" ]; then echo "$PWD/$binary"; fi
