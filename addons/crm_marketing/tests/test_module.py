# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tests of the crm_marketing module."""
from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmMarketingTestCase(
        CrmModulesTestMixin, FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_marketing module"
    module = 'crm_marketing'
    functional_group = ('group_marketing', "CRM Marketing", 'menu_marketing')


del ModuleTestCase
