# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Leads: requirements, bad input, tabs, list actions, delete, copy and
what comes with a lead (comments, attachments, notes, change log)."""
import datetime
import re
import unittest
from decimal import Decimal

from crm_core.exceptions import InvalidValueError, ReassignError
from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import (
    acting_as, create_crm_users, one_call, run_reassign, set_sharing)
from trytond.model.exceptions import AccessError, RequiredValidationError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


def message_pieces(module, fs_id):
    "The literal parts of the text of an ir.message, without its variables."
    pool = Pool()
    Message = pool.get('ir.message')
    ModelData = pool.get('ir.model.data')
    text = Message(ModelData.get_id(module, fs_id)).text
    return [p for p in re.split(r'%\(\w+\)s', text) if p.strip()]


def create_lead(user, company, **values):
    "Create a CRM lead of user as the Leads menu does."
    Opportunity = Pool().get('sale.opportunity')
    values = {'last_name': "Doe", 'lead_company': "Initech", **values}
    with acting_as(user, company), \
            Transaction().set_context(crm_lead=True):
        lead, = Opportunity.create([values])
    return Opportunity(lead.id)


def create_account(company, user, name="Initech"):
    "Create an account of user (the party of a potential)."
    Party = Pool().get('party.party')
    account, = Party.create([{
                'name': name, 'crm_type': 'account',
                'crm_company': company.id, 'assigned_user': user.id}])
    return account


def make_potential(lead, account):
    "Move lead past the lead state, as a potential of account."
    Opportunity = Pool().get('sale.opportunity')
    Opportunity.write([lead], {'state': 'opportunity', 'party': account.id})


def count_opportunities():
    return Pool().get('sale.opportunity').search_count([])


class LeadTestCase(unittest.TestCase):
    "Test leads"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def assertMessage(self, exception, module, fs_id):
        "The exception says the ir.message module.fs_id"
        for piece in message_pieces(module, fs_id):
            self.assertIn(piece, exception.message)

    @with_transaction()
    def test_crm_lead_requires_last_name_and_company(self):
        "A CRM lead without last name or company is refused, nothing written"
        Opportunity = Pool().get('sale.opportunity')
        company, users = create_crm_users()
        before = count_opportunities()
        for missing in ['last_name', 'lead_company']:
            with self.subTest(missing=missing):
                with self.assertRaises(RequiredValidationError) as cm, \
                        one_call():
                    create_lead(users['rep1'], company, **{missing: None})
                self.assertIn(
                    Opportunity.__names__(missing)['field'],
                    cm.exception.message)
                self.assertEqual(count_opportunities(), before)
        lead = create_lead(users['rep1'], company)
        self.assertTrue(lead.crm_lead)
        self.assertEqual(lead.state, 'lead')
        self.assertEqual(lead.lead_status, 'not_contacted')
        self.assertEqual(lead.assigned_user, users['rep1'])

    @with_transaction()
    def test_host_lead_without_crm_fields(self):
        "A lead of the host's flows needs neither last name nor company"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        with Transaction().set_context(company=company.id):
            lead, = Opportunity.create([{'description': "Host lead"}])
        self.assertFalse(lead.crm_lead)
        self.assertIsNone(lead.last_name)
        self.assertIsNone(lead.lead_status)

    @with_transaction()
    def test_bad_values(self):
        "A malformed e-mail or website, negative figures: refused"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        cases = [
            ({'email': "john.doe@"}, 'crm_sales', 'msg_lead_invalid_email'),
            ({'email': "john..doe@example.com"},
                'crm_sales', 'msg_lead_invalid_email'),
            ({'website': "javascript:alert(1)"},
                'crm_sales', 'msg_lead_invalid_website'),
            ({'annual_revenue': Decimal('-1')},
                'crm_core', 'msg_negative_value'),
            ({'employees': -3}, 'crm_core', 'msg_negative_value'),
            ]
        before = count_opportunities()
        for values, module, fs_id in cases:
            with self.subTest(values=values):
                with self.assertRaises(InvalidValueError) as cm, \
                        one_call():
                    create_lead(users['rep1'], company, **values)
                self.assertMessage(cm.exception, module, fs_id)
                self.assertEqual(count_opportunities(), before)

        lead = create_lead(users['rep1'], company,
            email="john.doe@example.com", website="https://example.com",
            annual_revenue=Decimal('1000'), employees=12)
        for values, module, fs_id in cases:
            with self.subTest(write=values):
                with self.assertRaises(InvalidValueError) as cm, \
                        one_call(), acting_as(users['rep1'], company):
                    Opportunity.write([Opportunity(lead.id)], values)
                self.assertMessage(cm.exception, module, fs_id)
                lead = Opportunity(lead.id)
                for name in values:
                    self.assertNotEqual(
                        getattr(lead, name), values[name], name)

    def _tab_domain(self, fs_id, user):
        "The domain of a tab of the Leads menu for user."
        pool = Pool()
        ActionDomain = pool.get('ir.action.act_window.domain')
        ModelData = pool.get('ir.model.data')
        tab = ActionDomain(ModelData.get_id('crm_sales', fs_id))
        action = tab.act_window
        return [
            PYSONDecoder({'_user': user.id}).decode(action.pyson_domain),
            PYSONDecoder({'_user': user.id}).decode(tab.domain or '[]'),
            ]

    def _set_created(self, lead, days_ago):
        "Date the creation of lead days_ago days back."
        Opportunity = Pool().get('sale.opportunity')
        table = Opportunity.__table__()
        cursor = Transaction().connection.cursor()
        created = datetime.datetime.now() - datetime.timedelta(days=days_ago)
        cursor.execute(*table.update(
                [table.create_date], [created], where=table.id == lead.id))

    @with_transaction()
    def test_new_leads_follow_preference(self):
        "New Leads: created in the last days of the user's preference"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        User = pool.get('res.user')
        company, users = create_crm_users()
        rep = users['rep1']
        self.assertEqual(rep.crm_new_lead_days, 7)
        ages = {'today': 0, 'five days': 5, 'ten days': 10}
        leads = {}
        for label, days in ages.items():
            leads[label] = create_lead(rep, company, last_name=label)
            self._set_created(leads[label], days)
        potential = create_lead(rep, company, last_name="Potential")
        make_potential(potential, create_account(company, rep))

        def new_leads():
            with acting_as(rep, company):
                found = Opportunity.search(
                    self._tab_domain('act_lead_form_domain_new', rep))
                return {o.last_name for o in found}

        self.assertEqual(new_leads(), {'today', 'five days'})
        User.write([rep], {'crm_new_lead_days': 3})
        self.assertEqual(new_leads(), {'today'})
        with acting_as(rep, company):
            self.assertEqual(
                {o.crm_new for o in Opportunity.browse(
                        [leads['today'].id, leads['five days'].id])},
                {True, False})

    @with_transaction()
    def test_negative_preference_refused(self):
        "A negative number of days for New Leads is refused"
        pool = Pool()
        User = pool.get('res.user')
        company, users = create_crm_users()
        with self.assertRaises(Exception):
            with acting_as(users['rep1'], company):
                User.set_preferences({'crm_new_lead_days': -1})
        self.assertEqual(User(users['rep1'].id).crm_new_lead_days, 7)

    @with_transaction()
    def test_my_leads(self):
        "My Leads: the user's leads only, even for a manager who sees more"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        mine = create_lead(users['rep1'], company, last_name="Mine")
        create_lead(users['rep2'], company, last_name="Other")
        with acting_as(users['rep1'], company):
            found = Opportunity.search(
                self._tab_domain('act_lead_form_domain_mine', users['rep1']))
        self.assertEqual(found, [mine])
        with acting_as(users['manager'], company):
            everything = Opportunity.search(
                self._tab_domain('act_lead_form_domain_all', users['manager']))
            own = Opportunity.search(self._tab_domain(
                    'act_lead_form_domain_mine', users['manager']))
        self.assertEqual(
            {o.last_name for o in everything}, {"Mine", "Other"})
        self.assertEqual(own, [])

    def _run_mass_status(self, user, company, records, status):
        """Run the mass status wizard as over RPC: its transition runs
        without access checks."""
        pool = Pool()
        MassStatus = pool.get('crm.lead.mass_status', type='wizard')
        with acting_as(user, company), Transaction().set_context(
                active_model='sale.opportunity',
                active_ids=[r.id for r in records],
                active_id=records[0].id):
            session_id, _, _ = MassStatus.create()
            wizard = MassStatus(session_id)
            wizard.start.lead_status = status
            with Transaction().set_context(_check_access=False):
                wizard.transition_change()

    @with_transaction()
    def test_mass_status(self):
        "Mass status changes leads only, and only those the user may edit"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        lead = create_lead(users['rep1'], company)
        potential = create_lead(users['rep1'], company, lead_status='cold')
        make_potential(potential, create_account(company, users['rep1']))
        self._run_mass_status(users['rep1'], company, [lead, potential], 'hot')
        self.assertEqual(Opportunity(lead.id).lead_status, 'hot')
        self.assertEqual(Opportunity(potential.id).lead_status, 'cold')

        # Readable but not editable
        set_sharing('sale.opportunity', 'public_read')
        others = create_lead(users['rep2'], company, lead_status='warm')
        with self.assertRaises(AccessError):
            self._run_mass_status(users['rep1'], company, [others], 'junk')
        self.assertEqual(Opportunity(others.id).lead_status, 'warm')

    @with_transaction()
    def test_reassign(self):
        "A manager re-assigns leads; staff may not"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        lead = create_lead(users['rep1'], company)
        # (the wizard is bound to the profiles that re-assign)
        with self.assertRaises((AccessError, ReassignError)):
            run_reassign(users['rep1'], company, [lead], users['rep2'])
        self.assertEqual(Opportunity(lead.id).assigned_user, users['rep1'])
        run_reassign(users['manager'], company, [lead], users['rep2'])
        self.assertEqual(Opportunity(lead.id).assigned_user, users['rep2'])

    @with_transaction()
    def test_delete_by_profile(self):
        "Profiles allowed to delete remove a lead; others change nothing"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        lead = create_lead(users['rep1'], company)
        for login in ['rep1', 'director']:
            with self.subTest(login=login):
                with self.assertRaises(AccessError), \
                        acting_as(users[login], company):
                    Opportunity.delete([Opportunity(lead.id)])
                lead = Opportunity(lead.id)
                self.assertEqual(lead.state, 'lead')
        with self.assertRaises(AccessError), \
                acting_as(users['rep2'], company):
            # (the manager's profile but not its lead)
            Opportunity.delete([Opportunity(lead.id)])
        with acting_as(users['manager'], company):
            Opportunity.delete([Opportunity(lead.id)])
        self.assertFalse(Opportunity.search([('id', '=', lead.id)]))

    @with_transaction()
    def test_delete_hidden_lead_refused(self):
        "A manager's profile does not delete a lead it may not see"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users(users={
                'rep1': ('role_sales_rep', 'group_crm_staff'),
                'peer': ('role_sales_rep', 'group_crm_manager'),
                })
        lead = create_lead(users['rep1'], company)
        with self.assertRaises(AccessError), \
                acting_as(users['peer'], company):
            Opportunity.delete([Opportunity(lead.id)])
        self.assertEqual(Opportunity(lead.id).state, 'lead')

    @with_transaction()
    def test_copy(self):
        "A duplicated lead keeps its values, a new number and a fresh status"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = create_crm_users()
        lead = create_lead(users['rep1'], company, first_name="John",
            email="john@example.com", lead_source='web_site')
        Opportunity.write([lead], {'lead_status': 'hot'})
        with acting_as(users['rep1'], company):
            copy, = Opportunity.copy([Opportunity(lead.id)])
        copy = Opportunity(copy.id)
        self.assertNotEqual(copy.id, lead.id)
        self.assertNotEqual(copy.number, lead.number)
        for name in ['first_name', 'last_name', 'lead_company', 'email',
                'lead_source', 'crm_lead', 'state', 'assigned_user']:
            self.assertEqual(getattr(copy, name), getattr(lead, name), name)
        self.assertEqual(copy.lead_status, 'not_contacted')
        with self.assertRaises(AccessError), \
                acting_as(users['rep2'], company):
            Opportunity.copy([Opportunity(lead.id)])

    @with_transaction()
    def test_comments_attachments_notes_log(self):
        "Leads take comments, attachments, notes and log changes"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Channel = pool.get('ir.chat.channel')
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Log = pool.get('ir.model.log')
        company, users = create_crm_users()
        lead = create_lead(users['rep1'], company)
        resource = str(lead)
        self.assertIn('sale.opportunity', dict(Channel.get_models()))
        with Transaction().set_user(users['rep1'].id), \
                Transaction().set_context(company=company.id):
            Channel.post(resource, "Called the CTO")
            comments = [m['content'] for m in Channel.get(resource)]
        self.assertIn("Called the CTO", comments)
        with acting_as(users['rep1'], company):
            Attachment.create([{
                        'name': "brochure.txt", 'resource': resource,
                        'data': b"brochure"}])
            Note.create([{'resource': resource, 'message': "Call back"}])
            Opportunity.write([Opportunity(lead.id)], {'rating': 'active'})
        self.assertEqual(
            Attachment.search_count([('resource', '=', resource)]), 1)
        self.assertEqual(Note.search_count([('resource', '=', resource)]), 1)
        Transaction()._store_log_records()
        self.assertTrue(any(
                log.event == 'write' and log.user == users['rep1']
                for log in Log.search([('resource', '=', resource)])))

    @with_transaction()
    def test_hidden_lead_comments_attachments_refused(self):
        "Comments, attachments and notes of a lead hidden from the user"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        company, users = create_crm_users()
        lead = create_lead(users['rep1'], company)
        resource = str(lead)
        with Transaction().set_user(users['rep1'].id), \
                Transaction().set_context(company=company.id):
            Channel.post(resource, "Confidential")
        with Transaction().set_user(users['rep2'].id), \
                Transaction().set_context(company=company.id):
            with self.assertRaises(AccessError):
                Channel.post(resource, "Intrusion")
            with self.assertRaises(AccessError):
                Channel.get(resource)
        with acting_as(users['rep2'], company):
            with self.assertRaises(AccessError):
                Attachment.create([{
                            'name': "x.txt", 'resource': resource,
                            'data': b"x"}])
            with self.assertRaises(AccessError):
                Note.create([{'resource': resource, 'message': "x"}])
        self.assertEqual(
            Attachment.search_count([('resource', '=', resource)]), 0)
        self.assertEqual(Note.search_count([('resource', '=', resource)]), 0)
        messages = Pool().get('ir.chat.message').search(
            [('channel.resource', '=', resource)])
        self.assertEqual(
            [m.content for m in messages], ["Confidential"])
