"""Activities: the events and to-dos around every CRM record.

An activity (``crm.activity``) is an event (a call, a meeting, or a type
of the administrator's) or a to-do, assigned to a user or a team and
related to any CRM record (``resource``).  It is an owned record type
(``OwnedMixin``): shared by the sharing rules, and also read by the users
it invites, whatever sharing says; what they see of its related record
stays what sharing allows (a hidden record reads as its placeholder).

Its dates are kept in UTC with the time zone they were given in: the
recurrences (``activity_occurrence.py``) are expanded in that time zone,
so a weekly meeting at 9:00 stays at 9:00 across daylight saving time,
and an all-day activity covers its day wherever the user is.

The activity types carry defaults and a next step (``next_mode``):
*suggest* or *create* the next activity when one is done.  *Done &
Schedule Next* closes an activity and opens its follow-up.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .exceptions import ActivityError
from .ownership import OwnedMixin
from .record_actions import RecordAction, record_type_selection
from .server_fields import ServerFieldsMixin

KINDS = [
    ('event', "Event"),
    ('todo', "To-Do"),
    ]
EVENT_STATUSES = [
    ('planned', "Planned"),
    ('held', "Held"),
    ('not_held', "Not Held"),
    ]
TODO_STATUSES = [
    ('not_started', "Not Started"),
    ('in_progress', "In Progress"),
    ('completed', "Completed"),
    ('pending_input', "Pending Input"),
    ('deferred', "Deferred"),
    ]
#: the statuses of an activity that is over
CLOSED_STATUSES = {'held', 'not_held', 'completed'}
#: the status an activity takes when it is done
DONE_STATUS = {'event': 'held', 'todo': 'completed'}
FIRST_STATUS = {'event': 'planned', 'todo': 'not_started'}
PRIORITIES = [
    ('low', "Low"),
    ('medium', "Medium"),
    ('high', "High"),
    ]
NEXT_MODES = [
    (None, ""),
    ('suggest', "Suggest"),
    ('create', "Create"),
    ]
TIMEZONES = [(z, z) for z in tz.available_timezones()]
#: the most activities a user is invited to that a search of its
#: invitations lists by id; beyond, a sub-query (PostgreSQL combines the
#: indexes of an OR with a list of ids, not with a sub-query: it scans the
#: million activities of bench/README.md)
MAX_LISTED_INVITATIONS = 1000


def utc_now():
    "Return the current time as the server stores it (naive UTC)."
    return dt.datetime.utcnow().replace(microsecond=0)


def to_local(value, zone):
    "Return the naive UTC datetime value in the time zone zone (aware)."
    return value.replace(tzinfo=tz.UTC).astimezone(tz.get_tzinfo(zone))


def to_utc(value):
    "Return the aware datetime value as a naive UTC datetime."
    return value.astimezone(tz.UTC).replace(tzinfo=None)


def invited_activities(user_id):
    """Return the ids of the activities user_id is invited to, or the
    query of them if they are more than MAX_LISTED_INVITATIONS."""
    Invitation = Pool().get('crm.activity-res.user')
    invitation = Invitation.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*invitation.select(invitation.activity,
            where=invitation.user == user_id,
            limit=MAX_LISTED_INVITATIONS + 1))
    ids = [a for a, in cursor]
    if len(ids) <= MAX_LISTED_INVITATIONS:
        return ids
    return invitation.select(
        invitation.activity, where=invitation.user == user_id)


def invited_clause(field_name, clause):
    """Return the domain of the records (by their activity field_name) the
    current user is invited to or not, as clause asks of ``invited``."""
    _, operator, value = clause[:3]
    if operator not in {'=', '!='}:
        return [('id', '=', None)]
    invited = (operator == '=') == bool(value)
    return [(field_name, 'in' if invited else 'not in',
            invited_activities(Transaction().user))]


class ActivityType(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A kind of activity with its defaults and its next step"
    __name__ = 'crm.activity.type'
    __string__ = "Activity Type"
    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    summary = fields.Char(
        "Default Subject", translate=True,
        help="The subject an activity of this type starts with.")
    duration = fields.TimeDelta(
        "Default Duration",
        states={'invisible': Eval('kind') != 'event'},
        help="How long an event of this type lasts by default.")
    default_user = fields.Many2One(
        'res.user', "Default Assignee", ondelete='SET NULL',
        help="The user an activity of this type is assigned to "
        "(when empty, the user creating it).")
    reminder = fields.Integer(
        "Default Reminder",
        domain=['OR', ('reminder', '=', None), ('reminder', '>=', 0)],
        help="Minutes before the start.")
    next_type = fields.Many2One(
        'crm.activity.type', "Next Activity", ondelete='SET NULL',
        help="The activity that follows one of this type when it is done.")
    next_mode = fields.Selection(
        NEXT_MODES, "Next Step",
        states={'required': Bool(Eval('next_type'))},
        help="Suggest: the next activity is proposed when one is done.\n"
        "Create: it is planned by itself.")
    next_delay = fields.Integer(
        "Next After (days)",
        domain=['OR', ('next_delay', '=', None), ('next_delay', '>=', 0)],
        states={'invisible': ~Eval('next_type')},
        help="Days after the activity is done.")

    @classmethod
    def default_kind(cls):
        return 'event'

    @classmethod
    def default_next_delay(cls):
        return 0


class Activity(ServerFieldsMixin, OwnedMixin, ModelSQL, ModelView):
    "An event or a to-do, related to a CRM record"
    __name__ = 'crm.activity'
    __string__ = "Activity"
    _rec_name = 'subject'
    _crm_server_fields = {'done_date', 'previous_activity'}
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT')
    kind = fields.Selection(KINDS, "Kind", required=True)
    type = fields.Many2One(
        'crm.activity.type', "Type", ondelete='RESTRICT',
        domain=[('kind', '=', Eval('kind'))])
    subject = fields.Char("Subject", required=True)
    start = fields.DateTime(
        "Start", required=True,
        help="The start of the event, or when the to-do is due.")
    end = fields.DateTime(
        "End",
        domain=[If(Bool(Eval('end')) & Bool(Eval('start')),
                ('end', '>=', Eval('start')), ())],
        states={
            'required': Eval('kind') == 'event',
            'invisible': Eval('kind') != 'event',
            })
    all_day = fields.Boolean("All Day")
    timezone = fields.Selection(
        TIMEZONES, "Time Zone", required=True, translate=False,
        help="The time zone the dates and the recurrence are given in.")
    location = fields.Char(
        "Location", states={'invisible': Eval('kind') != 'event'})
    status = fields.Selection(
        EVENT_STATUSES + TODO_STATUSES, "Status", required=True,
        domain=[If(Eval('kind') == 'event',
                ('status', 'in', [s for s, _ in EVENT_STATUSES]),
                ('status', 'in', [s for s, _ in TODO_STATUSES]))])
    priority = fields.Selection(PRIORITIES, "Priority", required=True)
    description = fields.Text("Description")
    reminder = fields.Integer(
        "Reminder",
        domain=['OR', ('reminder', '=', None), ('reminder', '>=', 0)],
        help="Minutes before the start (empty: no reminder).")
    resource = fields.Reference(
        "Related To", selection='get_resources')
    invited_users = fields.Many2Many(
        'crm.activity-res.user', 'activity', 'user', "Invited Users",
        states={'invisible': Eval('kind') != 'event'})
    invited = fields.Function(
        fields.Boolean("Invited", help="You are invited to it."),
        'get_invited', searcher='search_invited')
    invited_contacts = fields.Many2Many(
        'crm.activity-party.party', 'activity', 'party', "Invited Contacts",
        context={'company': Eval('company', -1)}, depends={'company'},
        states={'invisible': Eval('kind') != 'event'})
    frequency = fields.Selection([
            (None, "Does Not Repeat"),
            ('daily', "Daily"),
            ('weekly', "Weekly"),
            ('monthly', "Monthly"),
            ], "Repeat")
    interval = fields.Integer(
        "Every", domain=[('interval', '>=', 1)],
        states={
            'invisible': ~Eval('frequency'),
            'required': Bool(Eval('frequency')),
            },
        help="Days, weeks or months between occurrences.")
    weekdays = fields.MultiSelection([
            ('MO', "Monday"),
            ('TU', "Tuesday"),
            ('WE', "Wednesday"),
            ('TH', "Thursday"),
            ('FR', "Friday"),
            ('SA', "Saturday"),
            ('SU', "Sunday"),
            ], "On",
        states={'invisible': Eval('frequency') != 'weekly'},
        help="The days of the week (empty: the day of the start).")
    until = fields.Date(
        "Until", states={'invisible': ~Eval('frequency')})
    count = fields.Integer(
        "Occurrences", domain=['OR', ('count', '=', None), ('count', '>', 0)],
        states={'invisible': ~Eval('frequency')})
    occurrences = fields.One2Many(
        'crm.activity.occurrence', 'activity', "Occurrences", readonly=True,
        states={'invisible': ~Eval('frequency')})
    done_date = fields.DateTime("Done On", readonly=True)
    previous_activity = fields.Many2One(
        'crm.activity', "Follows", readonly=True, ondelete='SET NULL')
    next_activities = fields.One2Many(
        'crm.activity', 'previous_activity', "Follow-Ups", readonly=True)
    due = fields.Function(fields.Selection([
                ('overdue', "Overdue"),
                ('today', "Due Today"),
                ('upcoming', "Upcoming"),
                ('closed', "Closed"),
                ], "Due"), 'get_due', searcher='search_due')
    next_suggestion = fields.Function(
        fields.Many2One('crm.activity.type', "Suggested Next"),
        'get_next_suggestion')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('start', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                # the lists and the calendar of a user's open activities
                Index(t,
                    (t.assigned_user, Index.Range()),
                    (t.start, Index.Range())),
                Index(t, (t.resource, Index.Equality())),
                })
        cls._buttons.update({
                'done': {
                    'invisible': Eval('status').in_(list(CLOSED_STATUSES)),
                    'depends': ['status'],
                    },
                'done_next': {
                    'invisible': Eval('status').in_(list(CLOSED_STATUSES)),
                    'depends': ['status'],
                    },
                'schedule_next': {
                    'invisible': ~Eval('status').in_(list(CLOSED_STATUSES)),
                    'depends': ['status'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        # Overdue red, due today yellow, upcoming green
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('due') == 'overdue', 'danger',
                    If(Eval('due') == 'today', 'warning',
                        If(Eval('due') == 'upcoming', 'success', '')))),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return Transaction().context.get('crm_activity_kind', 'event')

    @classmethod
    def default_start(cls):
        "The next full hour."
        return utc_now().replace(minute=0, second=0) + dt.timedelta(hours=1)

    @classmethod
    def default_end(cls):
        if cls.default_kind() == 'event':
            return cls.default_start() + dt.timedelta(hours=1)

    @classmethod
    def default_status(cls):
        return FIRST_STATUS[cls.default_kind()]

    @classmethod
    def default_priority(cls):
        return 'medium'

    @classmethod
    def default_all_day(cls):
        return False

    @classmethod
    def default_timezone(cls):
        User = Pool().get('res.user')
        return User.crm_timezone_of(Transaction().user)

    @classmethod
    def default_interval(cls):
        return 1

    @classmethod
    def default_resource(cls):
        "The record the activity is added from (Add Event, Add To-Do)."
        context = Transaction().context
        model, id_ = context.get('crm_related_model'), context.get(
            'crm_related_id')
        if (model in dict(cls.get_resources()) and isinstance(id_, int)
                and id_ >= 0):
            return f'{model},{id_}'

    @classmethod
    def get_resources(cls):
        return record_type_selection(exclude={cls.__name__})

    @fields.depends('kind', 'status')
    def on_change_kind(self):
        if self.kind and self.status not in {
                s for s, _ in (EVENT_STATUSES if self.kind == 'event'
                    else TODO_STATUSES)}:
            self.status = FIRST_STATUS[self.kind]

    @fields.depends('type', 'subject', 'start', 'end', 'reminder',
        'assigned_user', 'kind')
    def on_change_type(self):
        if not self.type:
            return
        self.kind = self.type.kind
        if self.type.summary and not self.subject:
            self.subject = self.type.summary
        if self.type.reminder is not None and self.reminder is None:
            self.reminder = self.type.reminder
        if self.type.default_user:
            self.assigned_user = self.type.default_user
        if (self.kind == 'event' and self.start and self.type.duration):
            self.end = self.start + self.type.duration

    @fields.depends('start', 'end', 'kind', 'type')
    def on_change_start(self):
        if self.kind == 'event' and self.start and (
                not self.end or self.end < self.start):
            self.end = self.start + (self.type and self.type.duration
                or dt.timedelta(hours=1))

    @fields.depends('all_day', 'start', 'end', 'timezone')
    def on_change_all_day(self):
        if self.all_day and self.start and self.timezone:
            self.start, self.end = self.all_day_bounds(
                self.start, self.end, self.timezone)

    @staticmethod
    def all_day_bounds(start, end, zone):
        """Return start and end moved to the midnights beginning the first
        day and ending the last day in time zone zone."""
        first = to_local(start, zone).date()
        last = to_local(end, zone).date() if end else first
        if end and end > start and to_local(end, zone).time() == dt.time():
            last -= dt.timedelta(days=1)
        last = max(last, first)
        zone = tz.get_tzinfo(zone)
        return (
            to_utc(dt.datetime.combine(first, dt.time(), zone)),
            to_utc(dt.datetime.combine(
                    last + dt.timedelta(days=1), dt.time(), zone)))

    @classmethod
    def get_due(cls, activities, name):
        now = utc_now()
        day_start, day_end = cls.today_bounds()
        result = {}
        for activity in activities:
            if activity.status in CLOSED_STATUSES:
                result[activity.id] = 'closed'
            elif (activity.end or activity.start) < now and not (
                    activity.kind == 'todo' and activity.start >= day_start):
                result[activity.id] = 'overdue'
            elif activity.start < day_end:
                result[activity.id] = 'today'
            else:
                result[activity.id] = 'upcoming'
        return result

    @classmethod
    def today_bounds(cls):
        "Return the UTC bounds of today in the time zone of the user."
        User = Pool().get('res.user')
        zone = tz.get_tzinfo(User.crm_timezone_of(Transaction().user))
        today = dt.datetime.now(zone).date()
        return (
            to_utc(dt.datetime.combine(today, dt.time(), zone)),
            to_utc(dt.datetime.combine(
                    today + dt.timedelta(days=1), dt.time(), zone)))

    @classmethod
    def search_due(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!=', 'in', 'not in'}:
            raise ValueError(f"Unsupported operator {operator!r} on due")
        values = {value} if operator in {'=', '!='} else set(value or [])
        if operator in {'!=', 'not in'}:
            values = {'overdue', 'today', 'upcoming', 'closed'} - values
        now = utc_now()
        day_start, day_end = cls.today_bounds()
        closed = [s for s in CLOSED_STATUSES]
        domains = {
            'closed': [('status', 'in', closed)],
            'overdue': [('status', 'not in', closed), ['OR',
                    [('kind', '=', 'event'), ('end', '<', now)],
                    [('kind', '=', 'todo'), ('start', '<', day_start)],
                    ]],
            'today': [('status', 'not in', closed), ['OR',
                    [('kind', '=', 'event'), ('end', '>=', now),
                        ('start', '<', day_end)],
                    [('kind', '=', 'todo'), ('start', '>=', day_start),
                        ('start', '<', day_end)],
                    ]],
            'upcoming': [('status', 'not in', closed),
                ('start', '>=', day_end)],
            }
        return ['OR'] + [domains[v] for v in sorted(values) if v in domains]

    def get_next_suggestion(self, name):
        if self.type and self.type.next_type and self.type.next_mode:
            return self.type.next_type.id

    def get_invited(self, name):
        return Transaction().user in {u.id for u in self.invited_users}

    @classmethod
    def search_invited(cls, name, clause):
        return invited_clause('id', clause)

    @classmethod
    def crm_sharing_domain(cls, mode):
        domain = super().crm_sharing_domain(mode)
        if mode == 'read':
            # The invited users read the activity whatever sharing says
            return ['OR',
                domain,
                ('invited', '=', True),
                ]
        return domain

    @classmethod
    def _validate(cls, activities, field_names=None):
        # The CRM's messages say why, before the generic ones of the
        # fields' domains
        for activity in activities:
            if (field_names is None or field_names & {'start', 'end'}) and (
                    activity.end and activity.end < activity.start):
                raise ActivityError(gettext(
                        'crm_core.msg_activity_end_before_start',
                        activity=activity.rec_name))
            if (field_names is None
                    or field_names & {'frequency', 'until', 'count'}) and (
                    activity.frequency and not (
                        activity.until or activity.count)):
                raise ActivityError(gettext(
                        'crm_core.msg_activity_recurrence_without_end',
                        activity=activity.rec_name))
        super()._validate(activities, field_names=field_names)

    @classmethod
    def check_reminders(cls, activities):
        """Refuse a reminder set on an activity whose every occurrence has
        started."""
        Occurrence = Pool().get('crm.activity.occurrence')
        now = utc_now()
        for activity in activities:
            if activity.reminder is None or (
                    activity.status in CLOSED_STATUSES):
                continue
            if not Occurrence.search([
                        ('activity', '=', activity.id),
                        ('start', '>', now),
                        ('cancelled', '=', False),
                        ], limit=1):
                raise ActivityError(gettext(
                        'crm_core.msg_activity_reminder_past',
                        activity=activity.rec_name))

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            cls._normalise_values(values)
        activities = super().create(vlist)
        cls.check_reminders([
                a for a, v in zip(activities, vlist)
                if v.get('reminder') is not None])
        return activities

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args, reminded = [], []
        for activities, values in zip(actions, actions):
            values = values.copy()
            if values.keys() & {'all_day', 'start', 'end', 'kind'}:
                for activity in activities:
                    each = {**values}
                    cls._normalise_values(each, activity)
                    args.extend([[activity], each])
            else:
                args.extend([activities, values])
            if values.keys() & {'reminder', 'start', 'status'}:
                reminded.extend(activities)
        super().write(*args)
        if reminded:
            cls.check_reminders(cls.browse(
                    [a for a in reminded if a.reminder is not None]))

    @classmethod
    def _normalise_values(cls, values, activity=None):
        """Set the bounds of an all-day activity to its days; a to-do has no
        end."""
        def get(name):
            if name in values:
                return values[name]
            if activity is not None:
                return getattr(activity, name)
            return getattr(cls, f'default_{name}', lambda: None)()
        if get('kind') == 'todo' and get('end'):
            # (a to-do is due at its start)
            values['end'] = None
        start, zone = get('start'), get('timezone')
        if get('all_day') and start and zone:
            values['start'], end = cls.all_day_bounds(start, get('end'), zone)
            if get('kind') == 'event':
                values['end'] = end

    @classmethod
    def on_modification(cls, mode, activities, field_names=None):
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        super().on_modification(mode, activities, field_names=field_names)
        if mode == 'create' or (mode == 'write' and field_names & {
                    'start', 'end', 'all_day', 'timezone', 'frequency',
                    'interval', 'weekdays', 'until', 'count', 'reminder',
                    'kind'}):
            Occurrence.synchronise(activities)
        elif mode == 'write' and field_names & {
                *Occurrence.copied_fields(), 'status'}:
            Occurrence.copy_activity_fields(activities)

    @classmethod
    def on_write(cls, activities, values):
        callback = super().on_write(activities, values)
        if values.get('status') in CLOSED_STATUSES:
            to_close = [a for a in activities
                if a.status not in CLOSED_STATUSES]
            if to_close:
                callback.append(lambda: cls._closed(to_close))
        return callback

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is not None and 'status' not in field_names:
            return values
        if self.status in CLOSED_STATUSES and not self.done_date:
            values['done_date'] = utc_now()
        elif self.status not in CLOSED_STATUSES and self.done_date:
            values['done_date'] = None
        return values

    @classmethod
    def _closed(cls, activities):
        "Plan the next step of the activities just done."
        cls.plan_next([a for a in cls.browse(activities)
                if a.status != 'not_held' and a.type and a.type.next_type
                and a.type.next_mode == 'create' and not a.next_activities])

    @classmethod
    def plan_next(cls, activities):
        "Create the next activity of each activity from its type."
        if activities:
            cls.create([a.next_values(a.type.next_type) for a in activities])

    def next_values(self, type_):
        "Return the values of the activity following this one as type_."
        start = (self.done_date or utc_now()) + dt.timedelta(
            days=self.type.next_delay or 0 if self.type else 0)
        values = {
            'company': self.company.id,
            'kind': type_.kind,
            'type': type_.id,
            'status': FIRST_STATUS[type_.kind],
            'subject': type_.summary or type_.name,
            'start': start,
            'timezone': self.timezone,
            'resource': str(self.resource) if self.resource else None,
            'assigned_user': (type_.default_user or self.assigned_user
                or Transaction().user or None),
            'assigned_team': (self.assigned_team.id
                if self.assigned_team else None),
            'reminder': type_.reminder,
            'previous_activity': self.id,
            }
        if values['assigned_user']:
            values['assigned_user'] = int(values['assigned_user'])
        if type_.kind == 'event':
            values['end'] = start + (type_.duration or dt.timedelta(hours=1))
        return values

    @classmethod
    @ModelView.button
    def done(cls, activities):
        for activity in activities:
            if activity.status not in CLOSED_STATUSES:
                cls.write([activity], {
                        'status': DONE_STATUS[activity.kind]})

    @classmethod
    @ModelView.button
    def done_next(cls, activities):
        "Mark the activities done and open the form of their follow-up."
        cls.done(activities)
        return cls.schedule_next(activities)

    @classmethod
    @ModelView.button
    def schedule_next(cls, activities):
        """Open the follow-up of the activity: the one created by its type,
        or a new one filled in from the type's suggestion."""
        pool = Pool()
        Action = pool.get('ir.action')
        ModelData = pool.get('ir.model.data')
        if not activities:
            return
        activities = cls.browse(activities)
        created = [n.id for a in activities for n in a.next_activities]
        action = Action.get_action_values('ir.action.act_window', [
                ModelData.get_id('crm_core', 'act_activity_follow_up')])[0]
        if created:
            action['res_id'] = created
            return action
        activity = activities[0]
        type_ = (activity.type.next_type if activity.type
            and activity.type.next_type else activity.type)
        defaults = {
            'crm_related_model': (activity.resource.__name__
                if activity.resource else None),
            'crm_related_id': (activity.resource.id
                if activity.resource else None),
            'crm_follow_up_of': activity.id,
            }
        if type_:
            defaults['crm_activity_kind'] = type_.kind
            defaults['crm_activity_type'] = type_.id
        action['pyson_context'] = PYSONEncoder().encode(defaults)
        return action

    @classmethod
    def default_type(cls):
        return Transaction().context.get('crm_activity_type')

    @classmethod
    def default_previous_activity(cls):
        "The activity whose follow-up is being planned (Schedule Next)."
        return Transaction().context.get('crm_follow_up_of')

    @classmethod
    def default_get(cls, fields_names=None, with_rec_name=True,
            with_default=True):
        values = super().default_get(
            fields_names=fields_names, with_rec_name=with_rec_name,
            with_default=with_default)
        if values.get('type') is not None and with_default:
            # the defaults of the type, as on_change_type gives them
            activity = cls(**{k: v for k, v in values.items()
                    if k in cls._fields and not k.endswith('.')})
            activity.on_change_type()
            for name in ['kind', 'subject', 'end', 'reminder',
                    'assigned_user']:
                if (fields_names is None or name in fields_names):
                    value = getattr(activity, name, None)
                    if isinstance(value, ModelSQL):
                        value = value.id
                    values[name] = value
        return values

    @classmethod
    def copy(cls, activities, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('occurrences')
        default.setdefault('done_date')
        default.setdefault('previous_activity')
        default.setdefault('next_activities')
        return super().copy(activities, default=default)

    @classmethod
    def follow_conversion(cls, moves):
        """Carry the activities of converted records: moves is a list of
        (record, target, contact); the activities of record are related to
        target (None: they stay) and contact is invited to its events.
        (The conversion moves every activity of the record, whoever owns
        it, as the record's own history.)"""
        to_write = []
        with without_check_access():
            activities = cls.search([
                    ('resource', 'in', [str(r) for r, _, _ in moves]),
                    ])
            by_record = {}
            for activity in activities:
                by_record.setdefault(str(activity.resource), []).append(
                    activity)
            for record, target, contact in moves:
                for activity in by_record.get(str(record), []):
                    values = {}
                    if target is not None:
                        values['resource'] = str(target)
                    if (contact is not None and activity.kind == 'event'
                            and contact not in activity.invited_contacts):
                        values['invited_contacts'] = [('add', [contact.id])]
                    if values:
                        to_write.extend([[activity], values])
            if to_write:
                cls.write(*to_write)

    @classmethod
    def crm_record_actions_of(cls, model_name):
        "Return the RecordActions of activities for the records of a type."
        return [
            RecordAction('activity_add_event', 'form_action', {
                    'type': 'ir.action.act_window',
                    'name': 'crm_core.msg_action_add_event',
                    'res_model': cls.__name__,
                    'context': PYSONEncoder().encode({
                            'crm_related_model': model_name,
                            'crm_related_id': Eval('active_id'),
                            'crm_activity_kind': 'event',
                            }),
                    'context_model': None,
                    'act_window_views': [('create', [{
                                    'sequence': 10,
                                    'view': cls._view_id('activity_view_form'),
                                    }])],
                    }),
            RecordAction('activity_add_todo', 'form_action', {
                    'type': 'ir.action.act_window',
                    'name': 'crm_core.msg_action_add_todo',
                    'res_model': cls.__name__,
                    'context': PYSONEncoder().encode({
                            'crm_related_model': model_name,
                            'crm_related_id': Eval('active_id'),
                            'crm_activity_kind': 'todo',
                            }),
                    'act_window_views': [('create', [{
                                    'sequence': 10,
                                    'view': cls._view_id('activity_view_form'),
                                    }])],
                    }),
            RecordAction('activities', 'form_relate', {
                    'type': 'ir.action.act_window',
                    'name': 'crm_core.msg_action_activities',
                    'res_model': cls.__name__,
                    'domain': PYSONEncoder().encode(
                        cls.related_domain(model_name)),
                    'context': PYSONEncoder().encode({
                            'crm_related_model': model_name,
                            'crm_related_id': Eval('active_id'),
                            }),
                    'act_window_domains': [('create', [{
                                    'sequence': 10,
                                    'name': gettext(
                                        'crm_core.msg_activities_upcoming'),
                                    'domain': PYSONEncoder().encode(
                                        [('due', '!=', 'closed')]),
                                    'count': True,
                                    }, {
                                    'sequence': 20,
                                    'name': gettext(
                                        'crm_core.msg_activities_history'),
                                    'domain': PYSONEncoder().encode(
                                        [('due', '=', 'closed')]),
                                    }])],
                    }),
            ]

    @classmethod
    def related_domain(cls, model_name):
        """Return the PYSON domain of the activities of the records
        active_ids of model_name: related to them (and for contacts, to
        which they are invited)."""
        domain = [('resource.id', 'in', Eval('active_ids'), model_name)]
        if model_name == 'party.party':
            domain = ['OR', domain,
                ('invited_contacts', 'in', Eval('active_ids'))]
        return domain

    @staticmethod
    def _view_id(xml_id):
        return Pool().get('ir.model.data').get_id('crm_core', xml_id)


class ActivityUser(ModelSQL):
    "A user invited to an activity"
    __name__ = 'crm.activity-res.user'
    __string__ = "Activity - User"
    activity = fields.Many2One(
        'crm.activity', "Activity", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('activity')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.activity, Index.Range())),
                # the activities a user is invited to (its read rule)
                Index(t, (t.user, Index.Range()), (t.activity, Index.Range())),
                })


class ActivityContact(ModelSQL):
    "A contact invited to an activity"
    __name__ = 'crm.activity-party.party'
    __string__ = "Activity - Contact"
    activity = fields.Many2One(
        'crm.activity', "Activity", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Contact", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('activity')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.activity, Index.Range())))





class Sharing(metaclass=PoolMeta):
    __name__ = 'crm.sharing'

    @classmethod
    def crm_record_actions(cls, model_name):
        Activity = Pool().get('crm.activity')
        actions = super().crm_record_actions(model_name)
        if model_name == Activity.__name__:
            return actions
        return actions + Activity.crm_record_actions_of(model_name) + [
            RecordAction('activity_plan_launch', 'form_action', {
                    'type': 'ir.action.wizard',
                    'name': 'crm_core.msg_action_launch_plan',
                    'wiz_name': 'crm.activity.plan.launch',
                    'model': model_name,
                    }),
            ]
