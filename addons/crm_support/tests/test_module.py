# This file is part of the CRM for Tryton.
"""Tests of the crm_support module."""
from crm_core.tests.tools import FunctionalGroupTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmSupportTestCase(FunctionalGroupTestMixin, ModuleTestCase):
    "Test crm_support module"
    module = 'crm_support'
    functional_group = ('group_support', "CRM Support", 'menu_support')


del ModuleTestCase
