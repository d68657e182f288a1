# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The record types of the report builder this module adds: leads,
potentials, quotes, sales orders and invoices."""
from trytond.pool import PoolMeta

from .sale import QUOTE_STATES


class Report(metaclass=PoolMeta):
    __name__ = 'crm.report'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.record_type.selection += [
            ('lead', "Leads"),
            ('potential', "Potentials"),
            ('quote', "Quotes"),
            ('order', "Sales Orders"),
            ('invoice', "Invoices"),
            ]

    @classmethod
    def crm_report_types(cls):
        types = super().crm_report_types()
        types.update({
                'lead': ('sale.opportunity', [
                        ('state', '=', 'lead'),
                        ('lead_conversion_date', '=', None),
                        ]),
                'potential': ('sale.opportunity', [('state', '!=', 'lead')]),
                'quote': ('sale.sale', [('state', 'in', QUOTE_STATES)]),
                'order': ('sale.sale', [
                        ('state', 'not in', QUOTE_STATES + ['cancelled'])]),
                'invoice': ('account.invoice', [
                        ('type', '=', 'out'), ('crm_sale', '!=', None)]),
                })
        return types
