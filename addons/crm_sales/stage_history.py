"""Stage history: when each potential entered and left each sales stage.

The history of a potential starts when it stops being a lead: a row is
written for the stage a potential is created in, or converted to (by the
user who converted it, at the conversion), and for every change of stage
of a potential, with the user who made it.  A lead has no stage history.
Durations are counted in whole minutes.  Users only read the rows, which
follow the access of their opportunity.
"""
import datetime

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


def whole_minutes(duration):
    "Return the duration truncated to the minute."
    return datetime.timedelta(
        minutes=duration // datetime.timedelta(minutes=1))


class StageHistory(ModelSQL, ModelView):
    "A stay of an opportunity in a sales stage."
    __name__ = 'crm.opportunity.stage_history'
    __string__ = "Stage History"
    opportunity = fields.Many2One(
        'sale.opportunity', "Opportunity", required=True, readonly=True,
        ondelete='CASCADE')
    stage = fields.Many2One(
        'crm.sales_stage', "Stage", required=True, readonly=True,
        ondelete='RESTRICT')
    date_entered = fields.DateTime("Entered", required=True, readonly=True)
    date_left = fields.DateTime("Left", readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='SET NULL',
        help="Who moved the opportunity into the stage.")
    duration = fields.Function(
        fields.TimeDelta(
            "Duration", help="Time spent in the stage (until now if open)."),
        'get_duration')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('opportunity')
        t = cls.__table__()
        cls._sql_indexes.update({
                # The stays of an opportunity (its One2Many) and its open
                # stay (time in stage, closed at the next change)
                Index(t,
                    (t.opportunity, Index.Range()),
                    (t.date_left, Index.Range())),
                # The time in stage report, by stage
                Index(t, (t.stage, Index.Range())),
                })
        cls._order = [('date_entered', 'DESC'), ('id', 'DESC')]

    @classmethod
    def create(cls, vlist):
        # (before the rows are inserted: check_modification comes after)
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            cls._refuse_change()
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            cls._refuse_change()

    @classmethod
    def _refuse_change(cls):
        # The access of the opportunity would let its editors change it
        raise AccessError(gettext('crm_sales.msg_stage_history_read_only'))

    @staticmethod
    def now():
        "Return the current time as the database stores it (UTC)."
        return datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None)

    def get_duration(self, name):
        return whole_minutes(
            (self.date_left or self.now()) - self.date_entered)

    @classmethod
    def current_entries(cls, opportunities):
        "Return {opportunity id: date entered} of the open stays."
        with without_check_access():
            rows = cls.search([
                    ('opportunity', 'in', [o.id for o in opportunities]),
                    ('date_left', '=', None),
                    ])
        return {r.opportunity.id: r.date_entered for r in rows}

    @classmethod
    def record_stages(cls, opportunities, restart=False):
        """Close the open stays of opportunities and open one in their
        current stage (for those with a stage and past the lead).

        With restart, the stays recorded before are deleted: the history
        of a converted lead starts at its conversion."""
        now = cls.now()
        user = Transaction().user or None
        opportunities = [o for o in opportunities if o.state != 'lead']
        with without_check_access():
            if restart and opportunities:
                cls.delete(cls.search([
                            ('opportunity', 'in',
                                [o.id for o in opportunities]),
                            ]))
            open_ = cls.search([
                    ('opportunity', 'in', [o.id for o in opportunities]),
                    ('date_left', '=', None),
                    ])
            if open_:
                cls.write(open_, {'date_left': now})
            cls.create([{
                        'opportunity': o.id,
                        'stage': o.sales_stage.id,
                        'date_entered': now,
                        'user': user,
                        } for o in opportunities if o.sales_stage])


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    stage_history = fields.One2Many(
        'crm.opportunity.stage_history', 'opportunity', "Stage History",
        readonly=True)
    stage_duration = fields.Function(
        fields.TimeDelta(
            "Time in Stage",
            help="Since the potential entered its current stage."),
        'get_stage_duration')

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        History = pool.get('crm.opportunity.stage_history')
        opportunities = super().create(vlist)
        History.record_stages(opportunities)
        return opportunities

    @classmethod
    def on_write(cls, records, values):
        pool = Pool()
        History = pool.get('crm.opportunity.stage_history')
        callbacks = super().on_write(records, values)
        # A lead leaving its state (converted) starts its history
        converted = []
        if values.get('state') not in {None, 'lead', 'cancelled'}:
            converted = [r for r in records if r.state == 'lead']
        moved = []
        if 'sales_stage' in values:
            moved = [r for r in records
                if (r.sales_stage.id if r.sales_stage else None)
                != values['sales_stage'] and r not in converted]
        if converted:
            callbacks.append(lambda: History.record_stages(
                    cls.browse(converted), restart=True))
        if moved:
            callbacks.append(
                lambda: History.record_stages(cls.browse(moved)))
        return callbacks

    @classmethod
    def get_stage_duration(cls, opportunities, name):
        pool = Pool()
        History = pool.get('crm.opportunity.stage_history')
        entered = History.current_entries(opportunities)
        now = History.now()
        return {
            o.id: whole_minutes(now - entered[o.id])
            if o.id in entered else None
            for o in opportunities}

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('stage_history', None)
        return super().copy(opportunities, default=default)
