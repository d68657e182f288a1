# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""ORM-level tests of the CRM core."""
from trytond.modules.company.tests import (
    CompanyTestMixin, PartyCompanyCheckEraseMixin)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.tests.test_tryton import ModuleTestCase

from .activation import CrmModulesTestMixin
from .test_accounts import AccountTestMixin
from .test_activities import ActivityTestMixin
from .test_activity_reminders import ActivityReminderTestMixin
from .test_dashboards import DashboardTestMixin
from .test_report_builder import ReportBuilderTestMixin
from .test_report_schedule import ReportScheduleTestMixin
from .test_report_export import ReportExportTestMixin
from .test_request_doors import RequestDoorTestMixin
from .test_sharing import SharingTestMixin
from .test_side_doors import SideDoorTestMixin
from .test_tags import TagTestMixin


class CrmCoreTestCase(
        CrmModulesTestMixin,
        SharingTestMixin, SideDoorTestMixin, RequestDoorTestMixin,
        AccountTestMixin, ActivityTestMixin, ActivityReminderTestMixin,
        TagTestMixin, DashboardTestMixin, ReportBuilderTestMixin,
        ReportScheduleTestMixin,
        ReportExportTestMixin,
        PartyCompanyCheckEraseMixin, PartyCheckReplaceMixin,
        CompanyTestMixin, ModuleTestCase):
    "Test the CRM core module"
    module = 'crm_core'


del ModuleTestCase
