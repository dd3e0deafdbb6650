#!/usr/bin/env bash
# The staff UI's build-time assets. Idempotent; called by scripts/bootstrap.sh.
#  1. front-end packages from the npm registry (package.json), copied into
#     static/vendor/ (git-ignored). Node.js and npm are installed with apt
#     where they are missing (as root); else this stops and says what to
#     install: the counter is never silently served without its scripts.
#  2. the Persian translations compiled (locale/*/LC_MESSAGES/django.mo).
#  3. the font the PDF exports use (Debian's fonts-dejavu-core).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[frontend]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[frontend]\033[0m %s\n' "$*" >&2; exit 1; }
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }; } || return 1
  else
    return 1
  fi
}

# 1. npm packages -> static/vendor/
VENDOR=static/vendor
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm ||
    die "npm (Node.js 18 or newer) is missing and could not be installed here: install it (Debian/Ubuntu: apt-get install nodejs npm) and run this again."
fi
stamp=node_modules/.zargar-lock.sha
wanted=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ] || [ ! -f "$VENDOR/htmx.min.js" ] ||
   [ ! -f "$VENDOR/jalalidatepicker/jalalidatepicker.min.js" ] || [ ! -f "$VENDOR/vazirmatn/Vazirmatn-Regular.ttf" ]; then
  say "installing front-end packages from npm"
  install=(npm install --no-audit --no-fund --loglevel=error)
  [ -f package-lock.json ] && install=(npm ci --no-audit --no-fund --loglevel=error)
  if "${install[@]}"; then
    mkdir -p node_modules && echo "$wanted" > "$stamp"
  else
    die "npm could not install the front-end packages (package.json) from the registry: check the network or the npm registry setting, and run this again."
  fi
fi
scripts/vendor.sh  # the packages' files the pages use, into static/vendor/

# 2. translations
if ! command -v msgfmt >/dev/null 2>&1; then
  apt_install gettext || say "gettext (msgfmt) is missing and could not be installed: pages will be in English only"
fi
if command -v msgfmt >/dev/null 2>&1; then
  .venv/bin/python manage.py compilemessages -v 0 --ignore='.venv/*' --ignore='node_modules/*' --ignore='pos_terminal/*'
fi

# 3. the PDF font
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  apt_install fonts-dejavu-core || say "fonts-dejavu-core is missing: PDF exports will answer 503 until it is installed"
fi
