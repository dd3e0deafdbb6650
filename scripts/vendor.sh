#!/usr/bin/env bash
# Copies the files the staff pages use from node_modules/ (npm, package.json)
# into static/vendor/ (git-ignored). One list for both homes of the assets:
# scripts/frontend.sh (make run / make test) and the Dockerfile's assets stage.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=static/vendor
mkdir -p "$VENDOR/jalalidatepicker" "$VENDOR/vazirmatn"
cp node_modules/htmx.org/dist/htmx.min.js "$VENDOR/htmx.min.js"
# The Jalali date picker of the Persian pages (the minified build: the plain
# one runs eval(), which the CSP refuses).
picker=node_modules/@majidh1/jalalidatepicker/dist
cp "$picker/jalalidatepicker.min.js" "$picker/jalalidatepicker.min.css" "$VENDOR/jalalidatepicker/"
# The Persian web font (static/ui/app.css) and its TTFs for PDFs (apps/ui/pdf.py).
vazir=node_modules/vazirmatn/fonts
cp "$vazir/webfonts/Vazirmatn[wght].woff2" "$VENDOR/vazirmatn/Vazirmatn-Variable.woff2"
cp "$vazir/ttf/Vazirmatn-Regular.ttf" "$vazir/ttf/Vazirmatn-Bold.ttf" "$VENDOR/vazirmatn/"
cp node_modules/vazirmatn/OFL.txt "$VENDOR/vazirmatn/"
# The browser terminal (static/ui/terminal/): decimal arithmetic, IndexedDB,
# and its service worker, built with Workbox from the files above.
cp node_modules/decimal.js/decimal.mjs "$VENDOR/decimal.mjs"
cp node_modules/idb/build/index.js "$VENDOR/idb.js"
node scripts/terminal_sw.mjs
