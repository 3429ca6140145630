# GridLLM developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help start test build check bench clean deps redis haproxy chromium

help: ## List the targets
	@echo "GridLLM make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN { FS = ":.*## " } { printf "  make %-8s %s\n", $$1, $$2 }'

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

clean: ## Remove build output (dist/)
	rm -rf dist

deps: ## Run npm ci when node_modules is missing or older than package-lock.json
	@scripts/ensure-deps.sh

redis: ## Install redis-server if it is not on PATH (apt-get as root)
	@scripts/ensure-redis.sh

haproxy: ## Install HAProxy if it is missing (apt-get as root; gateways-behind-balancer test)
	@scripts/ensure-haproxy.sh

chromium: ## Install Debian's chromium if /usr/bin/chromium is missing (apt-get as root; Swagger UI test)
	@scripts/ensure-chromium.sh
