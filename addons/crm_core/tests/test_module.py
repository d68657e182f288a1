"""ORM-level tests of the CRM core."""
from trytond.modules.company.tests import (
    CompanyTestMixin, PartyCompanyCheckEraseMixin)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.tests.test_tryton import ModuleTestCase

from .test_accounts import AccountTestMixin
from .test_sharing import SharingTestMixin
from .test_side_doors import SideDoorTestMixin


class CrmCoreTestCase(
        SharingTestMixin, SideDoorTestMixin, AccountTestMixin,
        PartyCompanyCheckEraseMixin, PartyCheckReplaceMixin,
        CompanyTestMixin, ModuleTestCase):
    "Test the CRM core module"
    module = 'crm_core'

    @property
    def _skip_company_rule(self):
        # Only CRM parties have a company: the rule spares the others
        return super()._skip_company_rule | {('party.party', 'crm_company')}


del ModuleTestCase
