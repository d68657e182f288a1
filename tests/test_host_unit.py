# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The host's own unit test cases pass with all CRM modules active.

Integrators run their modules' tests beside the CRM: the ``ModuleTestCase``
of the host modules the CRM extends most (party, company and
sale_opportunity) must pass unchanged with the CRM active, including their
generic checks (views, depends, company rules...).  Each runs on the
database every CRM test case shares (one activation per run).

The host's modules are imported as modules, not their classes: a test case
class bound here would also be collected without the CRM."""
from crm_core.tests.activation import CrmModulesTestMixin, modules_with_crm
from trytond.modules.company.tests import test_module as company_tests
from trytond.modules.party.tests import test_module as party_tests
from trytond.modules.sale_opportunity.tests import (
    test_module as sale_opportunity_tests)

from crm_testing import MODULES


class HostWithCrm(CrmModulesTestMixin):
    "Check that the test case runs with every CRM module active."

    def test_crm_modules_activated(self):
        "All CRM modules are active beside the host's module"
        from trytond.pool import Pool
        from trytond.tests.test_tryton import with_transaction

        @with_transaction()
        def states():
            Module = Pool().get('ir.module')
            return {
                m.name: m.state for m in Module.search([
                        ('name', 'in', list(MODULES) + [self.module]),
                        ])}
        self.assertEqual(states(), {
                m: 'activated' for m in [*MODULES, self.module]})
        self.assertEqual(modules_with_crm(self.module), sorted(MODULES))


class PartyTestCase(HostWithCrm, party_tests.PartyTestCase):
    "The host's party tests with the CRM active"


class CompanyTestCase(HostWithCrm, company_tests.CompanyTestCase):
    "The host's company tests with the CRM active"


class SaleOpportunityTestCase(
        HostWithCrm, sale_opportunity_tests.SaleOpportunityTestCase):
    "The host's sale_opportunity tests with the CRM active"
