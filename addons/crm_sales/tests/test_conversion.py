# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The Convert Lead wizard and the bulk conversion of leads."""
import datetime
import unittest
import unittest.mock
from decimal import Decimal

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import (
    acting_as, create_crm_users, rpc_call, set_sharing)
from lxml import etree
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

#: lead field -> account field
ACCOUNT_FIELDS = {
    'lead_company': 'name',
    'industry': 'industry',
    'annual_revenue': 'annual_revenue',
    'employees': 'employees',
    'rating': 'rating',
    }
#: lead field -> contact field
CONTACT_FIELDS = {
    'salutation': 'salutation',
    'first_name': 'first_name',
    'last_name': 'last_name',
    'job_title': 'job_title',
    'email_opt_out': 'email_opt_out',
    'do_not_call': 'do_not_call',
    'lead_source': 'lead_source',
    'comment': 'description',
    }
#: lead field -> contact mechanism type, of the account and of the contact
ACCOUNT_MECHANISMS = {'website': 'website', 'phone': 'phone'}
CONTACT_MECHANISMS = {'email': 'email', 'phone': 'phone', 'mobile': 'mobile'}
ADDRESS_FIELDS = {
    'street': 'street', 'postal_code': 'postal_code', 'city': 'city',
    'country': 'country'}


def run_convert(leads, **values):
    """Run the Convert Lead wizard on leads as a client does: the defaults
    of its start form, changed by values, then Convert.  For a user (see
    acting_as) the steps go through the JSON-RPC dispatch (rpc_call), so
    that they run as over RPC: without the access checks of the caller."""
    pool = Pool()
    Convert = pool.get('crm.lead.convert', type='wizard')
    transaction = Transaction()
    user = transaction.user
    context = dict(
        active_model='sale.opportunity',
        active_ids=[l.id for l in leads], active_id=leads[0].id)
    if user:
        context['company'] = transaction.context.get('company')

        def call(method, *args):
            return rpc_call(user, Convert, method, *args, context=context)
    else:
        def call(method, *args):
            with transaction.set_context(context):
                return getattr(Convert, method)(*args)
    session_id, _, _ = call('create')
    result = call('execute', session_id, {}, 'start')
    data = {
        k: v for k, v in result['view']['defaults'].items()
        if '.' not in k}
    data.update(values)
    result = call('execute', session_id, {'start': data}, 'convert')
    call('delete', session_id)
    return result


class CrmLeadConversionTestCase(unittest.TestCase):
    "Test the conversion of leads"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def setup_people(self):
        self.company, self.users = create_crm_users()
        return self.company, self.users

    def create_lead(self, owner, **values):
        "Create a CRM lead of owner (as the system)."
        Opportunity = Pool().get('sale.opportunity')
        with Transaction().set_context(
                crm_lead=True, company=self.company.id):
            lead, = Opportunity.create([{
                        'company': self.company.id,
                        'last_name': "Doe",
                        'lead_company': "Initech",
                        'assigned_user': owner.id,
                        **values}])
        return lead

    def parties(self, **domain):
        Party = Pool().get('party.party')
        return Party.search(
            [('crm_type', '!=', None)]
            + [(k, '=', v) for k, v in domain.items()],
            order=[('id', 'ASC')])

    def convert_past_warning(self, user, lead):
        """Convert lead as user past the duplicate warning (which says that
        a record the user may not read matches it); return the lead."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Warning_ = pool.get('res.user.warning')
        with acting_as(user, self.company), unittest.mock.patch.object(
                Warning_, 'check', return_value=False):
            run_convert([Opportunity(lead.id)])
        return Opportunity(lead.id)

    def assert_refused(self, user, lead, error, **values):
        """Check that the conversion of lead by user with values raises
        error and writes nothing; return the exception."""
        Opportunity = Pool().get('sale.opportunity')
        before = self.parties(), Opportunity(lead.id).lead_converted
        with acting_as(user, self.company), self.assertRaises(error) as cm:
            run_convert([Opportunity(lead.id)], **values)
        self.assertEqual(
            (self.parties(), Opportunity(lead.id).lead_converted), before)
        return cm.exception

    def assert_final(self, user, lead, values):
        "Check that user may not write values on the converted lead."
        Opportunity = Pool().get('sale.opportunity')
        with acting_as(user, self.company), \
                self.assertRaises(AccessError) as cm:
            Opportunity.write([Opportunity(lead.id)], values)
        self.assertEqual(cm.exception.message, gettext(
                'crm_sales.msg_lead_conversion_final', lead=lead.rec_name))

    def leads_domain(self):
        "The domain of the Leads list."
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action.act_window')
        action = Action(ModelData.get_id('crm_sales', 'act_lead_form'))
        return PYSONDecoder({}).decode(action.pyson_domain)

    @with_transaction()
    def test_every_field_lands(self):
        "Every field of the lead lands in the account, contact or potential"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Country = pool.get('country.country')
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Channel = pool.get('ir.chat.channel')
        Message = pool.get('ir.chat.message')
        Stage = pool.get('crm.sales_stage')
        company, users = self.setup_people()
        rep = users['rep1']
        country, = Country.create([{'name': "Belgium", 'code': 'BE'}])
        lead = self.create_lead(rep,
            salutation='dr', first_name="Ada", last_name="Lovelace",
            lead_company="Analytical Engines", job_title="Engineer",
            email="ada@engines.example.com", phone="+3225551234",
            mobile="+32475123456", website="https://engines.example.com",
            street="1 Rue Neuve", postal_code="1000", city="Brussels",
            country=country.id, industry='engineering',
            annual_revenue=Decimal('1200000.00'), employees=42,
            rating='active', lead_source='trade_show',
            email_opt_out=True, do_not_call=True,
            comment="Met at the fair", description="Engines",
            amount=Decimal('5000'))
        lead_ref = str(lead)
        Attachment.create([{
                    'name': "card.txt", 'resource': lead_ref,
                    'data': b'card'}])
        Note.create([{'resource': lead_ref, 'message': "Call back"}])
        with Transaction().set_user(0):
            Channel.post(lead, "Interested in engines")
        stage = Stage.search([('closing', '=', None)], offset=1, limit=1)[0]
        close = datetime.date.today() + datetime.timedelta(days=30)

        with acting_as(rep, company):
            run_convert([Opportunity(lead.id)], sales_stage=stage.id,
                expected_close_date=close, amount=Decimal('7000'))

        lead = Opportunity(lead.id)
        account, = self.parties(crm_type='account')
        contact, = self.parties(crm_type='contact')
        for lead_field, field in ACCOUNT_FIELDS.items():
            self.assertEqual(
                getattr(account, field), getattr(lead, lead_field), field)
        for lead_field, field in CONTACT_FIELDS.items():
            self.assertEqual(
                getattr(contact, field), getattr(lead, lead_field), field)
        for party, mechanisms in [
                (account, ACCOUNT_MECHANISMS), (contact, CONTACT_MECHANISMS)]:
            found = {m.type: m.value for m in party.contact_mechanisms}
            for lead_field, type_ in mechanisms.items():
                self.assertEqual(found.get(type_) and found[type_].replace(
                        ' ', ''), getattr(lead, lead_field), type_)
            address, = party.addresses
            for lead_field, field in ADDRESS_FIELDS.items():
                self.assertEqual(
                    getattr(address, field), getattr(lead, lead_field), field)
            self.assertEqual(party.crm_origin_lead, lead)
            self.assertEqual(party.assigned_user, rep)
            self.assertEqual(party.crm_company, company)
        self.assertEqual(contact.account, account)

        # The potential is the lead itself
        self.assertEqual(lead.state, 'opportunity')
        self.assertTrue(lead.lead_converted)
        self.assertEqual(lead.party, account)
        self.assertEqual(lead.crm_contact, contact)
        self.assertEqual(lead.company, company)
        self.assertEqual(lead.sales_stage, stage)
        self.assertEqual(lead.expected_close_date, close)
        self.assertEqual(lead.amount, Decimal('7000'))
        self.assertEqual(lead.description, "Engines")
        self.assertEqual(lead.assigned_user, rep)
        self.assertEqual(
            [a.name for a in Attachment.search(
                    [('resource', '=', lead_ref)])], ["card.txt"])
        self.assertEqual(
            [n.message for n in Note.search([('resource', '=', lead_ref)])],
            ["Call back"])
        self.assertEqual(
            [m.content for m in Message.search(
                    [('channel.resource', '=', lead_ref)])],
            ["Interested in engines"])
        self.assertFalse(Opportunity.search(
                [('id', '=', lead.id)] + self.leads_domain()))
        with acting_as(rep, company):
            self.assertTrue(Opportunity.search([('id', '=', lead.id)]))

    @with_transaction()
    def test_account_matched_by_normalised_name(self):
        "The account whose name matches the company, normalised, is linked"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        company, users = self.setup_people()
        rep = users['rep1']
        acme, = Party.create([{
                    'name': "ACME, Inc.", 'crm_type': 'account',
                    'crm_company': company.id, 'assigned_user': rep.id}])
        lead = self.create_lead(rep, lead_company="  acme   inc")

        with acting_as(rep, company):
            Convert = pool.get('crm.lead.convert', type='wizard')
            with Transaction().set_context(
                    active_model='sale.opportunity', active_ids=[lead.id],
                    active_id=lead.id):
                session_id, _, _ = Convert.create()
                defaults = Convert.execute(
                    session_id, {}, 'start')['view']['defaults']
            self.assertEqual(defaults['account'], acme.id)
            self.assertFalse(defaults['create_account'])
            run_convert([Opportunity(lead.id)])

        self.assertEqual(self.parties(crm_type='account'), [acme])
        contact, = self.parties(crm_type='contact')
        self.assertEqual(contact.account, acme)
        self.assertEqual(Opportunity(lead.id).party, acme)
        # the existing account keeps its values
        self.assertEqual(acme.name, "ACME, Inc.")
        self.assertIsNone(acme.crm_origin_lead)

    @with_transaction()
    def test_hidden_account_not_matched(self):
        "An account the user may not read is not linked"
        Party = Pool().get('party.party')
        company, users = self.setup_people()
        rep = users['rep1']
        hidden, = Party.create([{
                    'name': "Umbrella", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep2'].id}])
        lead = self.create_lead(rep, lead_company="UMBRELLA")
        account = self.convert_past_warning(rep, lead).party
        self.assertNotEqual(account, hidden)
        self.assertEqual(account.assigned_user, rep)

    @with_transaction()
    def test_hidden_duplicates_named_nowhere(self):
        """Over RPC the look-ups see what the user sees: a hidden account
        and contact matching the lead are said to exist, never named"""
        pool = Pool()
        Party = pool.get('party.party')
        Convert = pool.get('crm.lead.convert', type='wizard')
        company, users = self.setup_people()
        rep = users['rep1']
        hidden, _ = Party.create([{
                    'name': "Umbrella", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep2'].id,
                    }, {
                    'first_name': "Albert", 'last_name': "Wesker",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': users['rep2'].id,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'wesker@umbrella.example.com',
                                    }])],
                    }])
        lead = self.create_lead(rep, lead_company="Umbrella",
            email='wesker@umbrella.example.com')
        context = {'active_model': 'sale.opportunity',
            'active_ids': [lead.id], 'active_id': lead.id,
            'company': company.id}
        session_id, _, _ = rpc_call(rep, Convert, 'create', context=context)
        defaults = rpc_call(rep, Convert, 'execute', session_id, {}, 'start',
            context=context)['view']['defaults']
        self.assertIsNone(defaults['account'])
        self.assertIsNone(defaults['contact'])
        self.assertTrue(defaults['create_account'])
        self.assertEqual(defaults['summary'], '\n'.join([
                    gettext('crm_sales.msg_lead_convert_hidden_account'),
                    gettext('crm_sales.msg_lead_convert_hidden_contact')]))
        self.assertNotIn("Wesker", str(defaults))
        lead = self.convert_past_warning(rep, lead)
        self.assertNotEqual(lead.party, hidden)
        self.assertEqual(lead.party.assigned_user, rep)
        self.assertEqual(lead.crm_contact.assigned_user, rep)

    @with_transaction()
    def test_contact_matched_by_email(self):
        "The contact with the lead's e-mail is linked, not created"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        company, users = self.setup_people()
        rep = users['rep1']
        known, = Party.create([{
                    'first_name': "Jane", 'last_name': "Known",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': rep.id,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'jane@initech.example.com'}])],
                    }])
        lead = self.create_lead(rep, email='Jane@Initech.example.com')
        with acting_as(rep, company):
            run_convert([Opportunity(lead.id)])
        self.assertEqual(self.parties(crm_type='contact'), [known])
        self.assertEqual(Opportunity(lead.id).crm_contact, known)

        # a contact given as the account is refused
        other = self.create_lead(rep, lead_company="Initech 3")
        error = self.assert_refused(rep, other, ValidationError,
            create_account=False, account=known.id)
        self.assertEqual(error.message, gettext(
                'crm_sales.msg_lead_convert_account',
                lead=other.rec_name, party=known.rec_name))

        # the contact of another rep, hidden, is not linked
        hidden, = Party.create([{
                    'first_name': "John", 'last_name': "Hidden",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': users['rep2'].id,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'john@initech.example.com'}])],
                    }])
        lead = self.create_lead(rep, email='john@initech.example.com',
            lead_company="Initech 2")
        contact = self.convert_past_warning(rep, lead).crm_contact
        self.assertNotEqual(contact, hidden)
        self.assertEqual(contact.assigned_user, rep)

    @with_transaction()
    def test_without_potential(self):
        "Without potential the lead is converted and leaves the Leads list"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        rep = users['rep1']
        lead = self.create_lead(rep)
        leads_domain = self.leads_domain()
        self.assertTrue(Opportunity.search(
                [('id', '=', lead.id)] + leads_domain))

        with acting_as(rep, company):
            run_convert([Opportunity(lead.id)], create_potential=False)

        lead = Opportunity(lead.id)
        account, = self.parties(crm_type='account')
        contact, = self.parties(crm_type='contact')
        self.assertEqual(lead.state, 'lead')
        self.assertTrue(lead.lead_converted)
        self.assertEqual((lead.party, lead.crm_contact), (account, contact))
        self.assertFalse(Opportunity.search(
                [('id', '=', lead.id)] + leads_domain))
        self.assertEqual(
            Opportunity.search([('lead_converted', '=', True)]), [lead])

        # Frozen: no change, no way back, no potential made later
        for values in [{'last_name': "Changed"}, {'state': 'cancelled'}]:
            self.assert_final(rep, lead, values)
        self.assertEqual(Opportunity(lead.id).last_name, "Doe")

    @with_transaction()
    def test_converting_twice_refused(self):
        "A converted lead is not converted again, nothing is written"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        rep = users['rep1']
        leads = []
        for create_potential in [True, False]:
            lead = self.create_lead(rep, lead_company=f"Co {create_potential}")
            leads.append(lead)
            with acting_as(rep, company):
                run_convert([Opportunity(lead.id)],
                    create_potential=create_potential)
            error = self.assert_refused(rep, lead, ValidationError)
            self.assertEqual(error.message, gettext(
                    'crm_sales.msg_lead_convert_twice',
                    lead=Opportunity(lead.id).rec_name))

        # and the potential cannot go back to a lead
        potential = Opportunity(leads[0].id)
        with acting_as(rep, company):
            with self.assertRaises(AccessButtonError):
                Opportunity.lead([Opportunity(potential.id)])
        self.assert_final(rep, potential, {'state': 'lead'})
        self.assertEqual(Opportunity(potential.id).state, 'opportunity')

    @with_transaction()
    def test_missing_data_refused(self):
        "A lead without last name or company says which is missing"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        rep = users['rep1']
        # a lead of the host's own flow: no CRM requirement
        with Transaction().set_context(company=company.id):
            lead, = Opportunity.create([{
                        'company': company.id, 'assigned_user': rep.id,
                        'first_name': "Anonymous"}])
        message = self.assert_refused(rep, lead, ValidationError).message
        for name in ['last_name', 'lead_company']:
            self.assertIn(
                Opportunity.__names__(name)['field'], message)
        self.assertEqual(self.parties(), [])

        Opportunity.write([lead], {'last_name': "Doe"})
        message = self.assert_refused(rep, lead, ValidationError).message
        self.assertIn(Opportunity.__names__('lead_company')['field'], message)
        self.assertNotIn(Opportunity.__names__('last_name')['field'], message)

    @with_transaction()
    def test_hidden_lead_refused(self):
        "A rep may not convert the lead of another rep it does not see"
        company, users = self.setup_people()
        lead = self.create_lead(users['rep1'])
        self.assert_refused(users['rep2'], lead, AccessError)
        self.assertEqual(self.parties(), [])

    @with_transaction()
    def test_read_only_lead_refused(self):
        "A lead shared read-only is seen but not converted"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        set_sharing('sale.opportunity', 'public_read')
        lead = self.create_lead(users['rep1'])
        with acting_as(users['rep2'], company):
            self.assertTrue(Opportunity.search([('id', '=', lead.id)]))
        self.assert_refused(users['rep2'], lead, AccessError)
        self.assertEqual(self.parties(), [])
        self.assertEqual(Opportunity(lead.id).state, 'lead')

    @with_transaction()
    def test_profile_without_convert_refused(self):
        "A profile without the Convert Lead action may not convert"
        pool = Pool()
        Permission = pool.get('crm.profile.permission')
        Action = pool.get('crm.profile.action')
        ModelData = pool.get('ir.model.data')
        company, users = self.setup_people()
        rep = users['rep1']
        convert, = Action.search([
                ('model', '=', 'sale.opportunity'), ('code', '=', 'convert')])
        row, = Permission.search([
                ('group', '=', ModelData.get_id(
                        'crm_core', 'group_crm_staff')),
                ('sharing.model', '=', 'sale.opportunity'),
                ])
        # granted with Create: Staff has it by default
        self.assertIn(convert, row.actions)
        lead = self.create_lead(rep)
        Permission.write([row], {'actions': [('remove', [convert.id])]})

        error = self.assert_refused(rep, lead, AccessError)
        self.assertEqual(
            error.message, gettext('crm_sales.msg_convert_denied'))
        self.assertEqual(self.parties(), [])

    @with_transaction()
    def test_owner_chosen_in_wizard(self):
        "The manager converts a rep's lead for another rep"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        lead = self.create_lead(users['rep1'])
        with acting_as(users['manager'], company):
            run_convert([Opportunity(lead.id)],
                assigned_user=users['rep2'].id)
        for record in self.parties() + [Opportunity(lead.id)]:
            self.assertEqual(record.assigned_user, users['rep2'])

        # a rep cannot give what it makes to a user it does not see
        # (the refusal comes once the lead is marked converted: only the
        # rollback of the request undoes that, so only the parties are
        # checked here)
        lead = self.create_lead(users['rep1'], lead_company="Other")
        before = self.parties()
        with acting_as(users['rep1'], company):
            with self.assertRaises(AccessError):
                run_convert([Opportunity(lead.id)],
                    assigned_user=users['rep2'].id)
        self.assertEqual(self.parties(), before)

    @with_transaction()
    def test_bulk_conversion(self):
        "A selection is converted at once; one company makes one account"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        company, users = self.setup_people()
        rep = users['rep1']
        leads = [
            self.create_lead(rep, lead_company="Globex Corp",
                last_name="One", email='one@globex.example.com'),
            self.create_lead(rep, lead_company="GLOBEX corp.",
                last_name="Two"),
            self.create_lead(rep, lead_company="Hooli", last_name="Three"),
            self.create_lead(rep, lead_company="Massive Dynamic",
                last_name="Four"),
            ]
        massive, = Party.create([{
                    'name': "Massive-Dynamic", 'crm_type': 'account',
                    'crm_company': company.id, 'assigned_user': rep.id}])
        creates = []
        create = Party.create.__func__

        def counting_create(cls, vlist):
            creates.append(len(vlist))
            return create(cls, vlist)
        with acting_as(rep, company), unittest.mock.patch.object(
                Party, 'create', classmethod(counting_create)):
            run_convert([Opportunity(l.id) for l in leads])

        # one create for the accounts, one for the contacts
        self.assertEqual(creates, [2, 4])
        leads = Opportunity.browse([l.id for l in leads])
        accounts = {l.party for l in leads}
        self.assertEqual(len(accounts), 3)
        self.assertEqual(leads[0].party, leads[1].party)
        self.assertEqual(leads[3].party, massive)
        self.assertEqual(
            [l.crm_contact.last_name for l in leads],
            ["One", "Two", "Three", "Four"])
        for lead in leads:
            self.assertEqual(lead.state, 'opportunity')
            self.assertEqual(lead.crm_contact.account, lead.party)
        self.assertFalse(Opportunity.search(
                [('id', 'in', [l.id for l in leads])] + self.leads_domain()))

    def opened(self, result):
        "Return the record ids and the view types of the action result opens"
        (action, data), = result['actions']
        return data['res_id'], [type_ for _, type_ in action['views']]

    @with_transaction()
    def test_one_lead_opens_its_potential_form(self):
        "Converting one lead opens the form of its potential"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        lead = self.create_lead(users['rep1'])
        with acting_as(users['rep1'], company):
            result = run_convert([Opportunity(lead.id)])
        ids, views = self.opened(result)
        self.assertEqual(ids, [lead.id])
        self.assertEqual(views[0], 'form')
        self.assertIn('tree', views)

    @with_transaction()
    def test_several_leads_open_the_list(self):
        "Converting several leads opens the list of their potentials"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        leads = [
            self.create_lead(users['rep1'], lead_company=name)
            for name in ["Hooli", "Globex"]]
        with acting_as(users['rep1'], company):
            result = run_convert([Opportunity(l.id) for l in leads])
        ids, views = self.opened(result)
        self.assertEqual(sorted(ids), sorted(l.id for l in leads))
        self.assertEqual(views[0], 'tree')
        (action, _), = result['actions']
        self.assertEqual(
            PYSONDecoder({}).decode(action['pyson_domain']),
            [['id', 'in', ids]])

    @with_transaction()
    def test_without_potential_opens_the_account_form(self):
        "Converting one lead without potential opens the account's form"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, users = self.setup_people()
        lead = self.create_lead(users['rep1'])
        with acting_as(users['rep1'], company):
            result = run_convert(
                [Opportunity(lead.id)], create_potential=False)
        account, = self.parties(crm_type='account')
        self.assertEqual(self.opened(result), ([account.id], ['form', 'tree']))

        # two leads of one company make one account: its form
        leads = [
            self.create_lead(users['rep1'], lead_company="Hooli")
            for _ in range(2)]
        with acting_as(users['rep1'], company):
            result = run_convert(
                [Opportunity(l.id) for l in leads], create_potential=False)
        ids, views = self.opened(result)
        self.assertEqual(ids, [Opportunity(leads[0].id).party.id])
        self.assertEqual(views[0], 'form')

    @with_transaction()
    def test_start_says_how_many_leads(self):
        "The start form says how many leads are converted, when several"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Convert = pool.get('crm.lead.convert', type='wizard')
        company, users = self.setup_people()
        leads = [
            self.create_lead(users['rep1'], lead_company=name)
            for name in ["Hooli", "Globex", "Initech"]]

        def defaults(leads):
            with acting_as(users['rep1'], company), \
                    Transaction().set_context(
                        active_model='sale.opportunity',
                        active_ids=[l.id for l in leads],
                        active_id=leads[0].id):
                session_id, _, _ = Convert.create()
                result = Convert.execute(session_id, {}, 'start')
                Convert.delete(session_id)
            return result['view']['defaults']

        several = defaults([Opportunity(l.id) for l in leads])
        self.assertEqual(several['summary'], "Converting 3 leads.")
        self.assertFalse(several['single'])
        self.assertNotIn('leads', several)
        single = defaults([Opportunity(leads[0].id)])
        self.assertFalse(single['summary'])
        self.assertEqual(single['lead_company'], "Hooli")

    @with_transaction()
    def test_start_form_layout(self):
        """The start form fits its dialog: one label and one field a row,
        the stage picked from a list, the summary only for several leads"""
        pool = Pool()
        StartForm = pool.get('crm.lead.convert.start')
        view = StartForm.fields_view_get(view_type='form')
        arch = etree.fromstring(view['arch'])
        self.assertEqual(arch.get('col'), '2')
        stage, = arch.xpath('//field[@name="sales_stage"]')
        self.assertEqual(stage.get('widget'), 'selection')
        self.assertFalse(arch.xpath('//field[@name="leads"]'))
        decoder = PYSONDecoder({'single': True})
        summary, = arch.xpath('//label[@name="summary"]')
        self.assertTrue(decoder.decode(summary.get('states'))['invisible'])
        separator, = arch.xpath('//separator[@id="account_contact"]')
        self.assertFalse(
            decoder.decode(separator.get('states'))['invisible'])
        # no empty company name when several leads are converted
        states = PYSONDecoder({'single': False}).decode(
            view['fields']['lead_company']['states'])
        self.assertTrue(states['invisible'])
