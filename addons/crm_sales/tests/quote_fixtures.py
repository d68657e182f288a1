# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The set-up the test cases of quotes share: the CRM's activation, a
world of a company, reps and a potential, three taxes and a quote of
awkward amounts over them."""
from decimal import Decimal

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import rpc_call
from trytond.modules.company.tests import set_company
from trytond.pool import Pool

from . import test_invoices


class QuoteFixtures:
    "A mixin of the unittest.TestCase of quotes"

    _world = test_invoices.CrmSalesInvoicesTestCase._world

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def _taxes(self, company):
        "Taxes of 7 %, 10 % and 20 % on the company's tax account"
        pool = Pool()
        Account = pool.get('account.account')
        Tax = pool.get('account.tax')
        account, = Account.search([
                ('company', '=', company.id), ('code', '=', '6.3.6')])
        return Tax.create([{
                    'name': "VAT %s %%" % rate,
                    'description': "VAT %s %%" % rate,
                    'company': company.id, 'type': 'percentage',
                    'rate': Decimal(rate) / 100,
                    'invoice_account': account.id,
                    'credit_note_account': account.id,
                    } for rate in ['7', '10', '20']])

    def _quote(self, company, potential, taxes, **values):
        """A quote with a section, lines under each tax and one without
        tax, of awkward amounts"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        t7, t10, t20 = taxes
        with set_company(company):
            sale = potential.create_sale()
            sale.invoice_method = 'order'
            sale.shipment_method = 'manual'
            for name, value in values.items():
                setattr(sale, name, value)

            def line(description, quantity, price, *taxes):
                return SaleLine(type='line', description=description,
                    quantity=quantity, unit_price=Decimal(price),
                    taxes=taxes)
            sale.lines = [
                SaleLine(type='title', description="Hardware"),
                line("Laser printer", 3, '410.00', t20),
                line("Toner", 7, '35.33', t20, t7),
                line("Paper", 13, '4.99', t10),
                line("Installation", 1, '99.99'),
                ]
            sale.save()
        return Sale(sale.id)

    def _add_line(self, user, company, sale, price, *taxes):
        "Add a line of 2 cables at price (a string) to sale over RPC as user"
        Sale = Pool().get('sale.sale')
        rpc_call(user, Sale, 'write', [sale.id], {
                'lines': [('create', [{
                                'type': 'line', 'description': "Cable",
                                'quantity': 2, 'unit_price': Decimal(price),
                                'taxes': [('add', [t.id for t in taxes])],
                                }])],
                }, company=company)
