# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Top accounts: the accounts with the largest open potential amount.

``crm.report.top_account`` is a ``table_query`` model over
``sale.opportunity``, as the pipeline reports of ``pipeline_reporting.py``
(whose select, filters and context it shares): a row per account of the
open potentials (*Opportunity* or *Converted*) of the context's company,
period of expected close date, owner and team, with their number, amount
and weighted amount.  It counts only the potentials the user may read:
``readable_condition`` puts the user's read rules of ``sale.opportunity``
in the query's WHERE, so an account's amount never includes a potential
hidden from the user.  The name of an account the user may not read is
not shown (``crm_core``'s placeholder of hidden records).

The *My Top Accounts* block of the sales rep's dashboards shows the rows
of its own potentials (``assigned_user`` in the window's context), the
largest amount first.
"""
from sql import Null

from trytond.model import fields

from .pipeline_reporting import AbstractReport, OpenPipelineMixin


class TopAccount(OpenPipelineMixin, AbstractReport):
    "The open pipeline by account, the largest amount first."
    __name__ = 'crm.report.top_account'
    __string__ = "Top Accounts"
    party = fields.Many2One(
        'party.party', "Account", context={'crm_type': 'account'})
    _dimension = 'party'
    # (no summary keeps the accounts: one would hold a row per account)
    _summary = None

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.number.string = "Open Potentials"
        cls._order[:0] = [('amount', 'DESC'), ('number', 'DESC')]

    @classmethod
    def _where(cls, tables):
        return super()._where(tables) & (tables['opportunity'].party != Null)

    def get_rec_name(self, name):
        return self.party.rec_name if self.party else ''
