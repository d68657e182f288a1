# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tests of the crm_sales module."""
from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmSalesTestCase(
        CrmModulesTestMixin, FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_sales module"
    module = 'crm_sales'
    functional_group = ('group_sales', "CRM Sales", 'menu_sales')


del ModuleTestCase
