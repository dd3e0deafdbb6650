#!/usr/bin/env bash
# End-to-end check of shop provisioning on a running deployment: creates a
# shop with "create_shop" inside a web pod, then checks through the ingress
# that its host is served and that an unknown shop's host is not; finally
# suspends the test shop and checks that its host answers 403.
set -euo pipefail

NAMESPACE=zargar
read -r -a KUBECTL <<<"${KUBECTL:-kubectl}"

usage() {
    cat >&2 <<EOF
Usage: $(basename "$0") DOMAIN

  DOMAIN  the platform host name given to deploy.sh; the test shop is created
          at e2e-<timestamp>.DOMAIN (wildcard DNS must point at the ingress)

Environment:
  KUBECTL        kubectl command line (default "kubectl")
  SCHEME         https (default) or http
  INGRESS_IP     send the requests to this address instead of resolving hosts
  CURL_INSECURE  set to 1 to skip TLS certificate verification
  KEEP_SHOP      set to 1 to leave the test shop active at the end
EOF
    exit 2
}

die() {
    echo "e2e: $*" >&2
    exit 1
}

[[ $# -eq 1 ]] || usage
DOMAIN=$1
SCHEME=${SCHEME:-https}
[[ $SCHEME == https || $SCHEME == http ]] || usage
[[ $DOMAIN =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "not a lower-case host name: $DOMAIN"

stamp=$(date +%s)
shop_host="e2e-$stamp.$DOMAIN"
missing_host="e2e-missing-$stamp.$DOMAIN"
owner_email="owner@e2e-$stamp.test"
owner_password="Zg-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

manage() {
    "${KUBECTL[@]}" -n "$NAMESPACE" exec deploy/zargar-web -c web -- python manage.py "$@"
}

# Prints the HTTP status of GET / on the given host (000 if unreachable).
status_of() {
    local host=$1 port=443
    local opts=(--silent --show-error --max-time 10 --output /dev/null --write-out '%{http_code}')
    if [[ $SCHEME == http ]]; then
        port=80
    fi
    if [[ -n ${INGRESS_IP:-} ]]; then
        opts+=(--resolve "$host:$port:$INGRESS_IP")
    fi
    if [[ ${CURL_INSECURE:-0} == 1 ]]; then
        opts+=(--insecure)
    fi
    curl "${opts[@]}" "$SCHEME://$host/" || true
}

echo "==> creating shop at $shop_host"
manage create_shop --name "E2E $stamp" --domain "$shop_host" \
    --owner-email "$owner_email" --owner-password "$owner_password"

echo "==> its host is served"
code=$(status_of "$shop_host")
# Anonymous visitors get the shop's page or its login redirect.
[[ $code == 200 || $code == 302 ]] || die "GET $SCHEME://$shop_host/ answered HTTP $code, expected 200 or 302"
echo "ok    $shop_host -> HTTP $code"

echo "==> an unknown shop's host is not"
code=$(status_of "$missing_host")
[[ $code == 404 ]] || die "GET $SCHEME://$missing_host/ answered HTTP $code, expected 404"
echo "ok    $missing_host -> HTTP $code"

if [[ ${KEEP_SHOP:-0} == 1 ]]; then
    echo "e2e: passed; shop kept at $shop_host (owner $owner_email, password $owner_password)"
    exit 0
fi

echo "==> suspending the test shop"
manage suspend_shop --shop "$shop_host"
code=$(status_of "$shop_host")
[[ $code == 403 ]] || die "GET $SCHEME://$shop_host/ answered HTTP $code after suspension, expected 403"
echo "ok    $shop_host -> HTTP $code"
echo "e2e: passed (test shop $shop_host left suspended)"
