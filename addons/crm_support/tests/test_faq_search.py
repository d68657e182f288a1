# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The ranked search of the FAQ (faq_search.py): full-text search on
PostgreSQL, its portable fallback on SQLite, the same results on both."""
import unittest

from crm_core.tests.tools import rpc_call, set_sharing
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .support_fixtures import SupportFixtures


class CrmFaqSearchTestCase(SupportFixtures, unittest.TestCase):
    "Test the ranked search of the FAQ"

    def _search(self, words, user='support.rep', order=None,
            operator='ilike'):
        """Return the FAQ found by words as sao asks them (search bar
        "Text: words": its wildcards, no order unless the user sorted)."""
        Faq = Pool().get('crm.faq')
        ids = rpc_call(self.users[user], Faq, 'search',
            [('text', operator, f'%{words}%')], 0, None, order,
            company=self.company)
        return [Faq(i) for i in ids]

    @with_transaction()
    def test_accents_and_case_ignored(self):
        "Accents and case do not matter, in the text or the words"
        self._world()
        resume = self._faq(question="Where do I send my résumé?",
            answer="<p>To the <b>HR</b> desk.</p>")
        cafe = self._faq(question="Is there a coffee machine?",
            keywords="CAFE kitchen")
        self.assertEqual(self._search("Resume"), [resume])
        self.assertEqual(self._search("RÉSUMÉ"), [resume])
        self.assertEqual(self._search("hr Résumé"), [resume])
        self.assertEqual(self._search("café"), [cafe])
        # (decomposed accents, as some keyboards type them)
        self.assertEqual(self._search("cafe\u0301"), [cafe])

    @with_transaction()
    def test_all_words_required(self):
        "Every word is found in question, keywords or answer"
        self._world()
        jam = self._faq(keywords="printer")
        wifi = self._faq(question="Why does the Wi-Fi drop?",
            answer="<p>Update the <b>firmware</b>.</p>")
        self.assertEqual(self._search("printer jam tray"), [jam])
        self.assertEqual(self._search("Firmware wi-fi"), [wifi])
        self.assertEqual(self._search("printer firmware"), [])
        self.assertEqual(
            self._search("printer", operator='not ilike'), [wifi])
        self.assertEqual(self._search(""), [wifi, jam])
        Faq = Pool().get('crm.faq')
        self.assertEqual(rpc_call(self.users['support.rep'], Faq,
                'search_count', [('text', 'ilike', '%jam%')],
                company=self.company), 1)

    @with_transaction()
    def test_last_word_prefix(self):
        "The last word may be the beginning of a word, not the others"
        self._world()
        jam = self._faq()
        self.assertEqual(self._search("pap"), [jam])
        self.assertEqual(self._search("jam pap"), [jam])
        self.assertEqual(self._search("pap jam"), [])
        self.assertEqual(self._search("paper ja!"), [])

    @with_transaction()
    def test_ranking(self):
        "A match in the question comes first, then keywords, then answer"
        Faq = Pool().get('crm.faq')
        self._world()
        question = self._faq(question="How do I replace the toner?",
            answer="<p>Open the front door.</p>")
        keywords = self._faq(question="Faded prints", keywords="toner")
        answer = self._faq(question="Grey stripes on the page",
            answer="<p>Shake the toner cartridge.</p>")
        self.assertEqual(
            self._search("Toner"), [question, keywords, answer])
        self.assertEqual(
            self._search("toner"), self._search("tone"))

        # sorted by the user: the rank does not matter
        self.assertEqual(
            self._search("toner", order=[('create_date', 'DESC'),
                    ('id', 'DESC')]), [answer, keywords, question])
        # ordered by rank explicitly, with the words in the context
        with Transaction().set_context({'crm.faq.text.order': "toner"}):
            self.assertEqual(Faq.search([], order=[('text', 'DESC')]),
                [question, keywords, answer])

    @with_transaction()
    def test_html_not_words(self):
        "The tags and character references of the answer are not words"
        self._world()
        faq = self._faq(question="The router is slow",
            answer='<p><strong>Restart</strong> it &amp; '
            '<a href="https://help.example.com/r">read this</a>.</p>')
        self.assertEqual(faq.answer.count('<strong>'), 1)
        for words in ["strong", "amp", "href", "https"]:
            with self.subTest(words=words):
                self.assertEqual(self._search(words), [])
        self.assertEqual(self._search("restart read"), [faq])

    @with_transaction()
    def test_hidden_faq_not_found(self):
        "A FAQ the user may not read is not found"
        self._world()
        set_sharing('crm.faq', 'private')
        faq = self._faq(question="The secret fix", owner='support.rep')
        self.assertEqual(self._search("secret"), [faq])
        self.assertEqual(self._search("secret", user='support.rep2'), [])
