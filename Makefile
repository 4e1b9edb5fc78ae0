# Everyday entry points. `make run` and `make test` also set up the machine (Debian 12, root/sudo).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.NOTPARALLEL:
.DEFAULT_GOAL := help

BIN := .venv/bin
ORDERS ?= 50
PYTEST_ARGS ?= -ra --durations=15
# Two pytest workers share the machine's cores; each has its own queue prefix and databases.
WORKERS ?= 2
# The fault tier (kill -9, broker restarts, outages: minutes per test) runs in `make chaos`,
# one test at a time; `make test` stays inside CI's budget. Smaller runs: HUB_CHAOS_* sizes
# (docs/benchmarks.md lists them).

.PHONY: help setup services run test quick chaos lint bench docs clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

setup:  ## system packages + .venv (idempotent, fast when nothing changed)
	bash scripts/setup.sh

services:  ## start RabbitMQ and PostgreSQL if they are not running
	bash scripts/services.sh

run: setup  ## the whole hub in one process, with 50 demo orders (ORDERS=N)
	bash scripts/services.sh rabbitmq
	@echo "Where to look: web http://127.0.0.1:8000 (API docs /docs, /healthz, /metrics);"
	@echo "  RabbitMQ UI http://127.0.0.1:15672 (guest/guest); SQLite + SMS log in ./var; Ctrl-C stops"
	$(BIN)/hub up --demo-orders $(ORDERS)

test: setup services lint  ## lint, then every tier but chaos against real services (≤ 15 min)
	$(BIN)/pytest -m "not chaos" -n $(WORKERS) $(PYTEST_ARGS)

chaos: setup services  ## the fault tier at full size, one test at a time (long)
	$(BIN)/pytest -m chaos $(PYTEST_ARGS)

quick: setup  ## unit + handler + consumer tiers, no services (< 60 s)
	$(BIN)/pytest tests/unit tests/handlers tests/consumers -q -p no:cacheprovider

lint: setup  ## ruff + mypy + import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: setup  ## hub throughput against a raw aio-pika baseline (see docs/benchmarks.md)
	bash scripts/services.sh rabbitmq
	$(BIN)/python bench/throughput.py

docs: setup  ## write docs/asyncapi.json and docs/openapi.json (`hub docs`)
	$(BIN)/hub docs

clean:  ## remove caches, build output and ./var (the embedded hub's data); keeps .venv
	rm -rf var build test-artifacts .pytest_cache .mypy_cache .ruff_cache .hypothesis ./*.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
