"""ORM-level tests of the CRM core."""
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class CrmCoreTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the CRM core module"
    module = 'crm_core'

    @property
    def _skip_company_rule(self):
        # Only CRM parties have a company: the rule spares the others
        return super()._skip_company_rule | {('party.party', 'crm_company')}


del ModuleTestCase
