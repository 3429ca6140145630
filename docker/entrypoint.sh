#!/bin/sh
# Runs under tini. APP (set by the image) picks the app. A worker with DEMO_MODEL=true writes the
# tiny demo GGUF into MODELS_DIR when that holds no model yet, so it answers with no Ollama anywhere.
# It writes into a hidden folder first and renames, so a worker sharing the volume never reads half a file.
set -eu
models=${MODELS_DIR:-/models}
case "${APP:-}" in
  gateway) exec node --max-semi-space-size=8 --heap-growing-percent=50 dist/apps/gateway/src/main.js "$@" ;;
  worker)
    if [ "${DEMO_MODEL:-false}" = true ] && ! ls "$models"/*.gguf >/dev/null 2>&1; then
      tmp="$models/.demo.$$"
      node dist/scripts/make-demo-model.js "$tmp/gridllm-demo-tiny.gguf"
      mv "$tmp/gridllm-demo-tiny.json" "$models/" && mv "$tmp/gridllm-demo-tiny.gguf" "$models/"
      rmdir "$tmp"
    fi
    exec node dist/apps/worker/src/main.js "$@"
    ;;
  *)
    echo "APP must be gateway or worker, not '${APP:-}'" >&2
    exit 64
    ;;
esac
