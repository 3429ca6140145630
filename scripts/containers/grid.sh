#!/usr/bin/env bash
# The Makefile's docker-* targets: build, run, stop, clean, logs and status of the gateway ("server")
# and worker ("client") containers, with docker or podman.
#   scripts/containers/grid.sh build|run|stop|clean|logs|status [server|client|redis|all]
# Settings: the environment (and make's command line) win over .env, which wins over the defaults
# below. Secrets (ADMIN_API_KEY, WORKER_TOKEN, JWT_SECRET, METRICS_TOKEN, REDIS_PASSWORD) go to the
# containers by name only (`-e NAME`), never on a command line or into an image.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [ -f .env ]; then
  saved=$(export -p)
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
  eval "$saved"
fi

CONTAINER_ENGINE="${CONTAINER_ENGINE:-$(command -v docker >/dev/null && echo docker || echo podman)}"
DOCKER_NETWORK="${DOCKER_NETWORK:-gridllm}"
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
SERVER_PORT="${SERVER_PORT:-4000}"
SERVER_CONTAINER_NAME="${SERVER_CONTAINER_NAME:-gridllm-server}"
SERVER_IMAGE_NAME="${SERVER_IMAGE_NAME:-gridllm-server}"
CLIENT_PORT="${CLIENT_PORT:-3000}"
CLIENT_CONTAINER_NAME="${CLIENT_CONTAINER_NAME:-gridllm-client}"
CLIENT_IMAGE_NAME="${CLIENT_IMAGE_NAME:-gridllm-client}"
WORKER_ID="${WORKER_ID:-$CLIENT_CONTAINER_NAME}"
REDIS_CONTAINER_NAME="${REDIS_CONTAINER_NAME:-gridllm-redis}"
REDIS_IMAGE="${REDIS_IMAGE:-redis:7}"
REDIS_PORT="${REDIS_PORT:-6379}"
# A loopback REDIS_HOST (the `make start` default) means: the Redis container on DOCKER_NETWORK.
case "${REDIS_HOST:-}" in '' | 127.0.0.1 | localhost | ::1) REDIS_HOST="$REDIS_CONTAINER_NAME" ;; esac
OLLAMA_PORT="${OLLAMA_PORT:-11434}"
OLLAMA_PROTOCOL="${OLLAMA_PROTOCOL:-http}"
# An Ollama on this host is reached through the host's gateway address.
case "${OLLAMA_HOST:-}" in '' | 127.0.0.1 | localhost | 0.0.0.0) OLLAMA_HOST=host.docker.internal ;; esac
MODELS_VOLUME="${MODELS_VOLUME:-gridllm-models}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-60000}" # the image's config/production.env value

engine() { $CONTAINER_ENGINE "$@"; }
say() { printf '[%s] %s\n' "$CONTAINER_ENGINE" "$*"; }
exists() { engine container inspect "$1" >/dev/null 2>&1; }
secret_flags() {
  local name
  for name in ADMIN_API_KEY WORKER_TOKEN JWT_SECRET METRICS_TOKEN REDIS_PASSWORD; do
    [ -n "${!name:-}" ] && printf -- '-e\n%s\n' "$name"
  done
  return 0
}

build() {
  local target=$1 image=$2 start end
  start=$(date +%s)
  say "building $image (target $target, base $BASE_IMAGE)"
  engine build -f docker/Dockerfile --target "$target" -t "$image" \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "LLAMA_BINARIES=${LLAMA_BINARIES:-cpu}" \
    --build-arg "REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
  end=$(date +%s)
  say "built $image in $((end - start)) s"
}

ensure_network() {
  engine network inspect "$DOCKER_NETWORK" >/dev/null 2>&1 || engine network create "$DOCKER_NETWORK" >/dev/null
}

run_redis() {
  [ "$REDIS_HOST" = "$REDIS_CONTAINER_NAME" ] || return 0
  exists "$REDIS_CONTAINER_NAME" && return 0
  say "starting $REDIS_CONTAINER_NAME ($REDIS_IMAGE, append-only file on)"
  engine run -d --name "$REDIS_CONTAINER_NAME" --network "$DOCKER_NETWORK" --restart unless-stopped \
    -v gridllm-redis-data:/data "$REDIS_IMAGE" \
    redis-server --appendonly yes --maxmemory-policy noeviction --dir /data --protected-mode no >/dev/null
}

run_server() {
  exists "$SERVER_CONTAINER_NAME" && { say "$SERVER_CONTAINER_NAME exists (make docker-stop first)"; return 0; }
  local publish="$SERVER_PORT:4000" open=()
  if [ -z "${ADMIN_API_KEY:-}${JWT_SECRET:-}${JWT_PUBLIC_KEY:-}${JWT_JWKS_URL:-}" ]; then
    # No auth configured: only this machine may reach the gateway.
    say "no ADMIN_API_KEY: the gateway runs without auth, published on 127.0.0.1:$SERVER_PORT only"
    publish="127.0.0.1:$SERVER_PORT:4000"
    open=(-e ALLOW_UNAUTHENTICATED=true)
  fi
  say "starting $SERVER_CONTAINER_NAME on port $SERVER_PORT"
  # shellcheck disable=SC2046
  # The stop timeout covers the gateway's drain: SHUTDOWN_DRAIN_DELAY + SHUTDOWN_GRACE_PERIOD (5 + 30 s).
  engine run -d --name "$SERVER_CONTAINER_NAME" --network "$DOCKER_NETWORK" --restart unless-stopped \
    --stop-timeout 45 -p "$publish" -e REDIS_HOST="$REDIS_HOST" -e REDIS_PORT="$REDIS_PORT" \
    -e SERVER_ID="$SERVER_CONTAINER_NAME" "${open[@]}" $(secret_flags) "$SERVER_IMAGE_NAME" >/dev/null
}

run_client() {
  exists "$CLIENT_CONTAINER_NAME" && { say "$CLIENT_CONTAINER_NAME exists (make docker-stop first)"; return 0; }
  local host_flags=()
  [ "$OLLAMA_HOST" = host.docker.internal ] && [ "${CONTAINER_ENGINE##*/}" = docker ] &&
    host_flags=(--add-host host.docker.internal:host-gateway)
  [ "$OLLAMA_HOST" = host.docker.internal ] && [ "${CONTAINER_ENGINE##*/}" = podman ] && OLLAMA_HOST=host.containers.internal
  say "starting $CLIENT_CONTAINER_NAME (worker $WORKER_ID, Ollama $OLLAMA_PROTOCOL://$OLLAMA_HOST:$OLLAMA_PORT)"
  # docker stop waits DRAIN_TIMEOUT plus a margin before SIGKILL, so running jobs finish.
  # shellcheck disable=SC2046
  engine run -d --name "$CLIENT_CONTAINER_NAME" --network "$DOCKER_NETWORK" --restart unless-stopped \
    --stop-timeout $((DRAIN_TIMEOUT / 1000 + 15)) "${host_flags[@]}" -p "127.0.0.1:$CLIENT_PORT:3000" \
    -v "$MODELS_VOLUME:/models" -e WORKER_ID="$WORKER_ID" -e REDIS_HOST="$REDIS_HOST" -e REDIS_PORT="$REDIS_PORT" \
    -e OLLAMA_URL="$OLLAMA_PROTOCOL://$OLLAMA_HOST:$OLLAMA_PORT" -e ENGINE="${ENGINE:-auto}" \
    -e DRAIN_TIMEOUT="$DRAIN_TIMEOUT" -e MAX_CONCURRENT_TASKS="${MAX_CONCURRENT_TASKS:-1}" \
    -e DEMO_MODEL="${DEMO_MODEL:-false}" $(secret_flags) "$CLIENT_IMAGE_NAME" >/dev/null
}

stop_one() {
  exists "$1" || return 0
  say "stopping $1"
  engine stop "$1" >/dev/null
}

names_of() {
  case "$1" in
    server) echo "$SERVER_CONTAINER_NAME" ;;
    client) echo "$CLIENT_CONTAINER_NAME" ;;
    redis) echo "$REDIS_CONTAINER_NAME" ;;
    all) echo "$CLIENT_CONTAINER_NAME $SERVER_CONTAINER_NAME $REDIS_CONTAINER_NAME" ;; # workers drain first
  esac
}

status() {
  local name state health
  printf '%-24s %-10s %-10s %s\n' CONTAINER STATE HEALTH IMAGE
  for name in $SERVER_CONTAINER_NAME $CLIENT_CONTAINER_NAME $REDIS_CONTAINER_NAME; do
    if exists "$name"; then
      state=$(engine container inspect -f '{{.State.Status}}' "$name")
      health=$(engine container inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}' "$name")
      printf '%-24s %-10s %-10s %s\n' "$name" "$state" "$health" "$(engine container inspect -f '{{.Config.Image}}' "$name")"
    else
      printf '%-24s %-10s %-10s %s\n' "$name" absent - -
    fi
  done
  engine images --format '{{.Repository}}:{{.Tag}} {{.Size}}' 2>/dev/null | grep -E "(^|/)($SERVER_IMAGE_NAME|$CLIENT_IMAGE_NAME):" || true
}

action=${1:-}
which=${2:-all}
case "$action" in
  build)
    case "$which" in server | all) build gateway "$SERVER_IMAGE_NAME" ;; esac
    case "$which" in client | all) build worker "$CLIENT_IMAGE_NAME" ;; esac
    ;;
  run)
    ensure_network
    case "$which" in server | all) run_redis && run_server ;; esac
    case "$which" in client | all) run_client ;; esac
    ;;
  stop) for n in $(names_of "$which"); do stop_one "$n"; done ;;
  clean)
    for n in $(names_of all); do if exists "$n"; then engine rm -f "$n" >/dev/null && say "removed $n"; fi; done
    engine network rm "$DOCKER_NETWORK" >/dev/null 2>&1 || true
    engine rmi "$SERVER_IMAGE_NAME" "$CLIENT_IMAGE_NAME" >/dev/null 2>&1 || true
    say "removed containers, network $DOCKER_NETWORK and images (volumes $MODELS_VOLUME, gridllm-redis-data kept)"
    ;;
  logs) for n in $(names_of "$which"); do if exists "$n"; then echo "== $n" && engine logs --tail "${LOG_LINES:-50}" "$n" 2>&1; fi; done ;;
  status) status ;;
  *)
    echo "usage: $0 build|run|stop|clean|logs|status [server|client|redis|all]" >&2
    exit 64
    ;;
esac
