#!/usr/bin/env bash
# Debian's Chromium for the Playwright browser tests (tests/browser/),
# installed only when missing. Playwright never downloads a browser here.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  printf '\033[1m[browser]\033[0m installing chromium with apt\n'
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null ||
    printf '\033[1m[browser]\033[0m chromium could not be installed: browser tests will be skipped\n' >&2
else
  printf '\033[1m[browser]\033[0m /usr/bin/chromium is missing and cannot be installed here: browser tests will be skipped\n' >&2
fi
