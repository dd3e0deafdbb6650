#!/usr/bin/env bash
# Deploy (or upgrade) Zargar on the current kubectl context:
#   namespace, config, media volume; the migration Job, waited for; then web,
#   worker, beat, Service, Ingress, autoscaler and disruption budget, waited
#   for with "rollout status".
set -euo pipefail

NAMESPACE=zargar
IMAGE_PLACEHOLDER=registry.example.com/zargar:latest
DOMAIN_PLACEHOLDER=zargar.example.com
MIGRATE_TIMEOUT_SECONDS=${MIGRATE_TIMEOUT_SECONDS:-3600}
ROLLOUT_TIMEOUT=${ROLLOUT_TIMEOUT:-10m}
read -r -a KUBECTL <<<"${KUBECTL:-kubectl}"

usage() {
    cat >&2 <<EOF
Usage: $(basename "$0") IMAGE DOMAIN

  IMAGE   image to run, e.g. registry.example.com/zargar:1.4.0
  DOMAIN  platform host name; shops are served at <shop>.DOMAIN,
          e.g. zargar.example.com

The Secret "zargar-secrets" must already exist in namespace "$NAMESPACE"
(see k8s/secret.yaml.template); this script never creates it.

Environment:
  KUBECTL                  kubectl command line (default "kubectl"),
                           e.g. "kubectl --context production"
  MIGRATE_TIMEOUT_SECONDS  how long to wait for migrations (default 3600)
  ROLLOUT_TIMEOUT          per Deployment rollout (default 10m)
EOF
    exit 2
}

die() {
    echo "deploy: $*" >&2
    exit 1
}

k() {
    "${KUBECTL[@]}" "$@"
}

[[ $# -eq 2 ]] || usage
IMAGE=$1
DOMAIN=$2
[[ $IMAGE =~ ^[A-Za-z0-9._/:@-]+$ ]] || die "not an image reference: $IMAGE"
[[ $DOMAIN =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "not a lower-case host name: $DOMAIN"

K8S_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RENDERED=$(mktemp -d)
trap 'rm -rf "$RENDERED"' EXIT

# The manifests name a placeholder image and domain; render real ones.
render() {
    sed -e "s|${DOMAIN_PLACEHOLDER//./\\.}|${DOMAIN}|g" \
        -e "s|${IMAGE_PLACEHOLDER//./\\.}|${IMAGE}|g" \
        "$K8S_DIR/$1" >"$RENDERED/$1"
    echo "$RENDERED/$1"
}

apply() {
    local file
    for file in "$@"; do
        k apply -f "$(render "$file")"
    done
}

migration_logs() {
    k -n "$NAMESPACE" logs job/zargar-migrate --tail=200 >&2 || true
}

echo "==> namespace and configuration"
apply namespace.yaml
k -n "$NAMESPACE" get secret zargar-secrets >/dev/null 2>&1 ||
    die "Secret zargar-secrets is missing in namespace $NAMESPACE; create it from k8s/secret.yaml.template first"
apply configmap.yaml media-pvc.yaml pgbouncer.yaml

echo "==> migrations"
k -n "$NAMESPACE" delete job zargar-migrate --ignore-not-found --wait=true
apply migrate-job.yaml
deadline=$((SECONDS + MIGRATE_TIMEOUT_SECONDS))
while :; do
    complete=$(k -n "$NAMESPACE" get job zargar-migrate -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}')
    failed=$(k -n "$NAMESPACE" get job zargar-migrate -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')
    if [[ $complete == True ]]; then
        break
    fi
    if [[ $failed == True ]]; then
        migration_logs
        die "the migration job failed; the running version was left in place"
    fi
    if ((SECONDS >= deadline)); then
        migration_logs
        die "the migration job did not finish within ${MIGRATE_TIMEOUT_SECONDS}s"
    fi
    sleep 5
done
migration_logs

echo "==> workloads"
apply web-deployment.yaml worker-deployment.yaml beat-deployment.yaml \
    service.yaml ingress.yaml hpa.yaml pdb.yaml backup-cronjob.yaml
for deployment in zargar-pgbouncer zargar-web zargar-worker zargar-beat; do
    k -n "$NAMESPACE" rollout status "deployment/$deployment" --timeout="$ROLLOUT_TIMEOUT"
done

# Scraping and alerts, where prometheus-operator is installed (its CRDs).
if k get crd servicemonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com >/dev/null 2>&1; then
    echo "==> monitoring"
    apply monitoring.yaml
else
    echo "==> monitoring skipped: no prometheus-operator CRDs (the web pods carry prometheus.io annotations)"
fi

echo "==> deployed $IMAGE at https://$DOMAIN (shops at https://<shop>.$DOMAIN)"
echo "    check it: $(dirname "$0")/smoke.sh $DOMAIN"
