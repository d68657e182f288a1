"""Leads: sale opportunities in the *lead* state, captured by the CRM.

A lead holds what is known of a prospect before any account exists: the
person, the organisation's name, its address and figures.  The conversion
wizard (``conversion.py``) turns it into an account, a contact and a
potential.  Leads are owned records (``crm_core``'s ``OwnedMixin``),
shared by the rules of the record type *Opportunity*.

The CRM's requirements (last name and company) apply to CRM leads only
(``crm_lead``: created from the CRM's menus, web forms or imports), so
that the host's own opportunity flows keep working.
"""
import datetime

from sql import Null
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from crm_core.exceptions import InvalidValueError
from crm_core.global_search import GlobalSearchMixin, SearchType
from crm_core.ownership import OwnedMixin
from crm_core.party import (
    INDUSTRIES, LEAD_SOURCES, RATINGS, SALUTATIONS, check_not_negative,
    valid_email, valid_url)

LEAD_STATUSES = [
    (None, ""),
    ('attempted_to_contact', "Attempted to Contact"),
    ('cold', "Cold"),
    ('contact_in_future', "Contact in Future"),
    ('contacted', "Contacted"),
    ('hot', "Hot"),
    ('junk', "Junk Lead"),
    ('lost', "Lost Lead"),
    ('not_contacted', "Not Contacted"),
    ('pre_qualified', "Pre Qualified"),
    ('qualified', "Qualified"),
    ('warm', "Warm"),
    ]

_LEAD = {'readonly': Eval('state') != 'lead'}
_CRM_LEAD_REQUIRED = Bool(Eval('crm_lead')) & (Eval('state') == 'lead')


class Opportunity(GlobalSearchMixin, OwnedMixin, metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    crm_lead = fields.Boolean(
        "CRM Lead", readonly=True,
        help="Captured by the CRM: its last name and company are required.")
    salutation = fields.Selection(SALUTATIONS, "Salutation", states=_LEAD)
    first_name = fields.Char("First Name", states=_LEAD)
    last_name = fields.Char(
        "Last Name",
        states={
            'readonly': _LEAD['readonly'],
            'required': _CRM_LEAD_REQUIRED,
            })
    lead_company = fields.Char(
        "Company Name",
        states={
            'readonly': _LEAD['readonly'],
            'required': _CRM_LEAD_REQUIRED,
            },
        help="The organisation of the lead, the account once converted.")
    job_title = fields.Char("Title", states=_LEAD)
    email = fields.Char("E-Mail", states=_LEAD)
    phone = fields.Char("Phone", states=_LEAD)
    mobile = fields.Char("Mobile", states=_LEAD)
    website = fields.Char("Website", states=_LEAD)
    street = fields.Text("Street", states=_LEAD)
    postal_code = fields.Char("Postal Code", states=_LEAD)
    city = fields.Char("City", states=_LEAD)
    country = fields.Many2One(
        'country.country', "Country", ondelete='RESTRICT', states=_LEAD)
    industry = fields.Selection(INDUSTRIES, "Industry", states=_LEAD)
    annual_revenue = fields.Numeric(
        "Annual Revenue", digits=(16, 2), states=_LEAD)
    employees = fields.Integer("Employees", states=_LEAD)
    lead_source = fields.Selection(LEAD_SOURCES, "Lead Source")
    lead_status = fields.Selection(
        LEAD_STATUSES, "Lead Status", states=_LEAD, sort=False)
    rating = fields.Selection(RATINGS, "Rating", states=_LEAD)
    email_opt_out = fields.Boolean(
        "E-mail Opt Out", states=_LEAD,
        help="The lead does not want to receive marketing e-mails.")
    do_not_call = fields.Boolean("Do Not Call", states=_LEAD)
    lead_name = fields.Function(
        fields.Char("Lead Name"), 'on_change_with_lead_name',
        searcher='search_lead_name')
    crm_new = fields.Function(
        fields.Boolean(
            "New",
            help="Created in the last days of the user's preference."),
        'get_crm_new', searcher='search_crm_new')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # The Leads list of a rep, newest first, and its count (sao
                # counts up to 8000): with the rule's columns included
                # PostgreSQL counts from the index alone, the rule's OR as
                # a filter (bench/ at 1M leads: 55-90 -> 2 ms).  The status
                # too: the dashboard's My Contacted Leads read 24k table
                # pages of the rep's 50k leads to check it (search 200 ms,
                # count 180 ms at 1M, bench_dashboards.py)
                Index(t,
                    (t.state, Index.Equality(cardinality='low')),
                    (t.assigned_user, Index.Equality()),
                    (t.create_date, Index.Range(order='DESC')),
                    include=[t.company, t.assigned_team,
                        t.lead_conversion_date, t.lead_status],
                    where=t.state == 'lead'),
                Index(t,
                    (t.state, Index.Equality(cardinality='low')),
                    (t.create_date, Index.Range(order='DESC')),
                    where=t.state == 'lead'),
                # The open leads by start date, newest first: the lists of
                # the report builder's lead reports (Leads by Status, by
                # Source), searched group by group; PostgreSQL otherwise
                # walked the host's (start_date, end_date) index through
                # 255k potentials before the first leads (374 -> 0.6 ms
                # at 1M, bench_report_builder.py)
                Index(t,
                    (t.start_date, Index.Range(order='DESC')),
                    (t.id, Index.Range()),
                    where=(t.state == 'lead')
                    & (t.lead_conversion_date == Null)),
                Index(t, (t.email, Index.Equality())),
                # The global search of leads by name (lead_name: first,
                # last and company name, crm_core's global_search.py):
                # bench/bench_global_search.py at 1M records, 350k
                # opportunities read for an equal name, 210 -> 3 ms
                *(Index(t, (Index.Unaccent(Coalesce(c, '')),
                            Index.Similarity()))
                    for c in [t.first_name, t.last_name, t.lead_company]),
                })
        # The host requires an employee on opportunities: CRM records
        # have an owner instead
        cls.employee.states = {
            **cls.employee.states,
            'required': (cls.employee.states['required']
                & ~Bool(Eval('crm_lead'))),
            }
        cls.employee.depends.add('crm_lead')

    @classmethod
    def crm_global_search_types(cls):
        return super().crm_global_search_types() + [
            SearchType(30, 'crm_sales.act_lead_form', [('state', '=', 'lead')],
                'tryton-sale-opportunity', 'lead_name'),
            ]

    @classmethod
    def default_crm_lead(cls):
        return bool(Transaction().context.get('crm_lead'))

    @classmethod
    def default_lead_status(cls):
        if Transaction().context.get('crm_lead'):
            return 'not_contacted'

    @classmethod
    def default_email_opt_out(cls):
        return False

    @classmethod
    def default_do_not_call(cls):
        return False

    @fields.depends('first_name', 'last_name', 'lead_company')
    def on_change_with_lead_name(self, name=None):
        person = ' '.join(filter(None, [self.first_name, self.last_name]))
        if person and self.lead_company:
            return f'{person} ({self.lead_company})'
        return person or self.lead_company

    @classmethod
    def search_lead_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('first_name', operator, value),
            ('last_name', operator, value),
            ('lead_company', operator, value),
            ]

    @classmethod
    def crm_record_type_name(cls):
        return gettext('crm_sales.msg_record_type_opportunity')

    def get_rec_name(self, name):
        "A lead is named by its person, a potential by its name"
        rec_name = super().get_rec_name(name)
        if self.state == 'lead' and self.lead_name:
            rec_name += ' ' + self.lead_name
        elif self.state != 'lead' and self.description:
            rec_name += ' ' + self.description
        return rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, value = clause
        if domain[0] == 'OR':
            domain.append(('lead_name', operator, value))
            domain.append(('description', operator, value))
            if isinstance(value, str) and ' ' in value.strip('%'):
                # (the whole name: the number, then the name)
                number, rest = value.lstrip('%').split(' ', 1)
                if value.startswith('%'):
                    number_clause = ('number', 'ilike', '%' + number)
                else:
                    number_clause = ('number', '=', number)
                domain.append([number_clause, ['OR',
                            ('lead_name', operator, rest),
                            ('description', operator, rest),
                            ]])
        return domain

    @classmethod
    def crm_new_lead_since(cls):
        "Return the time from which a lead is new for the current user."
        pool = Pool()
        User = pool.get('res.user')
        days = User(Transaction().user).crm_new_lead_days or 0
        today = datetime.datetime.combine(
            pool.get('ir.date').today(), datetime.time())
        return today - datetime.timedelta(days=days)

    def get_crm_new(self, name):
        return (self.state == 'lead'
            and self.create_date >= self.crm_new_lead_since())

    @classmethod
    def search_crm_new(cls, name, clause):
        _, operator, value = clause
        new = [
            ('state', '=', 'lead'),
            ('create_date', '>=', cls.crm_new_lead_since()),
            ]
        if (operator == '=') == bool(value):
            return new
        return ['OR',
            ('state', '!=', 'lead'),
            ('create_date', '<', cls.crm_new_lead_since()),
            ]

    @classmethod
    def delete(cls, opportunities):
        # An open CRM lead or potential is removed as vtiger does; the
        # host deletes only cancelled opportunities
        leads = [o for o in opportunities
            if o.crm_lead and o.state in {'lead', 'opportunity'}]
        if leads:
            cls.check_lead_deletion(leads)
            cls.write(leads, {'state': 'cancelled'})
        super().delete(opportunities)

    @classmethod
    def check_lead_deletion(cls, leads):
        """Refuse the deletion of leads (and open potentials) the user may
        not delete before they are cancelled: the refusal changes
        nothing."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        if Transaction().check_access:
            ModelAccess.check(cls.__name__, 'delete')
            cls.crm_check_profile('delete', leads)

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        # A duplicated CRM lead starts uncontacted; a duplicated open CRM
        # potential stays a potential (the host makes every copy a lead)
        default.setdefault('lead_status', lambda data: (
                'not_contacted' if data.get('crm_lead') else None))
        default.setdefault('state', lambda data: (
                'opportunity'
                if data.get('crm_lead') and data['state'] == 'opportunity'
                else 'lead'))
        return super().copy(opportunities, default=default)

    @classmethod
    def validate_fields(cls, opportunities, field_names):
        super().validate_fields(opportunities, field_names)
        cls.check_lead_values(opportunities, field_names)

    @classmethod
    def check_lead_values(cls, opportunities, field_names=None):
        "Refuse a malformed e-mail or website and negative figures."
        checks = {
            'email': (valid_email, 'crm_sales.msg_lead_invalid_email'),
            'website': (valid_url, 'crm_sales.msg_lead_invalid_website'),
            }
        for lead in opportunities:
            for name, (valid, message) in checks.items():
                if field_names and name not in field_names:
                    continue
                value = getattr(lead, name)
                if value and not valid(value):
                    raise InvalidValueError(gettext(
                            message, value=value, lead=lead.rec_name))
        check_not_negative(
            opportunities, ['annual_revenue', 'employees'], field_names)

