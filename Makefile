# junkan — read top to bottom: install, demo, test, services.
UV_VERSION := 0.13.8
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Compile bytecode at install: the machine sets PYTHONDONTWRITEBYTECODE, so without it every cold
# `junkan` start recompiles Prefect, GX and pyiceberg (about 20 s).
export UV_COMPILE_BYTECODE := 1
RUN        := $(UV) run --locked --no-sync

.PHONY: install demo test lint typecheck audit unit integration contract clean

## install: uv from PyPI into .tools, then the locked environment into .venv
$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked
	touch $@

install: .venv/.synced

## demo: the whole path on the embedded default (local files, SQLite, in-process Prefect)
demo: install
	$(RUN) junkan demo

## test: lint, types, dependency audit, benchmark and chaos smoke runs, unit tests, integration tests against real servers
test: lint typecheck audit bench-smoke chaos-smoke unit integration

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: install
	$(RUN) mypy

## audit: osv-scanner, offline, on uv.lock against the dated advisory snapshot in ../shared/advisories
audit:
	bash infra/scripts/audit.sh uv.lock

unit: install
	$(RUN) pytest -m "not integration" -q

integration: install
	$(RUN) pytest -m "integration and not chaos" -q

## contract: regenerate the data dictionary members read
contract: install
	$(RUN) junkan contract --output docs/contract.md

include infra/services.mk
include benchmarks/bench.mk
include tests/chaos/chaos.mk

clean:
	rm -rf .junkan .pytest_cache .mypy_cache .ruff_cache
