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

POLICY=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
  if [ "$own_policy" = 1 ]; then rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
  # Exit code 101 = "action forbidden": invoke-rc.d will not start haproxy's service.
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  own_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends haproxy >/dev/null

if ! present; then
  echo "ensure-haproxy: apt-get finished but haproxy is still not installed" >&2
  howto
  exit 1
fi
echo "ensure-haproxy: $( (command -v haproxy || echo /usr/sbin/haproxy) | xargs -I{} {} -v | head -1)" >&2
