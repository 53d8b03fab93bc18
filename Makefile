# Sikap: every set-up step a fresh machine needs (only Python 3.11 and make).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
export PORT HOST

.PHONY: run test lint format train evaluate compare bench profile docker-build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements.lock -r requirements-dev.lock
	touch $@

run: $(VENV)/.runtime  ## serve the shipped model on $(HOST):$(PORT)
	$(BIN)/gunicorn -c service/gunicorn.conf.py service.wsgi:app

test: $(VENV)/.dev  ## lint + the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

train: $(VENV)/.runtime  ## retrain from ../shared/data (or SIKAP_DATA_DIR) into a new models/<version>
	$(BIN)/python -m training.train $(ARGS)

evaluate: $(VENV)/.runtime  ## evaluate the shipped bundle on the public test sets
	$(BIN)/python -m training.evaluate $(ARGS)

compare: $(VENV)/.runtime  ## dev-split comparison of two bundles: make compare ARGS="--baseline V [--version W]"
	$(BIN)/python -m training.compare $(ARGS)

bench: $(VENV)/.dev  ## throughput/latency/memory benchmark against the real server
	$(BIN)/python -m bench.run $(ARGS)

profile: $(VENV)/.runtime  ## stage-by-stage time of one analyze request, plus a cProfile
	$(BIN)/python -m bench.profile $(ARGS)

docker-build:
	docker build --network host -t sikap:latest .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
