#!/usr/bin/env bash
# PostgreSQL for junkan: Debian's packages, a private cluster under $JUNKAN_HOME/postgres, loopback TCP only.
#
#   infra/devservers/scripts/postgres.sh install   apt-get install postgresql when initdb/pg_ctl are missing
#   infra/devservers/scripts/postgres.sh start     initdb (once), start, create database junkan, print its URL (password masked)
#   infra/devservers/scripts/postgres.sh stop      stop the cluster (fast shutdown) and wait
#   infra/devservers/scripts/postgres.sh status    say whether it runs and print its URL (password masked)
#   infra/devservers/scripts/postgres.sh url       print the SQLAlchemy URL of database junkan, with its password, for
#                                       export JUNKAN_DATABASE_URL=$(...); the only command that shows the password
#
# Environment (all optional):
#   JUNKAN_HOME               local state; cluster in $JUNKAN_HOME/postgres/data (default .junkan)
#   JUNKAN_POSTGRES_PORT      port on 127.0.0.1 (default 55432)
#   JUNKAN_POSTGRES_PASSWORD  password of role junkan, used at initdb (default: generated once, kept in
#                             $JUNKAN_HOME/postgres/password, mode 600)
#   JUNKAN_POSTGRES_OS_USER   system user that owns the cluster when run as root (default postgres)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JUNKAN_HOME="${JUNKAN_HOME:-.junkan}"
mkdir -p "$JUNKAN_HOME"
JUNKAN_HOME="$(cd "$JUNKAN_HOME" && pwd)"
PG_ROOT="$JUNKAN_HOME/postgres"
PGDATA="$PG_ROOT/data"
LOG_FILE="$PG_ROOT/postgres.log"
PASSWORD_FILE="$PG_ROOT/password"
PORT="${JUNKAN_POSTGRES_PORT:-55432}"
ROLE=junkan
DATABASE=junkan
OS_USER="${JUNKAN_POSTGRES_OS_USER:-postgres}"

# Newest /usr/lib/postgresql/<ver>/bin, where Debian puts initdb and pg_ctl (not on PATH by default).
find_bin_dir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    fi
}

cmd_install() {
    wait_for_prepare test -f "$PREPARE_DIR/packages.done"
    if [[ -n "$(find_bin_dir)" ]]; then
        echo "postgresql already installed: $(find_bin_dir)"
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "postgresql is missing and installing it needs root: sudo apt-get install postgresql"
    echo "installing postgresql from Debian's packages ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    [[ -n "$(find_bin_dir)" ]] || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found"
}

# Run a command as the cluster's owner: initdb and postgres refuse to run as root.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u "$OS_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_owner() {
    [[ "$(id -u)" -eq 0 ]] || return 0
    if ! id "$OS_USER" >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$OS_USER"
    fi
    mkdir -p "$PG_ROOT"
    chown "$OS_USER" "$PG_ROOT"
    chmod 700 "$PG_ROOT"
    if ! runuser -u "$OS_USER" -- test -w "$PG_ROOT"; then
        die "system user $OS_USER cannot reach $PG_ROOT: make its parent folders traversable (chmod o+x)" \
            "or set JUNKAN_HOME to a folder outside private ones"
    fi
}

password() {
    if [[ -s "$PASSWORD_FILE" ]]; then
        cat "$PASSWORD_FILE"
    elif [[ -n "${JUNKAN_POSTGRES_PASSWORD:-}" ]]; then
        printf '%s' "$JUNKAN_POSTGRES_PASSWORD"
    else
        od -An -N18 -tx1 /dev/urandom | tr -d ' \n'
    fi
}

url() {
    echo "postgresql+psycopg://$ROLE:$(password)@127.0.0.1:$1/$DATABASE"
}

# The URL as safe to print in a terminal or a CI log (masked as infra/redact.py masks it).
shown_url() {
    echo "postgresql+psycopg://$ROLE:***@127.0.0.1:$1/$DATABASE (with the password: $0 url)"
}

# Port of the running cluster, from line 4 of postmaster.pid.
running_port() {
    sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true
}

is_running() {
    [[ -f "$PGDATA/PG_VERSION" ]] && as_owner "$BIN_DIR/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1
}

init_cluster() {
    local pw pwfile
    pw="$(password)"
    (umask 077 && printf '%s' "$pw" >"$PASSWORD_FILE")
    pwfile="$PG_ROOT/.initdb-pw"
    (umask 077 && printf '%s\n' "$pw" >"$pwfile")
    [[ "$(id -u)" -eq 0 ]] && chown "$OS_USER" "$pwfile"
    echo "initdb $PGDATA ..."
    # scram passwords on loopback TCP; no unix socket, so nothing lands in shared /var/run folders.
    if ! as_owner "$BIN_DIR/initdb" -D "$PGDATA" -U "$ROLE" --pwfile="$pwfile" -E UTF8 --no-locale \
        --auth-host=scram-sha-256 --auth-local=scram-sha-256 >"$PG_ROOT/initdb.log" 2>&1; then
        rm -f "$pwfile"
        cat "$PG_ROOT/initdb.log" >&2
        die "initdb failed for $PGDATA"
    fi
    rm -f "$pwfile"
    cat >>"$PGDATA/postgresql.conf" <<'CONF'

# junkan: loopback TCP only, no unix socket
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
CONF
}

cmd_start() {
    cmd_install
    BIN_DIR="$(find_bin_dir)"
    if is_running; then
        echo "postgres already running on port $(running_port): $(shown_url "$(running_port)")"
        return 0
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die "port 127.0.0.1:$PORT is already in use by another program; set JUNKAN_POSTGRES_PORT to a free port"
    fi
    ensure_owner
    [[ -f "$PGDATA/PG_VERSION" ]] || init_cluster
    if ! as_owner "$BIN_DIR/pg_ctl" start -D "$PGDATA" -l "$LOG_FILE" -w -t 60 -o "-p $PORT" >/dev/null; then
        log_tail
        die "postgres did not start on 127.0.0.1:$PORT (log: $LOG_FILE)"
    fi
    local pw exists
    pw="$(password)"
    exists="$(PGPASSWORD="$pw" "$BIN_DIR/psql" -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")"
    if [[ "$exists" != 1 ]]; then
        PGPASSWORD="$pw" "$BIN_DIR/psql" -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -q \
            -c "CREATE DATABASE $DATABASE"
    fi
    echo "postgres running on 127.0.0.1:$PORT: $(shown_url "$PORT")"
}

cmd_stop() {
    BIN_DIR="$(find_bin_dir)"
    [[ -n "$BIN_DIR" ]] || die "postgresql is not installed"
    if ! is_running; then
        echo "postgres not running"
        return 0
    fi
    as_owner "$BIN_DIR/pg_ctl" stop -D "$PGDATA" -m fast -w -t 60 >/dev/null
    echo "postgres stopped"
}

cmd_status() {
    BIN_DIR="$(find_bin_dir)"
    if [[ -n "$BIN_DIR" ]] && is_running; then
        echo "postgres running on 127.0.0.1:$(running_port): $(shown_url "$(running_port)")"
    else
        echo "postgres not running"
        return 3
    fi
}

cmd_url() {
    [[ -s "$PASSWORD_FILE" ]] || die "no cluster under $PG_ROOT yet: run '$0 start' first"
    BIN_DIR="$(find_bin_dir)"
    if [[ -n "$BIN_DIR" ]] && is_running; then
        url "$(running_port)"
    else
        url "$PORT"
    fi
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
*) die "usage: $0 install|start|stop|status|url" ;;
esac
