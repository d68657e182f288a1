# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The sharing test kit on leads and potentials (sale.opportunity), quotes
and sales orders (sale.sale) and their invoices (account.invoice)."""
import unittest

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.sharing_kit import OwnedType, SharingKitMixin
from crm_core.tests.tools import set_sharing
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import set_company
from trytond.pool import Pool


def _opportunity(company, owner, **values):
    Opportunity = Pool().get('sale.opportunity')
    opportunity, = Opportunity.create([{
                'crm_lead': True,
                'company': company.id,
                'currency': company.currency.id,
                **owner, **values}])
    return opportunity


def create_kit_lead(company, owner):
    "The sharing kit's factory of leads."
    return _opportunity(company, owner,
        last_name="Kit", lead_company="Kit Lead Inc.")


def create_kit_potential(company, owner):
    "The sharing kit's factory of potentials: an account of the same owner."
    Party = Pool().get('party.party')
    account, = Party.create([{
                'name': "Kit Account", 'crm_type': 'account',
                'crm_company': company.id, **owner}])
    return _opportunity(company, owner,
        state='opportunity', party=account.id, description="Kit deal")


def create_kit_quote(company, owner):
    "The sharing kit's factory of quotes: an account of the same owner."
    pool = Pool()
    Party = pool.get('party.party')
    Sale = pool.get('sale.sale')
    account, = Party.create([{
                'name': "Kit Quote Account", 'crm_type': 'account',
                'crm_company': company.id, **owner}])
    quote, = Sale.create([{
                'company': company.id,
                'currency': company.currency.id,
                'party': account.id,
                'description': "Kit quote",
                **owner}])
    return quote


def create_kit_invoice(company, owner):
    """The sharing kit's factory of invoices: the draft invoice of a quote
    of the same owner (the kit's company gets a chart of accounts)."""
    pool = Pool()
    Account = pool.get('account.account')
    Invoice = pool.get('account.invoice')
    receivable = Account.search([
            ('type.receivable', '=', True), ('company', '=', company.id),
            ('closed', '!=', True)], limit=1)
    if not receivable:
        with set_company(company):
            create_chart(company)
        return create_kit_invoice(company, owner)
    Address = pool.get('party.address')
    quote = create_kit_quote(company, owner)
    address, = Address.create([{'party': quote.party.id}])
    invoice, = Invoice.create([{
                'invoice_address': address.id,
                'type': 'out',
                'company': company.id,
                'currency': company.currency.id,
                'party': quote.party.id,
                'crm_sale': quote.id,
                'account': receivable[0].id,
                'description': "Kit invoice",
                **owner}])
    return invoice


class CrmSalesSharingTestCase(SharingKitMixin, unittest.TestCase):
    "The sharing kit applied to leads, potentials and quotes"
    sharing_kit_types = [
        OwnedType('sale.opportunity', create_kit_lead,
            {'first_name': "Changed"}, label="Lead"),
        OwnedType('sale.opportunity', create_kit_potential,
            {'next_step': "Changed"}, label="Potential"),
        OwnedType('sale.sale', create_kit_quote,
            {'description': "Changed"}, label="Quote"),
        OwnedType('account.invoice', create_kit_invoice,
            {'description': "Changed"}, label="Invoice"),
        ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def run_sharing_kit(self, mode):
        # Everybody reads the accounts of the potentials: a copy links to
        # its account, which only the sharing of accounts may hide
        set_sharing('party.party', 'public_read')
        super().run_sharing_kit(mode)
