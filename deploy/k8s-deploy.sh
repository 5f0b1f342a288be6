#!/usr/bin/env bash
# Deploy the Finance API to Kubernetes in order: migrations first, then the new pods.
#
#   deploy/k8s-deploy.sh <overlay dir> [image]
#   deploy/k8s-deploy.sh k8s/overlays/production ghcr.io/acme/finance-api:1.2.3
#
# 1. applies what the migrations Job needs (objects labelled deploy-phase=migrate: Namespace,
#    ServiceAccount, ConfigMap, Secret) and the Job itself, after deleting the previous release's Job
#    (a Job's pod template cannot be changed in place);
# 2. waits for the Job to complete; on failure prints its logs and stops - the running release is untouched;
# 3. applies everything else (the Deployments roll to the new image and configuration) and waits for the
#    rollouts.
# Without an image argument the overlay's own `images:` entry is used.
# Needs kubectl (its built-in kustomize renders the overlay) pointed at the cluster.
set -euo pipefail

JOB=finance-api-migrate
DEPLOYMENTS=(finance-api finance-api-worker)
TIMEOUT=${DEPLOY_TIMEOUT:-600}

die() { echo "k8s-deploy: $*" >&2; exit 1; }

relative() {  # kustomize takes only relative paths to other kustomizations
  realpath --relative-to="$2" "$1" 2>/dev/null ||
    python3 -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$1" "$2"
}

strip() {  # an image reference without its tag or digest (a registry's :port is not a tag)
  local ref=${1%@*} last
  last=${ref##*/}
  [[ $last == *:* ]] && ref=${ref%:*}
  echo "$ref"
}

overlay=${1:?usage: $0 <overlay dir> [image]}
image=${2:-}
[ -f "$overlay/kustomization.yaml" ] || die "$overlay has no kustomization.yaml"
overlay=$(cd "$overlay" && pwd)

secrets="$overlay/secrets.env"
[ -f "$secrets" ] || die "$secrets is missing: copy secrets.env.example next to it and fill in real values"
# Only the names of unfilled keys are printed, never a value.
unfilled=$(grep -E '^(SECRET_KEY|DATABASE_URL|REDIS_URL)=(.*change-me.*)?$' "$secrets" | cut -d= -f1 | tr '\n' ' ' || true)
[ -z "$unfilled" ] || die "fill in $secrets first: ${unfilled% }"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source_dir=$overlay

if [ -n "$image" ]; then
  # A kustomization on top of the overlay that swaps in the requested image.
  current=$(kubectl kustomize "$overlay" | sed -n 's/^ *image: *//p' | sort -u)
  [ "$(wc -l <<<"$current")" -eq 1 ] || die "expected one image in $overlay, found: $current"
  ref=${image%@*}
  last=${ref##*/}
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    echo "  - $(relative "$overlay" "$work")"
    echo "images:"
    echo "  - name: $(strip "$current")"
    echo "    newName: $(strip "$image")"
    if [[ $image == *@* ]]; then
      echo "    digest: ${image#*@}"
    elif [[ $last == *:* ]]; then
      echo "    newTag: ${last##*:}"
    fi
  } >"$work/kustomization.yaml"
  source_dir=$work
fi

kubectl kustomize "$source_dir" >"$work/rendered.yaml"
namespace=$(sed -n 's/^  namespace: *//p' "$work/rendered.yaml" | sort -u)
if [ -z "$namespace" ] || [ "$(wc -l <<<"$namespace")" -ne 1 ]; then
  die "expected one namespace, found: $namespace"
fi
echo "k8s-deploy: $overlay -> namespace $namespace"

echo "k8s-deploy: 1/3 migrations"
kubectl delete job "$JOB" -n "$namespace" --ignore-not-found --wait=true
kubectl apply -k "$source_dir" -l deploy-phase=migrate

deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  state=$(kubectl get job "$JOB" -n "$namespace" \
    -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
  case " $state " in
    *" Complete "*) break ;;
    *" Failed "*)
      kubectl logs "job/$JOB" -n "$namespace" --all-containers --tail=200 >&2 || true
      die "migrations failed; the running release is unchanged"
      ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || die "migrations did not finish within ${TIMEOUT}s"
  sleep 5
done

echo "k8s-deploy: 2/3 workloads"
kubectl apply -k "$source_dir" -l 'deploy-phase!=migrate'

echo "k8s-deploy: 3/3 rollout"
for deployment in "${DEPLOYMENTS[@]}"; do
  kubectl rollout status "deployment/$deployment" -n "$namespace" --timeout="${TIMEOUT}s"
done
echo "k8s-deploy: done"
