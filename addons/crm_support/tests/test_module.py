# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tests of the crm_support module."""
from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmSupportTestCase(
        CrmModulesTestMixin, FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_support module"
    module = 'crm_support'
    functional_group = ('group_support', "CRM Support", 'menu_support')


del ModuleTestCase
