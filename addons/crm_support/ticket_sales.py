"""The potential or sales order a ticket is about (with CRM Sales)."""
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval, If


class Ticket(metaclass=PoolMeta):
    __name__ = 'crm.ticket'
    potential = fields.Many2One(
        'sale.opportunity', "Potential", ondelete='SET NULL',
        domain=[
            ('state', '!=', 'lead'),
            ('company', '=', Eval('company', -1)),
            If(Eval('account'), ('party', '=', Eval('account', -1)), ()),
            ],
        context={'crm_opportunity_form': 'potential'},
        states={'readonly': Eval('state') == 'closed'})
    sale = fields.Many2One(
        'sale.sale', "Sales Order", ondelete='SET NULL',
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('account'), ('party', '=', Eval('account', -1)), ()),
            ],
        states={'readonly': Eval('state') == 'closed'})

