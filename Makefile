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

.PHONY: install demo test prepare lint typecheck audit unit integration servers-left fuzz contract clean

# Every Prefect server a test starts carries this token in its environment (tests/servers_left.py).
ifndef TEST_RUN_OF_JUNKAN
TEST_RUN_OF_JUNKAN := make-$(shell date +%s)-$(shell od -An -N4 -tx4 /dev/urandom | tr -d ' ')
endif
export TEST_RUN_OF_JUNKAN

## install: uv from PyPI into .tools, then the locked environment into .venv
$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --extra dask  # the Dask runner is opt-in, and its tests need it
	touch $@

install: .venv/.synced

# What the demo runs on: the full environment when installed, else the runtime alone (no dev tools, no Dask), and
# without compiling every file ahead: the demo compiles the third of them it imports as it goes (and keeps them),
# which on a new machine saves a minute of the install.
.venv/.runtime: uv.lock pyproject.toml | $(UV)
	env -u UV_COMPILE_BYTECODE $(UV) sync --locked --no-dev --inexact
	touch $@

## demo: the whole path on the embedded default (local files, SQLite, a Prefect server in the background;
## `junkan server stop` stops it)
demo: $(if $(wildcard .venv/.synced),.venv/.synced,.venv/.runtime)
	env -u PYTHONDONTWRITEBYTECODE $(RUN) junkan demo

## test: lint, types, benchmark smoke run, unit tests, dependency audit, chaos smoke run, integration tests against
## real servers; then fail if any of them left a Prefect server running. The servers and tools the later targets
## need are installed in the background meanwhile (prepare), which on a new machine takes minutes of downloads.
## mypy and the benchmark smoke run side by side (one core each); -O prints each one's output whole when it ends,
## and either failing fails the test.
test: prepare lint
	$(MAKE) --no-print-directory --output-sync=target -j2 typecheck bench-smoke
	$(MAKE) --no-print-directory unit audit chaos-smoke integration servers-left

## prepare: start installing PostgreSQL, Chromium, osv-scanner and MinIO in the background (each skipped when there)
prepare:
	bash infra/devservers/scripts/prepare.sh start

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: install
	$(RUN) mypy

## audit: osv-scanner, offline, on uv.lock against the dated advisory snapshot in ../shared/advisories
audit:
	bash infra/devservers/scripts/audit.sh uv.lock

## unit: on UNIT_WORKERS processes (pytest-xdist); worksteal keeps both busy to the end (the CLI tests, which come
## first, stay on one worker and share its Prefect server). UNIT_WORKERS=0 runs them in this process. Its fuzz
## tests' counts go to UNIT_FUZZ_STATS, which chaos-smoke's table reads instead of running the fuzz tests again.
UNIT_WORKERS ?= 2
UNIT_FUZZ_STATS ?= .junkan/unit-fuzz.json
unit: install
	mkdir -p $(dir $(UNIT_FUZZ_STATS)) && rm -f $(UNIT_FUZZ_STATS)
	JUNKAN_FUZZ_STATS=$(abspath $(UNIT_FUZZ_STATS)) $(RUN) pytest -m "not integration" -q -n $(UNIT_WORKERS) --dist worksteal

## integration: on INTEGRATION_WORKERS processes, a test module per worker at a time (--dist loadfile keeps a
## module's shared fixtures in one process), slowest modules first (tests/integration/conftest.py); each worker
## starts the servers its tests need on free ports. MinIO, PostgreSQL and Chromium are installed first, once, so
## that two workers never build or apt-get them at once.
INTEGRATION_WORKERS ?= 2
integration: install
	bash infra/devservers/scripts/minio.sh install
	bash infra/devservers/scripts/postgres.sh install
	bash infra/devservers/scripts/chromium.sh install
	$(RUN) pytest -m "integration and not chaos" -q -n $(INTEGRATION_WORKERS) --dist loadfile --no-loadscope-reorder

servers-left: install
	$(RUN) python -m tests.servers_left

## fuzz: every reader on hostile bytes, and members' files of every dataset in every format read and judged in
## batches: FUZZ_EXAMPLES per test (more than 10,000 files in all; `make test` tries a few hundred). Prints the
## chaos table's fuzz line; fails when anything crashed, a row was lost or a message was unreadable
FUZZ_EXAMPLES ?= 1000
FUZZ_DIR ?= .junkan/fuzz
fuzz: install
	rm -rf $(FUZZ_DIR) && mkdir -p $(FUZZ_DIR)
	-JUNKAN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) JUNKAN_FUZZ_STATS=$(abspath $(FUZZ_DIR))/fuzz.json \
		$(RUN) pytest -q -n $(UNIT_WORKERS) --dist worksteal tests/unit/fuzz; echo $$? > $(FUZZ_DIR)/fuzz.exit
	$(RUN) python tests/chaos/table.py --fuzz $(FUZZ_DIR)/fuzz.json
	@test "$$(cat $(FUZZ_DIR)/fuzz.exit)" = 0

## contract: regenerate the data dictionary members read
contract: install
	$(RUN) junkan contract --output docs/contract.md

include infra/devservers/services.mk
include benchmarks/bench.mk
include tests/chaos/chaos.mk

clean:
	-bash infra/devservers/scripts/prefect.sh stop
	rm -rf .junkan .pytest_cache .mypy_cache .ruff_cache
