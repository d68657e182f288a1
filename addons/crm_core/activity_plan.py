"""Activity plans: a named list of activity types with delays, launched on
one CRM record or a selection (e.g. "New customer": a call on day 0, a
meeting on day 7, a review on day 30)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .activity import FIRST_STATUS, to_utc, utc_now
from .exceptions import ActivityError

#: the local time of day a planned activity starts at
PLANNED_TIME = dt.time(9, 0)


class Plan(DeactivableMixin, ModelSQL, ModelView):
    "A named list of activities to plan on a record"
    __name__ = 'crm.activity.plan'
    __string__ = "Activity Plan"
    name = fields.Char("Name", required=True, translate=True)
    lines = fields.One2Many('crm.activity.plan.line', 'plan', "Activities")


class PlanLine(sequence_ordered(), ModelSQL, ModelView):
    "An activity of a plan"
    __name__ = 'crm.activity.plan.line'
    __string__ = "Activity Plan Line"
    plan = fields.Many2One(
        'crm.activity.plan', "Plan", required=True, ondelete='CASCADE')
    type = fields.Many2One(
        'crm.activity.type', "Type", required=True, ondelete='RESTRICT')
    delay = fields.Integer(
        "Day", required=True, domain=[('delay', '>=', 0)],
        help="Days after the plan is launched.")
    subject = fields.Char(
        "Subject", help="Empty: the default subject of the type.")

    @classmethod
    def default_delay(cls):
        return 0


class LaunchPlanStart(ModelView):
    "Choose the plan to launch on the selected records"
    __name__ = 'crm.activity.plan.launch.start'
    __string__ = "Launch Activity Plan"
    plan = fields.Many2One('crm.activity.plan', "Plan", required=True)
    date = fields.Date("Starting", required=True)
    records = fields.Integer("Selected Records", readonly=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class LaunchPlan(Wizard):
    "Plan the activities of a plan on each selected record"
    __name__ = 'crm.activity.plan.launch'
    start = StateView('crm.activity.plan.launch.start',
        'crm_core.activity_plan_launch_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Launch", 'launch', 'tryton-ok', default=True),
            ])
    launch = StateTransition()

    def default_start(self, fields):
        return {'records': len(self.records)}

    def transition_launch(self):
        # (run as the user: its rules and profile apply to what it creates)
        with check_access():
            self.plan_activities(self.start.plan, self.records,
                self.start.date)
        return 'end'

    @staticmethod
    def plan_activities(plan, records, date):
        "Create the activities of plan on records from date."
        pool = Pool()
        Activity = pool.get('crm.activity')
        User = pool.get('res.user')
        if not plan.lines:
            raise ActivityError(gettext(
                    'crm_core.msg_activity_plan_empty', plan=plan.rec_name))
        user_id = Transaction().user
        zone = User.crm_timezone_of(user_id)
        company = Transaction().context.get('company')
        vlist = []
        for record in records:
            owner = getattr(record, 'assigned_user', None)
            for line in plan.lines:
                type_ = line.type
                day = date + dt.timedelta(days=line.delay)
                start = to_utc(dt.datetime.combine(
                        day, PLANNED_TIME, tz.get_tzinfo(zone)))
                values = {
                    'company': company,
                    'kind': type_.kind,
                    'type': type_.id,
                    'status': FIRST_STATUS[type_.kind],
                    'subject': line.subject or type_.summary or type_.name,
                    'start': start,
                    'timezone': zone,
                    'resource': str(record),
                    'assigned_user': (type_.default_user or owner
                        or User(user_id)).id,
                    # (no reminder on what has started already)
                    'reminder': (type_.reminder
                        if start > utc_now() else None),
                    }
                if type_.kind == 'event':
                    values['end'] = start + (
                        type_.duration or dt.timedelta(hours=1))
                vlist.append(values)
        return Activity.create(vlist)
