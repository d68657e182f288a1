# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Reply to a ticket from a saved reply or a published FAQ."""
import unittest

from crm_core.tests.tools import acting_as, set_sharing
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..ticket_reply import html_to_text
from .support_fixtures import SupportFixtures, run_wizard


class CrmTicketReplyTestCase(SupportFixtures, unittest.TestCase):
    "Test the replies to tickets"

    def test_html_to_text(self):
        "A FAQ's answer becomes lines of text, entities decoded"
        self.assertEqual(html_to_text(
                '<p>Open <b>tray&nbsp;2</b> &amp; wait.</p>'
                '<ol><li>Pull</li><li>Push</li></ol><script>x()</script>'),
            "Open tray\xa02 & wait.\nPull\nPush")

    @with_transaction()
    def test_compose_and_post(self):
        "A saved reply and a FAQ fill the reply, posted for the customer"
        pool = Pool()
        Start = pool.get('crm.ticket.reply.start')
        Reply = pool.get('crm.ticket.canned_reply')
        Channel = pool.get('ir.chat.channel')
        Ticket = pool.get('crm.ticket')
        Faq = pool.get('crm.faq')
        _, users = self._world()
        rep = users['support.rep']
        ticket = self._ticket()
        faq = self._faq()
        Faq.publish([faq])
        received, = Reply.search([('name', '=', "Received")])
        with acting_as(rep, self.company):
            start = Start(content="Hello Peter,")
            start.canned_reply = received
            start.on_change_canned_reply()
            start.faq = Faq(faq.id)
            start.on_change_faq()
        self.assertEqual(start.content, (
                "Hello Peter,\n\n" + received.text
                + "\n\nHow do I clear a paper jam?\nOpen tray 2."))
        self.assertIsNone(start.faq)

        run_wizard(rep, self.company, 'crm.ticket.reply', [ticket], [
                ('start', {'audience': 'public', 'content': start.content}),
                ('post', None)])
        message, = Channel.get(ticket)
        self.assertEqual(
            (message['content'], message['audience'], message['author']),
            (start.content, 'public', rep.rec_name))
        # (a reply for the customer is the first response)
        self.assertTrue(Ticket(ticket.id).first_response_date)

    @with_transaction()
    def test_reply_hidden_ticket(self):
        "Nobody replies to a ticket it may not read"
        Channel = Pool().get('ir.chat.channel')
        _, users = self._world()
        ticket = self._ticket(owner='support.rep2')
        with self.assertRaises(AccessError):
            run_wizard(users['support.rep'], self.company, 'crm.ticket.reply',
                [ticket], [
                    ('start', {'content': "Hi"}), ('post', None)])
        self.assertEqual(Channel.get(ticket), [])

    @with_transaction()
    def test_reply_read_only_ticket(self):
        """A ticket shared read only gets no reply from the wizard, and a
        comment of its reader is not its first response"""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Ticket = pool.get('crm.ticket')
        _, users = self._world()
        set_sharing('crm.ticket', 'public_read')
        reader = users['support.rep2']
        ticket = self._ticket()
        with self.assertRaises(AccessError):
            run_wizard(reader, self.company, 'crm.ticket.reply', [ticket], [
                    ('start', {'content': "Hi"}), ('post', None)])
        self.assertEqual(Channel.get(ticket), [])
        # as over RPC: the host's chat asks only for the right to read
        with Transaction().set_user(reader.id):
            Channel.post(ticket, "Seen it too", 'public')
        self.assertIsNone(Ticket(ticket.id).first_response_date)
