#!/usr/bin/env bash
# apt-get install the given Debian packages (as root) without letting them start their system services:
# a policy-rc.d that denies service starts is put in place for the install when none exists.
# Used by the ensure-*.sh scripts for servers the tests start themselves (redis-server, haproxy).
set -euo pipefail

POLICY=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
  if [ "$own_policy" = 1 ]; then rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
  # Exit code 101 = "action forbidden": invoke-rc.d will not start the packages' services.
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  own_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
