#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the Swagger UI browser test (driven by
# playwright-core, which never downloads a browser of its own). Quiet when it is already there.
# As root on Debian/Ubuntu it installs the `chromium` package with apt-get; otherwise it says what
# to install and exits 1 (the browser test then fails with the same advice, it never skips).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

howto() {
  cat >&2 <<'MSG'
ensure-chromium: /usr/bin/chromium is required by the Swagger UI browser test. Install it with:
  Debian:  sudo apt-get install chromium
MSG
}

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  howto
  exit 1
fi

echo "ensure-chromium: installing chromium with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  howto
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo installed)" >&2
