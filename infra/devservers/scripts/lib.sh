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

# Where `prepare.sh start` keeps its pid and log: beside the checkout, whatever JUNKAN_HOME a caller sets.
PREPARE_DIR="${JUNKAN_PREPARE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/.junkan/prepare}"

# While `prepare.sh start` installs in the background, wait until a check passes (what it installs is there) or the
# installs end, instead of installing the same thing twice: wait_for_prepare CHECK [ARG...]. Returns at once when
# nothing is being prepared, and inside prepare.sh's own run.
wait_for_prepare() {
    [[ -z "${JUNKAN_PREPARING:-}" ]] || return 0
    local said=""
    while [[ -n "$(pid_from_file "$PREPARE_DIR/prepare.pid" prepare.sh)" ]] && ! "$@" >/dev/null 2>&1; do
        [[ -n "$said" ]] || echo "waiting for the background installs (log: $PREPARE_DIR/prepare.log) ..." >&2
        said=1
        sleep 1
    done
}

# The Go toolchain: `go` on PATH, else /usr/local/go/bin/go.
find_go() {
    if command -v go >/dev/null 2>&1; then
        command -v go
    elif [[ -x /usr/local/go/bin/go ]]; then
        echo /usr/local/go/bin/go
    else
        die "Go is not installed (need 'go' on PATH or /usr/local/go/bin/go) to build $1 from source"
    fi
}

# Build a Go command from the module proxy into a cache folder, once: go_install_cached NAME PACKAGE@VERSION BIN_DIR.
# Built in a temporary GOBIN and moved into place, so a half-finished build never counts as installed.
go_install_cached() {
    local name="$1" package="$2" bin_dir="$3" go_bin tmp_dir started
    wait_for_prepare test -x "$bin_dir/$name"
    if [[ -x "$bin_dir/$name" ]]; then
        echo "$name already built: $bin_dir/$name"
        return 0
    fi
    go_bin="$(find_go "$name")"
    tmp_dir="$bin_dir.tmp.$$"
    rm -rf "$tmp_dir"
    mkdir -p "$tmp_dir"
    started=$(date +%s)
    echo "building $package with $("$go_bin" version) (takes minutes the first time) ..."
    # GOTOOLCHAIN=local: never download a toolchain; the module proxy is the only network used.
    if ! GOTOOLCHAIN=local GOBIN="$tmp_dir" CGO_ENABLED=0 "$go_bin" install "$package"; then
        rm -rf "$tmp_dir"
        die "building $package failed (see the Go output above)"
    fi
    rm -rf "$bin_dir"
    mv "$tmp_dir" "$bin_dir"
    echo "built $bin_dir/$name in $(($(date +%s) - started)) s"
}
