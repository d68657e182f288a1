# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""CRM core: accounts, contacts, ownership, roles and sharing rules."""
