# The two commands: `make demo` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit integration bench clean stack-down containers

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cadabra demo

# `make containers` sets up podman and the local images where no Docker engine runs (as root), so
# the suite also runs docker-compose.yml and the testcontainers stack; elsewhere it says why not.
test: $(STAMP) lint typecheck containers
	$(BIN)/python -m pytest -q

containers: $(STAMP)
	$(BIN)/cadabra containers up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

bench: $(STAMP)
	$(BIN)/python bench/streams.py
	$(BIN)/python bench/endpoint.py
	$(BIN)/python bench/producers.py
	$(BIN)/python bench/consumers.py
	$(BIN)/python bench/firehose.py
	$(BIN)/python bench/alarm.py

stack-down: $(STAMP)
	$(BIN)/cadabra stack down

clean:
	rm -rf $(VENV) .cadabra .pytest_cache .mypy_cache .ruff_cache
