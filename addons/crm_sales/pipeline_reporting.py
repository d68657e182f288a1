"""Pipeline reports: figures of the potentials for a period, owner and team.

Each report is a ``table_query`` model over ``sale.opportunity`` (the stage
history for the time in stage) filtered by the context model
``crm.report.context``.  Every figure counts only the opportunities the
user may read: :func:`readable_condition` puts the user's read rules of
``sale.opportunity`` in the query's WHERE, and the host's own opportunity
reports (``sale.opportunity.reporting.*``) get the same condition.  The
select of the reports and their context are ``crm_core.report``'s, which
the support reports share.

Amounts are summed in the currency of each opportunity, as the host's
reports do: a company selling in one currency.

Graphs and lists show what users read: the labels of the selections (as
the opportunity's fields translate them in the user's language) and the
months as "Nov 2026" in the user's language, ordered by the month.
"""
from sql import Literal, Null
from sql.aggregate import Avg, Min, Sum
from sql.conditionals import Case, Coalesce, NullIf
from sql.functions import DateTrunc, Extract

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from crm_core.report import (
    RULES_CONTEXT, CountReportMixin, ReportContextMixin, ReportPeriodMixin,
    report_readable_condition)
from crm_core.report import selection_names as model_selection_names

from .lead import LEAD_SOURCES
from .stage_history import StageHistory

OPEN_STATES = ['opportunity', 'converted']
POTENTIAL_STATES = ['opportunity', 'converted', 'won', 'lost']
SECONDS_PER_DAY = 24 * 60 * 60


def readable_condition(opportunity):
    """Return the SQL condition on the table opportunity of the
    opportunities the user may read (see report_readable_condition)."""
    return report_readable_condition(opportunity, 'sale.opportunity')


def month_name(date):
    "Return the month of date as the user's language abbreviates it."
    Lang = Pool().get('ir.lang')
    return Lang.get().strftime(date, '%b %Y') if date else None


def selection_names(records, field, name):
    """Return {record id: label} of the values of the sale.opportunity's
    selection field held by the records' field name, in the user's
    language (a missing value named as such)."""
    return model_selection_names(records, 'sale.opportunity', field, name,
        not_set=gettext('crm_sales.msg_report_value_not_set'))


def days_between(end, start):
    "Return the SQL number of days from start to end (dates or times)."
    return (Extract('EPOCH', end) - Extract('EPOCH', start)) / SECONDS_PER_DAY


class Context(ReportPeriodMixin, ReportContextMixin, ModelView):
    "The period, owner and team the pipeline reports show."
    __name__ = 'crm.report.context'
    __string__ = "Pipeline Report Context"

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.assigned_user.help = "Only the potentials of this user."
        cls.assigned_team.help = "Only the potentials of this team."


class AbstractReport(CountReportMixin, ModelSQL, ModelView):
    """Figures of the opportunities of the context's company, period, owner
    and team that the user may read (the table "opportunity" of the
    query), grouped by _group_by."""
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    _model = 'sale.opportunity'
    _table = 'opportunity'

    def get_currency(self, name):
        return self.company.currency.id

    def get_rate(self, name):
        "Return the ratio of the rate's counts (0 without denominator)."
        numerator, denominator = self._rates[name]
        denominator = getattr(self, denominator)
        if not denominator:
            return 0.0
        return round(getattr(self, numerator) / denominator, 4)

    _rates = {}


class AmountMixin:
    "The sum of the amounts (none counting as zero)."
    __slots__ = ()
    amount = Monetary(
        "Amount", currency='currency', digits='currency')

    @classmethod
    def _columns(cls, tables):
        opportunity = tables['opportunity']
        return super()._columns(tables) + [
            Sum(Coalesce(opportunity.amount, 0)).as_('amount')]


class OpenPipelineMixin(AmountMixin):
    """Open potentials, in the period of their expected close date, and
    their weighted amount (amount x probability)."""
    __slots__ = ()
    _summary = 'crm.opportunity.summary.pipeline'
    weighted_amount = Monetary(
        "Weighted Amount", currency='currency', digits='currency',
        help="The amounts multiplied by the probability.")

    @classmethod
    def _columns(cls, tables):
        opportunity = tables['opportunity']
        # (the product is a float, cast once per group: casting the
        # probability to numeric on every row doubled the time of the
        # pipeline by stage on PostgreSQL, 100k potentials: 60 -> 130 ms)
        if 'summary' in tables:
            weighted = Sum(tables['summary'].weighted_amount)
        else:
            weighted = Sum(
                opportunity.amount * opportunity.conversion_probability)
        return super()._columns(tables) + [
            cls.weighted_amount.sql_cast(weighted).as_('weighted_amount')]

    @classmethod
    def _where(cls, tables):
        opportunity = tables['opportunity']
        return (super()._where(tables)
            & opportunity.state.in_(OPEN_STATES))

    @classmethod
    def _column_date(cls, tables):
        return tables['opportunity'].expected_close_date


class PipelineStage(OpenPipelineMixin, AbstractReport):
    "The open pipeline by sales stage."
    __name__ = 'crm.report.pipeline_stage'
    __string__ = "Pipeline by Stage"
    sales_stage = fields.Many2One('crm.sales_stage', "Sales Stage")
    _dimension = 'sales_stage'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sales_stage.sequence', 'ASC'))

    def get_rec_name(self, name):
        return self.sales_stage.rec_name if self.sales_stage else ''


class PipelineMonth(OpenPipelineMixin, AbstractReport):
    "The open pipeline by month of expected close date."
    __name__ = 'crm.report.pipeline_month'
    __string__ = "Pipeline by Month"
    month = fields.Date("Month")
    month_name = fields.Function(fields.Char("Month"), 'get_month_name')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('month', 'ASC'))

    @classmethod
    def _column_month(cls, tables):
        opportunity = tables['opportunity']
        return cls.month.sql_cast(
            DateTrunc('month', opportunity.expected_close_date))

    @classmethod
    def _columns(cls, tables):
        return super()._columns(tables) + [
            cls._column_month(tables).as_('month')]

    @classmethod
    def _where(cls, tables):
        opportunity = tables['opportunity']
        return (super()._where(tables)
            & (opportunity.expected_close_date != Null))

    @classmethod
    def _group_by(cls, tables):
        # (by the output column: PostgreSQL does not match the expression
        # of the select list with a parameter to the one of the group by)
        return super()._group_by(tables) + [
            cls._column_month(tables).as_('month')]

    def get_month_name(self, name):
        return month_name(self.month)


class PotentialMixin(AmountMixin):
    """Potentials (past the lead, with an account), in the period of their
    start date, and those won."""
    __slots__ = ()
    _summary = 'crm.opportunity.summary.origin'
    won = fields.Integer("Won")
    won_amount = Monetary(
        "Won Amount", currency='currency', digits='currency')

    @classmethod
    def _potential(cls, tables):
        opportunity = tables['opportunity']
        if 'summary' in tables:
            with_party = tables['summary'].with_party == Literal(True)
        else:
            with_party = opportunity.party != Null
        return opportunity.state.in_(POTENTIAL_STATES) & with_party

    @classmethod
    def _column_date(cls, tables):
        return tables['opportunity'].start_date

    @classmethod
    def _columns(cls, tables):
        opportunity = tables['opportunity']
        won = opportunity.state == 'won'
        return super()._columns(tables) + [
            Sum(Case((won, cls._rows(tables)), else_=Literal(0))
                ).as_('won'),
            Sum(Case((won, Coalesce(opportunity.amount, 0)),
                    else_=Literal(0))).as_('won_amount'),
            ]


class ClosedMixin(AmountMixin):
    "Deals closed, in the period of their end date."
    __slots__ = ()
    _summary = 'crm.opportunity.summary.closing'

    @classmethod
    def _column_date(cls, tables):
        return tables['opportunity'].end_date


class LeadSource(PotentialMixin, AbstractReport):
    "Potentials by lead source."
    __name__ = 'crm.report.lead_source'
    __string__ = "Potentials by Lead Source"
    lead_source = fields.Selection(LEAD_SOURCES, "Lead Source")
    lead_source_name = fields.Function(
        fields.Char("Lead Source"), 'get_lead_source_name')
    winning_rate = fields.Function(
        fields.Float("Winning Rate", digits=(1, 4)), 'get_rate')
    _dimension = 'lead_source'
    _rates = {'winning_rate': ('won', 'number')}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('number', 'DESC'))

    @classmethod
    def _where(cls, tables):
        return super()._where(tables) & cls._potential(tables)

    @classmethod
    def get_lead_source_name(cls, records, name):
        return selection_names(records, 'lead_source', 'lead_source')


class ConversionRep(PotentialMixin, AbstractReport):
    """Conversion per rep: of the leads (every record started in the
    period), those that became potentials and those won."""
    __name__ = 'crm.report.conversion_rep'
    __string__ = "Conversion by Rep"
    assigned_user = fields.Many2One('res.user', "Assigned To")
    potentials = fields.Integer("Potentials")
    potential_rate = fields.Function(
        fields.Float(
            "Lead to Potential", digits=(1, 4),
            help="Potentials per lead."),
        'get_rate')
    winning_rate = fields.Function(
        fields.Float(
            "Potential to Won", digits=(1, 4),
            help="Won per potential."),
        'get_rate')
    _dimension = 'assigned_user'
    _rates = {
        'potential_rate': ('potentials', 'number'),
        'winning_rate': ('won', 'potentials'),
        }

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.number.string = "Leads"
        cls._order.insert(0, ('assigned_user', 'ASC'))

    @classmethod
    def _columns(cls, tables):
        return super()._columns(tables) + [
            Sum(Case((cls._potential(tables), cls._rows(tables)),
                    else_=Literal(0))).as_('potentials'),
            ]

    @classmethod
    def _where(cls, tables):
        opportunity = tables['opportunity']
        return super()._where(tables) & (opportunity.state != 'cancelled')

    def get_rec_name(self, name):
        return self.assigned_user.rec_name if self.assigned_user else ''


class DealSize(ClosedMixin, AbstractReport):
    """Won and lost deals closed in the period: average amount and cycle
    length (days from start to end date)."""
    __name__ = 'crm.report.deal_size'
    __string__ = "Deal Size and Cycle"
    state = fields.Selection([
            ('won', "Won"),
            ('lost', "Lost"),
            ], "State")
    state_name = fields.Function(fields.Char("State"), 'get_state_name')
    average_amount = Monetary(
        "Average Deal Size", currency='currency', digits='currency')
    cycle_days = fields.Float(
        "Average Cycle (Days)", digits=(16, 1),
        help="Days from the start date to the end date.")
    _dimension = 'state'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('state', 'DESC'))

    @classmethod
    def _columns(cls, tables):
        opportunity = tables['opportunity']
        amount = Coalesce(opportunity.amount, 0)
        summary = tables.get('summary')
        if summary is not None:
            # (averages of the groups' sums, divided as floats: SQLite
            # divides integers as integers)
            count = cls.cycle_days.sql_cast(Sum(summary.number))
            average = Sum(amount) / NullIf(count, 0)
            cycle = Sum(summary.cycle_days) / NullIf(
                cls.cycle_days.sql_cast(Sum(summary.cycle_count)), 0)
        else:
            average = Avg(amount)
            cycle = Avg(days_between(
                    opportunity.end_date, opportunity.start_date))
        return super()._columns(tables) + [
            cls.average_amount.sql_cast(average).as_('average_amount'),
            cls.cycle_days.sql_cast(cycle).as_('cycle_days'),
            ]

    @classmethod
    def _where(cls, tables):
        opportunity = tables['opportunity']
        return (super()._where(tables)
            & opportunity.state.in_(['won', 'lost'])
            & (opportunity.end_date != Null))

    @classmethod
    def get_state_name(cls, records, name):
        return selection_names(records, 'state', 'state')


class LossReason(ClosedMixin, AbstractReport):
    "Potentials lost in the period by lost reason."
    __name__ = 'crm.report.loss_reason'
    __string__ = "Loss Reasons"
    lost_reason_type = fields.Many2One('crm.lost_reason', "Lost Reason")
    _dimension = 'lost_reason_type'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('number', 'DESC'))

    @classmethod
    def _where(cls, tables):
        return super()._where(tables) & (
            tables['opportunity'].state == 'lost')


class StageTime(AbstractReport):
    """Stays in each open sales stage entered in the period: number and
    average days (until now for the current stays), in the order of the
    pipeline.  The closing stages (Closed Won, Closed Lost) are no stay:
    they are left out."""
    __name__ = 'crm.report.stage_time'
    __string__ = "Time in Stage"
    sales_stage = fields.Many2One('crm.sales_stage', "Sales Stage")
    average_days = fields.Float("Average Days", digits=(16, 1))
    _dimension = 'sales_stage'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.number.string = "Stays"
        cls._order.insert(0, ('sales_stage.sequence', 'ASC'))

    @classmethod
    def _joins(cls):
        pool = Pool()
        History = pool.get('crm.opportunity.stage_history')
        Stage = pool.get('crm.sales_stage')
        from_item, tables = super()._joins()
        opportunity = tables['opportunity']
        tables['history'] = history = History.__table__()
        tables['stage'] = stage = Stage.__table__()
        from_item = history.join(
            opportunity, condition=history.opportunity == opportunity.id
            ).join(stage, condition=history.stage == stage.id)
        return from_item, tables

    @classmethod
    def _where(cls, tables):
        return super()._where(tables) & (tables['stage'].closing == Null)

    @classmethod
    def _column_date(cls, tables):
        return tables['history'].date_entered

    @classmethod
    def _column_id(cls, tables):
        return Min(tables['history'].id)

    @classmethod
    def _column_dimension(cls, tables):
        return tables['history'].stage

    @classmethod
    def _columns(cls, tables):
        history = tables['history']
        left = Coalesce(history.date_left, StageHistory.now())
        return super()._columns(tables) + [
            cls.average_days.sql_cast(
                Avg(days_between(left, history.date_entered))
                ).as_('average_days'),
            ]


class HostReportingRule:
    "The host's opportunity reports count only the readable opportunities."
    __slots__ = ()

    @classmethod
    def read(cls, ids, fields_names):
        if not Transaction().check_access:
            return super().read(ids, fields_names)
        with Transaction().set_context({RULES_CONTEXT: True}):
            return super().read(ids, fields_names)

    @classmethod
    def _where(cls, tables, withs):
        return (super()._where(tables, withs)
            & readable_condition(tables['opportunity']))


class HostTimeseriesName:
    """The period of a row of the host's time series as users read it:
    "Nov 2026" for a month, "2026" for a year, the date for a day."""
    __slots__ = ()
    date_name = fields.Function(fields.Char("Date"), 'get_date_name')

    def get_date_name(self, name):
        Lang = Pool().get('ir.lang')
        if not self.date:
            return None
        period = Transaction().context.get('period', 'month')
        if period == 'year':
            return str(self.date.year)
        if period == 'month':
            return month_name(self.date)
        return Lang.get().strftime(self.date)


class HostReportingMain(HostReportingRule, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.reporting.main'


class HostReportingMainTimeseries(
        HostTimeseriesName, HostReportingRule, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.reporting.main.time_series'


class HostReportingConversion(HostReportingRule, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.reporting.conversion'


class HostReportingConversionTimeseries(
        HostTimeseriesName, HostReportingRule, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.reporting.conversion.time_series'


class HostReportingConversionEmployee(HostReportingRule, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.reporting.conversion.employee'


class HostReportingConversionEmployeeTimeseries(
        HostTimeseriesName, HostReportingRule, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.reporting.conversion.employee.time_series'


class HostReportingMarketing(HostReportingRule, metaclass=PoolMeta):
    "(registered with the module marketing_campaign, which defines it)"
    __name__ = 'sale.opportunity.reporting.marketing'
