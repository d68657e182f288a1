# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Quotas: the revenue a rep or a team is expected to close in a quarter.

A quota is an owned record (``crm_core``'s ``OwnedMixin``): a rep's quota
is assigned to the rep, a team's quota to the team, so a rep reads its own
quotas and a manager those of the users below its role.  The CRM Manager
and Administrator profiles set quotas; the other profiles only read them.
Quotas of a quarter already over are history: only a CRM Administrator
changes them.
"""
import datetime

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from crm_core.exceptions import InvalidValueError
from crm_core.ownership import OwnedMixin

QUARTERS = [
    ('1', "Q1"),
    ('2', "Q2"),
    ('3', "Q3"),
    ('4', "Q4"),
    ]
#: The profiles that set quotas; the others start read only
QUOTA_PROFILES = ['group_crm_admin', 'group_crm_manager']


def valid_period(year, quarter):
    "Tell if year and quarter make a quarter of the calendar."
    return (isinstance(year, int) and 1900 <= year <= 9998
        and str(quarter) in {'1', '2', '3', '4'})


def quarter_start(year, quarter):
    "Return the first day of the quarter (1-4) of year."
    return datetime.date(year, 3 * (int(quarter) - 1) + 1, 1)


def quarter_end(year, quarter):
    "Return the first day after the quarter (1-4) of year."
    if int(quarter) == 4:
        return datetime.date(year + 1, 1, 1)
    return quarter_start(year, int(quarter) + 1)


def quarter_of(date):
    "Return (year, quarter) of date, the quarter as a selection key."
    return date.year, str((date.month - 1) // 3 + 1)


class Quota(OwnedMixin, ModelSQL, ModelView):
    "The amount a rep or a team should close in a quarter."
    __name__ = 'crm.quota'
    __string__ = "Quota"
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    year = fields.Integer(
        "Year", required=True,
        domain=[
            ('year', '>=', 1900),
            ('year', '<=', 9998),
            ])
    quarter = fields.Selection(QUARTERS, "Quarter", required=True)
    quarter_start = fields.Date(
        "Quarter Start", readonly=True,
        help="The first day of the quarter.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[
            ('amount', '>=', 0),
            ])
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # The forecast joins the quotas of its quarter
                Index(t,
                    (t.quarter_start, Index.Range()),
                    (t.company, Index.Equality())),
                })
        cls._order = [
            ('quarter_start', 'DESC'),
            ('id', 'DESC'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_currency(cls):
        Company = Pool().get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            return Company(company).currency.id

    @classmethod
    def default_year(cls):
        Date = Pool().get('ir.date')
        return Date.today().year

    @classmethod
    def default_quarter(cls):
        Date = Pool().get('ir.date')
        return quarter_of(Date.today())[1]

    @fields.depends('company', 'currency')
    def on_change_company(self):
        if self.company and not self.currency:
            self.currency = self.company.currency

    @fields.depends('assigned_team', 'assigned_user')
    def on_change_assigned_team(self):
        # a team's quota is the team's, not the one of the user setting it
        if self.assigned_team:
            self.assigned_user = None

    def get_rec_name(self, name):
        owner = self.assigned_team or self.assigned_user
        return '%s %s Q%s' % (
            owner.rec_name if owner else '', self.year, self.quarter)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('assigned_user.rec_name', operator, value),
            ('assigned_team.rec_name', operator, value),
            ]

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if (field_names is None or {'year', 'quarter'} & set(field_names)):
            if valid_period(self.year, self.quarter):
                start = quarter_start(self.year, self.quarter)
                if self.quarter_start != start:
                    values['quarter_start'] = start
        return values

    @classmethod
    def crm_default_permissions(cls, group, values):
        # Only managers and administrators set quotas
        ModelData = Pool().get('ir.model.data')
        setters = {ModelData.get_id('crm_core', g) for g in QUOTA_PROFILES}
        if group.id in setters:
            return values
        return {
            f: v if f in {'perm_read', 'perm_export'} else False
            for f, v in values.items()}

    @classmethod
    def create(cls, vlist):
        # Checked before the rows exist: a refused creation writes nothing
        # (and after the access, so that a refusal tells nothing more)
        Pool().get('ir.model.access').check(cls.__name__, 'create')
        periods = [cls._values_key(v) for v in vlist]
        transaction = Transaction()
        if cls._checks_past(transaction.user and transaction.check_access):
            cls.check_past_quarter(periods)
        cls.check_unique(periods)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode not in {'write', 'delete'}:
            return
        keys = [cls._values_key(values or {}, quota) for quota in records]
        if cls._checks_past(external):
            cls.check_past_quarter(
                [q._key() for q in records] + (keys if values else []))
        if mode == 'write' and {
                'company', 'year', 'quarter', 'assigned_user',
                'assigned_team'} & values.keys():
            cls.check_unique(keys, exclude=records)

    @classmethod
    def _checks_past(cls, external):
        """Tell if the quotas of past quarters are protected from the
        current user: a call on behalf (external) of a user not CRM
        Administrator."""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if not external:
            return False
        return (ModelData.get_id('crm_core', 'group_crm_admin')
            not in User.get_groups())

    def _key(self):
        "Return (company, year, quarter, owner) of the quota."
        return self._values_key({}, self)

    @classmethod
    def _values_key(cls, values, quota=None):
        """Return (company, year, quarter, owner) of values, written on
        quota or created (then with the defaults); owner is ('team', id)
        or ('user', id)."""
        def value(name):
            if name in values:
                return values[name]
            if quota is not None:
                return getattr(quota, name)
            default = getattr(cls, 'default_' + name, None)
            return default() if default else None
        company, year, quarter, user, team = map(int_or_none, map(value, [
                    'company', 'year', 'quarter', 'assigned_user',
                    'assigned_team']))
        owner = ('team', team) if team else ('user', user)
        return company, year, quarter, owner

    @classmethod
    def _describe(cls, key):
        "Return the owner and period of key as the user reads them."
        pool = Pool()
        _, year, quarter, (kind, owner) = key
        Owner = pool.get('crm.team' if kind == 'team' else 'res.user')
        with Transaction().set_context(_check_access=False):
            name = Owner(owner).rec_name if owner else ''
        return {'owner': name, 'year': year, 'quarter': quarter}

    @classmethod
    def check_past_quarter(cls, keys):
        "Refuse to change a quota of a quarter that is over."
        Date = Pool().get('ir.date')
        today = Date.today()
        for key in keys:
            _, year, quarter, _ = key
            if (valid_period(year, quarter)
                    and quarter_end(year, quarter) <= today):
                raise AccessError(gettext(
                        'crm_sales.msg_quota_past_quarter',
                        **cls._describe(key)))

    @classmethod
    def check_unique(cls, keys, exclude=()):
        "Refuse a second quota of an owner for the same quarter."
        seen = set()
        for key in keys:
            company, year, quarter, (kind, owner) = key
            if kind == 'team':
                domain = [('assigned_team', '=', owner)]
            else:
                domain = [
                    ('assigned_user', '=', owner),
                    ('assigned_team', '=', None),
                    ]
            with Transaction().set_context(_check_access=False):
                others = cls.search([
                        ('id', 'not in', [q.id for q in exclude]),
                        ('company', '=', company),
                        ('year', '=', year),
                        ('quarter', '=', str(quarter)),
                        *domain,
                        ], limit=1)
            if others or key in seen:
                raise InvalidValueError(gettext(
                        'crm_sales.msg_quota_unique', **cls._describe(key)))
            seen.add(key)


def int_or_none(value):
    "Return the id of a record, the value of an integer, or None."
    if value is None or value == '':
        return None
    if hasattr(value, 'id'):
        return value.id
    return int(value)
