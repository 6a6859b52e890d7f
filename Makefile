# The two front-door commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SPASTICITY_HOME ?= $(CURDIR)/data

.PHONY: demo test test-fast lint generate bench ui clean postgres browser portal portal-assets axe-core

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set everything up and run the whole pipeline on the embedded defaults.
demo: $(STAMP)
	$(BIN)/spasticity demo

## Run the whole test suite (Postgres tests included; the server is started if it is down).
test: $(STAMP) postgres browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

## The gates every commit keeps green: ruff (lint + format), mypy, the import layers, sqlfluff on dbt.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint dbt_models/models --processes 2

## Rewrite the dbt project's copies of the contract and config (seeds, macros/contract.sql,
## sources.yml) from their sources; a test fails when one is out of date.
generate: $(STAMP)
	$(BIN)/python -m spasticity_pipeline.dbt_copies

## The fast loop while you work: unit tests only (no dbt runs, browsers or big networks).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow" -q

## Ingest benchmark: >= 1M rows through the pipeline and through a naive baseline.
bench: $(STAMP)
	$(BIN)/python -m spasticity_pipeline_tests.bench.ingest_bench

## The Dagster UI on the warehouse `make demo` filled.
ui: $(STAMP)
	$(BIN)/spasticity ui

## The trust portal (NHS.UK-styled upload and feedback site) on http://127.0.0.1:8000 (docs/portal.md).
portal: $(STAMP)
	$(BIN)/spasticity portal

## Refresh the vendored NHS.UK frontend CSS/JS/images from npm (nhsuk-frontend, the version
## nhsuk-frontend-jinja targets) into spasticity_pipeline/portal/static/nhsuk/.
portal-assets: $(STAMP)
	$(BIN)/python -m spasticity_pipeline.portal.assets

## Refresh the vendored axe-core (npm) the accessibility tests inject into Chromium
## (spasticity_pipeline_tests/ui/vendor/; version AXE_VERSION in spasticity_pipeline_tests/ui/axe.py).
axe-core: $(STAMP)
	$(BIN)/python -m spasticity_pipeline_tests.ui.axe

## Debian's chromium + chromium-driver for the UI tests (installed as root when missing).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	  echo "could not install chromium (needs root and the Debian mirror); browser tests will fail"

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start) || \
	  echo "PostgreSQL is not reachable at 127.0.0.1:5432; Postgres tests will fail"

clean:
	rm -rf data .pytest_cache
