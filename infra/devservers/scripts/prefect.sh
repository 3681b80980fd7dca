#!/usr/bin/env bash
# junkan's background Prefect server (API, event triggers, scheduler) on loopback, state under $JUNKAN_HOME.
# One implementation, infra/devservers/prefect.py, which `junkan server` uses too; this runs it for the tests,
# the benchmarks and the Makefile.
#
#   infra/devservers/scripts/prefect.sh start    start it in the background and wait for /api/health; prints the API URL
#   infra/devservers/scripts/prefect.sh stop     stop it (the whole process group) and wait
#   infra/devservers/scripts/prefect.sh status   say whether it runs (exit 3 when not)
#   infra/devservers/scripts/prefect.sh url      print the API URL (for JUNKAN_PREFECT_API_URL / PREFECT_API_URL)
#
# Environment (all optional):
#   JUNKAN_HOME                          local state; the server's files in $JUNKAN_HOME/prefect-server (default .junkan)
#   JUNKAN_PREFECT_PORT                  port on 127.0.0.1 (default: a free one)
#   JUNKAN_PREFECT_START_TIMEOUT         seconds to wait for /api/health (default 180)
#   JUNKAN_PREFECT_UI                    on to serve the web UI too (default off)
#   PREFECT_API_DATABASE_CONNECTION_URL  PostgreSQL (postgresql+asyncpg://...) instead of SQLite in the server home
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
PYTHON="$REPO/.venv/bin/python"
[[ -x "$PYTHON" ]] || die "the project's environment is missing; run 'make install' in $REPO"
cd "$REPO"
exec "$PYTHON" -m infra.devservers.prefect_script "$@"
