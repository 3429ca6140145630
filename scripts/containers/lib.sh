#!/usr/bin/env bash
# Shared helpers of the container scripts: install the engine, build the local stand-in for
# node:20-bookworm-slim (no image registry is reachable), run a private dockerd. See
# docs/deployment.md and ../shared/CONTAINERS.md for why each step is there.

CACHE_DIR="${GRIDLLM_CACHE_DIR:-/var/cache/gridllm}"
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
DOCKER_BIN="${DOCKER_BIN:-/usr/bin/docker}" # Debian's client: a newer one may sit earlier on PATH
DOCKER_ROOT="$CACHE_DIR/docker"             # images and layer cache survive between runs
DOCKER_RUN="${DOCKER_RUN_DIR:-/run/gridllm-docker}"
DOCKER_SOCK="$DOCKER_RUN/docker.sock"

say() { printf '[containers] %s\n' "$*" >&2; }

# apt packages of CONTAINERS.md; installed only when a command is missing.
ensure_engine_packages() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v curl >/dev/null || missing+=(curl)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v podman >/dev/null || missing+=(podman runc containernetworking-plugins)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]}: install them (apt-get, as root)"
    return 1
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The mirror apt uses (deb822 or one-line sources).
debian_mirror() {
  local m
  m=$(grep -hoE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
  [ -n "$m" ] || m=$(grep -hoE '^deb +[^ ]*/debian/? ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 | awk '{print $2}')
  printf '%s' "${m:-http://deb.debian.org/debian}"
}

# Writes $CACHE_DIR/base-node<version>.tar once per host Node version (debootstrap ~50 s).
base_rootfs_tar() {
  local node_v tar rootfs npm_dir
  node_v=$(node -p 'process.versions.node')
  tar="$CACHE_DIR/base-node$node_v.tar"
  if [ -s "$tar" ]; then
    printf '%s' "$tar"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  rootfs=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
  say "debootstrap bookworm from $(debian_mirror) (once per machine)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$(debian_mirror)" >/dev/null
  cp -a "$(command -v node)" "$rootfs/usr/local/bin/node"
  npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node -m node
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$rootfs" update-ca-certificates >/dev/null
  rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin
  tar -C "$rootfs" --numeric-owner -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$rootfs"
  printf '%s' "$tar"
}

# import_base ENGINE_CMD...: makes $BASE_IMAGE resolve to the stand-in unless the engine has it.
import_base() {
  if "$@" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
  local tar
  tar=$(base_rootfs_tar)
  say "importing $tar as $BASE_IMAGE"
  "$@" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' "$tar" "$BASE_IMAGE" >/dev/null
}

docker_cmd() { DOCKER_HOST="unix://$DOCKER_SOCK" "$DOCKER_BIN" "$@"; }

# A private dockerd on its own data root; its pid goes to $DOCKER_RUN/dockerd.pid.
start_dockerd() {
  mkdir -p "$DOCKER_ROOT" "$DOCKER_RUN"
  if [ -S "$DOCKER_SOCK" ] && docker_cmd info >/dev/null 2>&1; then return 0; fi
  say "starting dockerd (data root $DOCKER_ROOT)"
  /usr/sbin/dockerd --data-root "$DOCKER_ROOT" --exec-root "$DOCKER_RUN/exec" \
    --pidfile "$DOCKER_RUN/dockerd.pid" -H "unix://$DOCKER_SOCK" \
    >"$DOCKER_RUN/dockerd.log" 2>&1 &
  local i
  for ((i = 0; i < 60; i++)); do
    docker_cmd info >/dev/null 2>&1 && return 0
    sleep 1
  done
  say "dockerd did not start; see $DOCKER_RUN/dockerd.log"
  return 1
}

stop_dockerd() {
  local pid
  pid=$(cat "$DOCKER_RUN/dockerd.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  local i
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
