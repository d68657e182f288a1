# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
# Shared helpers for the scripts in this folder (sourced, not run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root for: $*"
    fi
}

# Print the 'depends' of the [tryton] section of a tryton.cfg, one a line.
cfg_depends() {
    awk '
        /^\[/ { section = $0; on = 0; next }
        section == "[tryton]" && /^depends[ \t]*[:=]/ {
            on = 1; sub(/^depends[ \t]*[:=][ \t]*/, ""); if (NF) print $1; next
        }
        on && /^[ \t]+[^ \t]/ { print $1; next }
        { on = 0 }
    ' "$1"
}

# Print the CRM modules (addons/*/tryton.cfg), each after the CRM modules
# it depends on, in alphabetical order within a level (as crm_modules() of
# tests/crm_testing.py).
crm_modules() {
    local -A depends=()
    local cfg name dep ready placed=" " count=0 names level
    for cfg in "$ROOT"/addons/*/tryton.cfg; do
        name="$(basename "$(dirname "$cfg")")"
        depends[$name]="$(cfg_depends "$cfg" | tr '\n' ' ')"
    done
    names="$(printf '%s\n' "${!depends[@]}" | LC_ALL=C sort)"
    while [ "$count" -lt "${#depends[@]}" ]; do
        level=()
        for name in $names; do
            [[ "$placed" == *" $name "* ]] && continue
            ready=1
            for dep in ${depends[$name]}; do
                if [ -n "${depends[$dep]+x}" ] && [[ "$placed" != *" $dep "* ]]; then
                    ready=0
                    break
                fi
            done
            [ "$ready" = 1 ] && level+=("$name")
        done
        [ "${#level[@]}" -gt 0 ] || die "dependency cycle among the addons"
        for name in "${level[@]}"; do
            placed+="$name "
            printf '%s\n' "$name"
        done
        count=$((count + ${#level[@]}))
    done
}

MODULES="$(crm_modules | paste -sd ' ' -)"

# LibreOffice (PDFs of the reports) and poppler (reading them back): Debian's
# packages, installed when missing; without them the reports stay ODT (and
# their PDF tests skip), except under CI=true, which fails.
ensure_libreoffice() {
    command -v soffice >/dev/null && command -v pdftotext >/dev/null && return 0
    log "installing Debian libreoffice-writer-nogui and poppler-utils (PDF reports)"
    if ! { as_root apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
                --no-install-recommends libreoffice-writer-nogui poppler-utils; }; then
        [ "${CI:-}" = true ] && die "LibreOffice could not be installed"
        log "LibreOffice could not be installed: reports stay ODT"
    fi
    return 0
}
