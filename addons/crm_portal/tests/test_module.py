# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tests of the crm_portal module."""
from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmPortalTestCase(
        CrmModulesTestMixin, FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_portal module"
    module = 'crm_portal'
    functional_group = ('group_portal', "CRM Portal", 'menu_portal')


del ModuleTestCase
