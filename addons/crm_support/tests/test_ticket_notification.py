# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The e-mails of tickets: notifications and the Send E-mail list action."""
import unittest

from crm_core.tests.tools import mocked_smtp, sent_messages, set_sharing
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .support_fixtures import SupportFixtures, run_wizard

CONTACT_EMAIL = 'peter.gibbons@initech.example.com'


def run_queue():
    """Run the tasks the transaction queued, as the dispatcher does after
    the commit of a request; return the e-mails they sent."""
    Queue = Pool().get('ir.queue')
    tasks = Transaction().tasks
    with mocked_smtp() as sent:
        while tasks:
            Queue(tasks.pop(0)).run()
    return sent_messages(sent)


class CrmTicketNotificationTestCase(SupportFixtures, unittest.TestCase):
    "Test the e-mails of tickets"

    def _mailed_world(self):
        """The support people with e-mail addresses, an account whose
        contact has one; return the contact."""
        pool = Pool()
        User = pool.get('res.user')
        Mechanism = pool.get('party.contact_mechanism')
        self._world()
        for login, user in self.users.items():
            User.write([user], {'email': f'{login}@crm.example.com'})
        self.account, contact = self._account()
        Mechanism.create([{'party': contact.id, 'type': 'email',
                    'value': CONTACT_EMAIL}])
        return contact

    def _rep_ticket(self, contact, **values):
        "A ticket created by support.rep over RPC."
        from crm_core.tests.tools import rpc_call
        Ticket = Pool().get('crm.ticket')
        rep = self.users['support.rep']
        ticket_id, = rpc_call(rep, Ticket, 'create', [{
                    'company': self.company.id,
                    'title': "Printer <b>jams</b> & smokes",
                    'description': "It jams.\nThen <script>x()</script>",
                    'account': self.account.id, 'contact': contact.id,
                    **values}], company=self.company)
        return Ticket(ticket_id)

    @with_transaction()
    def test_created(self):
        "The contact is told of its new ticket after the save, escaped"
        Email = Pool().get('ir.email')
        contact = self._mailed_world()
        with mocked_smtp() as sent:
            ticket = self._rep_ticket(contact)
        # (nothing sent within the save)
        sent.assert_not_called()
        (to, subject, html), = run_queue()
        self.assertIn(CONTACT_EMAIL, to)
        self.assertEqual(subject, f"[{ticket.number}] We received your "
            "request: Printer <b>jams</b> & smokes")
        self.assertIn("Printer &lt;b&gt;jams&lt;/b&gt; &amp; smokes", html)
        self.assertIn("Then &lt;script&gt;x()&lt;/script&gt;", html)
        self.assertNotIn("<script>", html)
        email, = Email.search([('resource', '=', str(ticket))])
        self.assertEqual(email.subject, subject)
        # (a notification is not the first response)
        self.assertIsNone(ticket.first_response_date)

    @with_transaction()
    def test_opt_out(self):
        "A contact that opted out of e-mail receives none"
        pool = Pool()
        Party = pool.get('party.party')
        Email = pool.get('ir.email')
        contact = self._mailed_world()
        Party.write([contact], {'email_opt_out': True})
        ticket = self._rep_ticket(contact)
        self.assertEqual(run_queue(), [])
        self.assertEqual(Email.search([('resource', '=', str(ticket))]), [])

    @with_transaction()
    def test_comment_and_close(self):
        """A comment for the customer and the close are mailed, an internal
        note is not"""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Ticket = pool.get('crm.ticket')
        contact = self._mailed_world()
        rep = self.users['support.rep']
        ticket = self._rep_ticket(contact)
        run_queue()
        with Transaction().set_user(rep.id):
            Channel.post(ticket, "Internal: ask R&D", 'internal')
            Channel.post(ticket, "Please restart it.\nThen <b>wait</b>",
                'public')
        Ticket.write([ticket], {'solution': "Replaced the fuser."})
        Ticket.close([ticket])
        comment, closed = run_queue()
        self.assertIn("New reply", comment[1])
        self.assertIn("<p>Please restart it.<br>Then &lt;b&gt;wait&lt;/b&gt;"
            "</p>", comment[2])
        self.assertNotIn("R&amp;D", comment[2])
        self.assertIn("Closed:", closed[1])
        self.assertIn("<p>Replaced the fuser.</p>", closed[2])

    @with_transaction()
    def test_merge_closes_silently(self):
        "The ticket closed by a merge is not mailed as closed"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        contact = self._mailed_world()
        rep = self.users['support.rep']
        keep = self._rep_ticket(contact)
        other = self._rep_ticket(contact)
        run_queue()
        run_wizard(rep, self.company, 'crm.ticket.merge', [keep, other],
            [('start', {'keep': keep.id}), ('merge', None)])
        self.assertEqual(Ticket(other.id).state, 'closed')
        self.assertFalse([s for _, s, _ in run_queue() if "Closed" in s])

    @with_transaction()
    def test_assigned(self):
        "The user a ticket is given to is told, not one who takes it"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        contact = self._mailed_world()
        rep, rep2 = self.users['support.rep'], self.users['support.rep2']
        ticket = self._rep_ticket(contact)
        run_queue()
        with Transaction().set_user(rep.id):
            Ticket.write([ticket], {'assigned_user': rep2.id})
        with Transaction().set_user(rep2.id):
            Ticket.write([ticket], {'assigned_user': rep2.id})
        (to, subject, html), = run_queue()
        self.assertIn('support.rep2@crm.example.com', to)
        self.assertIn("Assigned to you", subject)
        self.assertIn(rep.rec_name, html)

    @with_transaction()
    def test_template_emptied(self):
        "An event without template in the configuration mails nothing"
        Configuration = Pool().get('crm.configuration')
        contact = self._mailed_world()
        config = Configuration(1)
        self.assertTrue(config.ticket_created_template)
        config.ticket_created_template = None
        config.save()
        self._rep_ticket(contact)
        self.assertEqual(Transaction().tasks, [])

    @with_transaction()
    def test_bulk_without_notification(self):
        "Data loaded with the host's _notify off mails nothing"
        contact = self._mailed_world()
        values = {'account': self.account.id, 'contact': contact.id}
        with Transaction().set_context(_notify=False):
            self._ticket(**values)
        self.assertEqual(Transaction().tasks, [])
        self._ticket(**values)
        self.assertTrue(Transaction().tasks)

    @with_transaction()
    def test_send_email_list_action(self):
        """Send E-mail mails a template to the contact of each ticket, but
        those who opted out, and refuses a hidden ticket"""
        pool = Pool()
        Party = pool.get('party.party')
        Email = pool.get('ir.email')
        Template = pool.get('ir.email.template')
        ModelData = pool.get('ir.model.data')
        contact = self._mailed_world()
        rep, rep2 = self.users['support.rep'], self.users['support.rep2']
        mailed = self._rep_ticket(contact)
        globex, quiet = self._account(name="Globex")
        Party.write([quiet], {'email_opt_out': True})
        silent = self._ticket(account=globex.id, contact=quiet.id)
        hidden = self._ticket(owner='support.rep2')
        set_sharing('crm.ticket', 'private')
        run_queue()
        template = Template(ModelData.get_id(
                'crm_support', 'email_template_ticket'))

        def send(tickets):
            return run_wizard(rep, self.company, 'crm.send_email', tickets,
                [('start', {'template': template.id}), ('send', None)])
        with mocked_smtp() as sent:
            with self.assertRaises(AccessError):
                send([mailed, hidden])
            sent.assert_not_called()
            result = send([mailed, silent])
        self.assertEqual(
            (result['view']['defaults']['sent'],
                result['view']['defaults']['skipped']), (1, 1))
        self.assertIn(silent.rec_name, result['view']['defaults']['details'])
        (to, subject, _), = sent_messages(sent)
        self.assertIn(CONTACT_EMAIL, to)
        self.assertEqual(subject, f"[{mailed.number}] {mailed.title}")
        self.assertEqual(len(Email.search(
                    [('resource', '=', str(mailed))])), 2)
        # (an e-mail a user sends is the first response)
        self.assertTrue(mailed.first_response_date)
        self.assertEqual(rep2.id, hidden.assigned_user.id)
