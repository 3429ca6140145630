#!/usr/bin/env bash
# `make start`: install dependencies, build, then run Redis (unless one is configured or already
# answering), the gateway and one worker in the background with prefixed output. Waits for the
# gateway to answer and prints where everything is. Ctrl-C / SIGTERM stops what it started
# (gateway, worker, then Redis) and exits 0; a child that dies on its own stops the rest and the
# script exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -f .env ]; then
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
fi

# Output may go to a pipe (make start | tee log) whose reader dies first on Ctrl-C: never let a
# failed write kill the script before it has stopped its children.
trap '' PIPE
log() { printf '[start] %s\n' "$*" 2>/dev/null || true; }
err() { printf '[start] %s\n' "$*" >&2 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Children: names and PIDs in start order.
NAMES=()
PIDS=()
STOPPING=0

# Prefix every line of a child's output. Ignores signals so the last lines still get through while
# the child shuts down; it ends when the child closes its output.
prefix() {
  trap '' INT TERM HUP
  local tag=$1 line
  while IFS= read -r line || [ -n "$line" ]; do
    printf '%s %s\n' "$tag" "$line" 2>/dev/null || true
  done
}

# Each child runs in a session of its own (setsid, where there is one), so Ctrl-C in the terminal
# reaches only this script, which then stops the children in order. A simple command in the
# background is exec'd by the forked shell, and setsid execs without forking when the caller does
# not lead a process group, so $! is the child's own PID.
start_child() {
  local name=$1
  shift
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" > >(prefix "[$name]") 2>&1 &
  else
    "$@" > >(prefix "[$name]") 2>&1 &
  fi
  NAMES+=("$name")
  PIDS+=("$!")
}

pid_of() {
  local i
  [ "${#NAMES[@]}" -gt 0 ] || return 1
  for i in "${!NAMES[@]}"; do
    if [ "${NAMES[$i]}" = "$1" ]; then
      printf '%s' "${PIDS[$i]}"
      return 0
    fi
  done
  return 1
}

stop_one() {
  local name=$1 pid i
  pid=$(pid_of "$name") || return 0
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      err "$name did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

stop_all() {
  local name
  for name in gateway worker redis; do
    stop_one "$name"
  done
}

on_signal() {
  set +e
  if [ "$STOPPING" = 1 ]; then return; fi
  STOPPING=1
  printf '\n' 2>/dev/null || true
  log "stopping"
  stop_all
  log "stopped"
  exit 0
}

# Returns 1 (after reporting) when any child has exited.
check_children() {
  local i rc
  [ "${#PIDS[@]}" -gt 0 ] || return 0
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      rc=0
      wait "${PIDS[$i]}" 2>/dev/null || rc=$?
      err "${NAMES[$i]} exited unexpectedly (exit code $rc); stopping the rest"
      return 1
    fi
  done
  return 0
}

fail_and_stop() {
  set +e
  STOPPING=1
  stop_all
  exit 1
}

# Sleep in a way a trapped signal interrupts at once.
nap() {
  sleep "${1:-1}" &
  wait $! 2>/dev/null || true
}

trap on_signal INT TERM HUP
trap 'set +e; stop_all' EXIT

# ---------------------------------------------------------------------------------------------
# Redis over bash's /dev/tcp (redis-cli may be absent).
RESP=""
resp_add() {
  local LC_ALL=C a
  RESP+="*$#"$'\r\n'
  for a in "$@"; do
    RESP+="\$${#a}"$'\r\n'"$a"$'\r\n'
  done
}

# redis_query PORT NLINES: send $RESP to 127.0.0.1:PORT, print up to NLINES reply lines.
redis_query() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf '%s' "$RESP" >&3
    n=0
    while [ "$n" -lt "$2" ] && IFS= read -r -t 2 line <&3; do
      printf '%s\n' "${line%$'\r'}"
      n=$((n + 1))
    done
    exec 3<&- 3>&-
  ) 2>/dev/null
}

redis_auth() {
  if [ -n "${REDIS_PASSWORD:-}" ]; then
    resp_add AUTH "$REDIS_PASSWORD"
    return 0
  fi
  return 1
}

redis_ping() {
  local n=1 reply
  RESP=""
  if redis_auth; then n=2; fi
  resp_add PING
  reply=$(redis_query "$1" "$n") || return 1
  [[ $reply == *"+PONG"* ]]
}

redis_eviction_policy() {
  local n=5 reply
  RESP=""
  if redis_auth; then n=6; fi
  resp_add CONFIG GET maxmemory-policy
  reply=$(redis_query "$1" "$n") || return 1
  printf '%s' "$reply" | tail -n 1
}

# ---------------------------------------------------------------------------------------------
# HTTP: curl when present, else node.
http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
  else
    node -e '
      const u = process.argv[1];
      const r = require(u.startsWith("https:") ? "https" : "http").get(u, { timeout: 2000 }, (s) => {
        s.resume();
        process.exit(s.statusCode >= 200 && s.statusCode < 300 ? 0 : 1);
      });
      r.on("error", () => process.exit(1));
      r.on("timeout", () => { r.destroy(); process.exit(1); });' "$1"
  fi
}

# Print the body whatever the status; fail only when nothing answered.
http_body() {
  if command -v curl >/dev/null 2>&1; then
    curl -sS --max-time 2 "$1" 2>/dev/null
  else
    node -e '
      const u = process.argv[1];
      const r = require(u.startsWith("https:") ? "https" : "http").get(u, { timeout: 2000 }, (s) => {
        s.setEncoding("utf8");
        let b = "";
        s.on("data", (c) => (b += c));
        s.on("end", () => { process.stdout.write(b); process.exit(0); });
      });
      r.on("error", () => process.exit(1));
      r.on("timeout", () => { r.destroy(); process.exit(1); });' "$1"
  fi
}

# Address to reach a server bound to $1 from this machine.
reach_host() {
  case "${1:-}" in
    '' | 0.0.0.0 | '*') printf '127.0.0.1' ;;
    '::' | '[::]') printf '[::1]' ;;
    \[*) printf '%s' "$1" ;;
    *:*) printf '[%s]' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
scripts/ensure-deps.sh
log "building (npm run build)"
npm run --silent build

GATEWAY_PORT="${GATEWAY_PORT:-${PORT:-4000}}"
# The worker would fall back to PORT too; keep it off the gateway's port.
WORKER_PORT="${WORKER_PORT:-3000}"
export GATEWAY_PORT WORKER_PORT

GATEWAY_URL="http://$(reach_host "${HOST:-127.0.0.1}"):$GATEWAY_PORT"
WORKER_HEALTH_URL="http://$(reach_host "${WORKER_HOST:-127.0.0.1}"):$WORKER_PORT${WORKER_HEALTH_PATH:-/health}"

if [ -z "${REDIS_URL:-}" ] && [ -z "${REDIS_HOST:-}" ]; then
  REDIS_PORT="${REDIS_PORT:-6379}"
  export REDIS_PORT
  if redis_ping "$REDIS_PORT"; then
    log "reusing the Redis already answering on 127.0.0.1:$REDIS_PORT"
    policy=$(redis_eviction_policy "$REDIS_PORT" || true)
    if [ -n "$policy" ] && [ "${policy#-}" = "$policy" ] && [ "$policy" != noeviction ]; then
      err "warning: that Redis has maxmemory-policy '$policy'; BullMQ needs 'noeviction'"
    fi
  else
    scripts/ensure-redis.sh
    mkdir -p data/redis
    redis_args=(
      --port "$REDIS_PORT"
      --bind 127.0.0.1
      --dir "$ROOT/data/redis"
      --appendonly yes
      --appendfsync everysec
      --maxmemory-policy noeviction
      --save ''
      --daemonize no
      --logfile ''
    )
    if [ -n "${REDIS_PASSWORD:-}" ]; then redis_args+=(--requirepass "$REDIS_PASSWORD"); fi
    log "starting redis-server on 127.0.0.1:$REDIS_PORT (data in data/redis)"
    start_child redis redis-server "${redis_args[@]}"
    for ((i = 0; ; i++)); do
      if redis_ping "$REDIS_PORT"; then break; fi
      if ! check_children; then
        err "redis-server could not start (is port $REDIS_PORT taken? set REDIS_PORT to use another)"
        fail_and_stop
      fi
      if [ "$i" -ge 150 ]; then
        err "redis-server did not answer PING within 15 s"
        fail_and_stop
      fi
      sleep 0.1
    done
  fi
else
  redis_shown="${REDIS_URL:-${REDIS_HOST}:${REDIS_PORT:-6379}}"
  # Never print a password that REDIS_URL may carry.
  redis_shown=$(printf '%s' "$redis_shown" | sed -E 's#//[^@/]*@#//***@#')
  log "using the configured Redis at $redis_shown"
fi

# nest build may lay an app out as dist/apps/NAME/main.js or dist/apps/NAME/src/main.js.
app_entry() {
  local f
  for f in "dist/apps/$1/main.js" "dist/apps/$1/src/main.js"; do
    if [ -f "$f" ]; then
      printf '%s' "$f"
      return 0
    fi
  done
  err "no build output for $1 (looked for dist/apps/$1/main.js and dist/apps/$1/src/main.js)"
  return 1
}
gateway_js=$(app_entry gateway) || fail_and_stop
worker_js=$(app_entry worker) || fail_and_stop

# The engine: the Ollama at OLLAMA_URL when it answers (ENGINE=auto, the default), otherwise the
# embedded llama.cpp engine over MODELS_DIR. With no Ollama and no GGUF yet, write the tiny demo model
# so the first run streams real llama.cpp tokens (random weights: the text is noise).
if [ -n "${OLLAMA_URL:-}" ]; then
  ollama_url=$OLLAMA_URL
elif [[ "${OLLAMA_HOST:-}" == http*://* ]]; then
  ollama_url=$OLLAMA_HOST
elif [ -n "${OLLAMA_HOST:-}" ]; then
  case "$OLLAMA_HOST" in
    *:*) ollama_url="http://$OLLAMA_HOST" ;;
    *) ollama_url="http://$OLLAMA_HOST:${OLLAMA_PORT:-11434}" ;;
  esac
else
  ollama_url="http://127.0.0.1:${OLLAMA_PORT:-11434}"
fi
MODELS_DIR="${MODELS_DIR:-./data/models}"
engine="${ENGINE:-auto}"
if [ "$engine" = auto ]; then
  if http_ok "$ollama_url/api/version"; then engine=ollama; else engine=llamacpp; fi
fi
if [ "$engine" = llamacpp ] && ! compgen -G "$MODELS_DIR/*.gguf" >/dev/null; then
  log "no Ollama at $ollama_url and no GGUF in $MODELS_DIR: writing the tiny demo model (random weights)"
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register scripts/make-demo-model.ts "$MODELS_DIR/gridllm-demo-tiny.gguf" ||
    fail_and_stop
fi
if [ "$engine" = ollama ]; then
  engine_shown="the Ollama at $ollama_url"
else
  engine_shown="the embedded llama.cpp engine over $MODELS_DIR (add GGUF files there, or run Ollama)"
fi

log "starting gateway and worker"
start_child gateway node --max-semi-space-size=8 --heap-growing-percent=50 "$gateway_js"
start_child worker node "$worker_js"

ready=0
for ((i = 0; i < 60; i++)); do
  if http_ok "$GATEWAY_URL/health/live"; then
    ready=1
    break
  fi
  check_children || fail_and_stop
  nap 1
done
if [ "$ready" != 1 ]; then
  err "the gateway did not answer $GATEWAY_URL/health/live within 60 s"
  fail_and_stop
fi

# Give the worker a few seconds to reach its engine before judging its health.
worker_state="no answer"
for ((i = 0; i < 10; i++)); do
  check_children || fail_and_stop
  # Ready = a 2xx answer that does not say otherwise in its body.
  if body=$(http_body "$WORKER_HEALTH_URL") && [ -n "$body" ]; then
    if http_ok "$WORKER_HEALTH_URL" &&
      ! printf '%s' "$body" | grep -Eq '"ready" *: *false|"status" *: *"(not-ready|draining|error|down)"'; then
      worker_state=ready
      break
    fi
    worker_state="not ready: ${body:0:300}"
  fi
  nap 1
done

# The sample request uses a model the grid really has.
# With auth on (ADMIN_API_KEY) the sample shows where the key goes, never the key itself.
sample_model=$(node -e '
  const headers = process.env.ADMIN_API_KEY ? { Authorization: `Bearer ${process.env.ADMIN_API_KEY}` } : {};
  fetch(process.argv[1], { headers }).then((r) => r.json()).then((b) => console.log(b.models?.[0]?.name ?? "llama3.2"))
    .catch(() => console.log("llama3.2"));' "$GATEWAY_URL/api/tags" 2>/dev/null || echo llama3.2)
auth_header=""
if [ -n "${ADMIN_API_KEY:-}" ]; then auth_header='-H "Authorization: Bearer $ADMIN_API_KEY" '; fi

cat <<EOF || true

GridLLM is up.
  Gateway:              $GATEWAY_URL
  Ollama-compatible:    $GATEWAY_URL/ollama   (also at the root: $GATEWAY_URL)
  Swagger UI:           $GATEWAY_URL/docs
  Worker health:        $WORKER_HEALTH_URL
  Inference engine:     the worker uses $engine_shown

Try:
  curl $GATEWAY_URL/api/generate $auth_header-d '{"model":"$sample_model","prompt":"Why is the sky blue?","options":{"num_predict":32}}'

EOF
if [ "$worker_state" != ready ]; then
  err "note: the worker is $worker_state"
  err "      Engine: $engine_shown. With Ollama: is it running (ollama serve) with a model"
  err "      (ollama pull llama3.2)? Embedded: is there a GGUF file in $MODELS_DIR?"
fi
log "press Ctrl-C to stop"

while :; do
  check_children || fail_and_stop
  nap 1
done
