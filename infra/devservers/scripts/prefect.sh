#!/usr/bin/env bash
# A Prefect server for junkan (API, event triggers, scheduler), on loopback only, state under $JUNKAN_HOME.
#
#   infra/devservers/scripts/prefect.sh start    start it in the background and wait for /api/health; prints the API URL
#   infra/devservers/scripts/prefect.sh stop     stop it (the whole process group) and wait
#   infra/devservers/scripts/prefect.sh status   say whether it runs
#   infra/devservers/scripts/prefect.sh url      print the API URL (for JUNKAN_PREFECT_API_URL / PREFECT_API_URL)
#
# Environment (all optional):
#   JUNKAN_HOME                          local state; server home in $JUNKAN_HOME/prefect-server (default .junkan)
#   JUNKAN_PREFECT_PORT                  port on 127.0.0.1 (default 4200)
#   JUNKAN_PREFECT_START_TIMEOUT         seconds to wait for /api/health (default 90)
#   JUNKAN_PREFECT_UI                    on to serve the web UI too (default off)
#   PREFECT_API_DATABASE_CONNECTION_URL  PostgreSQL (postgresql+asyncpg://...) instead of SQLite in the server home
#   PREFECT_BIN                          the prefect executable (default: the project's .venv, then PATH)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
JUNKAN_HOME="${JUNKAN_HOME:-.junkan}"
mkdir -p "$JUNKAN_HOME"
JUNKAN_HOME="$(cd "$JUNKAN_HOME" && pwd)"
RUN_DIR="$JUNKAN_HOME/prefect-server"
PID_FILE="$RUN_DIR/prefect.pid"
PORT_FILE="$RUN_DIR/port"
LOG_FILE="$RUN_DIR/prefect.log"
PORT="${JUNKAN_PREFECT_PORT:-4200}"
START_TIMEOUT="${JUNKAN_PREFECT_START_TIMEOUT:-90}"

find_prefect() {
    if [[ -n "${PREFECT_BIN:-}" ]]; then
        echo "$PREFECT_BIN"
    elif [[ -x "$REPO/.venv/bin/prefect" ]]; then
        echo "$REPO/.venv/bin/prefect"
    elif command -v prefect >/dev/null 2>&1; then
        command -v prefect
    else
        die "prefect is not installed; run 'uv sync' in $REPO"
    fi
}

# The pid (also the process-group id) of the running Prefect server, else nothing.
running_pid() {
    pid_from_file "$PID_FILE" prefect
}

current_port() {
    cat "$PORT_FILE" 2>/dev/null || echo "$PORT"
}

api_url() {
    echo "http://127.0.0.1:$(current_port)/api"
}

cmd_start() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "prefect server already running (pid $pid)" >&2
        api_url
        return 0
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die "port 127.0.0.1:$PORT is already in use by another program; set JUNKAN_PREFECT_PORT to a free port"
    fi
    command -v setsid >/dev/null 2>&1 || die "setsid (util-linux) is needed to stop the server's workers as a group"
    local prefect ui=--no-ui
    prefect="$(find_prefect)"
    [[ "${JUNKAN_PREFECT_UI:-off}" == on ]] && ui=--ui
    mkdir -p "$RUN_DIR"
    echo "=== prefect server start $(date -u +%FT%TZ) port $PORT ===" >>"$LOG_FILE"
    # Own session: the server spawns workers; stop signals the whole group. No telemetry, no update checks.
    # PREFECT_API_URL is the client setting and must not leak into the server's own environment.
    # JUNKAN_PREFECT_SERVER_RUN_DIR marks it as junkan's, as infra/devservers/prefect.py does (tests/servers_left.py).
    env -u PREFECT_API_URL -u PREFECT_LOGGING_SETTINGS_PATH \
        PREFECT_HOME="$RUN_DIR" \
        PREFECT_SERVER_ANALYTICS_ENABLED=false \
        DO_NOT_TRACK=1 \
        JUNKAN_PREFECT_SERVER_RUN_DIR="$RUN_DIR" \
        setsid nohup "$prefect" server start --host 127.0.0.1 --port "$PORT" --analytics-off "$ui" \
        </dev/null >>"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$PORT" >"$PORT_FILE"

    local deadline=$((SECONDS + START_TIMEOUT))
    until http_ok "$(api_url)/health"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            log_tail
            die "prefect server exited during start-up; the log above ($LOG_FILE) says why"
        fi
        if ((SECONDS >= deadline)); then
            log_tail
            kill -TERM -- "-$pid" 2>/dev/null || true
            rm -f "$PID_FILE"
            die "prefect server did not answer $(api_url)/health within ${START_TIMEOUT}s"
        fi
        sleep 0.5
    done
    echo "prefect server running (pid $pid), database ${PREFECT_API_DATABASE_CONNECTION_URL:+from PREFECT_API_DATABASE_CONNECTION_URL}${PREFECT_API_DATABASE_CONNECTION_URL:-SQLite in $RUN_DIR}" >&2
    api_url
}

cmd_stop() {
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        echo "prefect server not running"
        return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            echo "prefect server (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL" >&2
            kill -KILL -- "-$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$PID_FILE"
    echo "prefect server stopped (pid $pid)"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "prefect server running (pid $pid): $(api_url)"
    else
        echo "prefect server not running"
        return 3
    fi
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) api_url ;;
*) die "usage: $0 start|stop|status|url" ;;
esac
