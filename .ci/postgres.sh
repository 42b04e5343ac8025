#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and prints its URL.
#
#   bash .ci/postgres.sh [DIR]        # start (default DIR: target/postgres)
#   bash .ci/postgres.sh stop [DIR]   # stop it
#
# Installs Debian's `postgresql` if missing, initialises a cluster under
# DIR/data as user `postgres` (initdb refuses root), and starts it on
# 127.0.0.1:${PHOENIX_POSTGRES_PORT:-5499} unless it already runs. Safe to
# run again; a stale cluster (crashed server, left-over pid file) is
# restarted. Prints postgres://postgres@127.0.0.1:PORT/postgres on stdout,
# everything else on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

action=start
if [ "${1:-}" = "stop" ] || [ "${1:-}" = "start" ]; then
    action=$1
    shift
fi
dir=${1:-target/postgres}
port=${PHOENIX_POSTGRES_PORT:-5499}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
log() { printf '%s\n' "$*" >&2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "$action" = "stop" ]; then
    if [ -n "$bin" ] && [ -f "$data/postmaster.pid" ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >&2 || true
    fi
    exit 0
fi

if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    log "installing Debian's postgresql"
    apt-get update -qq >&2
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
fi

# A cluster of another major version (or half-initialised) is thrown away.
if [ -d "$data" ] && [ ! -f "$data/PG_VERSION" ]; then
    log "removing an incomplete cluster in $data"
    rm -rf "$data"
fi
if [ ! -d "$data" ]; then
    log "initialising a cluster in $data"
    as_postgres "$bin/initdb" -D "$data" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >&2
fi

url=postgres://postgres@127.0.0.1:$port/postgres
ready() { as_postgres "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; }

# The pid file of a postmaster that died (killed, machine restarted): its
# pid is gone or a zombie. Its children exit by themselves shortly after.
stale_pid_file() {
    local pid state
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] || return 0
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 0
    [ "$state" = Z ]
}

if ready; then
    echo "$url"
    exit 0
fi
log "starting PostgreSQL on 127.0.0.1:$port"
# Bounded: 6 attempts of at most 10 s to start plus 5 s to accept connections.
for _ in 1 2 3 4 5 6; do
    if [ -f "$data/postmaster.pid" ] && stale_pid_file; then
        log "removing the stale pid file of a dead server"
        rm -f "$data/postmaster.pid"
    fi
    as_postgres "$bin/pg_ctl" -D "$data" -l "$dir/log" -w -t 10 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" \
        start >&2 || true
    for _ in $(seq 1 10); do
        if ready; then
            echo "$url"
            exit 0
        fi
        sleep 0.5
    done
done
log "PostgreSQL did not accept connections on 127.0.0.1:$port; the end of $dir/log:"
tail -n 30 "$dir/log" >&2 || true
exit 1
