#!/usr/bin/env bash
# Make sure `redis-server` is on PATH. Quiet when it already is.
# As root on Debian/Ubuntu it installs the redis-server package with apt-get, without letting the
# package start its system service (a policy-rc.d that denies service starts is put in place for
# the install when none exists). Otherwise it says what to install and exits 1.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

howto() {
  cat >&2 <<'MSG'
ensure-redis: redis-server (Redis 6.2 or newer) is required but not on PATH. Install it with:
  Debian/Ubuntu:  sudo apt-get install redis-server
  macOS:          brew install redis
MSG
}

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  howto
  exit 1
fi

echo "ensure-redis: installing redis-server with apt-get" >&2

"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" redis-server

if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: apt-get finished but redis-server is still not on PATH" >&2
  howto
  exit 1
fi
echo "ensure-redis: $(redis-server --version)" >&2
