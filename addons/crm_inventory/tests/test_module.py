# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tests of the crm_inventory module."""
from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmInventoryTestCase(
        CrmModulesTestMixin, FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_inventory module"
    module = 'crm_inventory'
    functional_group = ('group_inventory', "CRM Inventory", 'menu_inventory')


del ModuleTestCase
