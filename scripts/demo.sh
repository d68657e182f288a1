#!/usr/bin/env bash
# Demo: venv, sao, config in var/, SQLite database crm_demo with all CRM
# modules and demo data, then trytond in the foreground.  Steps already
# done are skipped (stamp files), so a second run starts at once.
# E-mails the demo sends (notifications, quotes ...) go to a local SMTP
# server that keeps them in var/mail (a Maildir), never to the Internet.
#   CRM_LISTEN=127.0.0.1:8000  CRM_ADMIN_PASSWORD=demo-admin
#   CRM_SMTP_PORT=8025  (environment)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LISTEN="${CRM_LISTEN:-127.0.0.1:8000}"
ADMIN_PASSWORD="${CRM_ADMIN_PASSWORD:-demo-admin}"
DATABASE=crm_demo
VAR="$ROOT/var"
CONF="$VAR/trytond.conf"
DB_DIR="$VAR/db"
LOGINS="$VAR/demo_logins.txt"
MAIL_DIR="$VAR/mail"
SMTP_PORT="${CRM_SMTP_PORT:-8025}"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/sao.sh"
ensure_libreoffice

mkdir -p "$DB_DIR"
cat > "$CONF" <<CONF
[database]
uri = sqlite://
path = $DB_DIR

[web]
listen = $LISTEN
root = $ROOT/sao

[email]
uri = smtp://127.0.0.1:$SMTP_PORT
from = CRM Demo <crm-demo@example.com>
CONF

admin() {
    local passfile
    passfile="$(mktemp)"
    printf '%s' "$ADMIN_PASSWORD" > "$passfile"
    TRYTONPASSFILE="$passfile" "$VENV/bin/trytond-admin" -c "$CONF" -d "$DATABASE" "$@" \
        || { rm -f "$passfile"; die "trytond-admin $* failed"; }
    rm -f "$passfile"
}

hash="$("$PY" "$ROOT/scripts/addons_hash.py" "$ROOT")"
db_file="$DB_DIR/$DATABASE.sqlite"
stamp="$DB_DIR/$DATABASE.stamp"
if [ ! -f "$stamp" ]; then
    log "creating database $DATABASE"
    rm -f "$db_file"
    touch "$db_file"
    admin --all --email admin@example.com
    log "activating $MODULES"
    # shellcheck disable=SC2086
    admin -u $MODULES --activate-dependencies
    echo "$hash" > "$stamp"
elif [ "$(cat "$stamp")" != "$hash" ]; then
    log "addons changed: updating database $DATABASE"
    # shellcheck disable=SC2086
    admin -u $MODULES --activate-dependencies
    echo "$hash" > "$stamp"
else
    log "database $DATABASE up to date"
fi

if [ ! -f "$LOGINS" ]; then
    echo "admin / $ADMIN_PASSWORD  (administrator)" > "$LOGINS.tmp"
    if [ -f "$ROOT/scripts/demo_data.py" ]; then
        log "loading demo data"
        if ! "$PY" "$ROOT/scripts/demo_data.py" --config "$CONF" \
                --database "$DATABASE" | tee -a "$LOGINS.tmp"; then
            rm -f "$stamp" "$LOGINS.tmp"
            die "demo data failed; the database is rebuilt on the next run"
        fi
    else
        log "no scripts/demo_data.py yet: database has no demo data"
    fi
    mv "$LOGINS.tmp" "$LOGINS"
fi

mkdir -p "$MAIL_DIR/cur" "$MAIL_DIR/new" "$MAIL_DIR/tmp"
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
    -c aiosmtpd.handlers.Mailbox "$MAIL_DIR" &
smtp_pid=$!
trap 'kill "$smtp_pid" 2>/dev/null' EXIT

cat <<MSG

  CRM demo: http://$LISTEN/  (database: $DATABASE)
  Logins:
$(sed 's/^/    /' "$LOGINS")
  E-mails sent: $MAIL_DIR (Maildir)

  Stop with Ctrl-C.  Start afresh: rm -rf var && make demo
MSG
"$VENV/bin/trytond" -c "$CONF" -d "$DATABASE"
