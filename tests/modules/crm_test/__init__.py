# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""A CRM record type for tests only: a second owned type with an action.

Installed by scripts/bootstrap.sh beside the addons and activated only in
test databases; it shows how a module adopts ownership and adds a profile
action, and lets crm_core test profiles on more than one record type."""
