#!/usr/bin/env bash
# Create or update the virtualenv: requirements.txt and every addon in
# editable mode.  Skipped when nothing changed since the last run (stamp).
# The test-only modules (tests/modules/*) are never installed: the tests
# put them on their path (conftest.py); one an earlier version installed is
# removed, so that the demo does not offer it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ ! -x "$PY" ]; then
    log "creating virtualenv $VENV"
    python3 -m venv "$VENV"
fi

sources=()
for m in $MODULES; do sources+=("$ROOT/addons/$m"); done
pyprojects=()
for source in "${sources[@]}"; do pyprojects+=("$source/pyproject.toml"); done
stamp_value="$(cat "$ROOT/requirements.txt" "${pyprojects[@]}" | sha256sum | cut -c1-32)"
stamp="$VENV/.crm-bootstrap"

if [ "$(cat "$stamp" 2>/dev/null)" != "$stamp_value" ]; then
    log "installing requirements and addons into $VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
    editable=()
    for source in "${sources[@]}"; do editable+=(-e "$source"); done
    "$PY" -m pip install --quiet --disable-pip-version-check \
        -r "$ROOT/requirements.txt" "${editable[@]}"
    echo "$stamp_value" > "$stamp"
else
    log "virtualenv up to date ($VENV)"
fi

for module_dir in "$ROOT"/tests/modules/*/; do
    name="$(basename "$module_dir")"
    [[ "$name" == *.dist-info ]] && continue
    if compgen -G "$VENV/lib/python3*/site-packages/$name-*.dist-info" >/dev/null; then
        log "removing the test-only module $name from $VENV"
        "$PY" -m pip uninstall --quiet --disable-pip-version-check -y "$name"
    fi
done
