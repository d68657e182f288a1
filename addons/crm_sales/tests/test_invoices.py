# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Invoices of quotes and sales orders: made in one click, following their
sale for CRM users."""
import datetime
import unittest
from decimal import Decimal

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import CrmUser, create_crm_users, rpc_call
from trytond.model.exceptions import AccessError
from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.company.tests import set_company
from trytond.modules.sale.exceptions import SaleValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

SALES_REP = ('crm_core.role_sales_rep', 'crm_core.group_crm_staff')
SALES = ('crm_sales.group_sales',)


class CrmSalesInvoicesTestCase(unittest.TestCase):
    "Create Invoice on quotes and orders, invoices shared as their sale"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def _world(self):
        """A company with a chart of accounts, two reps, their manager and
        an accountant (without CRM profile), and a potential of rep1"""
        pool = Pool()
        Account = pool.get('account.account')
        Configuration = pool.get('account.configuration')
        FiscalYear = pool.get('account.fiscalyear')
        Party = pool.get('party.party')
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users(users=(
                CrmUser('rep1', *SALES_REP, groups=SALES),
                CrmUser('rep2', *SALES_REP, groups=SALES),
                # a rep who also keeps the books sees what sharing allows
                CrmUser('rep_accountant', *SALES_REP,
                    groups=SALES + ('account.group_account',)),
                CrmUser('manager', 'crm_core.role_sales_manager',
                    'crm_core.group_crm_manager', groups=SALES),
                CrmUser('accountant', groups=('account.group_account',)),
                ))
        with set_company(company):
            create_chart(company)
            fiscalyear = set_invoice_sequences(get_fiscalyear(company))
            fiscalyear.save()
            FiscalYear.create_period([fiscalyear])
            revenue, = Account.search([
                    ('type.revenue', '=', True), ('closed', '!=', True),
                    ], limit=1)
            configuration = Configuration(1)
            configuration.default_category_account_revenue = revenue
            configuration.save()
            account, = Party.create([{
                        'name': "Initech", 'crm_type': 'account',
                        'crm_company': company.id,
                        'assigned_user': users['rep1'].id,
                        'addresses': [('create', [{'street': "1 Main St"}])],
                        }])
            potential, = Opportunity.create([{
                        'crm_lead': True,
                        'company': company.id,
                        'currency': company.currency.id,
                        'party': account.id, 'state': 'opportunity',
                        'description': "Printers for Initech",
                        'assigned_user': users['rep1'].id}])
        return company, users, potential

    def _quote(self, company, potential):
        "A quote of potential with a section and two lines"
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        with set_company(company):
            sale = potential.create_sale()
            sale.invoice_method = 'order'
            sale.shipment_method = 'manual'
            sale.lines = [
                SaleLine(type='title', description="Hardware"),
                SaleLine(type='line', description="Laser printer",
                    quantity=3, unit_price=Decimal('410.00')),
                SaleLine(type='line', description="Toner",
                    quantity=10, unit_price=Decimal('35.50')),
                ]
            sale.save()
        return Sale(sale.id)

    def _invoiced(self):
        """The world of _world, its quote invoiced by Create Invoice (as the
        administrator) and the invoice"""
        Sale = Pool().get('sale.sale')
        company, users, potential = self._world()
        quote = self._quote(company, potential)
        with set_company(company):
            Sale.crm_create_invoice([quote])
        invoice, = Sale(quote.id).invoices
        return company, users, Sale(quote.id), invoice

    @with_transaction()
    def test_create_invoice_of_a_quote(self):
        """Create Invoice on a quote confirms it, wins its potential and
        copies every line into a new draft invoice linked both ways; a
        second click is refused"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Sale = pool.get('sale.sale')
        company, users, potential = self._world()
        quote = self._quote(company, potential)
        with set_company(company):
            action = rpc_call(users['rep1'], Sale, 'crm_create_invoice',
                [quote.id], company=company)
        quote = Sale(quote.id)
        self.assertEqual(quote.state, 'processing')
        self.assertEqual(quote.crm_potential.state, 'won')
        invoice, = quote.invoices
        self.assertEqual(action['res_id'], [invoice.id])
        self.assertEqual(action['res_model'], 'account.invoice')
        self.assertEqual(invoice.crm_sale, quote)
        self.assertEqual(invoice.state, 'draft')
        self.assertIsNone(invoice.number)
        self.assertEqual(invoice.party, quote.party)
        self.assertEqual(invoice.total_amount, quote.total_amount)
        self.assertEqual(invoice.total_amount, Decimal('1585.00'))
        # the section comes along (the host invoices lines only)
        self.assertEqual(
            [(l.type, l.description, l.quantity, l.unit_price)
                for l in invoice.lines],
            [('title', "Hardware", None, None),
                ('line', "Laser printer", 3, Decimal('410.00')),
                ('line', "Toner", 10, Decimal('35.50'))])
        # new records, not the quote's: each line's origin is its sale line
        self.assertEqual(
            [l.origin for l in invoice.lines], list(quote.lines))
        self.assertEqual(Invoice.search([('crm_sale', '=', quote.id)]),
            [invoice])

        with set_company(company), self.assertRaisesRegex(
                SaleValidationError, "nothing left to invoice"):
            rpc_call(users['rep1'], Sale, 'crm_create_invoice',
                [quote.id], company=company)

    @with_transaction()
    def test_create_invoice_of_an_order_billed_by_hand(self):
        """A sales order invoiced by hand is invoiced by Create Invoice;
        posting numbers the invoice from the company's sequence"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Sale = pool.get('sale.sale')
        company, users, potential = self._world()
        order = self._quote(company, potential)
        with set_company(company):
            order.invoice_method = 'manual'
            order.save()
            Sale.quote([order])
            Sale.confirm([order])
            Sale.process([order])
            self.assertEqual(Sale(order.id).invoices, ())
            rpc_call(users['rep1'], Sale, 'crm_create_invoice',
                [order.id], company=company)
            invoice, = Sale(order.id).invoices
            invoice.invoice_date = datetime.date.today()
            invoice.save()
            rpc_call(users['accountant'], Invoice, 'post', [invoice.id],
                company=company)
        invoice = Invoice(invoice.id)
        self.assertEqual(invoice.state, 'posted')
        self.assertTrue(invoice.number)

    @with_transaction()
    def test_invoices_follow_their_sale(self):
        """A rep reads the invoices of the sales it reads, whatever host
        groups it holds; its manager reads them; an accountant without
        CRM profile reads and edits all; reassigning the sale carries
        its invoices along"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Sale = pool.get('sale.sale')
        company, users, quote, invoice = self._invoiced()
        with set_company(company):
            for login, expected in [
                    ('rep1', [invoice.id]), ('manager', [invoice.id]),
                    ('accountant', [invoice.id]),
                    ('rep2', []), ('rep_accountant', []),
                    ]:
                with self.subTest(login=login):
                    self.assertEqual(rpc_call(users[login], Invoice,
                            'search', [], company=company), expected)
            for login in ['rep2', 'rep_accountant']:
                with self.subTest(login=login), \
                        self.assertRaises(AccessError):
                    rpc_call(users[login], Invoice, 'read',
                        [invoice.id], ['total_amount'], company=company)
            rpc_call(users['accountant'], Invoice, 'write', [invoice.id],
                {'description': "Checked"}, company=company)
            self.assertEqual(Invoice(invoice.id).description, "Checked")

            # (the owner is changed on the sale, the form says)
            for name in ['assigned_user', 'assigned_team']:
                with self.subTest(field=name):
                    self.assertIn('crm_sale', Invoice.fields_get(
                            [name])[name]['states'])
            Sale.write([Sale(quote.id)], {
                    'assigned_user': users['rep2'].id})
            self.assertEqual(rpc_call(users['rep2'], Invoice, 'search',
                    [], company=company), [invoice.id])
            self.assertEqual(rpc_call(users['rep1'], Invoice, 'search',
                    [], company=company), [])

    @with_transaction()
    def test_hidden_sale_is_not_invoiced(self):
        "A rep may not invoice the quote of another rep"
        pool = Pool()
        Sale = pool.get('sale.sale')
        company, users, potential = self._world()
        quote = self._quote(company, potential)
        with set_company(company), self.assertRaises(AccessError):
            rpc_call(users['rep2'], Sale, 'crm_create_invoice',
                [quote.id], company=company)
        self.assertEqual(Sale(quote.id).state, 'draft')

    @with_transaction()
    def test_credit_note_follows_the_sale(self):
        "The credit note of a sale's invoice follows the same sale"
        Invoice = Pool().get('account.invoice')
        company, _, quote, invoice = self._invoiced()
        with set_company(company):
            credit, = Invoice.credit([invoice])
        self.assertEqual(credit.crm_sale, quote)

    @with_transaction()
    def test_invoices_menu(self):
        "CRM > Sales > Invoices lists customer invoices with the usual tabs"
        pool = Pool()
        Action = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        action = Action(ModelData.get_id('crm_sales', 'act_invoice_form'))
        self.assertEqual(action.res_model, 'account.invoice')
        self.assertEqual([d.name for d in action.act_window_domains],
            ["My Invoices", "Draft", "Open", "Paid", "All"])
