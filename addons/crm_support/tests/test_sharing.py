# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The sharing test kit applied to tickets and FAQ."""
import unittest

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.sharing_kit import OwnedType, SharingKitMixin
from trytond.pool import Pool


def create_kit_ticket(company, owner):
    "The sharing kit's factory of tickets."
    Ticket = Pool().get('crm.ticket')
    ticket, = Ticket.create([{
                'company': company.id, 'title': "Kit ticket", **owner}])
    return ticket


def create_kit_faq(company, owner):
    "The sharing kit's factory of FAQ."
    Faq = Pool().get('crm.faq')
    faq, = Faq.create([{
                'company': company.id, 'question': "Kit question?",
                **owner}])
    return faq


class CrmSupportSharingTestCase(SharingKitMixin, unittest.TestCase):
    "The sharing kit applied to tickets and FAQ"
    sharing_kit_types = [
        OwnedType('crm.ticket', create_kit_ticket,
            {'title': "Changed"}, label="Ticket"),
        OwnedType('crm.faq', create_kit_faq,
            {'question': "Changed?"}, label="FAQ"),
        ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_support')
