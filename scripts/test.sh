#!/usr/bin/env bash
# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
# Run the test suite.
#   scripts/test.sh [sqlite|postgresql] [pytest arguments...]
# Default: every addon's tests and tests/ on SQLite in memory.  postgresql:
# a throwaway cluster (scripts/pg_cluster.sh) removed at the end; set
# CRM_PG_URI=postgresql://user@host:port/ to use an existing server instead.
# JOBS=n runs the tests in n processes (pytest-xdist); by default the whole
# suite (no pytest arguments) uses one process more than the cores and
# other runs one process.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB="${1:-${DB:-sqlite}}"
[ $# -gt 0 ] && shift

"$ROOT/scripts/bootstrap.sh"

# Chromium and sao serve the browser tests (tests/test_browser.py): only
# installed when the run includes them (all tests, or tests/).
browser_tests=false
if [ $# -eq 0 ]; then
    browser_tests=true
else
    for arg in "$@"; do
        case "$arg" in
        tests|tests/|tests/test_browser*|./tests|./tests/|./tests/test_browser*) browser_tests=true ;;
        esac
    done
fi
if [ "$browser_tests" = true ]; then
    if [ ! -x /usr/bin/chromium ]; then
        log "installing Debian chromium for the browser tests"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium
    fi
    # sao, the web client the browser tests drive (skipped when installed).
    # Without it (no npm, no network) they skip, except under CI=true.
    if ! "$ROOT/scripts/sao.sh"; then
        [ "${CI:-}" = true ] && die "sao could not be installed"
        log "sao could not be installed: the browser tests will be skipped"
    fi
fi

# LibreOffice renders the PDFs of quotes, orders and invoices and poppler
# reads them back (crm_sales' document tests; skipped without them, except
# under CI=true): Debian's packages, installed when missing.
ensure_libreoffice

# Initialised databases are cached per hash of the addons' sources and the
# Tryton versions (trytond keys its cache by module names only).
hash="$("$PY" "$ROOT/scripts/addons_hash.py" "$ROOT")"
mkdir -p "$ROOT/.cache/db"
# (other hashes are kept an hour: runs of other checkouts may still use them)
find "$ROOT/.cache/db" -mindepth 1 -maxdepth 1 ! -name "$hash" -mmin +60 \
    -exec rm -rf {} +
export DB_CACHE="$ROOT/.cache/db/$hash"
mkdir -p "$DB_CACHE"

case "$DB" in
sqlite)
    export TRYTOND_DATABASE_URI=sqlite:// DB_NAME=:memory:
    ;;
postgresql|postgres|pg)
    if [ -n "${CRM_PG_URI:-}" ]; then
        uri="$CRM_PG_URI"
    else
        pgdir="$(mktemp -d "${TMPDIR:-/tmp}/crm-pg.XXXXXX")"
        trap '"$ROOT/scripts/pg_cluster.sh" stop "$pgdir"' EXIT
        trap 'exit 130' INT TERM
        uri="$("$ROOT/scripts/pg_cluster.sh" start "$pgdir")"
    fi
    # (each pytest-xdist worker adds its id: conftest.py)
    export TRYTOND_DATABASE_URI="$uri" DB_NAME="test_crm_$$"
    ;;
*) die "unknown DB '$DB' (sqlite or postgresql)" ;;
esac

# Parallel processes: the databases every test case shares are built once
# in DB_CACHE (under a lock) and copied by each process.  A test file or
# test case class stays in one process (loadscope), in the order set by
# conftest.py (databases built side by side), not xdist's (by size).
# A whole-suite run takes one process more than the cores: the browser
# tests wait on sao and the processes on each other's database builds
# (the SQLite pass on 2 cores: 1213 s with 2 processes, 1106 s with 3,
# the cores then 2.8 % idle).
jobs="${JOBS:-}"
if [ -z "$jobs" ]; then
    if [ $# -eq 0 ]; then
        jobs=$(( $(nproc 2>/dev/null || echo 1) + 1 ))
    else
        jobs=1
    fi
fi
parallel=()
if [ "$jobs" != 1 ] && [ "$jobs" != 0 ]; then
    parallel=(-n "$jobs" --dist loadscope --no-loadscope-reorder)
fi

cd "$ROOT"
if [ $# -eq 0 ]; then
    set -- addons/*/tests tests
fi
log "pytest on $DB ($TRYTOND_DATABASE_URI) in $jobs process(es) DB_CACHE=$DB_CACHE"
set +e
"$PY" -m pytest "${parallel[@]}" "$@"
rc=$?
set -e
exit $rc
