# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Merge Tickets, driven over the dispatcher as sao drives it."""
import unittest

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .support_fixtures import SupportFixtures, run_wizard


def run_merge(user, company, tickets, keep):
    return run_wizard(user, company, 'crm.ticket.merge', tickets, [
            ('start', {'keep': keep.id}), ('merge', None)])


class CrmTicketMergeTestCase(SupportFixtures, unittest.TestCase):
    "Test the merge of tickets"

    @with_transaction()
    def test_merge(self):
        "Comments, attachments and history move; the other closes"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Channel = pool.get('ir.chat.channel')
        Attachment = pool.get('ir.attachment')
        Change = pool.get('crm.change')
        _, users = self._world()
        rep = users['support.rep']
        account, contact = self._account()
        keep = self._ticket(account=account.id)
        other = self._ticket(account=account.id, title="Same jam")
        Channel.post(other, "Customer called twice", 'public')
        Attachment.create([{
                    'resource': str(other), 'name': "photo.jpg",
                    'data': b'jpeg'}])
        Ticket.write([other], {'priority': 'high'})

        run_merge(rep, self.company, [keep, other], keep)

        other = Ticket(other.id)
        self.assertEqual((other.state, other.merged_into), ('closed', keep))
        self.assertEqual(other.solution, gettext(
                'crm_support.msg_ticket_merged_solution',
                ticket=keep.rec_name))
        contents = [m['content'] for m in Channel.get(keep)]
        self.assertIn("Customer called twice", contents)
        self.assertIn(gettext('crm_support.msg_ticket_merged_comment',
                tickets=other.rec_name), contents)
        self.assertEqual(Channel.get(other), [])
        self.assertEqual(
            [a.name for a in Attachment.search(
                    [('resource', '=', str(keep))])], ["photo.jpg"])
        self.assertIn('priority', [c.field for c in Change.search(
                    [('resource', '=', str(keep))])])

    @with_transaction()
    def test_merge_two_accounts(self):
        "Tickets of two accounts are not merged, nothing changes"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        first, _ = self._account()
        second, _ = self._account("Initrode")
        keep = self._ticket(account=first.id)
        other = self._ticket(account=second.id)
        with self.assertRaises(ValidationError) as cm:
            run_merge(users['support.rep'], self.company, [keep, other], keep)
        self.assertEqual(cm.exception.message, gettext(
                'crm_support.msg_ticket_merge_accounts',
                tickets=f'{keep.rec_name}, {other.rec_name}'))
        self.assertEqual(Ticket(other.id).state, 'open')

    @with_transaction()
    def test_merge_hidden_ticket(self):
        "A ticket the user may not edit is not merged"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        account, _ = self._account()
        keep = self._ticket(account=account.id)
        hidden = self._ticket(account=account.id, owner='support.rep2')
        with self.assertRaises(AccessError):
            run_merge(users['support.rep'], self.company, [keep, hidden],
                keep)
        self.assertIsNone(Ticket(hidden.id).merged_into)
