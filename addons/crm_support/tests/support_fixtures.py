# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The people and records of crm_support's tests."""
from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import create_crm_users
from trytond.pool import Pool

#: login -> (role, profile) of crm_core
SUPPORT_PEOPLE = {
    'support.rep': ('role_support_rep', 'group_crm_staff'),
    'support.rep2': ('role_support_rep', 'group_crm_staff'),
    'support.manager': ('role_support_manager', 'group_crm_manager'),
    }


class SupportFixtures:
    "Activation, support people, an account with a contact, tickets."

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_support')

    def _world(self):
        "Create the support people; return the company and the users."
        self.company, self.users = create_crm_users(users=SUPPORT_PEOPLE)
        return self.company, self.users

    def _account(self, name="Initech", owner='support.rep', company=None):
        "Return an account of company with one contact, both of owner."
        Party = Pool().get('party.party')
        company = company or self.company
        user = self.users[owner].id
        account, = Party.create([{
                    'name': name, 'crm_type': 'account',
                    'crm_company': company.id, 'assigned_user': user}])
        contact, = Party.create([{
                    'crm_type': 'contact', 'crm_company': company.id,
                    'first_name': "Peter", 'last_name': f"Gibbons {name}",
                    'account': account.id, 'assigned_user': user}])
        return account, contact

    def _ticket(self, owner='support.rep', **values):
        "Return a ticket of owner (without access checks)."
        Ticket = Pool().get('crm.ticket')
        ticket, = Ticket.create([{
                    'company': self.company.id,
                    'title': "Printer jams on page 2",
                    'assigned_user': self.users[owner].id,
                    **values}])
        return ticket

    def _faq(self, owner='support.rep', **values):
        "Return a FAQ of owner (without access checks)."
        Faq = Pool().get('crm.faq')
        faq, = Faq.create([{
                    'company': self.company.id,
                    'question': "How do I clear a paper jam?",
                    'answer': "<p>Open tray 2.</p>",
                    'assigned_user': self.users[owner].id,
                    **values}])
        return faq
