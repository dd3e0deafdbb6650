#!/usr/bin/env bash
# Smoke test through the ingress: /healthz (the process answers) and /readyz
# (PostgreSQL and Redis answer) must both say {"status": "ok"} with HTTP 200.
set -euo pipefail

usage() {
    cat >&2 <<EOF
Usage: $(basename "$0") HOST

  HOST  a host name served by the ingress, e.g. zargar.example.com or
        shop1.zargar.example.com

Environment:
  SCHEME         https (default) or http
  INGRESS_IP     send the requests to this address instead of resolving HOST
                 (before DNS is in place)
  CURL_INSECURE  set to 1 to skip TLS certificate verification
EOF
    exit 2
}

[[ $# -eq 1 ]] || usage
HOST=$1
SCHEME=${SCHEME:-https}
[[ $SCHEME == https || $SCHEME == http ]] || usage

curl_opts=(--silent --show-error --max-time 10)
if [[ -n ${INGRESS_IP:-} ]]; then
    port=443
    [[ $SCHEME == http ]] && port=80
    curl_opts+=(--resolve "$HOST:$port:$INGRESS_IP")
fi
if [[ ${CURL_INSECURE:-0} == 1 ]]; then
    curl_opts+=(--insecure)
fi

body=$(mktemp)
trap 'rm -f "$body"' EXIT
failures=0
for path in /healthz /readyz; do
    url="$SCHEME://$HOST$path"
    : >"$body"
    code=$(curl "${curl_opts[@]}" --output "$body" --write-out '%{http_code}' "$url" || true)
    if [[ $code == 200 ]] && grep -Eq '"status": *"ok"' "$body"; then
        echo "ok    $url"
    else
        echo "FAIL  $url -> HTTP ${code:-none}: $(head -c 300 "$body")" >&2
        failures=$((failures + 1))
    fi
done
if ((failures > 0)); then
    echo "smoke: $failures check(s) failed" >&2
    exit 1
fi
echo "smoke: all checks passed"
