# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The round trip of every CRM form in sao (tests/browser_forms.py) by
a sales rep of the demo data."""
from browser_forms import admin, check_forms, demo_server
from sao_testing import browser, sao_dir

__all__ = ['admin', 'browser', 'demo_server', 'sao_dir']  # fixtures


def test_crm_forms_round_trip(browser, demo_server, admin):
    """Every CRM form of the menu (once per model and form view), opened
    from each tab, closed, edited and saved by sales.rep1, stores what was
    typed and nothing else; the list of every other menu entry opens"""
    check_forms(browser, demo_server, admin, 'sales.rep1',
        {'party.party', 'sale.opportunity', 'crm.quota'})
