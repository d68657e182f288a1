# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The people and records of crm_support's tests."""
from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import create_crm_users, rpc_call
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


def run_wizard(user, company, name, records, steps):
    """Run the wizard name on records as sao does, over the dispatcher (its
    transitions run without the caller's access checks): steps are
    (state, values) pairs executed in turn; values change the defaults of
    the view the state shows, which the next step sends (None: a state
    without view).  Return the result of the last step."""
    Wizard = Pool().get(name, type='wizard')
    context = {
        'active_model': records[0].__name__, 'active_id': records[0].id,
        'active_ids': [r.id for r in records]}

    def call(method, *args):
        return rpc_call(
            user, Wizard, method, *args, company=company, context=context)
    session_id, start, _ = call('create')
    result, data = None, {}
    try:
        for state, values in steps:
            result = call('execute', session_id, data, state)
            view = result.get('view')
            if view and values is not None:
                data = {view['state']: {
                        k: v for k, v in view['defaults'].items()
                        if '.' not in k} | values}
        return result
    finally:
        call('delete', session_id)
