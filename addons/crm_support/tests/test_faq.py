# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The FAQ: sanitised answers, verification before publishing, search,
conversion of closed tickets."""
import unittest

from crm_core.tests.tools import acting_as, rpc_call
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .support_fixtures import SupportFixtures, run_wizard


def run_convert(user, company, tickets):
    "Run Convert to FAQ on tickets as sao does; return the action's result."
    return run_wizard(
        user, company, 'crm.ticket.convert_faq', tickets, [('start', None)])


class CrmFaqTestCase(SupportFixtures, unittest.TestCase):
    "Test the FAQ knowledge base"

    @with_transaction()
    def test_answer_sanitised(self):
        "Scripts, handlers and javascript links are removed from answers"
        self._world()
        faq = self._faq(answer=(
                '<p onclick="steal()">Open <b>tray 2</b></p>'
                '<script>alert(1)</script>'
                '<a href="javascript:alert(1)">x</a>'
                '<a href="https://help.example.com/jam">guide</a>'
                '<img src=x onerror=alert(1)>'))
        self.assertEqual(faq.answer, (
                '<p>Open <b>tray 2</b></p>'
                '<a rel="noopener noreferrer">x</a>'
                '<a href="https://help.example.com/jam" '
                'rel="noopener noreferrer">guide</a>'))

    @with_transaction()
    def test_verification(self):
        "Reps write and review drafts, only a manager publishes"
        pool = Pool()
        Faq = pool.get('crm.faq')
        _, users = self._world()
        rep, manager = users['support.rep'], users['support.manager']
        faq = self._faq()

        rpc_call(rep, Faq, 'review', [faq.id], company=self.company)
        self.assertEqual(Faq(faq.id).state, 'reviewed')
        with self.assertRaises(AccessError) as cm:
            rpc_call(rep, Faq, 'publish', [faq.id], company=self.company)
        self.assertEqual(cm.exception.message,
            gettext('crm_support.msg_faq_publish_denied'))
        with self.assertRaises(AccessError):
            rpc_call(rep, Faq, 'write', [faq.id], {'state': 'published'},
                company=self.company)
        faq = Faq(faq.id)
        self.assertEqual(faq.state, 'reviewed')
        self.assertIsNone(faq.published_by)

        rpc_call(manager, Faq, 'publish', [faq.id], company=self.company)
        faq = Faq(faq.id)
        self.assertEqual(
            (faq.state, faq.published_by), ('published', manager))
        self.assertTrue(faq.published_date)

        # a published text changes with the right to publish only
        with self.assertRaises(AccessError):
            rpc_call(rep, Faq, 'write', [faq.id], {'question': "Changed?"},
                company=self.company)
        self.assertEqual(Faq(faq.id).question, "How do I clear a paper jam?")
        rpc_call(manager, Faq, 'write', [faq.id], {'question': "Jammed?"},
            company=self.company)
        with self.assertRaises(AccessError):
            rpc_call(rep, Faq, 'obsolete', [faq.id], company=self.company)
        rpc_call(manager, Faq, 'obsolete', [faq.id], company=self.company)
        self.assertEqual(Faq(faq.id).state, 'obsolete')

    @with_transaction()
    def test_published_faq_read_by_all(self):
        "Every support user reads the knowledge base, its owner edits it"
        Faq = Pool().get('crm.faq')
        _, users = self._world()
        faq = self._faq()
        with acting_as(users['support.rep2'], self.company):
            self.assertEqual(Faq.search([('id', '=', faq.id)]), [faq])
            with self.assertRaises(AccessError):
                Faq.write([Faq(faq.id)], {'keywords': "jam"})

    @with_transaction()
    def test_search_text(self):
        "Words are found in question, keywords and answer, any case"
        Faq = Pool().get('crm.faq')
        self._world()
        jam = self._faq(keywords="printer paper")
        wifi = self._faq(question="Why does the Wi-Fi drop?",
            answer="<p>Update the <b>firmware</b>.</p>")
        self.assertEqual(Faq.search([('text', 'ilike', 'TRAY jam')]), [jam])
        self.assertEqual(
            Faq.search([('text', 'ilike', 'printer')]), [jam])
        self.assertEqual(
            Faq.search([('text', 'ilike', 'Firmware wi-fi')]), [wifi])
        self.assertEqual(Faq.search([('text', 'ilike', 'jam wifi')]), [])

    @with_transaction()
    def test_convert_closed_ticket(self):
        "Convert to FAQ makes a draft of a closed ticket, both linked"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Faq = pool.get('crm.faq')
        _, users = self._world()
        rep = users['support.rep']
        ticket = self._ticket(
            description="Jams on page 2\n\nwith <b>A4</b> paper",
            solution="Replaced the roller")
        with self.assertRaises(ValidationError) as cm:
            run_convert(rep, self.company, [ticket])
        self.assertEqual(cm.exception.message, gettext(
                'crm_support.msg_ticket_convert_not_closed',
                ticket=ticket.rec_name))
        self.assertEqual(Faq.search([]), [])

        Ticket.close([ticket])
        result = run_convert(rep, self.company, [ticket])
        faq, = Faq.search([])
        self.assertEqual(result['actions'][0][1]['res_id'], [faq.id])
        self.assertEqual(faq.state, 'draft')
        self.assertEqual(faq.question, "Printer jams on page 2")
        self.assertEqual(faq.answer, (
                '<p>Jams on page 2</p>'
                '<p>with &lt;b&gt;A4&lt;/b&gt; paper</p>'
                '<p>Replaced the roller</p>'))
        self.assertEqual(faq.author, rep)
        self.assertEqual(Ticket(ticket.id).faqs, (faq,))

    @with_transaction()
    def test_convert_hidden_ticket(self):
        "A ticket the user may not read is not converted"
        pool = Pool()
        Ticket = pool.get('crm.ticket')
        Faq = pool.get('crm.faq')
        _, users = self._world()
        ticket = self._ticket(solution="Secret fix")
        Ticket.close([ticket])
        with self.assertRaises(AccessError):
            run_convert(users['support.rep2'], self.company, [ticket])
        self.assertEqual(Faq.search([]), [])
