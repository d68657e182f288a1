#!/usr/bin/env bash
# Install the sao web client (8.0 series, from npm) into sao/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAO_DIR="$ROOT/sao"
SAO_SPEC="${SAO_SPEC:-tryton-sao@8.0}"
stamp="$SAO_DIR/.crm-installed"

if [ -f "$stamp" ]; then
    log "sao already installed ($(cat "$stamp"))"
    exit 0
fi
command -v npm >/dev/null || die "npm is required to install sao (apt-get install -y npm)"

log "installing $SAO_SPEC into $SAO_DIR"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(cd "$tmp" && npm pack --silent "$SAO_SPEC" | tail -n1)"
rm -rf "$SAO_DIR"
mkdir -p "$SAO_DIR"
tar -xzf "$tmp/$tarball" -C "$SAO_DIR" --strip-components=1
(cd "$SAO_DIR" && npm install --omit=dev --legacy-peer-deps --no-audit --no-fund --silent)
[ -f "$SAO_DIR/index.html" ] || die "sao tarball has no index.html"
echo "${tarball%.tgz}" > "$stamp"
