# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Terms and conditions of quotes, sales orders and invoices."""
import unittest

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import create_crm_users, rpc_call
from trytond.model.exceptions import AccessError
from trytond.model.exceptions import ValidationError
from trytond.modules.account.tests.test_module import create_chart
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


class CrmSalesTermsTestCase(unittest.TestCase):
    "One default per document type and company, taken by the documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def _terms(self, company):
        Terms = Pool().get('crm.terms')
        return {t.document: t for t in Terms.create([{
                        'name': f"Standard {document}", 'document': document,
                        'company': company.id, 'default': True,
                        'text': f"{document} terms: payment within 30 days.",
                        } for document in ['quote', 'sales_order', 'invoice']
                    ])}

    def _sale(self, company, with_company=True):
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        party, = Party.create([{
                    'name': "Umbrella", 'addresses': [('create', [{}])]}])
        values = {'currency': company.currency.id, 'party': party.id,
            'invoice_address': party.addresses[0].id,
            'lines': [('create', [{'type': 'line', 'quantity': 1,
                            'description': "Service", 'unit_price': 100}])]}
        if with_company:
            values['company'] = company.id
        sale, = Sale.create([values])
        return sale

    @with_transaction()
    def test_one_default_per_document_and_company(self):
        "A second default of a document type of a company is refused"
        Terms = Pool().get('crm.terms')
        company, _ = create_crm_users()
        other = create_company(name="Other Company")
        terms = self._terms(company)
        values = {'name': "Second", 'document': 'quote', 'default': True,
            'company': company.id, 'text': "Other text"}
        # another company, another document, not default, inactive: allowed
        Terms.create([{**values, 'company': other.id}])
        Terms.create([{**values, 'document': 'invoice', 'default': False}])
        Terms.create([{**values, 'active': False}])
        self.assertEqual(Terms.find_default('quote', company), terms['quote'])
        self.assertIsNone(Terms.find_default('quote', None))
        # (over RPC a refused change is rolled back with its request)
        with self.assertRaises(ValidationError) as refused:
            Terms.create([values])
        self.assertIn('"Standard quote" is already', str(refused.exception))
        with self.assertRaises(ValidationError):
            Terms.write([terms['invoice']], {'document': 'quote'})

    @with_transaction()
    def test_sale_takes_quote_then_order_terms(self):
        """A quote takes the quote default; confirmed, it takes the sales
        order default unless its text was edited"""
        Sale = Pool().get('sale.sale')
        company, _ = create_crm_users()
        terms = self._terms(company)
        with set_company(company):
            sale = self._sale(company)
            edited = self._sale(company)
            self.assertEqual(sale.crm_terms, terms['quote'])
            self.assertEqual(sale.terms_text, terms['quote'].text)
            edited.terms_text = "Delivery within a week. " + edited.terms_text
            edited.save()
            Sale.quote([sale, edited])
            Sale.confirm([sale, edited])
        self.assertEqual(sale.state, 'confirmed')
        self.assertEqual(sale.crm_terms, terms['sales_order'])
        self.assertEqual(sale.terms_text, terms['sales_order'].text)
        self.assertEqual(edited.crm_terms, terms['quote'])
        self.assertTrue(edited.terms_text.startswith("Delivery within"))

    @with_transaction()
    def test_choosing_terms_copies_their_text(self):
        "Choosing other terms on a document copies their text to edit"
        Terms = Pool().get('crm.terms')
        company, _ = create_crm_users()
        self._terms(company)
        special, = Terms.create([{'name': "Special", 'document': 'quote',
                    'company': company.id, 'text': "Special terms."}])
        with set_company(company):
            # (the company of the context, as a client creates it)
            sale = self._sale(company, with_company=False)
        sale = type(sale)(sale.id)
        self.assertEqual(sale.company, company)
        self.assertEqual(sale.crm_terms.document, 'quote')
        sale.crm_terms = special
        sale.on_change_crm_terms()
        self.assertEqual(sale.terms_text, "Special terms.")

    @with_transaction()
    def test_invoice_takes_invoice_terms(self):
        """An invoice takes the invoice default, also when generated from a
        quote; supplier invoices take none"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Journal = pool.get('account.journal')
        company, _ = create_crm_users()
        terms = self._terms(company)
        with set_company(company):
            create_chart(company)
            sale = self._sale(company)
            invoice = sale._get_invoice()
            invoice.save()
            self.assertEqual(invoice.crm_terms, terms['invoice'])
            self.assertEqual(invoice.terms_text, terms['invoice'].text)
            journal, = Journal.search([('type', '=', 'expense')], limit=1)
            supplier, = Invoice.create([{
                        'type': 'in', 'company': company.id,
                        'currency': company.currency.id,
                        'party': sale.party.id,
                        'invoice_address': sale.invoice_address.id,
                        'account': sale.party.account_payable_used.id,
                        'journal': journal.id,
                        }])
            self.assertIsNone(supplier.crm_terms)
            self.assertIsNone(supplier.terms_text)

    @with_transaction()
    def test_reps_read_terms_only(self):
        "A sales rep reads the terms of its company and changes none"
        Terms = Pool().get('crm.terms')
        company, users = create_crm_users()
        terms = self._terms(company)
        rep1 = users['rep1']
        found = rpc_call(rep1, Terms, 'search_read',
            [('default', '=', True)], 0, None, None, ['document'],
            company=company)
        self.assertEqual(len(found), 3)
        for method, args in [
                ('create', ([{'name': "Mine", 'document': 'quote',
                                'company': company.id, 'text': "Free"}],)),
                ('write', ([terms['quote'].id], {'text': "Free"})),
                ('delete', ([terms['quote'].id],)),
                ]:
            with self.assertRaises(AccessError):
                rpc_call(rep1, Terms, method, *args, company=company)
        self.assertEqual(
            terms['quote'].text, "quote terms: payment within 30 days.")
