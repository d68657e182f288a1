# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The record types of the report builder this module adds: tickets and FAQ."""
from trytond.pool import PoolMeta


class Report(metaclass=PoolMeta):
    __name__ = 'crm.report'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.record_type.selection += [
            ('ticket', "Tickets"),
            ('faq', "FAQ"),
            ]

    @classmethod
    def crm_report_types(cls):
        types = super().crm_report_types()
        types.update({
                'ticket': ('crm.ticket', []),
                'faq': ('crm.faq', []),
                })
        return types
