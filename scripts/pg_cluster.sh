#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests.
#   pg_cluster.sh start DIR   initdb into DIR, start it on a free port of
#                             127.0.0.1 (socket in DIR), print its URI
#   pg_cluster.sh stop DIR    stop it and remove DIR
# Installs Debian's postgresql when the binaries are missing.  As root the
# server runs as the `postgres` user (or `nobody`): initdb refuses root.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop DIR"

pg_bin() {
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        log "installing postgresql (binaries missing)"
        as_root apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
        bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    fi
    echo "$bin"
}

run_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
else
    PG_USER="$(id -un)"
fi

case "$cmd" in
start)
    bin="$(pg_bin)"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    run_as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    run_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null \
        || { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    echo "postgresql://postgres@127.0.0.1:$port/" | tee "$dir/uri"
    ;;
stop)
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
        run_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*) die "usage: $0 start|stop DIR" ;;
esac
