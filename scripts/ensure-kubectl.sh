#!/usr/bin/env bash
# Install Debian's kubernetes-client (kubectl with kustomize built in) when kubectl is missing; the
# Kubernetes manifest test renders deploy/kubernetes with `kubectl kustomize`.
set -euo pipefail
command -v kubectl >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-kubectl: kubectl not found; install it (Debian: apt-get install kubernetes-client)" >&2
  exit 1
fi
echo "ensure-kubectl: installing kubernetes-client" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
