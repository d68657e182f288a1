"""Lead conversion: the *Convert Lead* wizard and the bulk converter.

Converting a lead makes from it an account (or links the existing account
whose name, normalised for case, spaces and punctuation, is the lead's
company), a contact of that account (or links the existing contact with
the lead's e-mail) and, unless told otherwise, the potential: the lead
itself moved to state *opportunity*, so that its comments, notes,
attachments, change log and lines stay on it.

Every conversion is recorded on the lead (``lead_conversion_date``).  A
lead converted without potential stays in the host's state *lead*: the
host has no state for it (*converted* means that a sale was made,
*cancelled* that the lead was dropped, and both may be re-opened).  The
Leads list shows the leads not converted; a converted lead is frozen and
never goes back to a lead, so that the conversion cannot be undone.

A selection of leads is converted in one go: the accounts and contacts
are matched with one search each and created with one ``create`` each.
"""
import datetime
from collections import defaultdict

from trytond.i18n import gettext, ngettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, PYSONEncoder
from trytond.tools import grouped_slice
from trytond.tools.email_ import normalize_email
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from crm_core.guard import declared

from .party import name_key

#: The fields of a lead, frozen once it is converted
LEAD_FIELDS = [
    'salutation', 'first_name', 'last_name', 'lead_company', 'job_title',
    'email', 'phone', 'mobile', 'website', 'street', 'postal_code', 'city',
    'country', 'industry', 'annual_revenue', 'employees', 'lead_status',
    'rating', 'email_opt_out', 'do_not_call',
    ]
#: What a converted lead that stayed a lead may still change: its owner
CONVERTED_LEAD_WRITABLE = {'assigned_user', 'assigned_team'}
#: What a lead needs to be converted, by the record it makes
CONVERSION_REQUIRED = ['last_name', 'lead_company']


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'
    lead_conversion_date = fields.DateTime(
        "Lead Converted On", readonly=True,
        help="When the lead was converted into an account and a contact.")
    lead_converted = fields.Function(
        fields.Boolean("Converted Lead"),
        'get_lead_converted', searcher='search_lead_converted')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        converted = Bool(Eval('lead_conversion_date'))
        converted_lead = converted & (Eval('state') == 'lead')
        cls._buttons.update({
                'convert_lead': {
                    'invisible': (Eval('state') != 'lead') | converted,
                    'depends': ['state', 'lead_conversion_date'],
                    'icon': 'tryton-forward',
                    },
                })
        # The host's buttons cannot undo a conversion
        for name, hidden in [
                ('lead', converted),
                ('opportunity', converted_lead),
                ('lost', converted_lead),
                ('cancel', converted_lead),
                ]:
            button = cls._buttons[name]
            button['invisible'] = button.get('invisible', False) | hidden
            button['depends'] = sorted(
                set(button.get('depends', [])) | {'lead_conversion_date'})
        for name in LEAD_FIELDS:
            field = getattr(cls, name)
            field.states = {
                **field.states,
                'readonly': field.states.get('readonly', False) | converted,
                }
            field.depends.add('lead_conversion_date')

    def get_lead_converted(self, name):
        return bool(self.lead_conversion_date)

    @classmethod
    def search_lead_converted(cls, name, clause):
        _, operator, value = clause
        converted = (operator == '=') == bool(value)
        return [('lead_conversion_date', '!=' if converted else '=', None)]

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lead_conversion_date')
        return super().copy(opportunities, default=default)

    @classmethod
    def check_modification(
            cls, mode, opportunities, values=None, external=False):
        super().check_modification(
            mode, opportunities, values=values, external=external)
        if mode != 'write':
            return
        for opportunity in opportunities:
            if not opportunity.lead_conversion_date:
                continue
            if (values.get('state') == 'lead'
                    or (external and opportunity.state == 'lead'
                        and set(values) - CONVERTED_LEAD_WRITABLE)):
                raise AccessError(gettext(
                        'crm_sales.msg_lead_conversion_final',
                        lead=opportunity.rec_name))

    @classmethod
    @ModelView.button_action('crm_sales.wizard_lead_convert')
    def convert_lead(cls, opportunities):
        pass


def _existing_party_field(crm_type, string):
    """Return the field of the existing party of crm_type a single lead is
    linked to, unless its field create_<crm_type> asks for a new one."""
    create = Eval(f'create_{crm_type}')
    return fields.Many2One(
        'party.party', string,
        domain=[
            ('crm_type', '=', crm_type),
            ('crm_company', '=', Eval('company', -1)),
            ],
        context={'company': Eval('company', -1)},
        states={
            'invisible': ~Eval('single') | Bool(create),
            'required': Bool(Eval('single')) & ~create,
            },
        depends={'company'},
        help=f"The existing {crm_type} the lead is linked to.")


class LeadConvertStart(ModelView):
    "Convert Lead"
    __name__ = 'crm.lead.convert.start'
    __string__ = "Convert Lead"
    summary = fields.Char(
        "Summary", readonly=True,
        help="What is converted, when several leads are.")
    single = fields.Boolean("Single Lead", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    lead_company = fields.Char(
        "Company Name", readonly=True,
        states={'invisible': ~Eval('single')},
        help="The name of the account made from the lead.")
    create_account = fields.Boolean(
        "Create New Account",
        states={'invisible': ~Eval('single')},
        help="Create an account from the lead instead of linking it to "
        "an existing one.")
    account = _existing_party_field('account', "Account")
    create_contact = fields.Boolean(
        "Create New Contact",
        states={'invisible': ~Eval('single')},
        help="Create a contact from the lead instead of linking it to "
        "an existing one.")
    contact = _existing_party_field('contact', "Contact")
    create_potential = fields.Boolean(
        "Create Potential",
        help="Move the lead to a potential of the account.")
    description = fields.Char(
        "Potential Name",
        states={'invisible': ~Eval('create_potential') | ~Eval('single')})
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency',
        states={'invisible': ~Eval('create_potential') | ~Eval('single')})
    expected_close_date = fields.Date(
        "Expected Close Date",
        states={'invisible': ~Eval('create_potential')})
    sales_stage = fields.Many2One(
        'crm.sales_stage', "Sales Stage",
        domain=[('closing', '=', None)],
        states={
            'invisible': ~Eval('create_potential'),
            'required': Bool(Eval('create_potential')),
            })
    assigned_user = fields.Many2One(
        'res.user', "Assigned To",
        help="The owner of the account, contact and potential made; "
        "empty: the owner of each lead.")
    assigned_team = fields.Many2One(
        'crm.team', "Assigned Team",
        help="The team owning the account, contact and potential made.")

    @classmethod
    def default_create_potential(cls):
        return True

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//label[@name="summary"]', 'states', {
                    'invisible': ~Eval('summary'),
                    }, ['summary']),
            ('//separator[@id="account_contact"]', 'states', {
                    'invisible': ~Eval('single'),
                    }, ['single']),
            ]

    @classmethod
    def default_sales_stage(cls):
        return Pool().get('sale.opportunity').default_sales_stage()


class LeadConvert(Wizard):
    "Convert the lead into an account, a contact and a potential"
    __name__ = 'crm.lead.convert'
    start = StateView('crm.lead.convert.start',
        'crm_sales.lead_convert_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Convert", 'convert', 'tryton-ok', default=True),
            ])
    convert = StateTransition()
    open_potentials = StateAction('crm_sales.act_potential_form')
    open_accounts = StateAction('crm_core.act_account_form')

    def default_start(self, fields):
        converter = LeadConverter(list(self.records))
        converter.check()
        values = {
            'single': len(self.records) == 1,
            'summary': None,
            }
        if len(self.records) > 1:
            values['summary'] = ngettext(
                'crm_sales.msg_lead_convert_summary', len(self.records),
                count=len(self.records))
        if len(self.records) == 1:
            lead, = self.records
            account = converter.matching_accounts([lead]).get(lead)
            contact = converter.matching_contacts([lead]).get(lead)
            values.update({
                    'company': lead.company.id,
                    'lead_company': lead.lead_company,
                    'create_account': not account,
                    'account': account.id if account else None,
                    'create_contact': not contact,
                    'contact': contact.id if contact else None,
                    'description': lead.description or lead.lead_company,
                    'currency': lead.currency.id if lead.currency else None,
                    'amount': lead.amount,
                    'expected_close_date': lead.expected_close_date,
                    'assigned_user': (
                        lead.assigned_user.id if lead.assigned_user
                        else None),
                    'assigned_team': (
                        lead.assigned_team.id if lead.assigned_team
                        else None),
                    })
            if lead.sales_stage and not lead.sales_stage.closing:
                values['sales_stage'] = lead.sales_stage.id
            hidden = [k for k in converter.hidden_duplicates(lead)
                if not {'account': account, 'contact': contact}[k]]
            if hidden:
                values['summary'] = '\n'.join(
                    gettext('crm_sales.msg_lead_convert_hidden_%s' % k)
                    for k in hidden)
        return values

    def transition_convert(self):
        start = self.start
        options = {
            'create_potential': start.create_potential,
            'expected_close_date': start.expected_close_date,
            'sales_stage': start.sales_stage,
            'assigned_user': start.assigned_user,
            'assigned_team': start.assigned_team,
            }
        if len(self.records) == 1:
            lead, = self.records
            options.update({
                    'accounts': {lead: (
                            None if start.create_account else start.account)},
                    'contacts': {lead: (
                            None if start.create_contact else start.contact)},
                    'description': start.description,
                    'amount': start.amount,
                    })
        converter = LeadConverter(list(self.records), **options)
        self.converted = converter.convert()
        if start.create_potential:
            return 'open_potentials'
        return 'open_accounts'

    def _open(self, action, ids):
        """Open the records made: the form of the one, the list of several
        (as the host's wizards do, e.g. sale's Return Sale)."""
        action['domains'] = []
        action['pyson_domain'] = PYSONEncoder().encode([('id', 'in', ids)])
        if len(ids) == 1:
            action['views'] = sorted(
                action['views'], key=lambda view: view[1] != 'form')
        return action, {'res_id': ids}

    def do_open_potentials(self, action):
        return self._open(action, [r.id for r in self.records])

    def do_open_accounts(self, action):
        return self._open(action, sorted(
                {a.id for a, _ in getattr(self, 'converted', {}).values()}))


class LeadConverter:
    """Convert leads into accounts, contacts and potentials.

    The records are made by slices of ``slice_size`` leads, one create per
    model and slice: the ORM checks every id of a list when it instantiates
    each record of it, a cost growing with the square of the list (bench/:
    1,000 leads converted in 37 s, 10,000 at once still running after 30
    minutes).

    options: create_potential (default True), sales_stage,
    expected_close_date, assigned_user, assigned_team (empty: each lead's
    owner), and for the wizard on one lead description and amount of the
    potential and accounts and contacts: {lead: party or None} (None:
    create one; missing: match or create)."""

    def __init__(self, leads, create_potential=True, sales_stage=None,
            expected_close_date=None, assigned_user=None,
            assigned_team=None, description=None, amount=None,
            accounts=None, contacts=None):
        self.leads = leads
        self.slice_size = 1000
        self.create_potential = create_potential
        self.sales_stage = sales_stage
        self.expected_close_date = expected_close_date
        self.assigned_user = assigned_user
        self.assigned_team = assigned_team
        self.description = description
        self.amount = amount
        self.accounts = dict(accounts or {})
        self.contacts = dict(contacts or {})

    def check(self):
        """Raise unless the user may convert every lead and every lead has
        what the account and contact need."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        if Transaction().check_access:
            Opportunity.crm_check_permission('convert')
        states = dict(
            Opportunity.fields_get(['state'])['state']['selection'])
        for lead in self.leads:
            if lead.lead_conversion_date:
                raise ValidationError(gettext(
                        'crm_sales.msg_lead_convert_twice',
                        lead=lead.rec_name))
            if lead.state != 'lead':
                raise ValidationError(gettext(
                        'crm_sales.msg_lead_convert_not_lead',
                        lead=lead.rec_name,
                        state=states[lead.state]))
            missing = [
                Opportunity.__names__(n)['field']
                for n in CONVERSION_REQUIRED if not getattr(lead, n)]
            if missing:
                raise ValidationError(gettext(
                        'crm_sales.msg_lead_convert_missing',
                        lead=lead.rec_name, fields=', '.join(missing)))
        for given, crm_type in [
                (self.accounts, 'account'), (self.contacts, 'contact')]:
            for lead, party in given.items():
                if party and (party.crm_type != crm_type
                        or party.crm_company != lead.company):
                    raise ValidationError(gettext(
                            'crm_sales.msg_lead_convert_%s' % crm_type,
                            lead=lead.rec_name, party=party.rec_name))

    def convert(self):
        """Convert the leads; return {lead: (account, contact)}.

        The leads are marked converted, and given their new owner, by the
        user first: the record rules refuse a lead the user may not edit
        before anything is created."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        self.check()
        now = datetime.datetime.now()
        to_write = []
        for owner, leads in self._by_owner().items():
            to_write.extend((leads, {
                        'lead_conversion_date': now,
                        **dict(owner),
                        }))
        Opportunity.write(*to_write)

        result = {}
        for leads in grouped_slice(self.leads, self.slice_size):
            result.update(self._make_records(list(leads)))
        return result

    def _make_records(self, leads):
        "Make the accounts, contacts and potentials of leads."
        accounts = self.matching_accounts(leads)
        accounts.update(self._create_accounts(
                [l for l in leads if not accounts.get(l)]))
        contacts = self.matching_contacts(leads)
        contacts.update(self._create_contacts(
                [l for l in leads if not contacts.get(l)], accounts))
        self._link_leads(leads, accounts, contacts)
        return {l: (accounts[l], contacts[l]) for l in leads}

    def _owner(self, lead):
        "Return the owner values of what lead makes."
        if self.assigned_user or self.assigned_team:
            user, team = self.assigned_user, self.assigned_team
        else:
            user, team = lead.assigned_user, lead.assigned_team
        return (
            ('assigned_user', user.id if user else None),
            ('assigned_team', team.id if team else None),
            )

    def _by_owner(self):
        by_owner = defaultdict(list)
        for lead in self.leads:
            by_owner[self._owner(lead)].append(lead)
        return by_owner

    def matching_accounts(self, leads):
        """Return {lead: account} of the leads given an account or whose
        company names an account the user may read."""
        pool = Pool()
        Party = pool.get('party.party')
        found = {l: a for l, a in self.accounts.items() if a and l in leads}
        keys = {
            (l.company.id, name_key(l.lead_company)): l for l in leads
            if l not in self.accounts and name_key(l.lead_company)}
        if not keys:
            return found
        by_key = {}
        # A look-up for the user sees what the user sees (also in the
        # wizard's transitions, which the host runs without checks)
        with check_access():
            accounts = Party.search([
                    ('crm_type', '=', 'account'),
                    ('crm_name_key', 'in', list({k for _, k in keys})),
                    ('crm_company', 'in', list({c for c, _ in keys})),
                    ], order=[('id', 'ASC')])
        for account in accounts:
            by_key.setdefault(
                (account.crm_company.id, account.crm_name_key), account)
        for lead in leads:
            if lead not in self.accounts:
                key = (lead.company.id, name_key(lead.lead_company))
                if key in by_key:
                    found[lead] = by_key[key]
        return found

    def matching_contacts(self, leads):
        """Return {lead: contact} of the leads given a contact or whose
        e-mail is that of a contact the user may read."""
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        found = {l: c for l, c in self.contacts.items() if c and l in leads}
        emails = {}
        for lead in leads:
            if lead not in self.contacts and lead.email:
                for email in email_variants(lead.email):
                    emails.setdefault((lead.company.id, email), lead)
        if not emails:
            return found
        by_email = {}
        with check_access():
            mechanisms = Mechanism.search(
                self._contacts_domain(emails), order=[('id', 'ASC')])
        for mechanism in mechanisms:
            party = mechanism.party
            by_email.setdefault(
                (party.crm_company.id, mechanism.value_compact), party)
        for lead in leads:
            if lead in self.contacts or not lead.email:
                continue
            for email in email_variants(lead.email):
                contact = by_email.get((lead.company.id, email))
                if contact:
                    found[lead] = contact
                    break
        return found

    @staticmethod
    def _contacts_domain(emails):
        "The domain of the e-mails of contacts of {(company, e-mail): ...}"
        return [
            ('type', '=', 'email'),
            ('value_compact', 'in', list({e for _, e in emails})),
            ('party.crm_type', '=', 'contact'),
            ('party.crm_company', 'in', list({c for c, _ in emails})),
            ]

    def hidden_duplicates(self, lead):
        """Return the kinds ('account', 'contact') of which a record the
        user may not read matches lead: the wizard says that one exists,
        never which."""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        result = []
        key = name_key(lead.lead_company)
        emails = {(lead.company.id, e) for e in email_variants(lead.email)
            } if lead.email else set()
        with declared("a duplicate warning names nothing"), \
                without_check_access():
            if key and Party.search([
                        ('crm_type', '=', 'account'),
                        ('crm_name_key', '=', key),
                        ('crm_company', '=', lead.company.id),
                        ], limit=1, order=[]):
                result.append('account')
            if emails and Mechanism.search(
                    self._contacts_domain(emails), limit=1, order=[]):
                result.append('contact')
        return result

    def _create_accounts(self, leads):
        """Create one account per company name of leads (two leads of the
        same company make one account); return {lead: account}."""
        pool = Pool()
        Party = pool.get('party.party')
        firsts = {}
        for lead in leads:
            firsts.setdefault(
                (lead.company.id, name_key(lead.lead_company)), lead)
        accounts = Party.create(
            [self._account_values(l) for l in firsts.values()])
        by_key = dict(zip(firsts, accounts))
        return {
            l: by_key[(l.company.id, name_key(l.lead_company))]
            for l in leads}

    def _create_contacts(self, leads, accounts):
        "Create the contacts of leads; return {lead: contact}."
        pool = Pool()
        Party = pool.get('party.party')
        contacts = Party.create(
            [self._contact_values(l, accounts[l]) for l in leads])
        return dict(zip(leads, contacts))

    def _account_values(self, lead):
        mechanisms = [
            {'type': t, 'value': getattr(lead, n)}
            for t, n in [('website', 'website'), ('phone', 'phone')]
            if getattr(lead, n)]
        return {
            'crm_type': 'account',
            'crm_company': lead.company.id,
            'crm_origin_lead': lead.id,
            'name': lead.lead_company,
            'industry': lead.industry,
            'annual_revenue': lead.annual_revenue,
            'employees': lead.employees,
            'rating': lead.rating,
            'contact_mechanisms': [('create', mechanisms)],
            'addresses': [('create', [_address_values(lead)])],
            **dict(self._owner(lead)),
            }

    def _contact_values(self, lead, account):
        mechanisms = [
            {'type': t, 'value': getattr(lead, n)}
            for t, n in [
                ('email', 'email'), ('phone', 'phone'), ('mobile', 'mobile')]
            if getattr(lead, n)]
        return {
            'crm_type': 'contact',
            'crm_company': lead.company.id,
            'crm_origin_lead': lead.id,
            'salutation': lead.salutation,
            'first_name': lead.first_name,
            'last_name': lead.last_name,
            'job_title': lead.job_title,
            'email_opt_out': bool(lead.email_opt_out),
            'do_not_call': bool(lead.do_not_call),
            'lead_source': lead.lead_source,
            'description': lead.comment,
            'account': account.id,
            'contact_mechanisms': [('create', mechanisms)],
            'addresses': [('create', [_address_values(lead)])],
            **dict(self._owner(lead)),
            }

    def _link_leads(self, leads, accounts, contacts):
        """Link the leads to their account and contact and move them to
        potentials if asked.  The user's right to edit them and their new
        owner were checked, and logged, when they were marked converted."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Activity = pool.get('crm.activity')
        employee = Transaction().context.get('employee')
        default_stage = Opportunity.default_sales_stage()
        to_write = []
        for lead in leads:
            values = {
                'party': accounts[lead].id,
                'crm_contact': contacts[lead].id,
                }
            if self.create_potential:
                values.update(self._potential_values(lead))
                values.setdefault('sales_stage', default_stage)
                if not lead.employee and employee:
                    values['employee'] = employee
            to_write.extend(([lead], values))
        with without_check_access():
            Opportunity.write(*to_write)
        # the lead's activities follow it: they stay on the potential, or
        # go to the account; the contact is invited to its events
        Activity.follow_conversion([
                (lead, None if self.create_potential else accounts[lead],
                    contacts[lead])
                for lead in leads])

    def _potential_values(self, lead):
        values = {'state': 'opportunity'}
        if self.sales_stage:
            values['sales_stage'] = self.sales_stage.id
        if self.expected_close_date:
            values['expected_close_date'] = self.expected_close_date
        if self.description:
            values['description'] = self.description
        elif not lead.description:
            values['description'] = lead.lead_company
        if self.amount is not None:
            values['amount'] = self.amount
        return values


def email_variants(email):
    "Return the forms under which a contact may hold email."
    email = email.strip()
    return list(dict.fromkeys([email, normalize_email(email), email.lower()]))


def _address_values(lead):
    return {
        'street_unstructured': lead.street,
        'postal_code': lead.postal_code,
        'city': lead.city,
        'country': lead.country.id if lead.country else None,
        }
