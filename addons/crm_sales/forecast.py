# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Forecasts: will the reps and teams reach their quotas this quarter?

``crm.forecast`` is a report computed in SQL (``table_query``) for the
quarter of its context (``crm.forecast.context``): one row per rep (the
potentials and quota assigned to the user) and per team (those assigned to
the team), with

* the quota of the quarter,
* closed won: the amount of the potentials won with an end date in the
  quarter,
* the weighted pipeline: the amount times the conversion probability of the
  open potentials (*Opportunity* or *Converted*) expected to close in the
  quarter, and their plain open amount,
* the best case (closed won + open amount) and the gap to the quota
  (quota - closed won).

Every figure obeys the sharing rules: only the potentials and quotas the
user may read enter the sums (their ``ir.rule`` read rules, when access is
checked), so a rep sees its own figures and a manager its subordinates'.

The indexes of ``sale.opportunity`` measured by ``bench/bench_pipeline.py``
(the forecast's and the count of the Leads list) are declared here.
"""
from sql import Cast, Literal, Null, Union
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, inactive_records

from .quota import QUARTERS, quarter_end, quarter_of, quarter_start

#: The states of a potential still open in the forecast
OPEN_STATES = ['opportunity', 'converted']


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # The forecast's closed won of a quarter: the won
                # potentials by end date, with what the sums and the
                # rules read (an index-only scan)
                Index(t,
                    (t.end_date, Index.Range()),
                    include=[t.company, t.assigned_user, t.assigned_team,
                        t.amount],
                    where=t.state == 'won'),
                # The forecast's open pipeline of a quarter, likewise, and
                # the pipeline by stage report (its stage included)
                Index(t,
                    (t.expected_close_date, Index.Range()),
                    include=[t.company, t.state, t.assigned_user,
                        t.assigned_team, t.amount, t.conversion_probability,
                        t.sales_stage],
                    where=t.state.in_(OPEN_STATES)),
                })


class ForecastContext(ModelView):
    "The quarter, owner and team a forecast is computed for."
    __name__ = 'crm.forecast.context'
    company = fields.Many2One('company.company', "Company", required=True)
    year = fields.Integer("Year", required=True)
    quarter = fields.Selection(QUARTERS, "Quarter", required=True)
    assigned_user = fields.Many2One(
        'res.user', "Assigned To",
        help="Show the forecast of this rep only.")
    assigned_team = fields.Many2One(
        'crm.team', "Assigned Team",
        help="Show the forecast of this team and of its members only.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_year(cls):
        Forecast = Pool().get('crm.forecast')
        return Forecast.context_period()[0]

    @classmethod
    def default_quarter(cls):
        Forecast = Pool().get('crm.forecast')
        return Forecast.context_period()[1]

    @classmethod
    def default_assigned_user(cls):
        return Transaction().context.get('assigned_user')

    @classmethod
    def default_assigned_team(cls):
        return Transaction().context.get('assigned_team')


class Forecast(ModelSQL, ModelView):
    "The forecast of a rep or a team for a quarter against its quota."
    __name__ = 'crm.forecast'
    company = fields.Many2One('company.company', "Company")
    assigned_user = fields.Many2One('res.user', "Rep")
    assigned_team = fields.Many2One('crm.team', "Team")
    owner = fields.Function(fields.Char("Owner"), 'get_owner')
    year = fields.Function(fields.Integer("Year"), 'get_period')
    quarter = fields.Function(
        fields.Selection(QUARTERS, "Quarter"), 'get_period')
    quota = Monetary(
        "Quota", currency='currency', digits='currency')
    closed_won = Monetary(
        "Closed Won", currency='currency', digits='currency',
        help="The amount of the potentials won in the quarter.")
    weighted_pipeline = Monetary(
        "Weighted Pipeline", currency='currency', digits='currency',
        help="The amount times the conversion probability of the open "
        "potentials expected to close in the quarter.")
    open_amount = Monetary(
        "Open Pipeline", currency='currency', digits='currency',
        help="The amount of the open potentials expected to close in the "
        "quarter.")
    best_case = Monetary(
        "Best Case", currency='currency', digits='currency',
        help="Closed won plus the open pipeline.")
    gap = Monetary(
        "Gap to Quota", currency='currency', digits='currency',
        help="The quota minus closed won.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('assigned_team', 'ASC NULLS FIRST'),
            ('assigned_user', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def context_period(cls):
        "Return (year, quarter) of the context, the current one by default."
        Date = Pool().get('ir.date')
        context = Transaction().context
        year, quarter = quarter_of(Date.today())
        return (context.get('year') or year,
            str(context.get('quarter') or quarter))

    @classmethod
    def _readable(cls, table, model_name):
        """Return the condition restricting table to the records of
        model_name the user may read (true without access check)."""
        pool = Pool()
        Rule = pool.get('ir.rule')
        ModelAccess = pool.get('ir.model.access')
        Model = pool.get(model_name)
        if not Transaction().check_access:
            return Literal(True)
        if not ModelAccess.check(model_name, 'read', raise_exception=False):
            return Literal(False)
        domain = Rule.domain_get(model_name, mode='read')
        if not domain:
            return Literal(True)
        # The rule on the table itself: at 1M potentials a join with the
        # ids of Rule.query_get cost 350 ms of the forecast's 390 ms
        tables = {None: (table, None)}
        with Transaction().set_user(0, set_context=True), \
                inactive_records():
            tables, expression = Model.search_domain(
                domain, active_test=False, tables=tables)
            if len(tables) == 1:
                return expression
            # (a rule through other tables: as the host applies it)
            return table.id.in_(Rule.query_get(model_name))

    @classmethod
    def _figures(cls):
        """Return the union of the rows (key, quota, won, open, weighted)
        of the quarter: the key of a rep is 2 * user, of a team
        2 * team + 1."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Quota = pool.get('crm.quota')
        company = Transaction().context.get('company')
        year, quarter = cls.context_period()
        start, end = quarter_start(year, quarter), quarter_end(year, quarter)

        opportunity = Opportunity.__table__()
        amount = Coalesce(opportunity.amount, 0)
        # (a float probability would make the weighted amount a float)
        numeric = Opportunity.amount.sql_type().base
        won = ((opportunity.state == 'won')
            & (opportunity.end_date >= start)
            & (opportunity.end_date < end))
        open_ = (opportunity.state.in_(OPEN_STATES)
            & (opportunity.expected_close_date >= start)
            & (opportunity.expected_close_date < end))
        readable = ((opportunity.company == company)
            & cls._readable(opportunity, 'sale.opportunity'))
        # One select per figure and owner: each walks one covering index
        # (see Opportunity) without visiting the table
        parts = []
        for key, owner in [
                (opportunity.assigned_user * 2, opportunity.assigned_user),
                (opportunity.assigned_team * 2 + 1,
                    opportunity.assigned_team)]:
            for condition, won_sum, open_sum, weighted_sum in [
                    (won, Sum(amount), Literal(0), Literal(0)),
                    (open_, Literal(0), Sum(amount), Sum(amount * Cast(
                                Coalesce(
                                    opportunity.conversion_probability, 0),
                                numeric))),
                    ]:
                parts.append(opportunity.select(
                        key.as_('key'),
                        Literal(0).as_('quota'),
                        won_sum.as_('won'),
                        open_sum.as_('open'),
                        weighted_sum.as_('weighted'),
                        where=condition & readable & (owner != Null),
                        group_by=[owner]))

        quota = Quota.__table__()
        quotas = quota.select(
            Case((quota.assigned_team != Null, quota.assigned_team * 2 + 1),
                else_=quota.assigned_user * 2).as_('key'),
            quota.amount.as_('quota'),
            Literal(0).as_('won'),
            Literal(0).as_('open'),
            Literal(0).as_('weighted'),
            where=(quota.company == company)
            & (quota.quarter_start == start)
            & cls._readable(quota, 'crm.quota'))
        return Union(*parts, quotas, all_=True)

    @classmethod
    def _owner_filter(cls, key):
        "Return the condition on key of the owner chosen in the context."
        pool = Pool()
        Team = pool.get('crm.team')
        context = Transaction().context
        condition = Literal(True)
        if context.get('assigned_user'):
            condition &= key == context['assigned_user'] * 2
        if context.get('assigned_team'):
            team = Team(context['assigned_team'])
            members = [u.id * 2 for u in team.members]
            if team.leader:
                members.append(team.leader.id * 2)
            condition &= ((key == team.id * 2 + 1)
                | (key.in_(members) if members else Literal(False)))
        return condition

    @classmethod
    def table_query(cls):
        company = Transaction().context.get('company')
        figures = cls._figures()
        key = figures.key
        quota = Sum(figures.quota)
        won = Sum(figures.won)
        open_ = Sum(figures.open)
        return figures.select(
            key.as_('id'),
            Literal(company).as_('company'),
            Case(((key % 2) == 0, key / 2), else_=Null).as_('assigned_user'),
            Case(((key % 2) == 1, (key - 1) / 2), else_=Null).as_(
                'assigned_team'),
            quota.as_('quota'),
            won.as_('closed_won'),
            open_.as_('open_amount'),
            Sum(figures.weighted).as_('weighted_pipeline'),
            (won + open_).as_('best_case'),
            (quota - won).as_('gap'),
            where=(key != Null) & cls._owner_filter(key),
            group_by=[key])

    def get_owner(self, name):
        owner = self.assigned_team or self.assigned_user
        return owner.rec_name if owner else None

    @classmethod
    def get_period(cls, forecasts, names):
        year, quarter = cls.context_period()
        values = {'year': year, 'quarter': quarter}
        return {n: dict.fromkeys(map(int, forecasts), values[n])
            for n in names}

    def get_currency(self, name):
        if self.company:
            return self.company.currency.id

    def get_rec_name(self, name):
        year, quarter = self.context_period()
        return '%s %s Q%s' % (self.owner or '', year, quarter)
