#!/usr/bin/env bash
# The staff UI's build-time assets. Idempotent; called by scripts/bootstrap.sh.
#  1. front-end packages from the npm registry (package.json), copied into
#     static/vendor/ (git-ignored). Without npm the pages still work, as
#     plain forms, and this says so.
#  2. the Persian translations compiled (locale/*/LC_MESSAGES/django.mo).
#  3. the font the PDF exports use (Debian's fonts-dejavu-core).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[frontend]\033[0m %s\n' "$*"; }
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
if command -v npm >/dev/null 2>&1; then
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
      say "npm could not install the front-end packages; the staff pages work as plain forms without them"
    fi
  fi
  if [ -f node_modules/htmx.org/dist/htmx.min.js ]; then
    mkdir -p "$VENDOR"
    cp node_modules/htmx.org/dist/htmx.min.js "$VENDOR/htmx.min.js"
  fi
  # The Jalali date picker of the Persian pages (the minified build: the
  # plain one runs eval(), which the CSP refuses).
  picker=node_modules/@majidh1/jalalidatepicker/dist
  if [ -f "$picker/jalalidatepicker.min.js" ]; then
    mkdir -p "$VENDOR/jalalidatepicker"
    cp "$picker/jalalidatepicker.min.js" "$picker/jalalidatepicker.min.css" "$VENDOR/jalalidatepicker/"
  fi
  # The Persian web font (static/ui/app.css) and its TTF for PDFs (apps/ui/pdf.py).
  vazir=node_modules/vazirmatn/fonts
  if [ -f "$vazir/webfonts/Vazirmatn[wght].woff2" ]; then
    mkdir -p "$VENDOR/vazirmatn"
    cp "$vazir/webfonts/Vazirmatn[wght].woff2" "$VENDOR/vazirmatn/Vazirmatn-Variable.woff2"
    cp "$vazir/ttf/Vazirmatn-Regular.ttf" "$vazir/ttf/Vazirmatn-Bold.ttf" "$VENDOR/vazirmatn/"
    cp node_modules/vazirmatn/OFL.txt "$VENDOR/vazirmatn/"
  fi
else
  say "npm not found: skipping front-end packages; the staff pages work as plain forms without them"
fi

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
