# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tickets: numbering, workflow, history, response times, bad input."""
import datetime
import unittest

from crm_core.tests.tools import acting_as, rpc_call
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .support_fixtures import SupportFixtures


def changes(ticket):
    "Return the ticket's history as (field, old, new, user login) rows."
    Change = Pool().get('crm.change')
    rows = Change.search(
        [('resource', '=', str(ticket))], order=[('id', 'ASC')])
    return [(c.field, c.old_value, c.new_value, c.user.login) for c in rows]


class CrmTicketTestCase(SupportFixtures, unittest.TestCase):
    "Test trouble tickets"

    @with_transaction()
    def test_number_per_company_sequence(self):
        "Tickets are numbered TT-000001, TT-000002 ..."
        self._world()
        first = self._ticket()
        second = self._ticket()
        self.assertRegex(first.number, r'^TT-\d{6}$')
        self.assertEqual(
            int(second.number[3:]), int(first.number[3:]) + 1)
        self.assertEqual(
            second.rec_name, f"{second.number} Printer jams on page 2")

    @with_transaction()
    def test_workflow_and_history(self):
        "Open -> In Progress -> Wait -> Closed -> reopened, all in history"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        _, users = self._world()
        rep = users['support.rep']
        ticket = self._ticket()
        self.assertEqual((ticket.state, ticket.status.name), ('open', "Open"))

        with acting_as(rep, self.company):
            Ticket.start([Ticket(ticket.id)])
            Ticket.wait([Ticket(ticket.id)])
            Ticket.write([Ticket(ticket.id)], {'priority': 'urgent'})
            # no solution: refused, nothing changes
            with self.assertRaises(ValidationError) as cm:
                Ticket.close([Ticket(ticket.id)])
            self.assertEqual(cm.exception.message, gettext(
                    'crm_support.msg_ticket_close_without_solution',
                    ticket=ticket.rec_name))
            self.assertEqual(Ticket(ticket.id).state, 'wait_for_response')
            Ticket.write([Ticket(ticket.id)], {'solution': "Replaced roller"})
            Ticket.close([Ticket(ticket.id)])

        ticket = Ticket(ticket.id)
        self.assertEqual((ticket.state, ticket.status.name),
            ('closed', "Closed"))
        self.assertTrue(ticket.closed_date)
        self.assertEqual(
            ticket.resolution_time, ticket.closed_date - ticket.create_date)

        with acting_as(rep, self.company):
            Ticket.reopen([Ticket(ticket.id)])
        ticket = Ticket(ticket.id)
        self.assertEqual(ticket.state, 'open')
        self.assertEqual(ticket.reopened, 1)
        self.assertIsNone(ticket.closed_date)
        self.assertIsNone(ticket.resolution_time)

        self.assertEqual(changes(ticket), [
                ('state', "Open", "In Progress", 'support.rep'),
                ('status', "Open", "In Progress", 'support.rep'),
                ('state', "In Progress", "Wait For Response", 'support.rep'),
                ('status', "In Progress", "Wait For Response",
                    'support.rep'),
                ('priority', "Normal", "Urgent", 'support.rep'),
                ('solution', None, "Replaced roller", 'support.rep'),
                ('state', "Wait For Response", "Closed", 'support.rep'),
                ('status', "Wait For Response", "Closed", 'support.rep'),
                ('state', "Closed", "Open", 'support.rep'),
                ('status', "Closed", "Open", 'support.rep'),
                ])

    @with_transaction()
    def test_history_of_owner(self):
        "A change of owner is in the history, with who made it"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        ticket = self._ticket()
        with acting_as(users['support.manager'], self.company):
            Ticket.write([Ticket(ticket.id)], {
                    'assigned_user': users['support.rep2'].id})
        self.assertEqual(changes(ticket), [(
                    'assigned_user', users['support.rep'].rec_name,
                    users['support.rep2'].rec_name, 'support.manager')])

    @with_transaction()
    def test_history_read_only(self):
        "Nobody writes, creates or deletes the history"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Change = pool.get('crm.change')
        _, users = self._world()
        ticket = self._ticket()
        Ticket.write([ticket], {'priority': 'high'})
        change, = Change.search([('resource', '=', str(ticket))])
        with acting_as(users['support.manager'], self.company):
            self.assertEqual(
                Change.search([('resource', '=', str(ticket))]), [change])
            for call in [
                    lambda: Change.write([change], {'new_value': "Low"}),
                    lambda: Change.delete([change]),
                    lambda: Change.create([{
                                'resource': str(ticket), 'field': 'title',
                                'new_value': "forged"}]),
                    ]:
                with self.assertRaises(AccessError):
                    call()
        self.assertEqual(Change(change.id).new_value, "High")

    @with_transaction()
    def test_history_hidden_with_ticket(self):
        "The history of a ticket the user may not read is not read"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Change = pool.get('crm.change')
        _, users = self._world()
        ticket = self._ticket()
        Ticket.write([ticket], {'priority': 'high'})
        change, = Change.search([('resource', '=', str(ticket))])
        with acting_as(users['support.rep2'], self.company):
            self.assertEqual(
                Change.search([('resource', '=', str(ticket))]), [])
            with self.assertRaises(AccessError):
                Change.read([change.id], ['new_value'])

    @with_transaction()
    def test_contact_of_account(self):
        "The contact must be of the ticket's account"
        Ticket = Pool().get('crm.ticket')
        self._world()
        account, contact = self._account()
        other, _ = self._account("Initrode")
        ticket = self._ticket(account=account.id, contact=contact.id)
        with self.assertRaises(ValidationError) as cm:
            Ticket.write([ticket], {'account': other.id})
        self.assertEqual(cm.exception.message, gettext(
                'crm_support.msg_ticket_contact_account',
                ticket=ticket.rec_name, contact=contact.rec_name,
                account=other.rec_name))

    @with_transaction()
    def test_account_of_other_company(self):
        "A ticket is for an account of its own company"
        self._world()
        other_company = create_company(name="Other Co")
        account, _ = self._account("Elsewhere", company=other_company)
        with self.assertRaises(ValidationError) as cm:
            self._ticket(account=account.id)
        self.assertRegex(cm.exception.message,
            r'^Ticket "TT-\d{6} Printer jams on page 2" cannot be for '
            r'account "Elsewhere": the account belongs to another company')

    @with_transaction()
    def test_markup_is_text(self):
        "Markup in a title and description is stored as typed"
        self._world()
        title = '<script>alert("x")</script> & <b>bold</b>'
        ticket = self._ticket(title=title, description=title)
        self.assertEqual(ticket.title, title)
        self.assertEqual(ticket.description, title)

    @with_transaction()
    def test_server_fields_over_rpc(self):
        "A client writes no state, number or time of a ticket"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        rep = users['support.rep']
        ticket = self._ticket()
        for values in [
                {'state': 'closed'}, {'number': "TT-1"},
                {'first_response_date': datetime.datetime(2020, 1, 1)},
                {'reopened': 7}]:
            with self.assertRaises(AccessError):
                rpc_call(rep, Ticket, 'write', [ticket.id], values,
                    company=self.company)
        ticket = Ticket(ticket.id)
        self.assertEqual((ticket.state, ticket.reopened), ('open', 0))
        self.assertIsNone(ticket.first_response_date)
        with self.assertRaises(AccessError):
            rpc_call(rep, Ticket, 'create', [{
                        'company': self.company.id, 'title': "Forged",
                        'state': 'closed', 'solution': "none"}],
                company=self.company)
        # the defaults a client sends are accepted
        ticket_id, = rpc_call(rep, Ticket, 'create', [{
                    'company': self.company.id, 'title': "From sao",
                    'state': 'open', 'reopened': 0, 'number': None}],
            company=self.company)
        self.assertRegex(Ticket(ticket_id).number, r'^TT-')

    @with_transaction()
    def test_first_response(self):
        "The first comment for the customer by a user is the first response"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Channel = pool.get('ir.chat.channel')
        Message = pool.get('ir.chat.message')
        _, users = self._world()
        rep = users['support.rep']
        ticket = self._ticket()
        channel = Channel._get_channel(ticket)
        # the customer's own e-mail is no response
        Message.create([{'channel': channel.id, 'email': 'peter@example.com',
                    'audience': 'public', 'content': "Still jammed"}])
        # as over RPC: the channel checks the access itself
        with Transaction().set_user(rep.id):
            Channel.post(ticket, "Looking at the logs", 'internal')
        self.assertIsNone(Ticket(ticket.id).first_response_date)
        with Transaction().set_user(rep.id):
            Channel.post(ticket, "Please open tray 2", 'public')
            first = Ticket(ticket.id).first_response_date
            Channel.post(ticket, "Any news?", 'public')
        ticket = Ticket(ticket.id)
        self.assertEqual(ticket.first_response_date, first)
        self.assertEqual(
            ticket.first_response_time, first - ticket.create_date)

    @with_transaction()
    def test_split_copy(self):
        "A duplicated ticket is new, open, numbered, and links back"
        Ticket = Pool().get('crm.ticket')
        self._world()
        ticket = self._ticket(solution="Done")
        Ticket.close([ticket])
        copy, = Ticket.copy([ticket])
        self.assertEqual(copy.split_from, ticket)
        self.assertNotEqual(copy.number, ticket.number)
        self.assertEqual((copy.state, copy.status.name), ('open', "Open"))
        self.assertIsNone(copy.solution)
        self.assertIsNone(copy.closed_date)
        self.assertEqual(copy.crm_changes, ())

    @with_transaction()
    def test_status_labels(self):
        "A ticket shows a label of its state, configurable"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Status = pool.get('crm.ticket.status')
        self._world()
        waiting, = Status.create([{
                    'name': "Waiting on vendor",
                    'state': 'wait_for_response'}])
        ticket = self._ticket()
        Ticket.wait([ticket])
        Ticket.write([ticket], {'status': waiting.id})
        self.assertEqual(Ticket(ticket.id).status, waiting)
        with self.assertRaises(ValidationError):
            Ticket.write([ticket], {
                    'status': Status.first_of_state('closed')})

    @with_transaction()
    def test_delete_by_profile(self):
        """Deleting tickets is the profiles' to grant: a support rep may
        not, even its own; the support manager may"""
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        ticket = self._ticket()
        other = self._ticket()
        with self.assertRaises(AccessError):
            rpc_call(users['support.rep'], Ticket, 'delete', [ticket.id],
                company=self.company)
        self.assertEqual(
            Ticket.search([('id', 'in', [ticket.id, other.id])], order=[]),
            [ticket, other])
        rpc_call(users['support.manager'], Ticket, 'delete', [ticket.id],
            company=self.company)
        self.assertEqual(
            Ticket.search([('id', 'in', [ticket.id, other.id])]), [other])
