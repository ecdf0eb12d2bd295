# Quick start: `make run` (pipeline on bundled data, offline) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export GX_ANALYTICS_ENABLED := False
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install run test lint dev bench audit clean report-screenshots

# The install's own output goes to a log (shown only when it fails): `make run` stays readable.
$(STAMP): pyproject.toml constraints.txt
	@echo "installing into $(VENV) (log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@( $(BIN)/python -m pip install --quiet --upgrade pip \
	  && $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]" ) \
	  > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

run: install  ## run the whole nightly job once, in-process, on the bundled data (offline)
	@$(BIN)/python -m pipelines.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One pytest worker per core (pytest-xdist); ASCN_TEST_WORKERS=0 runs the tests in one process.
test: install lint  ## lint, load the definitions, run every test
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/pytest -n $${ASCN_TEST_WORKERS:-auto}

dev: install  ## Dagster UI (webserver + daemon) on 127.0.0.1:3000, run history in dagster_home/
	exec $(BIN)/python -m pipelines.dev -w workspace.yaml -h $${ASCN_UI_HOST:-127.0.0.1} -p $${ASCN_UI_PORT:-3000}

bench: install  ## performance figures (prints a table, writes bench/results.json)
	$(BIN)/python -m scripts.bench

audit: install  ## dependency vulnerability audit (says so when its advisory data is unreachable)
	$(BIN)/python scripts/audit.py $(AUDIT_ARGS)

report-screenshots: install  ## desktop/phone screenshots and Battambang's printed brief (needs make run, chromium)
	$(BIN)/python -m assets.publish.screenshots

clean:
	rm -rf output .pytest_cache
