# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Support reports: figures of the tickets for a period, owner and team.

Each report is a ``table_query`` model over ``crm.ticket`` (the FAQ
reports of ``faq_reporting.py`` over ``crm.faq`` and its links to the
tickets) filtered by the context model ``crm.support.report.context``:
the company, the assigned user and team, the period of creation and, for
the aged tickets, the number of days after which an open ticket is old.
Every figure counts only the records the user may read:
``crm_core.report``'s condition puts the user's read rules in the
query's WHERE, as for the pipeline reports of ``crm_sales``, so that a
rep's figures never include a private ticket of another rep.

Selections are shown by their labels in the user's language; the times
of first response and resolution are averaged in hours, the age of the
open tickets counted in days.
"""
import datetime

from sql import Literal
from sql.aggregate import Avg, Count, Max, Sum
from sql.conditionals import Case
from sql.functions import Extract

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from crm_core.guard import readable_ids
from crm_core.report import (
    CountReportMixin, ReportContextMixin, ReportPeriodMixin, selection_names)

from .ticket import PRIORITIES, STATES

#: The age in days of the open tickets the aged tickets report shows, when
#: the context gives none
AGED_DAYS = 7
#: The largest age in days the aged tickets report accepts (a century)
MAX_DAYS = 36500
SECONDS_PER_HOUR = 60 * 60
SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR


def now():
    "Return the current time as the database stores it (UTC)."
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _seconds(end, start):
    "Return the SQL number of seconds from start to end (times)."
    return Extract('EPOCH', end) - Extract('EPOCH', start)


def _hours(interval):
    "Return the SQL number of hours of interval (a TimeDelta column)."
    return Extract('EPOCH', interval) / SECONDS_PER_HOUR


class Context(ReportPeriodMixin, ReportContextMixin, ModelView):
    "The period, owner and team the support reports show."
    __name__ = 'crm.support.report.context'
    __string__ = "Support Report Context"
    days = fields.Integer(
        "Older Than (Days)", required=True,
        domain=[('days', '>=', 0), ('days', '<=', MAX_DAYS)],
        help="The open tickets created more than this many days ago are "
        "the aged tickets.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.from_date.help = "Only the tickets and FAQ created from this day."
        cls.to_date.help = "Only the tickets and FAQ created until this day."
        cls.assigned_user.help = "Only the tickets and FAQ of this user."
        cls.assigned_team.help = "Only the tickets and FAQ of this team."

    @classmethod
    def default_days(cls):
        """The context's days, brought within 0 and MAX_DAYS (the context
        comes from the client as it is: a string or a huge number would
        make the query fail), else AGED_DAYS."""
        days = Transaction().context.get('days')
        if not isinstance(days, int) or isinstance(days, bool):
            return AGED_DAYS
        return min(max(days, 0), MAX_DAYS)


class AbstractReport(CountReportMixin, ModelSQL, ModelView):
    """Figures of the tickets (the table "ticket" of the query), or of
    another _model, of the context's company, owner and team created in
    its period, that the user may read; the rows counting the most first,
    unless ordered otherwise."""
    _model = 'crm.ticket'
    _table = 'ticket'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.number.string = "Tickets"
        cls._order.insert(0, ('number', 'DESC'))

    @classmethod
    def _column_date(cls, tables):
        return tables[cls._table].create_date

    @classmethod
    def _period(cls):
        # (the creation is a time: the period runs to the end of its day)
        start, end = super()._period()
        return (
            start and datetime.datetime.combine(start, datetime.time.min),
            end and datetime.datetime.combine(end, datetime.time.max))

    @classmethod
    def get_state_name(cls, records, name):
        return selection_names(records, cls._model, 'state', 'state')

    @classmethod
    def get_label(cls, records, name):
        """The name of the record of the row's dimension, for the graphs:
        "Not set" for none, the placeholder of a record the user may not
        read (a bridge's hidden account)."""
        Model = getattr(cls, cls._dimension).get_target()
        values = {r.id: getattr(r, cls._dimension) for r in records}
        readable = readable_ids(Model, [v.id for v in values.values() if v])
        # (read by ids: an instance would load the names of the hidden
        # ones with it)
        names = {r['id']: r['rec_name']
            for r in Model.read(sorted(readable), ['rec_name'])}
        hidden = gettext('crm_core.msg_hidden_record')
        not_set = gettext('crm_support.msg_report_not_set')
        return {id_: (names.get(value.id, hidden) if value else not_set)
            for id_, value in values.items()}


class OpenMixin:
    "The number of the tickets not closed."
    __slots__ = ()
    open_tickets = fields.Integer("Open", help="The tickets not closed.")

    @classmethod
    def _columns(cls, tables):
        ticket = tables['ticket']
        return super()._columns(tables) + [
            Sum(Case((ticket.state != 'closed', Literal(1)),
                    else_=Literal(0))).as_('open_tickets'),
            ]


class StatusReport(AbstractReport):
    "Tickets by status, in the order of the workflow."
    __name__ = 'crm.ticket.report.status'
    __string__ = "Tickets by Status"
    status = fields.Many2One('crm.ticket.status', "Status")
    state = fields.Selection(STATES, "State", sort=False)
    state_name = fields.Function(fields.Char("State"), 'get_state_name')
    _dimension = 'status'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order[:0] = [('state', 'ASC'), ('status.sequence', 'ASC')]

    @classmethod
    def _columns(cls, tables):
        return super()._columns(tables) + [
            tables['ticket'].state.as_('state')]

    @classmethod
    def _group_by(cls, tables):
        return super()._group_by(tables) + [tables['ticket'].state]


class PriorityMixin:
    "A row per priority, the most urgent first."
    __slots__ = ()
    priority = fields.Selection(PRIORITIES, "Priority", sort=False)
    priority_name = fields.Function(
        fields.Char("Priority"), 'get_priority_name')
    _dimension = 'priority'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('priority', 'DESC'))

    @classmethod
    def get_priority_name(cls, records, name):
        return selection_names(records, cls._model, 'priority', 'priority')


class AssigneeMixin:
    "A row per assignee."
    __slots__ = ()
    assigned_user = fields.Many2One('res.user', "Assigned To")
    label = fields.Function(fields.Char("Assigned To"), 'get_label')
    _dimension = 'assigned_user'


class PriorityReport(PriorityMixin, OpenMixin, AbstractReport):
    "Tickets by priority."
    __name__ = 'crm.ticket.report.priority'
    __string__ = "Tickets by Priority"


class CategoryReport(OpenMixin, AbstractReport):
    "Tickets by category."
    __name__ = 'crm.ticket.report.category'
    __string__ = "Tickets by Category"
    category = fields.Many2One('crm.ticket.category', "Category")
    label = fields.Function(fields.Char("Category"), 'get_label')
    _dimension = 'category'


class AccountReport(OpenMixin, AbstractReport):
    "Tickets by account."
    __name__ = 'crm.ticket.report.account'
    __string__ = "Tickets by Account"
    account = fields.Many2One('party.party', "Account")
    label = fields.Function(fields.Char("Account"), 'get_label')
    _dimension = 'account'


class AssigneeReport(AssigneeMixin, OpenMixin, AbstractReport):
    "Tickets by assignee."
    __name__ = 'crm.ticket.report.assignee'
    __string__ = "Tickets by Assignee"


class AgedReport(AssigneeMixin, AbstractReport):
    """Open tickets older than the context's days, per assignee: how many,
    the age of the oldest and their average age (days until now), the
    oldest first."""
    __name__ = 'crm.ticket.report.aged'
    __string__ = "Aged Open Tickets"
    oldest_days = fields.Float("Oldest (Days)", digits=(16, 1))
    average_days = fields.Float("Average Age (Days)", digits=(16, 1))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.number.string = "Aged Tickets"
        cls._order.insert(0, ('oldest_days', 'DESC'))

    @classmethod
    def _columns(cls, tables):
        age = _seconds(now(), tables['ticket'].create_date) / SECONDS_PER_DAY
        return super()._columns(tables) + [
            cls.oldest_days.sql_cast(Max(age)).as_('oldest_days'),
            cls.average_days.sql_cast(Avg(age)).as_('average_days'),
            ]

    @classmethod
    def _where(cls, tables):
        ticket = tables['ticket']
        days = Pool().get('crm.support.report.context').default_days()
        return (super()._where(tables)
            & (ticket.state != 'closed')
            & (ticket.create_date < now() - datetime.timedelta(days=days)))


class ResponseTimeMixin:
    """Of the tickets, those answered and their average first response
    time, those closed and their average resolution time, in hours."""
    __slots__ = ()
    answered = fields.Integer("Answered")
    first_response_hours = fields.Float(
        "Average First Response (Hours)", digits=(16, 1))
    closed = fields.Integer("Closed")
    resolution_hours = fields.Float(
        "Average Resolution (Hours)", digits=(16, 1))

    @classmethod
    def _columns(cls, tables):
        ticket = tables['ticket']
        return super()._columns(tables) + [
            Count(ticket.first_response_time).as_('answered'),
            cls.first_response_hours.sql_cast(
                _hours(Avg(ticket.first_response_time))
                ).as_('first_response_hours'),
            Count(ticket.resolution_time).as_('closed'),
            cls.resolution_hours.sql_cast(
                _hours(Avg(ticket.resolution_time))
                ).as_('resolution_hours'),
            ]


class ResponseTimeAssigneeReport(
        AssigneeMixin, ResponseTimeMixin, AbstractReport):
    "First response and resolution times per assignee."
    __name__ = 'crm.ticket.report.response_time_assignee'
    __string__ = "Response Times by Assignee"


class ResponseTimePriorityReport(
        PriorityMixin, ResponseTimeMixin, AbstractReport):
    "First response and resolution times per priority."
    __name__ = 'crm.ticket.report.response_time_priority'
    __string__ = "Response Times by Priority"
