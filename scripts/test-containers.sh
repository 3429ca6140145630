#!/usr/bin/env bash
# `make test-containers`: builds the gateway and worker images on a local stand-in for
# node:20-bookworm-slim, then proves them twice through the gateway's published port:
#   1. `make docker-*` (the README's Deploy › Docker commands, run verbatim): Redis, the gateway and two
#      workers on a user-defined network — one in front of the Ollama fixture (a process on this host),
#      one embedded llama.cpp worker that writes the demo model itself;
#   2. compose (the README's Deploy › Compose commands) with `--scale worker=2`.
# Runs as root (it starts its own dockerd on /var/cache/gridllm/docker, which also keeps the base image
# and the layer cache between runs) and installs the container packages when they are missing.
# Prints `ok - …` / `not ok - …` per check and ends with `containers: N passed, N failed`; exits 1 on
# any failure. Stops everything it started (fixture and dockerd by PID, containers by name).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=containers/lib.sh
. scripts/containers/lib.sh

LOG_DIR="${TMPDIR:-/tmp}/gridllm-containers.$$"
mkdir -p "$LOG_DIR"
RESULTS="$LOG_DIR/results"
: >"$RESULTS"
FIXTURE_PID=""
CHECKS=0
COMPOSE_FILE=docker/docker-compose.yml

record() { tee -a "$RESULTS"; }
pass() { echo "ok - $1" | record; }
fail() { echo "not ok - $1${2:+: $2}" | record; }
# check NAME COMMAND...: one check from a command's exit status; its output goes to the log dir.
check() {
  local name=$1 out
  shift
  CHECKS=$((CHECKS + 1))
  out="$LOG_DIR/$(printf '%03d' "$CHECKS")-$(echo "$name" | tr -c 'a-zA-Z0-9' _ | cut -c1-60).log"
  if "$@" >"$out" 2>&1; then pass "$name"; else fail "$name" "$(tail -n 5 "$out" | tr '\n' ' ')"; fi
}
totals() {
  local p f
  p=$(grep -c '^ok - ' "$RESULTS")
  f=$(grep -c '^not ok - ' "$RESULTS")
  echo "containers: $p passed, $f failed"
  [ "$f" = 0 ]
}

# Commands of a README block: the lines of the ```sh block after `<!-- deploy-test: NAME -->`.
readme_block() {
  awk -v tag="<!-- deploy-test: $1 -->" '
    $0 == tag { armed = 1; next }
    armed && /^```sh/ { inside = 1; next }
    inside && /^```/ { exit }
    inside && NF && $1 !~ /^#/ { print }' README.md
}
# Runs README line number N of block B verbatim (`docker compose` is compose v1 here).
docker() { if [ "${1:-}" = compose ]; then shift; docker-compose "$@"; else "$DOCKER_BIN" "$@"; fi; }
readme_line() { readme_block "$1" | sed -n "${2}p"; }
run_readme() {
  local line
  line=$(readme_line "$1" "$2")
  [ -n "$line" ] || { fail "README $1 block has a line $2"; return 1; }
  check "README: $line" eval "$line"
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# api-checks.mjs prints its own ok / not ok lines; a run that ends without a failure line but with a
# non-zero status (a crash) counts as one failed check.
api() {
  local out rc
  out=$(node scripts/containers/api-checks.mjs "$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | record
  if [ "$rc" != 0 ] && ! grep -q '^not ok - ' <<<"$out"; then fail "api-checks $1 ran to the end" "exit $rc"; fi
  return 0
}

# The grid's containers, network and volumes. The engine's data root outlives a run (its layer cache),
# so a run that was killed before its cleanup leaves them there: the next run removes them first, or its
# compose grid would start on the old Redis volume (another run's WORKER_TOKEN, workers refused).
remove_grid_state() {
  docker-compose -f "$COMPOSE_FILE" --profile demo --profile ollama down -v -t 5 >/dev/null 2>&1
  for c in gridllm-client gridllm-client-2 gridllm-server gridllm-redis; do docker_cmd rm -f "$c" >/dev/null 2>&1; done
  docker_cmd network rm gridllm >/dev/null 2>&1
  docker_cmd volume rm gridllm-models gridllm-redis-data >/dev/null 2>&1
  return 0
}

cleanup() {
  set +e
  if [ -n "$FIXTURE_PID" ]; then kill -TERM "$FIXTURE_PID" 2>/dev/null && wait "$FIXTURE_PID" 2>/dev/null; fi
  if docker_cmd info >/dev/null 2>&1; then remove_grid_state; fi
  stop_dockerd
}

# ---------------------------------------------------------------------------------------------
setup() {
  [ "$(id -u)" = 0 ] || { fail "runs as root (it starts its own dockerd)"; return 1; }
  ensure_engine_packages || { fail "container packages installed"; return 1; }
  scripts/ensure-deps.sh >/dev/null || { fail "node_modules installed"; return 1; }
  check "dockerd starts on its own data root" start_dockerd || return 1
  remove_grid_state
  export DOCKER_HOST="unix://$DOCKER_SOCK" CONTAINER_ENGINE="$DOCKER_BIN"
  local t0=$SECONDS
  check "local stand-in for $BASE_IMAGE is ready" import_base docker_cmd || return 1
  echo "# base image ready in $((SECONDS - t0)) s" | record
  # A Redis image for the test (no registry): the base plus Debian's redis-server.
  printf 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null && rm -rf /var/lib/apt/lists/*\nRUN mkdir -p /data && chown redis:redis /data\nUSER redis\nWORKDIR /data\n' |
    check "test Redis image builds" docker_cmd build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -t gridllm-test-redis - || return 1
  export REDIS_IMAGE=gridllm-test-redis
}

start_fixture() {
  local port bridge
  port=$(free_port)
  # host-gateway (host.docker.internal) is the default bridge's address on this host.
  bridge=$(ip -4 -o addr show docker0 | awk '{ print $4 }' | cut -d/ -f1)
  # Slow tokens (15 × 200 ms) so a stream is still running when its worker is stopped.
  FIXTURE_HOST="$bridge" FIXTURE_PORT="$port" FIXTURE_TOKENS=15 FIXTURE_TOKEN_DELAY_MS=200 TS_NODE_TRANSPILE_ONLY=1 \
    node -r ts-node/register test/fixtures/ollama-fixture-cli.ts >"$LOG_DIR/fixture.log" 2>&1 &
  FIXTURE_PID=$!
  for _ in $(seq 1 60); do grep -q 'listening on' "$LOG_DIR/fixture.log" && break; sleep 0.5; done
  check "Ollama fixture listens on the docker bridge ($bridge:$port)" grep -qF "listening on http://$bridge:$port" "$LOG_DIR/fixture.log"
  export OLLAMA_PORT=$port
}

image_checks() {
  local base gw wk
  base=$(docker_cmd image inspect -f '{{.Size}}' "$BASE_IMAGE")
  gw=$(docker_cmd image inspect -f '{{.Size}}' gridllm-server)
  wk=$(docker_cmd image inspect -f '{{.Size}}' gridllm-client)
  echo "# sizes: base $((base / 1000000)) MB, gateway $((gw / 1000000)) MB (+$(((gw - base) / 1000000))), worker $((wk / 1000000)) MB (+$(((wk - base) / 1000000)))" | record
  check "gateway image adds at most 100 MB to its base" test $((gw - base)) -le 100000000
  check "worker image adds at most 300 MB to its base" test $((wk - base)) -le 300000000
  check "gateway image has no inference engine" docker_cmd run --rm --entrypoint sh gridllm-server -c '! ls -d node_modules/node-llama-cpp node_modules/@node-llama-cpp 2>/dev/null'
  check "worker image ships only the linux-x64 CPU llama.cpp binaries" \
    docker_cmd run --rm --entrypoint sh gridllm-client -c 'test "$(ls node_modules/@node-llama-cpp)" = linux-x64'
  check "images copy config/production.env in" docker_cmd run --rm --entrypoint sh gridllm-server -c 'grep -q DRAIN_TIMEOUT=60000 config/production.env'
  check "images run as a non-root user" test "$(docker_cmd image inspect -f '{{.Config.User}}' gridllm-server)$(docker_cmd image inspect -f '{{.Config.User}}' gridllm-client)" = nodenode
  check "images carry OCI labels" test -n "$(docker_cmd image inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' gridllm-client)"
}

secrets_not_leaked() {
  local where=$1 c
  for c in $(docker_cmd ps -aq); do docker_cmd logs "$c" 2>&1; docker_cmd inspect -f '{{.Config.Image}}' "$c"; done >"$LOG_DIR/all-logs-$where.txt"
  docker_cmd image inspect gridllm-server gridllm-client >>"$LOG_DIR/all-logs-$where.txt"
  docker_cmd history --no-trunc gridllm-client >>"$LOG_DIR/all-logs-$where.txt"
  check "$where: no secret in any container log or image" sh -c "! grep -qF -e '$ADMIN_API_KEY' -e '$WORKER_TOKEN' '$LOG_DIR/all-logs-$where.txt'"
}

docker_phase() {
  local t0 gw_status c
  # Leftovers of an interrupted run (this dockerd is the test's own): start from nothing. The volumes too:
  # Redis's append-only file in gridllm-redis-data remembers the old run's WORKER_TOKEN, and this run's
  # workers would be refused (an interrupted CI run left it behind once).
  for c in gridllm-client gridllm-client-2 gridllm-server gridllm-redis; do docker_cmd rm -f "$c" >/dev/null 2>&1; done
  docker_cmd network rm gridllm >/dev/null 2>&1
  docker_cmd volume rm gridllm-models gridllm-redis-data >/dev/null 2>&1
  export ADMIN_API_KEY WORKER_TOKEN SERVER_PORT
  ADMIN_API_KEY="ak-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  WORKER_TOKEN="wt-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  SERVER_PORT=$(free_port)
  t0=$SECONDS
  run_readme docker 1 || return 1 # make docker-build
  echo "# make docker-build (both images): $((SECONDS - t0)) s" | record
  grep -h 'built gridllm' "$LOG_DIR"/*-README__make_docker_build*.log | sed 's/^/# /' | record
  image_checks
  run_readme docker 2 # make docker-run
  run_readme docker 3 # second worker: embedded engine with the demo model
  api wait "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" llama3.2:latest,gridllm-demo:tiny 2
  api grid "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" llama3.2:latest,gridllm-demo:tiny 2
  check "tini is PID 1 in the gateway container" test "$(docker_cmd exec gridllm-server cat /proc/1/comm)" = tini
  for _ in $(seq 1 40); do
    gw_status=$(docker_cmd inspect -f '{{.State.Health.Status}}' gridllm-server)
    [ "$gw_status" = healthy ] && break
    sleep 1
  done
  check "HEALTHCHECK marks the gateway healthy" test "$gw_status" = healthy
  run_readme docker 4 # make docker-status
  check "make docker-status lists the running gateway, worker and Redis" \
    grep -qE 'gridllm-server +running +healthy' "$LOG_DIR"/*-README__make_docker_status*.log
  run_readme docker 5 # make status
  check "make status shows both workers and a healthy grid" sh -c \
    "grep -q 'gridllm-client ' $LOG_DIR/*-README__make_status*.log && grep -q gridllm-client-2 $LOG_DIR/*-README__make_status*.log && grep -q 'grid     healthy' $LOG_DIR/*-README__make_status*.log"
  api drain "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" llama3.2:latest "$DOCKER_BIN stop gridllm-client"
  check "the stopped worker exited 0 (drained, not killed)" test "$(docker_cmd inspect -f '{{.State.ExitCode}}' gridllm-client)" = 0
  secrets_not_leaked docker
  run_readme docker 6 # make docker-stop
  check "make status exits non-zero when the gateway is down" sh -c '! make -s status'
}

compose_phase() {
  local workers
  SERVER_PORT=$(free_port)
  run_readme compose 1 || return 1 # up -d --scale worker=2 with the demo and ollama profiles
  # Expect: 2 scaled embedded workers (demo model from the shared volume), worker-demo, worker-ollama.
  api wait "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" llama3.2:latest,gridllm-demo:tiny 4
  api grid "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" llama3.2:latest,gridllm-demo:tiny 4
  workers=$(docker-compose -f "$COMPOSE_FILE" ps -q worker | wc -l)
  check "--scale worker=2 runs 2 worker containers" test "$workers" = 2
  # The 2 scaled workers read the demo model worker-demo wrote into the shared volume.
  api serving "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" gridllm-demo:tiny 3
  run_readme compose 2 # ps
  check "make status against the compose grid is healthy" sh -c "make -s status | grep -q 'grid     healthy'"
  api drain "http://127.0.0.1:$SERVER_PORT" "$ADMIN_API_KEY" llama3.2:latest \
    "$DOCKER_BIN stop $(docker-compose -f "$COMPOSE_FILE" --profile ollama ps -q worker-ollama)"
  check "compose redis runs with the append-only file" sh -c \
    "$DOCKER_BIN exec \$(docker-compose -f $COMPOSE_FILE ps -q redis) redis-cli config get appendonly | grep -qx yes"
  secrets_not_leaked compose
  run_readme compose 3 # down
  # docker-clean removes images, and with them the layer cache: aim it at extra tags of the images.
  docker_cmd tag gridllm-server gridllm-clean-server && docker_cmd tag gridllm-client gridllm-clean-client
  check "make docker-clean removes the containers and the images" sh -c \
    "make -s docker-clean SERVER_IMAGE_NAME=gridllm-clean-server CLIENT_IMAGE_NAME=gridllm-clean-client &&
     ! $DOCKER_BIN container inspect gridllm-server >/dev/null 2>&1 && ! $DOCKER_BIN image inspect gridllm-clean-server >/dev/null 2>&1"
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  local t0=$SECONDS
  if setup; then
    start_fixture
    docker_phase
    compose_phase
  fi
  echo "# container test took $((SECONDS - t0)) s; logs in $LOG_DIR" | record
  totals
}

main
