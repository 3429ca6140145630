#!/usr/bin/env bash
# Install node_modules with `npm ci` when they are missing or older than package-lock.json.
# A stamp file written after a successful install records when that was; a second run with an
# unchanged lock file and unchanged patches/ does nothing and prints nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STAMP="node_modules/.gridllm-installed"

# A patch of a dependency (patches/, applied by npm ci's postinstall) changed since then counts too.
if [ -d node_modules ] && [ -f "$STAMP" ] && ! [ package-lock.json -nt "$STAMP" ] &&
  [ -z "$(find patches -newer "$STAMP" 2>/dev/null)" ]; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "ensure-deps: npm not found; install Node.js 20 or newer (https://nodejs.org)" >&2
  exit 1
fi

if [ -d node_modules ]; then
  echo "ensure-deps: package-lock.json changed since the last install; running npm ci" >&2
else
  echo "ensure-deps: node_modules missing; running npm ci" >&2
fi

npm ci --no-audit --no-fund
touch "$STAMP"
