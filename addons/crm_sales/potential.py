"""Potentials: sale opportunities past the lead, in a sales stage.

A potential is linked to an account (``party``) and goes through the
configurable sales stages; its probability follows the stage unless it
was set by hand.
"""
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

OPPORTUNITY_TYPES = [
    (None, ""),
    ('new_business', "New Business"),
    ('existing_business', "Existing Business"),
    ]

_OPEN = {'readonly': Eval('state').in_(['won', 'lost', 'cancelled'])}


class SalesStage(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A step of the sales pipeline, with the probability it gives a deal."
    __name__ = 'crm.sales_stage'
    name = fields.Char("Name", required=True, translate=True)
    probability = fields.Float(
        "Probability", digits=(1, 4), required=True,
        domain=[
            ('probability', '>=', 0),
            ('probability', '<=', 1),
            ],
        help="The default probability of the potentials in the stage "
        "(percentage between 0 and 100).")
    closing = fields.Selection([
            (None, ""),
            ('won', "Won"),
            ('lost', "Lost"),
            ], "Closes As",
        help="A potential moved to this stage is closed as won or lost.")

    @classmethod
    def default_probability(cls):
        return 0


class LostReason(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Why a deal was lost (a configurable list)."
    __name__ = 'crm.lost_reason'
    name = fields.Char("Name", required=True, translate=True)


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    sales_stage = fields.Many2One(
        'crm.sales_stage', "Sales Stage", ondelete='RESTRICT',
        states=_OPEN)
    expected_close_date = fields.Date(
        "Expected Close Date", states=_OPEN)
    next_step = fields.Char("Next Step", states=_OPEN)
    opportunity_type = fields.Selection(
        OPPORTUNITY_TYPES, "Type", states=_OPEN)
    crm_contact = fields.Many2One(
        'party.party', "Contact", ondelete='RESTRICT',
        domain=[
            ('crm_type', '=', 'contact'),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The contact the deal is made with.")
    lost_reason_type = fields.Many2One(
        'crm.lost_reason', "Lost Reason", ondelete='RESTRICT',
        states={
            'invisible': Eval('state') != 'lost',
            })
    competitor = fields.Char("Competitor", states=_OPEN)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.sales_stage, Index.Range())),
                Index(t, (t.crm_contact, Index.Range())),
                Index(t,
                    (t.state, Index.Equality(cardinality='low')),
                    (t.expected_close_date, Index.Range())),
                })

    @classmethod
    def default_sales_stage(cls):
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        stages = Stage.search([('closing', '=', None)], limit=1)
        if stages:
            return stages[0].id
