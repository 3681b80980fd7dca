#!/usr/bin/env bash
# Dependency audit: osv-scanner, offline, against uv.lock with the dated advisory snapshot in shared/advisories.
#
#   infra/devservers/scripts/audit.sh [LOCKFILE]   scan (default uv.lock); exits 1 on a known vulnerability with a fixed version
#   infra/devservers/scripts/audit.sh install      build the pinned osv-scanner into ~/.cache/junkan/bin/osv-scanner-<version>/ (once)
#
# Environment (all optional):
#   JUNKAN_ADVISORIES_DIR   advisory folder (holds osv-scanner/PyPI/all.zip); default shared/advisories beside the
#                           checkout, or beside the checkout a fresh clone came from (infra/shared_folder.py)
#   JUNKAN_CACHE            build cache (default ${XDG_CACHE_HOME:-~/.cache}/junkan)
set -euo pipefail
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/lib.sh
source "$SCRIPTS/lib.sh"
REPOSITORY="$(cd "$SCRIPTS/../../.." && pwd)"

# v2.2.4: the newest release that builds with the machine's Go 1.26 (later ones need Go >= 1.27).
OSV_VERSION="v2.2.4"
CACHE="${JUNKAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/junkan}"
BIN_DIR="$CACHE/bin/osv-scanner-$OSV_VERSION"
OSV_BIN="$BIN_DIR/osv-scanner"

cmd_install() {
    go_install_cached osv-scanner "github.com/google/osv-scanner/v2/cmd/osv-scanner@$OSV_VERSION" "$BIN_DIR"
}

advisories_dir() {
    if [[ -n "${JUNKAN_ADVISORIES_DIR:-}" ]]; then
        echo "$JUNKAN_ADVISORIES_DIR"
    else
        (cd "$REPOSITORY" && python3 -m infra.shared_folder advisories)
    fi
}

cmd_scan() {
    local lockfile="$1" advisories zip scan_json rc=0
    [[ -f "$lockfile" ]] || die "no lock file $lockfile"
    [[ "$(basename "$lockfile")" == uv.lock ]] || die "$lockfile: osv-scanner reads a uv lock only when it is named uv.lock"
    advisories="$(advisories_dir)"
    zip="$advisories/osv-scanner/PyPI/all.zip"
    [[ -f "$zip" ]] || die "no advisory snapshot at $zip; set JUNKAN_ADVISORIES_DIR to the folder holding osv-scanner/PyPI/all.zip"
    # Built before anything is printed, so the Go output does not split the audit's own lines.
    [[ -x "$OSV_BIN" ]] || cmd_install >&2
    echo "advisories: PyPA snapshot in $advisories ($(python3 "$SCRIPTS/osv_verdict.py" snapshot "$zip"))"
    echo "            an offline snapshot, not a live feed: advisories published after that date are not checked"
    scan_json="$(mktemp)"
    # --offline: no network for anything (advisories, package metadata); exit 1 means "vulnerabilities found".
    OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$advisories" \
        "$OSV_BIN" scan source --offline --format json --lockfile "$lockfile" >"$scan_json" 2>"$scan_json.err" || rc=$?
    if ((rc != 0 && rc != 1)); then
        cat "$scan_json.err" >&2
        rm -f "$scan_json" "$scan_json.err"
        die "osv-scanner failed (exit $rc) on $lockfile"
    fi
    echo "scanned $lockfile with osv-scanner $OSV_VERSION"
    rc=0
    python3 "$SCRIPTS/osv_verdict.py" verdict "$scan_json" || rc=$?
    rm -f "$scan_json" "$scan_json.err"
    return "$rc"
}

case "${1:-uv.lock}" in
install) cmd_install ;;
-h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}" ;;
*) cmd_scan "${1:-uv.lock}" ;;
esac
