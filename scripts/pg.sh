#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the demo, the integration tests and
# the benchmark. Never for production: trust authentication, fsync off.
#
#   pg.sh start DIR PORT      create (first time) and start a cluster in DIR,
#                             listening on DIR/.s.PGSQL.PORT and
#                             127.0.0.1:PORT; database "extranet" with
#                             sql/migrations/*.sql (applied by
#                             tools/extranet-migrate) and, unless DEMO=0,
#                             sql/demo/demo_data.sql. Prints on stdout the
#                             conninfo for auth_extranet_db. An existing
#                             cluster in DIR is only started again.
#   pg.sh stop DIR            stop it (fast, bounded); no error if stopped
#   pg.sh psql DIR PORT [ARG...]
#                             psql on "extranet" as the superuser "postgres"
#                             (-U / -d in ARG override)
#
# Run as root (the server then runs as the "postgres" user) or as an ordinary
# user (the server runs as that user). PGBIN overrides the binaries' folder.
set -euo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WAIT=30   # seconds, for every start / stop / readiness wait

die() { echo "pg.sh: $*" >&2; exit 1; }
say() { echo "pg.sh: $*" >&2; }

usage() {
    sed -n '5,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

need_binaries() {
    local b
    for b in initdb pg_ctl pg_isready psql; do
        [ -x "$PGBIN/$b" ] || die "$PGBIN/$b not found: install postgresql-15 (apt-get install postgresql-15) or set PGBIN"
    done
}

# The server must not run as root: as root, run it as "postgres".
as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user (is postgresql-15 installed?)"
        command -v runuser >/dev/null || die "runuser not found (util-linux)"
        # cd: the postgres user may not be allowed into the caller's cwd
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

absolute() { realpath -m -- "$1"; }

check_port() {
    if ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -lt 1024 ] || [ "$1" -gt 65535 ]; then
        die "bad port '$1' (1024-65535)"
    fi
}

superuser_psql() {   # DIR PORT ARG...: the client runs as the caller (trust)
    local dir="$1" port="$2"; shift 2
    PGDATABASE=extranet PGUSER=postgres \
        "$PGBIN/psql" -X -h "$dir" -p "$port" "$@"
}

# mkdir -p DIR, making the folders it creates traversable by the server user;
# folders that existed already and are closed to it (say a test's 0700
# tempdir) are opened for traversal (o+x) only under /tmp or $TMPDIR.
make_dir() {
    local dir="$1" d created=() parts
    d="$dir"
    while [ ! -e "$d" ]; do created+=("$d"); d="$(dirname "$d")"; done
    mkdir -p -- "$dir"
    for d in "${created[@]}"; do chmod 755 -- "$d"; done

    [ "$(id -u)" -eq 0 ] || return 0
    chown postgres:postgres -- "$dir"
    # top-down, so that only the folders that really block are reported
    local path="" part
    IFS=/ read -ra parts <<<"${dir#/}"
    for part in "${parts[@]}"; do
        path="$path/$part"
        runuser -u postgres -- test -x "$path" 2>/dev/null && continue
        case "$path/" in
            /tmp/*|"${TMPDIR:-/tmp}"/*)
                say "opening $path for traversal (o+x) for the postgres user"
                chmod o+x -- "$path" ;;
            *)  die "the postgres user cannot reach $dir (blocked at $path): use a folder under /tmp" ;;
        esac
    done
}

wait_ready() {   # DIR PORT
    local i
    for ((i = 0; i < WAIT * 5; i++)); do
        "$PGBIN/pg_isready" -q -h "$1" -p "$2" -t 1 && return 0
        sleep 0.2
    done
    return 1
}

cmd_start() {
    [ $# -eq 2 ] || usage
    local dir port data log locale=C
    dir="$(absolute "$1")"; port="$2"
    check_port "$port"
    need_binaries
    data="$dir/data"; log="$dir/postgres.log"

    # A Unix socket path holds at most 107 bytes.
    [ "${#dir}" -le 90 ] || die "DIR too long for a Unix socket path: $dir"

    make_dir "$dir"

    if [ ! -f "$data/PG_VERSION" ]; then
        locale -a 2>/dev/null | grep -qix 'c.utf-\{0,1\}8' && locale=C.UTF-8
        say "initdb $data ($locale)"
        as_server "$PGBIN/initdb" -D "$data" --auth=trust -U postgres \
            --encoding=UTF8 --locale="$locale" >"$dir/initdb.log" 2>&1 \
            || { tail -20 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
    fi

    if as_server "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "a server is already running on $data"
    else
        say "starting on $dir/.s.PGSQL.$port and 127.0.0.1:$port"
        as_server "$PGBIN/pg_ctl" -D "$data" -l "$log" -w -t "$WAIT" start -o \
            "-k '$dir' -p $port -c listen_addresses='127.0.0.1' -c fsync=off -c max_connections=200" \
            >/dev/null \
            || { tail -20 "$log" >&2 2>/dev/null || true; die "pg_ctl start failed (port $port in use? log: $log)"; }
    fi
    wait_ready "$dir" "$port" || die "server not ready after ${WAIT}s (log: $log)"

    # The stamp is written last: a cluster whose first start failed half-way
    # (port in use, bad migration) gets its database built again.
    if [ ! -f "$dir/schema.done" ]; then
        export PGOPTIONS="-c client_min_messages=warning"   # no NOTICE noise
        superuser_psql "$dir" "$port" -q -d postgres -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS extranet" -c "CREATE DATABASE extranet" \
            >/dev/null || die "CREATE DATABASE failed"
        # The migrations go through the tool a site uses, so that every
        # test exercises it.
        say "applying sql/migrations with tools/extranet-migrate"
        PSQL="$PGBIN/psql" "$here/tools/extranet-migrate" -q -D "$here/sql/migrations" \
            "host=$dir port=$port dbname=extranet user=postgres" >&2 \
            || die "applying the migrations failed"
        if [ "${DEMO:-1}" != 0 ]; then
            say "applying sql/demo/demo_data.sql"
            superuser_psql "$dir" "$port" -q -v ON_ERROR_STOP=1 \
                -f "$here/sql/demo/demo_data.sql" >/dev/null \
                || die "applying sql/demo/demo_data.sql failed"
        fi
        touch "$dir/schema.done"
        unset PGOPTIONS
    fi

    echo "host=$dir port=$port dbname=extranet user=extranet_module"
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local dir data
    dir="$(absolute "$1")"; data="$dir/data"
    need_binaries
    [ -f "$data/PG_VERSION" ] || die "no cluster in $dir"
    if ! as_server "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "not running: $data"
        return 0
    fi
    # A test may have frozen the server (SIGSTOP) to play a slow database.
    local pid
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]]; then kill -CONT "$pid" 2>/dev/null || true; fi
    if ! as_server "$PGBIN/pg_ctl" -D "$data" -m fast -w -t "$WAIT" stop >/dev/null; then
        say "fast stop timed out, stopping immediately"
        as_server "$PGBIN/pg_ctl" -D "$data" -m immediate -w -t "$WAIT" stop >/dev/null \
            || die "could not stop the server on $data"
    fi
    say "stopped $data"
}

cmd_psql() {
    [ $# -ge 2 ] || usage
    local dir port
    dir="$(absolute "$1")"; port="$2"; shift 2
    check_port "$port"
    need_binaries
    superuser_psql "$dir" "$port" "$@"
}

[ $# -ge 1 ] || usage
action="$1"; shift
case "$action" in
    start) cmd_start "$@" ;;
    stop)  cmd_stop "$@" ;;
    psql)  cmd_psql "$@" ;;
    *)     usage ;;
esac
