# C3 — two commands do all the set-up: `make run` (the demo city) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench system-deps system-test-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-runtime

## run: the demo city (simulator + connectors + DuckDB + dashboard on http://localhost:8050)
run: $(VENV)/.installed-runtime
	@$(MAKE) --no-print-directory system-deps || \
	  echo "Without Pango, reports are written as HTML only (their PDF is marked missing)"
	$(BIN)/c3 demo

# WeasyPrint (the reports' PDF) needs Pango and a font; Debian-slim images lack them.
system-deps:
	@if ! $(BIN)/python -c "import weasyprint" >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q .; then \
	  echo "Installing Pango and DejaVu fonts for the PDF reports"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig; \
	fi

## test: install what the tests need (Chromium, its driver, Redis and PostgreSQL when
## absent), check the layer rules (import-linter) and run the tests
test: $(VENV)/.installed-test $(VENV)/axe.min.js system-deps system-test-deps
	$(BIN)/lint-imports
	$(BIN)/pytest

# axe-core, the browser tests' accessibility checker: the pinned release from the npm
# registry, checked against its published sha512 (scripts/fetch_axe.py)
$(VENV)/axe.min.js: scripts/fetch_axe.py | $(BIN)/python
	$(BIN)/python scripts/fetch_axe.py $@

system-test-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "Installing Debian's chromium and chromium-driver for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi
	@if ! command -v redis-server >/dev/null; then \
	  echo "Installing redis-server (the tests start private ones, and stop one mid-test)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server; \
	fi
	@if ! $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 0.5)" 2>/dev/null \
	    && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  echo "No PostgreSQL on 127.0.0.1:5432: installing it (the tests start a private one)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## bench: budgets of the spine, each against a baseline measured in the same run
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

# bench_load.py: 50 and 200 users, one c3 serve vs 4 web workers on a lake (PostgreSQL
# and Redis on 127.0.0.1, else the lake's half is skipped)
bench: $(VENV)/.installed-bench system-deps system-test-deps
	$(BIN)/python bench/bench_upsert.py
	$(BIN)/python bench/bench_backfill.py
	$(BIN)/python bench/bench_first_load.py
	$(BIN)/python bench/bench_wall_soak.py --minutes 10
	$(BIN)/python bench/bench_wall_poll.py
	$(BIN)/python bench/bench_explore.py
	$(BIN)/python bench/bench_points.py
	$(BIN)/python bench/bench_windows.py
	$(BIN)/python bench/bench_reports.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_retention.py
	$(BIN)/python bench/bench_scale.py --scale 1
	$(BIN)/python bench/bench_dispatch.py
	$(BIN)/python bench/bench_forecast.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) var .pytest_cache
