#!/bin/sh
# Runs under tini. APP (set by the image) picks the app. A worker with DEMO_MODEL=true writes the
# tiny demo GGUF into MODELS_DIR when that holds no model yet, so it answers with no Ollama anywhere.
set -eu
case "${APP:-}" in
  gateway) exec node dist/apps/gateway/src/main.js "$@" ;;
  worker)
    if [ "${DEMO_MODEL:-false}" = true ] && ! ls "${MODELS_DIR:-/models}"/*.gguf >/dev/null 2>&1; then
      node dist/scripts/make-demo-model.js "${MODELS_DIR:-/models}/gridllm-demo-tiny.gguf"
    fi
    exec node dist/apps/worker/src/main.js "$@"
    ;;
  *)
    echo "APP must be gateway or worker, not '${APP:-}'" >&2
    exit 64
    ;;
esac
