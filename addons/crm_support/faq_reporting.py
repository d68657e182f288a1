# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Support reports of the FAQ: the knowledge base by status, and the FAQ
that answer the most tickets.

They share the context and the select of the ticket reports
(``ticket_reporting.py``): the FAQ by status counts the FAQ of the
context's owner and team created in its period; the most linked FAQ
counts, for each FAQ, its linked tickets of the context's owner and team
created in its period.  Both count only the FAQ and the tickets the user
may read.
"""
from trytond.model import fields
from trytond.pool import Pool

from crm_core.report import report_readable_condition, selection_names

from .faq import STATES
from .ticket_reporting import AbstractReport


class StatusReport(AbstractReport):
    "FAQ by status, in the order of the verification."
    __name__ = 'crm.faq.report.status'
    __string__ = "FAQ by Status"
    state = fields.Selection(STATES, "Status", sort=False)
    state_name = fields.Function(fields.Char("Status"), 'get_state_name')
    _model = 'crm.faq'
    _table = 'faq'
    _dimension = 'state'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.number.string = "FAQ"
        cls._order.insert(0, ('state', 'ASC'))


class LinkedReport(AbstractReport):
    """FAQ by their number of linked tickets (of the context), the most
    linked first."""
    __name__ = 'crm.faq.report.linked'
    __string__ = "Most Linked FAQ"
    faq = fields.Many2One('crm.faq', "FAQ")
    state = fields.Selection(STATES, "Status", sort=False)
    state_name = fields.Function(fields.Char("Status"), 'get_state_name')
    _dimension = 'faq'

    @classmethod
    def _joins(cls):
        pool = Pool()
        FaqTicket = pool.get('crm.faq-crm.ticket')
        Faq = pool.get('crm.faq')
        from_item, tables = super()._joins()
        ticket = tables['ticket']
        tables['link'] = link = FaqTicket.__table__()
        tables['faq'] = faq = Faq.__table__()
        from_item = link.join(
            ticket, condition=link.ticket == ticket.id
            ).join(faq, condition=link.faq == faq.id)
        return from_item, tables

    @classmethod
    def _column_id(cls, tables):
        return tables['faq'].id

    @classmethod
    def _column_dimension(cls, tables):
        return tables['faq'].id

    @classmethod
    def _columns(cls, tables):
        return super()._columns(tables) + [tables['faq'].state.as_('state')]

    @classmethod
    def _group_by(cls, tables):
        return super()._group_by(tables) + [tables['faq'].state]

    @classmethod
    def _where(cls, tables):
        return (super()._where(tables)
            & report_readable_condition(tables['faq'], 'crm.faq'))

    @classmethod
    def get_state_name(cls, records, name):
        return selection_names(records, 'crm.faq', 'state', 'state')
