#!/usr/bin/env bash
# Checks the README's Trino instructions for BI tools against real servers, on 127.0.0.1 only:
#
#   1. trino-server 476 (tar.gz) and trino-cli 476 from Maven Central into ~/.cache/junkan/trino (once, sha1-checked)
#   2. MinIO and PostgreSQL started by minio.sh and postgres.sh on free ports, state in a temporary JUNKAN_HOME
#   3. a small sample published (tests/bi_sample.py), then `junkan bi-access create trino`
#   4. Trino started with Java 25 and the README's catalog file (host ports swapped for the free ones)
#   5. the README's queries, which must succeed, and its refused statements, each of which must fail
#
# Not part of `make test` (a 800 MB download and a minute of Trino start-up): run `bash infra/devservers/scripts/trino_check.sh`.
# Everything it started is stopped on exit. The new BI secrets stay in this process's environment and in files
# under the temporary home (mode 600); they are never printed.
#
# Environment (all optional):
#   JUNKAN_TRINO_JAVA_HOME   a JDK 24 or later (default: the machine's Temurin 25 under /usr/lib/jvm)
#   JUNKAN_CACHE             download cache (default ${XDG_CACHE_HOME:-~/.cache}/junkan)
#   JUNKAN_TRINO_KEEP        1 to keep the temporary home (logs) after the run
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SCRIPTS="$REPO/infra/devservers/scripts"
README="$REPO/README.md"
VERSION=476
MAVEN=https://repo1.maven.org/maven2/io/trino
CACHE="${JUNKAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/junkan}/trino"
SERVER_TGZ="$CACHE/trino-server-$VERSION.tar.gz"
CLI_JAR="$CACHE/trino-cli-$VERSION-executable.jar"
PYTHON="$REPO/.venv/bin/python"
JUNKAN="$REPO/.venv/bin/junkan"
READER=trino

[[ -x "$PYTHON" && -x "$JUNKAN" ]] || die "run 'make install' first (no $REPO/.venv)"

find_java_home() {
    if [[ -n "${JUNKAN_TRINO_JAVA_HOME:-}" ]]; then
        echo "$JUNKAN_TRINO_JAVA_HOME"
        return
    fi
    local dir
    dir="$(find /usr/lib/jvm -mindepth 1 -maxdepth 1 -type d -name 'temurin-25*' 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$dir" ]] || die "no Java 25 under /usr/lib/jvm (found: $(ls /usr/lib/jvm | tr '\n' ' ')); set JUNKAN_TRINO_JAVA_HOME"
    echo "$dir"
}

# download URL FILE: once into the cache, checked against Maven Central's .sha1, moved into place only when whole.
download() {
    local url="$1" file="$2" expected actual
    if [[ -s "$file" && -s "$file.sha1" ]] && [[ "$(sha1sum "$file" | cut -d' ' -f1)" == "$(cut -c1-40 "$file.sha1")" ]]; then
        echo "cached: $file"
        return
    fi
    mkdir -p "$(dirname "$file")"
    echo "downloading $url ..."
    curl -fsS --retry 3 -o "$file.sha1" "$url.sha1" || die "Maven Central refused $url.sha1"
    curl -fsS --retry 3 -C - -o "$file.part" "$url" || die "Maven Central refused $url"
    expected="$(cut -c1-40 "$file.sha1")"
    actual="$(sha1sum "$file.part" | cut -d' ' -f1)"
    [[ "$expected" == "$actual" ]] || { rm -f "$file.part"; die "sha1 of $url is $actual, Maven Central says $expected"; }
    mv "$file.part" "$file"
}

free_port() {
    "$PYTHON" -c 'from infra.devservers.loopback import free_port; print(free_port())'
}

# block MARKER: the fenced code block that follows `<!-- MARKER` in the README, without its fences.
block() {
    awk -v marker="<!-- $1" '
        index($0, marker) == 1 { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$README"
}

# statements MARKER: the block's SQL statements, one per line (a statement may span lines; `;` ends it).
statements() {
    block "$1" | awk '{ line = line (line == "" ? "" : " ") $0 } /;[[:space:]]*$/ { sub(/;[[:space:]]*$/, "", line); print line; line = "" }'
}

JAVA_HOME="$(find_java_home)"
JAVA="$JAVA_HOME/bin/java"
[[ -x "$JAVA" ]] || die "no java in $JAVA_HOME"
java_major="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ { print $2 }')"
((java_major >= 24)) || die "Trino $VERSION needs Java 24 or later; $JAVA is $java_major"
echo "java: $("$JAVA" -version 2>&1 | head -n 1) ($JAVA_HOME)"

download "$MAVEN/trino-server/$VERSION/trino-server-$VERSION.tar.gz" "$SERVER_TGZ"
download "$MAVEN/trino-cli/$VERSION/trino-cli-$VERSION-executable.jar" "$CLI_JAR"

WORK="$(mktemp -d /tmp/junkan-trino.XXXXXX)"
chmod 755 "$WORK" # the postgres system user must traverse it
MINIO_PORT="$(free_port)"
PG_PORT="$(free_port)"
TRINO_PORT="$(free_port)"
export JUNKAN_HOME="$WORK/home"
export JUNKAN_MINIO_PORT="$MINIO_PORT" JUNKAN_MINIO_CONSOLE_PORT="$(free_port)" JUNKAN_POSTGRES_PORT="$PG_PORT"
export JUNKAN_S3_ACCESS_KEY=junkan-trino-check
JUNKAN_S3_SECRET_KEY="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
export JUNKAN_S3_SECRET_KEY
mkdir -p "$JUNKAN_HOME"
chmod 755 "$JUNKAN_HOME"
TRINO_HOME="$CACHE/trino-server-$VERSION"
TRINO_PLUGINS="$WORK/trino-plugins"
TRINO_DATA="$WORK/trino-data"
TRINO_ETC="$WORK/trino-etc"

cleanup() {
    local status=$?
    if [[ -x "$TRINO_HOME/bin/launcher" ]]; then
        PATH="$JAVA_HOME/bin:$PATH" "$TRINO_HOME/bin/launcher" --etc-dir="$TRINO_ETC" --data-dir="$TRINO_DATA" stop \
            >/dev/null 2>&1 || true
    fi
    bash "$SCRIPTS/minio.sh" stop >/dev/null 2>&1 || true
    bash "$SCRIPTS/postgres.sh" stop >/dev/null 2>&1 || true
    if [[ "${JUNKAN_TRINO_KEEP:-0}" == 1 ]]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT

echo "== services on 127.0.0.1: MinIO :$MINIO_PORT, PostgreSQL :$PG_PORT"
bash "$SCRIPTS/minio.sh" start
bash "$SCRIPTS/postgres.sh" start
export JUNKAN_STORAGE_URL=s3://junkan JUNKAN_S3_ENDPOINT="127.0.0.1:$MINIO_PORT"
JUNKAN_DATABASE_URL="$(bash "$SCRIPTS/postgres.sh" url)"
export JUNKAN_DATABASE_URL

echo "== sample published: core.flows (one member) and mart.indicators (one cell)"
(cd "$REPO" && "$PYTHON" -m tests.bi_sample)

echo "== junkan bi-access create $READER (secrets masked here)"
created="$WORK/bi-access.out"
(umask 077 && "$JUNKAN" bi-access create "$READER" >"$created")
JUNKAN_BI_DB_PASSWORD="$(sed -n 's/^database password (shown once[^)]*): //p' "$created")"
JUNKAN_BI_S3_SECRET="$(sed -n 's/^S3 secret key (shown once[^)]*): //p' "$created")"
[[ -n "$JUNKAN_BI_DB_PASSWORD" && -n "$JUNKAN_BI_S3_SECRET" ]] || die "bi-access create printed no credentials"
export JUNKAN_BI_DB_PASSWORD JUNKAN_BI_S3_SECRET
sed -e 's/^\(database password (shown once[^)]*): \).*/\1***/' -e 's/^\(S3 secret key (shown once[^)]*): \).*/\1***/' \
    "$created"

# Unpacked once into the cache (the tarball hard-links jars across plugins, so it unpacks whole); this run loads
# the Iceberg plugin only, which keeps start-up short.
if [[ ! -f "$TRINO_HOME/.unpacked" ]]; then
    echo "== unpacking trino-server $VERSION into $CACHE"
    rm -rf "$TRINO_HOME"
    tar -xzf "$SERVER_TGZ" -C "$CACHE"
    touch "$TRINO_HOME/.unpacked"
fi
mkdir -p "$TRINO_ETC/catalog" "$TRINO_DATA" "$TRINO_PLUGINS"
ln -s "$TRINO_HOME/plugin/iceberg" "$TRINO_PLUGINS/iceberg"
cat >"$TRINO_ETC/node.properties" <<EOF
node.environment=junkan_check
node.id=junkan-trino-check
node.data-dir=$TRINO_DATA
node.bind-ip=127.0.0.1
node.internal-address=127.0.0.1
EOF
cat >"$TRINO_ETC/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$TRINO_PORT
discovery.uri=http://127.0.0.1:$TRINO_PORT
plugin.dir=$TRINO_PLUGINS
query.max-memory=1GB
query.max-memory-per-node=1GB
EOF
cat >"$TRINO_ETC/jvm.config" <<EOF
-server
-Xmx2G
-XX:+ExitOnOutOfMemoryError
-XX:-OmitStackTraceInFastThrow
-Djdk.attach.allowAttachSelf=true
-XX:+EnableDynamicAgentLoading
-Dfile.encoding=UTF-8
EOF
# The README's catalog file, pointed at this run's ports (its defaults are 55432 and 9000).
block trino-catalog |
    sed -e "s|127.0.0.1:55432|127.0.0.1:$PG_PORT|" -e "s|127.0.0.1:9000|127.0.0.1:$MINIO_PORT|" \
        >"$TRINO_ETC/catalog/iceberg.properties"
[[ -s "$TRINO_ETC/catalog/iceberg.properties" ]] || die "no <!-- trino-catalog block in $README"
echo "--- etc/catalog/iceberg.properties (from the README) ---"
cat "$TRINO_ETC/catalog/iceberg.properties"

launcher() {
    PATH="$JAVA_HOME/bin:$PATH" "$TRINO_HOME/bin/launcher" --etc-dir="$TRINO_ETC" --data-dir="$TRINO_DATA" "$@"
}

start_trino() {
    echo "== trino $VERSION starting on 127.0.0.1:$TRINO_PORT"
    launcher start
    LOG_FILE="$TRINO_DATA/var/log/server.log"
    local started
    started=$(date +%s)
    until curl -fsS --max-time 2 "http://127.0.0.1:$TRINO_PORT/v1/info" 2>/dev/null | grep -q '"starting":false'; do
        if (($(date +%s) - started > 300)); then
            log_tail
            die "trino did not start within 300 s"
        fi
        if ! launcher status >/dev/null 2>&1; then
            log_tail
            die "trino exited during start-up"
        fi
        sleep 2
    done
    echo "trino started in $(($(date +%s) - started)) s: $(curl -fsS "http://127.0.0.1:$TRINO_PORT/v1/info")"
    echo "listening: $(ss -Hltn "sport = :$TRINO_PORT" 2>/dev/null | awk '{ print $4 }' | tr '\n' ' ')"
}

# The CLI as a BI user would run it; JLine's notes about a missing terminal go to a file, shown on failure.
trino() {
    "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$CLI_JAR" --server "http://127.0.0.1:$TRINO_PORT" \
        --user bi-analyst --output-format ALIGNED "$@" </dev/null 2>"$WORK/cli.err"
}

run_queries() {
    local statement n=0
    while IFS= read -r statement; do
        echo "trino> $statement"
        trino --execute "$statement" || { cat "$WORK/cli.err" >&2; die "the README's query failed: $statement"; }
        n=$((n + 1))
    done < <(statements trino-queries)
    ((n > 0)) || die "no <!-- trino-queries block in $README"
    n_queries=$((n_queries + n))
}

run_refused() {
    local statement n=0
    while IFS= read -r statement; do
        echo "trino> $statement"
        if trino --debug --execute "$statement" >"$WORK/cli.out"; then
            cat "$WORK/cli.out"
            die "Trino ran what the README says is refused: $statement"
        fi
        grep -m1 -E 'Query [^ ]+ failed' "$WORK/cli.err" | sed 's/^/  /' || true
        # Refused for the right reason: Trino's read-only security, PostgreSQL's grants, or MinIO denying the keys.
        if ! grep -oE 'Access Denied: [^:]*|Status Code: 403[^,)]*|permission denied[^,)]*|read-only transaction' \
            "$WORK/cli.err" | head -n 1 | sed 's/^/  because: /' | grep .; then
            sed -n 1,40p "$WORK/cli.err" >&2
            die "refused, but not by an access check: $statement"
        fi
        n=$((n + 1))
    done < <(statements trino-refused)
    ((n > 0)) || die "no <!-- trino-refused block in $README"
    n_refused=$((n_refused + n))
}

n_queries=0
n_refused=0
start_trino
echo "== the README's queries"
run_queries
echo "== the README's refused statements (each must fail)"
run_refused

# Without Trino's own guard the BI login must still refuse: the role's grants and the MinIO policy stand alone.
echo "== again without iceberg.security=read_only: the BI credentials alone must refuse the same statements"
launcher stop
sed -i '/^iceberg.security=read_only$/d' "$TRINO_ETC/catalog/iceberg.properties"
start_trino
run_refused
echo "== the README's queries once more: mart.indicators is unchanged"
run_queries

echo "== ok: trino $VERSION on $("$JAVA" -version 2>&1 | head -n 1): $n_queries queries ran, $n_refused statements refused"
