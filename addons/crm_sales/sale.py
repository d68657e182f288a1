"""Quotes and sales orders: the host's sales as owned CRM records.

A quote is a ``sale.sale`` in draft or quotation, a sales order a confirmed
one (processing and done follow it); the host's workflow, numbering,
quotation validity and invoicing stay as they are.  The CRM adds:

* the owner (``crm_core``'s ``OwnedMixin``, shared by the rules of the
  record type *Sale*): a quote made from a potential takes the potential's
  owner, otherwise the user who creates it;
* vtiger's quote stage (Created, Delivered, Reviewed, Accepted, Rejected),
  kept apart from the host's state, which says where the document is in
  the workflow;
* the potential a quote was made from (the host's ``origin``), searchable,
  so that the lists and an account's documents can show it.
"""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from crm_core.ownership import OwnedMixin

QUOTE_STAGES = [
    ('created', "Created"),
    ('delivered', "Delivered"),
    ('reviewed', "Reviewed"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ]
#: The host's states of a quote; the later ones make a sales order
QUOTE_STATES = ['draft', 'quotation']


class Sale(OwnedMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    quote_stage = fields.Selection(
        QUOTE_STAGES, "Quote Stage", required=True,
        states={
            'readonly': ~Eval('state').in_(QUOTE_STATES),
            },
        help="Where the customer is with the quote.")
    crm_potential = fields.Function(
        fields.Many2One('sale.opportunity', "Potential"),
        'get_crm_potential', searcher='search_crm_potential')

    @classmethod
    def default_quote_stage(cls):
        return 'created'

    def get_crm_potential(self, name):
        Opportunity = Pool().get('sale.opportunity')
        if isinstance(self.origin, Opportunity) and self.origin.id >= 0:
            return self.origin.id

    @classmethod
    def search_crm_potential(cls, name, clause):
        field, operator, value = clause[:3]
        nested = field[len(name) + 1:]
        if not nested:
            if value is None and operator == '=':
                return ['OR', ('origin', '=', None),
                    ('origin', 'not like', 'sale.opportunity,%')]
            if value is None and operator == '!=':
                return [('origin', 'like', 'sale.opportunity,%')]
            nested = ('rec_name' if isinstance(value, str)
                or (isinstance(value, (list, tuple))
                    and any(isinstance(v, str) for v in value))
                else 'id')
        return [('origin.' + nested, operator, value, 'sale.opportunity')]

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('quote_stage', cls.default_quote_stage())
        return super().copy(sales, default=default)


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    def _get_sale_opportunity(self):
        sale = super()._get_sale_opportunity()
        # The quote of a potential is the potential owner's
        sale.assigned_user = self.assigned_user
        sale.assigned_team = self.assigned_team
        return sale
