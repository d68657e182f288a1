# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The accounting the demo's invoices need, set up with the host's tools.

A chart of accounts (the host's minimal English template, whose revenue
account is the default of lines without product), a fiscal year around
today with its periods and invoice sequences, the sales tax of the
company's country on its tax account: the demo's quotes carry it, its sales
orders are invoiced with *Create Invoice* and some of the invoices are
posted."""
from decimal import Decimal

#: The sales tax of each company's country: (name, rate)
SALES_TAXES = {
    'SG': ("GST 9%", Decimal('0.09')),
    'MY': ("SST 8%", Decimal('0.08')),
    }


def post_invoices(company):
    """Post every other invoice of the demo's sales orders, dated the day
    of the order.  Through proteus, after the ORM's transaction: the
    strict invoice sequence locks its record, which proteus retries."""
    from proteus import Model
    from proteus.config import get_config
    with get_config().set_context(
            company=company.id, companies=[company.id]):
        Invoice = Model.get('account.invoice')
        drafts = Invoice.find([
                ('company', '=', company.id),
                ('crm_sale', '!=', None), ('state', '=', 'draft'),
                ], order=[('id', 'ASC')])
        to_post = drafts[::2]
        for invoice in to_post:
            invoice.invoice_date = invoice.crm_sale.sale_date
        Invoice.save(to_post)
        Invoice.click(to_post, 'post')


def configure_accounting(company, country_code):
    """Create company's chart of accounts, fiscal year and the sales tax of
    its country through proteus (before the ORM's transaction: the wizard
    and the singletons lock their tables)."""
    from proteus.config import get_config
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, create_tax)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    # (the administrator's context was read before the demo gave it the
    # company, which the host's rules of companies need)
    with get_config().set_context(
            company=company.id, companies=[company.id]):
        create_chart(company)
        fiscalyear = set_fiscalyear_invoice_sequences(
            create_fiscalyear(company))
        fiscalyear.click('create_period')
        name, rate = SALES_TAXES[country_code]
        tax = create_tax(rate, company)
        tax.name = tax.description = name
        tax.save()
    return fiscalyear
