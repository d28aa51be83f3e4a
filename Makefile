# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench serve worker install clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	PLEDGE_DEMO_MODE=1 $(BIN)/pledge demo

# The suite runs on every core (at most 4 workers: each starts its own PostgreSQL cluster and Chromium).
test: $(STAMP) check
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4

# Style, types and layers: the checks `make test` runs before the suite.
check: $(STAMP)
	$(BIN)/ruff format --check --quiet src tests bench
	$(BIN)/ruff check --quiet src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python -m bench

serve: $(STAMP)
	$(BIN)/pledge db upgrade && $(BIN)/pledge serve

worker: $(STAMP)
	$(BIN)/pledge worker

clean:
	rm -rf $(VENV) var .pytest_cache
