# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The summaries of the leads and potentials (``crm_core.summary``) that
the pipeline reports, the dashboard blocks and the report builder read at
a million records.

Each one covers every opportunity, in any state, so that any condition
on its keys is answered; three of them, because one summary of every key
would hold about as many rows as there are opportunities:

- *pipeline*: by state, sales stage and month of expected close date;
- *origin*: by state, lead status, lead source, with or without account,
  month of start date and month of conversion;
- *closing*: by state, lost reason and month of end date.

On the bench's million leads and potentials they hold about 5,000, 30,000
and 2,000 rows (bench/README.md)."""
from sql import Null
from sql.aggregate import Count, Sum

from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta

from crm_core.summary import SummarizedMixin, SummaryMixin

from .lead import LEAD_SOURCES, LEAD_STATUSES
from .pipeline_reporting import days_between

STATES = [
    ('lead', "Lead"),
    ('opportunity', "Opportunity"),
    ('converted', "Converted"),
    ('won', "Won"),
    ('cancelled', "Cancelled"),
    ('lost', "Lost"),
    ]


class Opportunity(SummarizedMixin, metaclass=PoolMeta):
    __name__ = 'sale.opportunity'


class OpportunitySummary(SummaryMixin):
    "The keys every summary of the opportunities has."
    __slots__ = ()
    state = fields.Selection(STATES, "State", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    _summary_source = 'sale.opportunity'
    _summary_keys = ('state',)
    _summary_depends = ('amount',)

    @classmethod
    def summary_measures(cls, record):
        return {**super().summary_measures(record),
            'amount': Sum(record.amount)}


class PipelineSummary(OpportunitySummary, ModelSQL):
    """Opportunities by state, sales stage and month of expected close
    date, with their amounts, weighted amounts and probabilities."""
    __name__ = 'crm.opportunity.summary.pipeline'
    __string__ = "Pipeline Summary"
    sales_stage = fields.Many2One('crm.sales_stage', "Sales Stage",
        readonly=True)
    expected_close_date = fields.Date("Expected Close Month", readonly=True)
    weighted_amount = fields.Float("Weighted Amount", readonly=True)
    conversion_probability = fields.Float("Probabilities", readonly=True)
    conversion_probability_count = fields.Integer("With Probability",
        readonly=True)
    _summary_keys = OpportunitySummary._summary_keys + ('sales_stage',)
    _summary_months = ('expected_close_date',)
    _summary_depends = OpportunitySummary._summary_depends + (
        'conversion_probability',)

    @classmethod
    def summary_measures(cls, record):
        return {**super().summary_measures(record),
            'weighted_amount': Sum(
                record.amount * record.conversion_probability),
            'conversion_probability': Sum(record.conversion_probability),
            'conversion_probability_count': Count(
                record.conversion_probability),
            }


class OriginSummary(OpportunitySummary, ModelSQL):
    """Opportunities by state, lead status and source, with or without an
    account, by month of start and of conversion, with their amounts and
    annual revenues."""
    __name__ = 'crm.opportunity.summary.origin'
    __string__ = "Origin Summary"
    lead_status = fields.Selection(
        [(None, "")] + LEAD_STATUSES, "Lead Status", readonly=True)
    lead_source = fields.Selection(
        [(None, "")] + LEAD_SOURCES, "Lead Source", readonly=True)
    with_party = fields.Boolean("With Account", readonly=True)
    start_date = fields.Date("Start Month", readonly=True)
    lead_conversion_date = fields.Date("Conversion Month", readonly=True)
    annual_revenue = fields.Numeric("Annual Revenue", digits=(16, 2),
        readonly=True)
    _summary_keys = OpportunitySummary._summary_keys + (
        'lead_status', 'lead_source')
    _summary_months = ('start_date', 'lead_conversion_date')
    _summary_depends = OpportunitySummary._summary_depends + (
        'party', 'annual_revenue')

    @classmethod
    def summary_computed_keys(cls, record):
        if record is None:
            return {'with_party': None}
        return {'with_party': record.party != Null}

    @classmethod
    def summary_measures(cls, record):
        return {**super().summary_measures(record),
            'annual_revenue': Sum(record.annual_revenue),
            }


class ClosingSummary(OpportunitySummary, ModelSQL):
    """Opportunities by state, lost reason and month of end date, with
    their amounts and cycles (days from start to end date)."""
    __name__ = 'crm.opportunity.summary.closing'
    __string__ = "Closing Summary"
    lost_reason_type = fields.Many2One('crm.lost_reason', "Lost Reason",
        readonly=True)
    end_date = fields.Date("End Month", readonly=True)
    cycle_days = fields.Float("Cycle Days", readonly=True)
    cycle_count = fields.Integer("With Cycle", readonly=True)
    _summary_keys = OpportunitySummary._summary_keys + ('lost_reason_type',)
    _summary_months = ('end_date',)
    _summary_depends = OpportunitySummary._summary_depends + ('start_date',)

    @classmethod
    def summary_measures(cls, record):
        days = days_between(record.end_date, record.start_date)
        return {**super().summary_measures(record),
            'cycle_days': Sum(days),
            'cycle_count': Count(days),
            }
