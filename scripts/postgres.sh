#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   scripts/postgres.sh start DIR PORT   # install (if needed), init DIR, start on 127.0.0.1:PORT,
#                                        # create database crmbot owned by crm; prints the URL
#   scripts/postgres.sh stop DIR         # stop the cluster in DIR (the directory is left in place)
#
# Both are idempotent. The cluster listens on 127.0.0.1 only (unix socket in DIR), trusts
# every local connection and runs with fsync off: it is for tests, never for real data.
# The role crm is the cluster's superuser (initdb -U crm), so the test suite's parallel
# workers can create a database each beside crmbot (crmbot_gw0, crmbot_gw1, ...).
# Run as root (the server then runs as the `postgres` user, so DIR must be reachable by it,
# e.g. a directory under /tmp) or as an ordinary user who owns DIR.
# Only the URL goes to stdout; progress and errors go to stderr.
set -euo pipefail

ROLE=crm
DATABASE=crmbot

say() { echo "postgres.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# The newest /usr/lib/postgresql/N/bin (Debian's layout), else wherever initdb is on PATH.
find_bindir() {
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null \
        | sort -V | tail -n 1)
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$(command -v initdb)")"
    else
        return 1
    fi
}

install_postgres() {
    [[ $(id -u) == 0 ]] || die "PostgreSQL (initdb) is not installed and installing it needs root"
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get"
    say "PostgreSQL not found; installing it from Debian's packages (apt-get) ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # postgresql-common first, so that the main package does not create and start a
    # system-wide cluster on port 5432 that nobody uses.
    apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
    local conf=/etc/postgresql-common/createcluster.conf
    if [[ -f $conf ]] && ! grep -q '^create_main_cluster *= *false' "$conf"; then
        sed -ri 's/^#? *(create_main_cluster) *=.*$/\1 = false/' "$conf"
    fi
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# Run a command as the user that owns the cluster (postgres when we are root).
as_owner() {
    if [[ $(id -u) == 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

is_running() {
    [[ -f $DIR/postmaster.pid ]] && as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1
}

start() {
    if ! [[ $PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((PORT > 65535)); then die "bad port: $PORT"; fi
    # The unix socket lives in DIR and its path must fit in sun_path (107 bytes).
    ((${#DIR} + ${#PORT} + 10 <= 107)) || die "DIR is too long for a unix socket path: $DIR"

    if ! BIN=$(find_bindir); then
        install_postgres
        BIN=$(find_bindir) || die "PostgreSQL was installed but initdb was not found"
    fi

    if [[ $(id -u) == 0 ]]; then
        getent passwd postgres >/dev/null || die "there is no postgres user"
        mkdir -p "$DIR"
        chown postgres:postgres "$DIR"
        chmod 700 "$DIR"
        runuser -u postgres -- test -w "$DIR" -a -x "$DIR" \
            || die "the postgres user cannot reach $DIR (use a directory under /tmp)"
    else
        mkdir -p "$DIR"
        chmod 700 "$DIR"
    fi

    if [[ -f $DIR/PG_VERSION ]]; then
        say "cluster already initialised in $DIR"
    else
        [[ -z $(ls -A "$DIR") ]] || die "$DIR is neither empty nor a PostgreSQL cluster"
        say "initialising a cluster in $DIR ($("$BIN/initdb" --version))"
        local out
        out=$(as_owner "$BIN/initdb" -D "$DIR" -U "$ROLE" --auth=trust -E UTF8 \
            --locale=C.UTF-8 --no-sync 2>&1) || { echo "$out" >&2; die "initdb failed"; }
    fi

    if is_running; then
        local running_port
        running_port=$(sed -n 4p "$DIR/postmaster.pid")
        [[ $running_port == "$PORT" ]] \
            || die "the cluster in $DIR is already running, but on port $running_port"
        say "already running on 127.0.0.1:$PORT"
    else
        say "starting on 127.0.0.1:$PORT (log: $DIR/server.log)"
        if ! as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
            -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            tail -n 20 "$DIR/server.log" >&2 || true
            die "PostgreSQL did not start (is port $PORT already in use?)"
        fi
    fi

    local exists
    exists=$(as_owner "$BIN/psql" -h "$DIR" -p "$PORT" -U "$ROLE" -d postgres -XtAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")
    if [[ $exists == 1 ]]; then
        say "database $DATABASE already exists"
    else
        as_owner "$BIN/createdb" -h "$DIR" -p "$PORT" -U "$ROLE" -O "$ROLE" "$DATABASE"
        say "created database $DATABASE owned by $ROLE"
    fi
    echo "postgresql://$ROLE@127.0.0.1:$PORT/$DATABASE"
}

stop() {
    if [[ ! -f $DIR/PG_VERSION ]]; then
        say "no cluster in $DIR; nothing to stop"
        return
    fi
    BIN=$(find_bindir) || die "PostgreSQL (pg_ctl) is not installed"
    if is_running; then
        as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w -t 60 stop >/dev/null
        say "stopped the cluster in $DIR"
    else
        say "the cluster in $DIR is not running"
    fi
}

(($# >= 1)) || usage
case $1 in
start)
    (($# == 3)) || usage
    DIR=$(realpath -m "$2") PORT=$3
    start
    ;;
stop)
    (($# == 2)) || usage
    DIR=$(realpath -m "$2")
    stop
    ;;
*) usage ;;
esac
