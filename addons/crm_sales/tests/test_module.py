# This file is part of the CRM for Tryton.
"""Tests of the crm_sales module."""
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmSalesTestCase(FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_sales module"
    module = 'crm_sales'
    functional_group = ('group_sales', "CRM Sales", 'menu_sales')


del ModuleTestCase
