# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The person a quote or an invoice is mailed to (document_email.py)."""
import unittest

from crm_core.tests.tools import rpc_call
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .quote_fixtures import QuoteFixtures


class CrmDocumentEmailTestCase(QuoteFixtures, unittest.TestCase):
    "E-mail To of a document: its contact, its potential's, its account"

    @with_transaction()
    def test_contact_of_a_hidden_potential_is_not_followed(self):
        """A quote without contact is mailed to its potential's contact,
        unless the user may not read the potential: then to the account
        (the attack suite's lookup found the template reading the hidden
        potential)"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Template = pool.get('ir.email.template')
        company, users, potential = self._world()
        rep2 = users['rep2']
        with set_company(company):
            contact, = Party.create([{
                        'first_name': "Pam", 'last_name': "Beesly",
                        'crm_type': 'contact',
                        'crm_company': company.id,
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'pam@initech.example.com',
                                        }])],
                        # (a contact rep2 reads: what the hidden potential
                        # tells is that she is its contact)
                        'assigned_user': rep2.id}])
            potential.crm_contact = contact
            potential.save()
            sale = potential.create_sale()
            sale.save()
            # (the potential and its account stay rep1's, private)
            Sale.write([sale], {'assigned_user': rep2.id})

            template = Template(ModelData.get_id(
                    'crm_sales', 'email_template_quote'))

            def email_to(user):
                # (the e-mail button's call: the host's template renders
                # the quote's E-mail To, not masked as a read is)
                values = rpc_call(user, Template, 'get', template.id,
                    sale.id, company=company)
                return ' '.join(values.get('to', []))
            # (the manager reads the potential of its rep)
            self.assertIn('pam@initech.example.com',
                email_to(users['manager']))
            self.assertNotIn('pam@initech.example.com', email_to(rep2))
