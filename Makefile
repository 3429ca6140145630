# GridLLM developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help start test build check bench clean deps redis haproxy chromium install install-server \
	install-client setup run-server run-client build-server build-client logs-server logs-client \
	format status test-containers docker-build docker-build-server docker-build-client docker-run \
	docker-run-server docker-run-client docker-stop docker-clean docker-logs docker-status

help: ## List the targets
	@echo "GridLLM make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN { FS = ":.*## " } { printf "  make %-20s %s\n", $$1, $$2 }'

start: ## Install, build, start Redis + gateway + one worker (Ctrl-C stops them)
	@scripts/start.sh

test: deps redis haproxy chromium ## Install deps, Redis, HAProxy and Chromium if missing, build, run every test (unit + e2e)
	@npm run --silent build
	@npm test

build: deps ## Build both apps into dist/
	@npm run --silent build

check: deps ## Format check, lint, typecheck and unit tests
	@npm run --silent check

bench: deps ## Run the benchmark
	@npm run --silent bench

clean: ## Remove build output (dist/) and dev-mode logs (logs/)
	rm -rf dist logs

deps: ## Run npm ci when node_modules is missing or older than package-lock.json
	@scripts/ensure-deps.sh

redis: ## Install redis-server if it is not on PATH (apt-get as root)
	@scripts/ensure-redis.sh

haproxy: ## Install HAProxy if it is missing (apt-get as root; gateways-behind-balancer test)
	@scripts/ensure-haproxy.sh

chromium: ## Install Debian's chromium if /usr/bin/chromium is missing (apt-get as root; Swagger UI test)
	@scripts/ensure-chromium.sh

# --- the original's commands (server = gateway, client = worker) -----------------------------
# Docker targets read DOCKER_NETWORK, SERVER_PORT, SERVER_CONTAINER_NAME, SERVER_IMAGE_NAME,
# CLIENT_PORT, CLIENT_CONTAINER_NAME, CLIENT_IMAGE_NAME, WORKER_ID, REDIS_HOST, REDIS_PORT,
# OLLAMA_HOST, OLLAMA_PORT, OLLAMA_PROTOCOL from the environment or .env (defaults in
# scripts/containers/grid.sh); CONTAINER_ENGINE=docker|podman picks the engine.
GRID := scripts/containers/grid.sh
DEV_LOG = mkdir -p logs && set -o pipefail && NODE_ENV=development

install: ## npm ci (one node_modules serves both apps)
	npm ci --no-audit --no-fund

install-server: install ## Install the gateway's dependencies (the shared node_modules)

install-client: install ## Install the worker's dependencies (the shared node_modules)

setup: deps redis ## Complete development set-up: deps, Redis, .env from .env.example, build
	@[ -f .env ] || { cp .env.example .env && echo "wrote .env from .env.example"; }
	@npm run --silent build
	@echo "set up: 'make run-server' and 'make run-client' (or 'make start' for both)"

run-server: deps ## Run the gateway in development mode (rebuilds on change; output also in logs/server.log)
	@$(DEV_LOG) npx nest start gateway --watch 2>&1 | tee logs/server.log

run-client: deps ## Run the worker in development mode (rebuilds on change; output also in logs/client.log)
	@$(DEV_LOG) npx nest start worker --watch 2>&1 | tee logs/client.log

build-server: deps ## Build the gateway into dist/
	@npx nest build gateway

build-client: deps ## Build the worker into dist/
	@npx nest build worker

logs-server: ## Follow the development gateway's log (logs/server.log)
	@tail -n 100 -F logs/server.log

logs-client: ## Follow the development worker's log (logs/client.log)
	@tail -n 100 -F logs/client.log

format: deps ## Format every file with prettier
	@npm run --silent format

status: ## Summary of a running grid from the gateway API; exit 1 when unhealthy
	@node scripts/status.mjs

test-containers: ## Build the images and test them with docker and compose (root; installs the engine)
	@scripts/test-containers.sh

docker-build: ## Build the gateway (server) and worker (client) images
	@$(GRID) build all

docker-build-server: ## Build the gateway image (SERVER_IMAGE_NAME)
	@$(GRID) build server

docker-build-client: ## Build the worker image (CLIENT_IMAGE_NAME; LLAMA_BINARIES=cuda for CUDA)
	@$(GRID) build client

docker-run: ## Run Redis, the gateway and a worker on DOCKER_NETWORK
	@$(GRID) run all

docker-run-server: ## Run Redis (unless REDIS_HOST is elsewhere) and the gateway
	@$(GRID) run server

docker-run-client: ## Run a worker (CLIENT_CONTAINER_NAME, WORKER_ID, OLLAMA_HOST...)
	@$(GRID) run client

docker-stop: ## Stop the worker (it drains), the gateway and Redis
	@$(GRID) stop all

docker-clean: ## Remove the containers, the network and the images
	@$(GRID) clean

docker-logs: ## Last lines of each container's log (LOG_LINES=50)
	@$(GRID) logs all

docker-status: ## State and health of each container, and the image sizes
	@$(GRID) status
