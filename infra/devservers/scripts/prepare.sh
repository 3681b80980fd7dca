#!/usr/bin/env bash
# What `make test` needs beyond the Python environment, prepared in the background while the first targets run.
#
# On a new machine the servers' and tools' installs are long and mostly waiting: the Debian packages (PostgreSQL,
# Chromium with Japanese fonts), then osv-scanner and MinIO built from source with Go (modules from the proxy). Run
# one after the other before the tests that need them, they added minutes to `make test`; started first, they overlap
# lint, types, the benchmark smoke run and the unit tests, which need none of them.
#
#   infra/devservers/scripts/prepare.sh start   start the installs in the background (no-op when already running)
#   infra/devservers/scripts/prepare.sh run     the installs in the foreground (what `start` runs)
#
# The installs are the scripts' own (`postgres.sh install`, `chromium.sh install`, `audit.sh install`,
# `minio.sh install`): each skips what is already there, so on a prepared machine this takes a second. While the
# background installs run, a script that needs one of them waits for it (lib.sh `wait_for_prepare`) instead of
# installing it a second time; if they failed, the script tries once more itself and says why it cannot.
# State and log: <repository>/.junkan/prepare/ (JUNKAN_PREPARE_DIR), whatever JUNKAN_HOME a test sets.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="$PREPARE_DIR"
LOG_FILE="$STATE/prepare.log"
PID_FILE="$STATE/prepare.pid"

cmd_run() {
    local started step
    export JUNKAN_PREPARING=1  # the scripts below must not wait for the installs they are
    started=$(date +%s)
    # Debian's packages first, in one apt-get run (one index update) when root and any is missing; the two scripts
    # then find them installed. A non-root user on a machine without them gets the scripts' own message later.
    local missing=()
    [[ -x "${JUNKAN_CHROMIUM:-/usr/bin/chromium}" ]] || missing+=(chromium fonts-noto-cjk)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
    if [[ ${#missing[@]} -gt 0 && "$(id -u)" -eq 0 ]]; then
        echo "installing ${missing[*]} from Debian's packages ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    touch "$STATE/packages.done"  # what chromium.sh and postgres.sh wait for (a binary appears before dpkg ends)
    for step in "postgres.sh install" "chromium.sh install" "audit.sh install" "minio.sh install"; do
        # shellcheck disable=SC2086  # the step is a script and its command
        bash "$SCRIPTS"/$step
    done
    echo "prepared in $(($(date +%s) - started)) s"
}

cmd_start() {
    mkdir -p "$STATE"
    if [[ -n "$(pid_from_file "$PID_FILE" prepare.sh)" ]]; then
        echo "prepare: already running (log: $LOG_FILE)"
        return 0
    fi
    rm -f "$STATE/packages.done"
    # setsid: a Ctrl-C on `make test` stops make, not a build half way (a rerun finds it finished or starts again).
    setsid bash "$SCRIPTS/prepare.sh" run </dev/null >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    echo "prepare: installing servers and tools in the background (log: $LOG_FILE)"
}

case "${1:-}" in
    run) cmd_run ;;
    start) cmd_start ;;
    *) die "usage: prepare.sh start|run" ;;
esac
