"""Potentials: sale opportunities past the lead, in a sales stage.

A potential is linked to an account (``party``) and goes through the
configurable sales stages; its probability follows the stage unless it
was set by hand (``probability_manual``).  Moving a potential to a closing
stage closes it as won or lost (a lost one says why), and the host's own
closings (by its sales or its *Lost* button) move it to the closing stage.
"""
from collections import defaultdict

from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from crm_core.global_search import SearchType

OPPORTUNITY_TYPES = [
    (None, ""),
    ('new_business', "New Business"),
    ('existing_business', "Existing Business"),
    ]

_OPEN = {'readonly': Eval('state').in_(['won', 'lost', 'cancelled'])}
#: The CRM forms a link to an opportunity may ask for with
#: ``crm_opportunity_form`` in its context
CRM_OPPORTUNITY_FORMS = {
    'lead': 'lead_view_form',
    'potential': 'potential_view_form',
    }


class SalesStage(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A step of the sales pipeline, with the probability it gives a deal."
    __name__ = 'crm.sales_stage'
    __string__ = "Sales Stage"
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
    __string__ = "Lost Reason"
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
    crm_pipeline = fields.Function(
        fields.Text(
            "Pipeline",
            help="The open stages in their order: the passed ones ticked, "
            "the current one in brackets."),
        'get_crm_pipeline')
    probability_manual = fields.Boolean(
        "Probability Set by Hand", states=_OPEN,
        help="Keep the probability when the stage changes.\n"
        "Clear it to take the probability of the stage again.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.sales_stage, Index.Range())),
                Index(t, (t.crm_contact, Index.Range())),
                # The global search of potentials by name (crm_core's
                # global_search.py): bench/bench_global_search.py at 1M
                # records, 350k opportunities read by each of its clauses,
                # 60 -> 1 ms each
                Index(t, (Index.Unaccent(Coalesce(t.description, '')),
                        Index.Similarity())),
                Index(t,
                    (t.state, Index.Equality(cardinality='low')),
                    (t.expected_close_date, Index.Range())),
                # A rep's open pipeline in a period (pipeline reports,
                # forecasts): PostgreSQL, 1M opportunities, a rep's year
                # of 13.6k open potentials among its 45k records: the
                # pipeline by stage 241 -> 56 ms
                Index(t,
                    (t.assigned_user, Index.Range()),
                    (t.expected_close_date, Index.Range()),
                    where=t.state.in_(['opportunity', 'converted'])),
                })
        # The account of a potential opens the CRM account form
        # (crm_core's party_view): the host's field states no CRM type
        cls.party.context = {**cls.party.context, 'crm_type': 'account'}
        cls._transitions |= {
            ('opportunity', 'won'),
            }
        cls._buttons.update({
                'close_won': {
                    'invisible': ~Eval('state').in_(
                        ['opportunity', 'converted']),
                    'depends': ['state'],
                    },
                'close_lost': {
                    'invisible': ~Eval('state').in_(
                        ['opportunity', 'converted']),
                    'depends': ['state'],
                    },
                })
        # A potential says why it is lost before it is closed as lost
        for field in [cls.lost_reason_type, cls.lost_reason]:
            field.states = {
                **field.states,
                'invisible': ~Eval('state').in_(
                    ['opportunity', 'converted', 'lost']),
                }

    @classmethod
    def get_crm_pipeline(cls, opportunities, name):
        "Show where each potential stands in the pipeline."
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        stages = Stage.search([('closing', '=', None)])
        pipelines = {}
        for opportunity in opportunities:
            current = opportunity.sales_stage
            if current and current.closing:
                passed = len(stages)
            elif current in stages:
                passed = stages.index(current)
            else:
                passed = None
            steps = []
            for index, stage in enumerate(stages):
                if passed is not None and index < passed:
                    steps.append(f'{stage.name} \u2713')
                elif stage == current:
                    steps.append(f'[{stage.name}]')
                else:
                    steps.append(stage.name)
            if current and current.closing:
                steps.append(f'[{current.name}]')
            pipelines[opportunity.id] = ' \u203a '.join(steps)
        return pipelines

    @classmethod
    def crm_global_search_types(cls):
        # Named by their description (the list's Potential Name), then
        # numbered (their rec_name also searches the names of the leads)
        return super().crm_global_search_types() + [
            SearchType(40, 'crm_sales.act_potential_form',
                [('state', '!=', 'lead')], 'tryton-sale-opportunity',
                'description', ['number', 'reference']),
            ]

    @classmethod
    def crm_global_search_name(cls, opportunity):
        name = super().crm_global_search_name(opportunity)
        if opportunity.state != 'lead' and opportunity.description:
            name = f'{name} {opportunity.description}'
        return name

    @classmethod
    def fields_view_get(cls, view_id=None, view_type='form', level=None):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        # A CRM link to an opportunity opens the CRM form it names, not
        # the host's (the client asks a form without view id)
        form = CRM_OPPORTUNITY_FORMS.get(
            Transaction().context.get('crm_opportunity_form'))
        if not view_id and view_type == 'form' and form:
            view_id = ModelData.get_id('crm_sales', form)
        return super().fields_view_get(
            view_id=view_id, view_type=view_type, level=level)

    @classmethod
    def default_state(cls):
        # A potential created from the CRM's potentials is past the lead
        if Transaction().context.get('crm_opportunity_form') == 'potential':
            return 'opportunity'
        return super().default_state()

    @classmethod
    def default_sales_stage(cls):
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        stages = Stage.search([('closing', '=', None)], limit=1)
        if stages:
            return stages[0].id

    @classmethod
    def default_conversion_probability(cls):
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        stage_id = cls.default_sales_stage()
        if stage_id is not None:
            return Stage(stage_id).probability
        return super().default_conversion_probability()

    @classmethod
    def default_probability_manual(cls):
        return False

    @fields.depends('sales_stage', 'probability_manual')
    def on_change_sales_stage(self):
        if self.sales_stage and not self.probability_manual:
            self.conversion_probability = self.sales_stage.probability

    @fields.depends('sales_stage', 'probability_manual')
    def on_change_probability_manual(self):
        self.on_change_sales_stage()

    @fields.depends('conversion_probability', 'sales_stage')
    def on_change_conversion_probability(self):
        if (self.sales_stage
                and self.conversion_probability
                != self.sales_stage.probability):
            self.probability_manual = True

    @classmethod
    def _stage_probability_values(cls, values, stage=None, manual=False):
        """Return values completed with the probability of the stage unless
        it is set by hand, for a record in stage (id) and manual before.

        A probability given that differs from the stage's is set by hand."""
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        values = values.copy()
        stage = values.get('sales_stage', stage)
        if stage is None:
            return values
        probability = Stage(stage).probability
        if 'probability_manual' in values:
            manual = values['probability_manual']
        elif ('conversion_probability' in values
                and values['conversion_probability'] != probability):
            manual = values['probability_manual'] = True
        if not manual:
            values['conversion_probability'] = probability
        return values

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        probability = values.get('conversion_probability')
        if probability is not None and not 0 <= probability <= 1:
            raise ValidationError(gettext(
                    'crm_sales.msg_potential_probability_range',
                    probability=f'{probability * 100:g}'))
        return values

    @classmethod
    def create(cls, vlist):
        vlist = [cls._stage_probability_values(v) for v in vlist]
        opportunities = super().create(vlist)
        cls._close_by_stage(opportunities)
        return opportunities

    @classmethod
    def write(cls, *args):
        stage_fields = {
            'sales_stage', 'conversion_probability', 'probability_manual'}
        actions = iter(args)
        args, closing = [], []
        for records, values in zip(actions, actions):
            if not stage_fields & values.keys():
                args.extend((records, values))
                continue
            groups = defaultdict(list)
            for record in records:
                key = (record.sales_stage.id if record.sales_stage else None,
                    bool(record.probability_manual))
                groups[key].append(record)
            for (stage, manual), group in groups.items():
                args.extend((group, cls._stage_probability_values(
                            values, stage=stage, manual=manual)))
            if values.get('sales_stage'):
                closing.extend(records)
        if not args:
            return
        cls._check_closing_stage(args)
        super().write(*args)
        cls._close_by_stage(cls.browse(closing))

    @classmethod
    def _check_closing_stage(cls, args):
        "Refuse to close as lost by the stage a potential without reason."
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        actions = iter(args)
        for records, values in zip(actions, actions):
            if not values.get('sales_stage'):
                continue
            if Stage(values['sales_stage']).closing != 'lost':
                continue
            for record in records:
                if record.state not in {'opportunity', 'converted'}:
                    continue
                if not values.get(
                        'lost_reason_type', record.lost_reason_type):
                    raise ValidationError(gettext(
                            'crm_sales.msg_potential_lost_reason_required',
                            potential=record.rec_name))

    @classmethod
    def _close_by_stage(cls, opportunities):
        "Close the open potentials that are in a closing stage."
        won, lost = [], []
        for opportunity in opportunities:
            if (opportunity.state in {'opportunity', 'converted'}
                    and opportunity.sales_stage):
                closing = opportunity.sales_stage.closing
                if closing == 'won':
                    won.append(opportunity)
                elif closing == 'lost':
                    lost.append(opportunity)
        if won:
            cls.won(won)
        if lost:
            cls.lost(lost)

    @classmethod
    def _closing_stage(cls, closing):
        "Return the first active stage closing as closing or None."
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        stages = Stage.search([('closing', '=', closing)], limit=1)
        return stages[0] if stages else None

    @classmethod
    def _move_to_closing_stage(cls, opportunities, closing):
        "Put the opportunities closed by the host in the closing stage."
        stage = cls._closing_stage(closing)
        if not stage:
            return
        to_move = [o for o in opportunities
            if o.state == closing and o.sales_stage != stage]
        if to_move:
            cls.write(to_move, {'sales_stage': stage.id})

    @classmethod
    def won(cls, opportunities):
        super().won(opportunities)
        cls._move_to_closing_stage(opportunities, 'won')

    @classmethod
    def lost(cls, opportunities):
        super().lost(opportunities)
        cls._move_to_closing_stage(opportunities, 'lost')

    @classmethod
    @ModelView.button
    def close_won(cls, opportunities):
        "Move the potentials to the stage closing them as won."
        cls._close_with_stage(opportunities, 'won')

    @classmethod
    @ModelView.button
    def close_lost(cls, opportunities):
        "Move the potentials to the stage closing them as lost."
        cls._close_with_stage(opportunities, 'lost')

    @classmethod
    def _close_with_stage(cls, opportunities, closing):
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        stage = cls._closing_stage(closing)
        if not stage:
            labels = dict(Stage.fields_get(['closing'])['closing']['selection'])
            raise ValidationError(gettext(
                    'crm_sales.msg_potential_no_closing_stage',
                    closing=labels[closing]))
        to_close = [o for o in opportunities
            if o.state in {'opportunity', 'converted'}]
        if to_close:
            cls.write(to_close, {'sales_stage': stage.id})
