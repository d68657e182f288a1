# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Stored links and direct reads of potentials, called as over RPC.

rep1 owns a potential whose account the administrator gave to rep2 (the
owner of an account may change, its potentials stay): the potential opens,
but nothing of the account beyond its placeholder name comes back."""
import unittest
import unittest.mock

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import create_crm_users, rpc_call, set_sharing
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


class CrmSalesRequestDoorTestCase(unittest.TestCase):
    "On_change over a stored link to a hidden account, direct reads"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def _world(self):
        pool = Pool()
        Party = pool.get('party.party')
        Opportunity = pool.get('sale.opportunity')
        PaymentTerm = pool.get('account.invoice.payment_term')
        ContactRole = pool.get('crm.opportunity.contact_role')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')
        set_sharing('sale.opportunity', 'private')
        term, = PaymentTerm.create([{
                    'name': "Secret 42 days",
                    'lines': [('create', [{'type': 'remainder'}])],
                    }])
        account, = Party.create([{
                    'name': "Hidden Umbrella", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep1'].id,
                    'customer_payment_term': term.id,
                    }])
        contact, = Party.create([{
                    'first_name': "Ada", 'last_name': "Wong",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'account': account.id,
                    'assigned_user': users['rep1'].id,
                    }])
        potential, = Opportunity.create([{
                    'crm_lead': True,
                    'company': company.id, 'currency': company.currency.id,
                    'state': 'opportunity', 'party': account.id,
                    'description': "Own deal",
                    'assigned_user': users['rep1'].id,
                    }])
        role, = ContactRole.create([{
                    'opportunity': potential.id, 'contact': contact.id,
                    'role': 'evaluator',
                    }])
        # The account and its contact change hands; the potential stays
        Party.write([account, contact], {'assigned_user': users['rep2'].id})
        return company, users, term, account, potential, role

    @with_transaction()
    def test_on_change_over_stored_link(self):
        "on_change reads the hidden account as a read does: nothing of it"
        Opportunity = Pool().get('sale.opportunity')
        company, users, term, account, potential, _ = self._world()
        changes = rpc_call(users['rep1'], Opportunity, 'on_change',
            {'id': potential.id, 'amount': None, 'company': company.id},
            ['party'], company=company)
        self.assertNotIn(term.id, [
                c.get('payment_term') for c in [changes]
                if isinstance(c, dict)])
        self.assertNotIn("Secret", str(changes))
        # The owner of the account gets its payment term
        set_sharing('sale.opportunity', 'public_read_write')
        changes = rpc_call(users['rep2'], Opportunity, 'on_change',
            {'id': potential.id, 'amount': None, 'company': company.id},
            ['party'], company=company)
        self.assertEqual(changes['payment_term'], term.id)

    @with_transaction()
    def test_on_change_with_over_stored_link(self):
        "A contact role's account reads as the placeholder"
        ContactRole = Pool().get('crm.opportunity.contact_role')
        company, users, term, account, potential, role = self._world()
        for method, args in [
                ('on_change_with', ({'id': role.id}, ['account'])),
                ('read', ([role.id], ['account', 'account.rec_name'])),
                ]:
            result = rpc_call(users['rep1'], ContactRole, method, *args,
                company=company)
            self.assertNotIn("Umbrella", str(result), method)
        row, = result
        self.assertEqual(row['account.']['rec_name'],
            gettext('crm_core.msg_hidden_record'))

    @with_transaction()
    def test_direct_read_refused(self):
        "The name of a hidden potential or account is not read directly"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        company, users, term, account, potential, _ = self._world()
        # (rep1 and rep2 are peers: neither sees what the other owns)
        for login, Model, record in [
                ('rep1', Party, account), ('rep2', Opportunity, potential)]:
            with self.assertRaises(AccessError):
                rpc_call(users[login], Model, 'read', [record.id],
                    ['rec_name'], company=company)
        row, = rpc_call(users['rep1'], Opportunity, 'read', [potential.id],
            ['party', 'party.rec_name'], company=company)
        self.assertEqual(row['party.']['rec_name'],
            gettext('crm_core.msg_hidden_record'))

    @with_transaction()
    def test_import_of_hidden_id(self):
        """An import writing a hidden potential by its id is refused before
        the potential's write reads it (its stage, its conversion)"""
        Opportunity = Pool().get('sale.opportunity')
        company, users, term, account, potential, _ = self._world()
        with unittest.mock.patch.object(
                Opportunity, '_check_closing_stage') as read_stage:
            with self.assertRaises(AccessError) as refused:
                rpc_call(users['rep2'], Opportunity, 'import_data',
                    ['id', 'description'], [[str(potential.id), "Taken"]],
                    company=company)
            read_stage.assert_not_called()
        self.assertIn("not shared with you", str(refused.exception))
        self.assertEqual(Opportunity(potential.id).description, "Own deal")
        count = rpc_call(users['rep1'], Opportunity, 'import_data',
            ['id', 'description'], [[str(potential.id), "Own deal v2"]],
            company=company)
        self.assertEqual(count, 1)
        self.assertEqual(Opportunity(potential.id).description, "Own deal v2")
