# shellcheck shell=bash
# Helpers shared by the service scripts in this folder; sourced, never run. Callers set LOG_FILE (if any).

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# The last lines of the service's log, for error messages.
log_tail() {
    if [[ -n "${LOG_FILE:-}" && -f "$LOG_FILE" ]]; then
        echo "--- last lines of $LOG_FILE ---" >&2
        tail -n 30 "$LOG_FILE" >&2
    fi
}

# The pid in a pid file when that process is alive and its command line mentions a word, else nothing.
pid_from_file() {
    local pid_file="$1" word="$2" pid
    [[ -f "$pid_file" ]] || return 0
    pid="$(cat "$pid_file")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$word"; then
        echo "$pid"
    fi
}

# Whether a URL answers 2xx within 2 s (curl when present, else Python's standard library).
http_ok() {
    local url="$1"
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null
    else
        python3 - "$url" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2)
PY
    fi
}
