# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Forecasts: will the reps and teams reach their quotas this quarter?

``crm.forecast`` is a report computed in SQL (``table_query``) for the
quarter of its context (``crm.forecast.context``), with a row per *level*:

* *Rep*: the potentials assigned to the user, its own quota;
* *Team*: the potentials of the team and of its members and leader, each
  potential once; the team's quota, or when the team has none the sum of
  its members' and leader's own quotas;
* *Manager Roll-up*: for a user with users below its role, what the role
  tree gives it (``res.user.crm_visible_owners``: the user, the users
  below and their teams), each potential once;
* *Total*: every potential once.

The quotas of a roll-up (a team without quota, a manager, the total)
follow one rule: a team's quota covers its members and leader, so their
own quotas are added only when no team of the roll-up with a quota covers
them.  Each row has

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
The roll-ups of managers show to the manager and the users above it (and
to whoever reads every potential).

The indexes of ``sale.opportunity`` measured by ``bench/bench_pipeline.py``
(the forecast's and the count of the Leads list) are declared here.
"""
from sql import Cast, Literal, Null, Union, Values, With
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from crm_core.report import ReportContextMixin, readable_condition

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
                # the pipeline by stage report (its stage included; and
                # its id, which the reports select as MIN(id): without it
                # the dashboard's Pipeline by Stage read the table, 310-340
                # ms at 1M potentials, with it an index-only scan, 118-147)
                Index(t,
                    (t.expected_close_date, Index.Range()),
                    include=[t.company, t.state, t.assigned_user,
                        t.assigned_team, t.amount, t.conversion_probability,
                        t.sales_stage, t.id],
                    where=t.state.in_(OPEN_STATES)),
                })


class ForecastContext(ReportContextMixin, ModelView):
    "The quarter, owner and team a forecast is computed for."
    __name__ = 'crm.forecast.context'
    __string__ = "Forecast Context"
    year = fields.Integer("Year", required=True)
    quarter = fields.Selection(QUARTERS, "Quarter", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.assigned_user.help = "Show the forecast of this rep only."
        cls.assigned_team.help = (
            "Show the forecast of this team and of its members only.")

    @classmethod
    def default_year(cls):
        Forecast = Pool().get('crm.forecast')
        return Forecast.context_period()[0]

    @classmethod
    def default_quarter(cls):
        Forecast = Pool().get('crm.forecast')
        return Forecast.context_period()[1]


#: The levels of the rows; a row's id is 4 * owner + the kind of its level
LEVELS = [
    ('manager', "Manager Roll-up"),
    ('team', "Team"),
    ('rep', "Rep"),
    ('total', "Total"),
    ]
REP, TEAM, MANAGER, TOTAL = 0, 1, 2, 3


class Forecast(ModelSQL, ModelView):
    "The forecast of a rep, a team, a manager's roll-up or the total."
    __name__ = 'crm.forecast'
    __string__ = "Forecast"
    company = fields.Many2One('company.company', "Company")
    level = fields.Selection(LEVELS, "Level",
        help="Rep: the potentials and quota of the user.\n"
        "Team: those of the team, its members and leader.\n"
        "Manager Roll-up: those of the user and the users below its role.\n"
        "Total: every potential once, every quota once.")
    level_sequence = fields.Integer("Level Sequence")
    assigned_user = fields.Many2One('res.user', "User")
    assigned_team = fields.Many2One('crm.team', "Team")
    owner = fields.Function(fields.Char("Owner"), 'get_owner')
    year = fields.Function(fields.Integer("Year"), 'get_period')
    quarter = fields.Function(
        fields.Selection(QUARTERS, "Quarter"), 'get_period')
    quota = Monetary(
        "Quota", currency='currency', digits='currency',
        help="The quota of the quarter; in a roll-up a team's quota "
        "covers its members, whose own quotas are not added again.")
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
            ('level_sequence', 'ASC'),
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
        ModelAccess = Pool().get('ir.model.access')
        if not Transaction().check_access:
            return Literal(True)
        if not ModelAccess.check(model_name, 'read', raise_exception=False):
            return Literal(False)
        return readable_condition(table, model_name)

    @classmethod
    def _context_owners(cls):
        """Return (user, team, members) of the context's filter: the ids
        of the rep and of the team, and of the team's members and leader
        (None when not filtered)."""
        Team = Pool().get('crm.team')
        context = Transaction().context
        user = context.get('assigned_user') or None
        team = context.get('assigned_team') or None
        members = None
        if team:
            with without_check_access(), inactive_records():
                team_ = Team(team)
                members = sorted({u.id for u in team_.members}
                    | ({team_.leader.id} if team_.leader else set()))
        return user, team, members

    @classmethod
    def _restriction(cls, table, quota=False):
        """Return the condition on table (potentials or quotas, quota
        true) of what the context's filter keeps: the rep's records, or
        the team's and its members'."""
        user, team, members = cls._context_owners()
        condition = Literal(True)
        owner_user = table.assigned_user
        if quota:
            # a quota with a team is the team's
            owner_user = Case(
                (table.assigned_team == Null, table.assigned_user),
                else_=Null)
        if user:
            condition &= owner_user == user
        if team:
            condition &= ((table.assigned_team == team)
                | (owner_user.in_(members) if members else Literal(False)))
        return condition

    @classmethod
    def _key_filter(cls, key):
        "Return the condition on key of the rows the context's filter shows."
        user, team, members = cls._context_owners()
        condition = Literal(True)
        if user:
            condition &= key.in_([user * 4 + REP, TOTAL])
        if team:
            condition &= key.in_([team * 4 + TEAM, TOTAL]
                + [m * 4 + REP for m in members])
        return condition

    @classmethod
    def _reads_all(cls):
        "Tell if the user reads every potential."
        Rule = Pool().get('ir.rule')
        return not Rule.domain_get('sale.opportunity', mode='read')

    @classmethod
    def _managers(cls):
        """Return {manager id: (user ids, team ids)} of the roll-ups shown:
        the users with users below their role, each with what the role tree
        gives it (crm_visible_owners).  With access checked, only the user
        and the managers below it, unless the user reads every potential.
        """
        pool = Pool()
        Role = pool.get('crm.role')
        User = pool.get('res.user')
        transaction = Transaction()
        with without_check_access():
            parents = {r.parent.id
                for r in Role.search([('parent', '!=', None)])}
            managers = User.search([
                    ('crm_role', 'in', sorted(parents)),
                    ]) if parents else []
        shown = None
        if transaction.check_access and not cls._reads_all():
            shown = set(User.crm_visible_owners()[0])
        result = {}
        for manager in managers:
            if shown is not None and manager.id not in shown:
                continue
            with transaction.set_user(manager.id):
                users, teams = User.crm_visible_owners()
            if len(users) > 1:
                result[manager.id] = (users, teams)
        return result

    @classmethod
    def _members(cls):
        "Return the query of (team, user): every team's members and leader."
        pool = Pool()
        Team = pool.get('crm.team')
        TeamMember = pool.get('crm.team-res.user')
        team = Team.__table__()
        member = TeamMember.__table__()
        return Union(
            member.select(member.team.as_('team'), member.user.as_('user')),
            team.select(team.id.as_('team'), team.leader.as_('user'),
                where=team.leader != Null))

    @classmethod
    def _figures(cls):
        """Return the union of the rows (key, quota, won, open, weighted)
        of the quarter and the common table expressions it reads.

        The key of a row is 4 * owner + its kind (REP, TEAM, MANAGER; TOTAL
        alone).  The potentials are summed per (user, team) pair, and a
        pair enters a row at most once: the rows count a potential once."""
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
            & cls._readable(opportunity, 'sale.opportunity')
            & ((opportunity.assigned_user != Null)
                | (opportunity.assigned_team != Null))
            & cls._restriction(opportunity))
        # One select per figure: each walks one covering index (see
        # Opportunity) without visiting the table
        parts = []
        for condition, won_sum, open_sum, weighted_sum in [
                (won, Sum(amount), Literal(0), Literal(0)),
                (open_, Literal(0), Sum(amount), Sum(amount * Cast(
                            Coalesce(opportunity.conversion_probability, 0),
                            numeric))),
                ]:
            parts.append(opportunity.select(
                    opportunity.assigned_user.as_('user'),
                    opportunity.assigned_team.as_('team'),
                    won_sum.as_('won'),
                    open_sum.as_('open'),
                    weighted_sum.as_('weighted'),
                    where=condition & readable,
                    group_by=[
                        opportunity.assigned_user, opportunity.assigned_team]))
        pairs = Union(*parts, all_=True)
        deals = With('user', 'team', 'won', 'open', 'weighted',
            query=pairs.select(
                pairs.user, pairs.team, Sum(pairs.won), Sum(pairs.open),
                Sum(pairs.weighted),
                group_by=[pairs.user, pairs.team]))

        quota = Quota.__table__()
        quota_where = ((quota.company == company)
            & (quota.quarter_start == start)
            & cls._readable(quota, 'crm.quota')
            & cls._restriction(quota, quota=True))
        user_quotas = With('user', 'amount', query=quota.select(
                quota.assigned_user, quota.amount,
                where=quota_where & (quota.assigned_team == Null)
                & (quota.assigned_user != Null)))
        team_quotas = With('team', 'amount', query=quota.select(
                quota.assigned_team, quota.amount,
                where=quota_where & (quota.assigned_team != Null)))
        members = With('team', 'user', query=cls._members())

        user, team, _ = cls._context_owners()
        managers = {} if user or team else cls._managers()

        def scope(index):
            "The VALUES (manager key, user or team) of the roll-ups."
            return Values([(m * 4 + MANAGER, o)
                    for m, owners in sorted(managers.items())
                    for o in owners[index]])
        # (empty without roll-ups: no row joins them)
        users, teams = scope(0), scope(1)

        def deal_rows(key, from_, where=None):
            return from_.select(key.as_('key'), deals.user, deals.team,
                deals.won, deals.open, deals.weighted, where=where)

        # (a union without ALL: a pair reached twice for a key counts once)
        rows = [
            deal_rows(deals.user * 4 + REP, deals,
                where=deals.user != Null),
            deal_rows(deals.team * 4 + TEAM, deals,
                where=deals.team != Null),
            deal_rows(members.team * 4 + TEAM, deals.join(
                    members, condition=members.user == deals.user)),
            deal_rows(Literal(TOTAL), deals),
            ]
        if users:
            rows.append(deal_rows(users.column1, deals.join(
                        users, condition=users.column2 == deals.user)))
        if teams:
            rows.append(deal_rows(teams.column1, deals.join(
                        teams, condition=teams.column2 == deals.team)))
        mapped = Union(*rows)

        def quota_rows(key, amount, from_, where=None):
            return from_.select(key.as_('key'), amount.as_('quota'),
                Literal(0).as_('won'), Literal(0).as_('open'),
                Literal(0).as_('weighted'), where=where)

        def covered(user_, key_teams=None, key=None):
            """Tell if a team with a quota (among the teams of a roll-up's
            key) covers user_."""
            query = members.join(team_quotas,
                condition=team_quotas.team == members.team)
            where = members.user == user_
            if key_teams is not None:
                query = query.join(key_teams,
                    condition=key_teams.column2 == members.team)
                where &= key_teams.column1 == key
            return Exists(query.select(Literal(1), where=where))

        quotas = [
            quota_rows(user_quotas.user * 4 + REP, user_quotas.amount,
                user_quotas),
            quota_rows(team_quotas.team * 4 + TEAM, team_quotas.amount,
                team_quotas),
            # a team without quota: its members' and leader's quotas
            quota_rows(members.team * 4 + TEAM, user_quotas.amount,
                user_quotas.join(members,
                    condition=members.user == user_quotas.user),
                where=~Exists(team_quotas.select(Literal(1),
                        where=team_quotas.team == members.team))),
            quota_rows(Literal(TOTAL), team_quotas.amount, team_quotas),
            quota_rows(Literal(TOTAL), user_quotas.amount, user_quotas,
                where=~covered(user_quotas.user)),
            ]
        if teams:
            quotas.append(quota_rows(teams.column1, team_quotas.amount,
                    team_quotas.join(teams,
                        condition=teams.column2 == team_quotas.team)))
        if users:
            where = None
            if teams:
                where = ~covered(user_quotas.user, teams, users.column1)
            quotas.append(quota_rows(users.column1, user_quotas.amount,
                    user_quotas.join(users,
                        condition=users.column2 == user_quotas.user),
                    where=where))

        figures = Union(
            mapped.select(mapped.key, Literal(0).as_('quota'), mapped.won,
                mapped.open, mapped.weighted),
            *quotas, all_=True)
        return figures, [deals, user_quotas, team_quotas, members]

    @classmethod
    def table_query(cls):
        company = Transaction().context.get('company')
        figures, tables = cls._figures()
        key = figures.key
        kind = key % 4
        quota = Sum(figures.quota)
        won = Sum(figures.won)
        open_ = Sum(figures.open)
        return figures.select(
            key.as_('id'),
            Literal(company).as_('company'),
            Case((kind == REP, key / 4),
                (kind == MANAGER, (key - MANAGER) / 4),
                else_=Null).as_('assigned_user'),
            Case((kind == TEAM, (key - TEAM) / 4), else_=Null).as_(
                'assigned_team'),
            Case((kind == REP, 'rep'), (kind == TEAM, 'team'),
                (kind == MANAGER, 'manager'), else_='total').as_('level'),
            Case((kind == MANAGER, 0), (kind == TEAM, 1), (kind == REP, 2),
                else_=3).as_('level_sequence'),
            quota.as_('quota'),
            won.as_('closed_won'),
            open_.as_('open_amount'),
            Sum(figures.weighted).as_('weighted_pipeline'),
            (won + open_).as_('best_case'),
            (quota - won).as_('gap'),
            where=(key != Null) & cls._key_filter(key),
            group_by=[key],
            with_=tables)

    def get_owner(self, name):
        if self.level == 'total':
            return gettext('crm_sales.msg_forecast_total')
        owner = self.assigned_team or self.assigned_user
        owner = owner.rec_name if owner else ''
        if self.level == 'manager':
            return gettext('crm_sales.msg_forecast_rollup', owner=owner)
        return owner

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
