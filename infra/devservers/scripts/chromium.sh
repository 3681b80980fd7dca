#!/usr/bin/env bash
# Chromium for junkan's browser tests: Debian's package, run headless by the tests themselves.
#
#   infra/devservers/scripts/chromium.sh install   apt-get install chromium when /usr/bin/chromium is missing (needs root)
#   infra/devservers/scripts/chromium.sh path      print the browser's path, or fail when it is not installed
#   infra/devservers/scripts/chromium.sh version   print the browser's version
#
# Environment (all optional):
#   JUNKAN_CHROMIUM   path of the browser (default /usr/bin/chromium)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM="${JUNKAN_CHROMIUM:-/usr/bin/chromium}"

cmd_install() {
    wait_for_prepare test -f "$PREPARE_DIR/packages.done"
    if [[ -x "$CHROMIUM" ]]; then
        echo "chromium already installed: $CHROMIUM"
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "chromium is missing and installing it needs root: sudo apt-get install chromium"
    echo "installing chromium from Debian's packages ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Fonts with Japanese glyphs, so stage labels in 日本語 render in screenshots instead of boxes.
    apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
    [[ -x "$CHROMIUM" ]] || die "apt-get installed chromium but $CHROMIUM is not there; set JUNKAN_CHROMIUM"
    echo "chromium installed: $CHROMIUM"
}

cmd_path() {
    [[ -x "$CHROMIUM" ]] || die "no browser at $CHROMIUM: run '$0 install' (as root)"
    echo "$CHROMIUM"
}

cmd_version() {
    cmd_path >/dev/null
    "$CHROMIUM" --version
}

case "${1:-}" in
install) cmd_install ;;
path) cmd_path ;;
version) cmd_version ;;
*) die "usage: $0 install|path|version" ;;
esac
