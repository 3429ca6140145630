#!/usr/bin/env bash
# Make sure HAProxy is installed (the gateways-behind-balancer e2e test runs three gateways behind it).
# Quiet when it already is. Debian puts it in /usr/sbin, which is not on every user's PATH. As root on
# Debian/Ubuntu it installs the haproxy package with apt-get, without letting the package start its
# system service (as scripts/ensure-redis.sh does). Otherwise it says what to install and exits 1.
set -euo pipefail

present() {
  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]
}

if present; then
  exit 0
fi

howto() {
  cat >&2 <<'MSG'
ensure-haproxy: haproxy (2.4 or newer) is required by the e2e tests but not installed. Install it with:
  Debian/Ubuntu:  sudo apt-get install haproxy
  macOS:          brew install haproxy
MSG
}

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  howto
  exit 1
fi

echo "ensure-haproxy: installing haproxy with apt-get" >&2

"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" haproxy

if ! present; then
  echo "ensure-haproxy: apt-get finished but haproxy is still not installed" >&2
  howto
  exit 1
fi
echo "ensure-haproxy: $( (command -v haproxy || echo /usr/sbin/haproxy) | xargs -I{} {} -v | head -1)" >&2
