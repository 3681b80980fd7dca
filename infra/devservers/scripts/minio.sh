#!/usr/bin/env bash
# MinIO for junkan: built from source with the Go toolchain (Go module proxy only), run on loopback only.
#
#   infra/devservers/scripts/minio.sh install   build the pinned MinIO into ~/.cache/junkan/bin/minio-<version>/ (once)
#   infra/devservers/scripts/minio.sh start     start it (installs first if needed); no-op when already running
#   infra/devservers/scripts/minio.sh stop      stop it by pid and wait
#   infra/devservers/scripts/minio.sh status    say whether it runs and where
#
# Environment (all optional):
#   JUNKAN_HOME                 local state; data in $JUNKAN_HOME/minio/data (default .junkan)
#   JUNKAN_MINIO_PORT           S3 API port on 127.0.0.1 (default 9000)
#   JUNKAN_MINIO_CONSOLE_PORT   console port on 127.0.0.1 (default 9001; console is off unless JUNKAN_MINIO_CONSOLE=on)
#   JUNKAN_S3_ACCESS_KEY        root user (default junkanadmin)
#   JUNKAN_S3_SECRET_KEY        root password (default: generated once, kept in $JUNKAN_HOME/minio/secret, mode 600)
#   JUNKAN_MINIO_START_TIMEOUT  seconds to wait for /minio/health/live (default 60)
#   JUNKAN_CACHE                build cache (default ${XDG_CACHE_HOME:-~/.cache}/junkan)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned: the newest commit of github.com/minio/minio that the Go module proxy serves (2026-02-12, master after
# RELEASE.2025-10-15T17-29-55Z; upstream tags are not semver, so the proxy knows them only as pseudo-versions).
MINIO_VERSION="${JUNKAN_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
CACHE="${JUNKAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/junkan}"
BIN_DIR="$CACHE/bin/minio-$MINIO_VERSION"
MINIO_BIN="$BIN_DIR/minio"

JUNKAN_HOME="${JUNKAN_HOME:-.junkan}"
RUN_DIR="$JUNKAN_HOME/minio"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/minio.pid"
LOG_FILE="$RUN_DIR/minio.log"
SECRET_FILE="$RUN_DIR/secret"
PORT="${JUNKAN_MINIO_PORT:-9000}"
CONSOLE_PORT="${JUNKAN_MINIO_CONSOLE_PORT:-9001}"
ACCESS_KEY="${JUNKAN_S3_ACCESS_KEY:-junkanadmin}"
START_TIMEOUT="${JUNKAN_MINIO_START_TIMEOUT:-60}"

running_pid() {
    pid_from_file "$PID_FILE" minio
}

is_live() {
    http_ok "http://127.0.0.1:$1/minio/health/live"
}

cmd_install() {
    go_install_cached minio "github.com/minio/minio@$MINIO_VERSION" "$BIN_DIR"
}

secret_key() {
    if [[ -n "${JUNKAN_S3_SECRET_KEY:-}" ]]; then
        printf '%s' "$JUNKAN_S3_SECRET_KEY"
        return 0
    fi
    if [[ ! -s "$SECRET_FILE" ]]; then
        (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$SECRET_FILE")
    fi
    cat "$SECRET_FILE"
}

cmd_start() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "minio already running (pid $pid): endpoint 127.0.0.1:$(cat "$RUN_DIR/port" 2>/dev/null || echo "$PORT")"
        return 0
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die "port 127.0.0.1:$PORT is already in use by another program; set JUNKAN_MINIO_PORT to a free port"
    fi
    cmd_install
    mkdir -p "$DATA_DIR"
    local secret
    secret="$(secret_key)"
    [[ ${#secret} -ge 8 ]] || die "JUNKAN_S3_SECRET_KEY must have at least 8 characters (MinIO's rule)"

    local browser=off
    [[ "${JUNKAN_MINIO_CONSOLE:-off}" == on ]] && browser=on
    echo "=== minio start $(date -u +%FT%TZ) port $PORT ===" >>"$LOG_FILE"
    # No phoning home: no update checks, no call-home, console off unless asked; loopback addresses only.
    MINIO_ROOT_USER="$ACCESS_KEY" MINIO_ROOT_PASSWORD="$secret" \
        MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off MINIO_BROWSER="$browser" \
        nohup "$MINIO_BIN" server "$DATA_DIR" \
        --address "127.0.0.1:$PORT" --console-address "127.0.0.1:$CONSOLE_PORT" \
        </dev/null >>"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$PORT" >"$RUN_DIR/port"

    local deadline=$((SECONDS + START_TIMEOUT))
    until is_live "$PORT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            log_tail
            die "minio exited during start-up; the log above ($LOG_FILE) says why"
        fi
        if ((SECONDS >= deadline)); then
            log_tail
            kill "$pid" 2>/dev/null || true
            rm -f "$PID_FILE"
            die "minio did not answer http://127.0.0.1:$PORT/minio/health/live within ${START_TIMEOUT}s"
        fi
        sleep 0.3
    done
    echo "minio running (pid $pid): endpoint 127.0.0.1:$PORT, access key $ACCESS_KEY, data $DATA_DIR"
    if [[ -z "${JUNKAN_S3_SECRET_KEY:-}" ]]; then
        echo "secret key in $SECRET_FILE (export JUNKAN_S3_SECRET_KEY=\$(cat $SECRET_FILE))"
    fi
}

cmd_stop() {
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        echo "minio not running"
        return 0
    fi
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            echo "minio (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$PID_FILE"
    echo "minio stopped (pid $pid)"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "minio running (pid $pid): endpoint 127.0.0.1:$(cat "$RUN_DIR/port" 2>/dev/null || echo "$PORT")"
    else
        echo "minio not running"
        return 3
    fi
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*) die "usage: $0 install|start|stop|status" ;;
esac
