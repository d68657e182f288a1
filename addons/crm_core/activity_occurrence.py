"""The occurrences of activities: what the calendars show.

Every activity has one occurrence, a recurring one one per repetition,
kept as rows (the recurrence of an activity has an end: a date or a
count) so that a calendar is one indexed search by date.  They are
rebuilt from the activity whenever its dates or its recurrence change,
keeping the occurrences moved or cancelled on their own (the exceptions,
found by their original start: ``recurrence_date``, the RECURRENCE-ID of
the iCalendar feed) while that start is still one of the series.

The recurrence is expanded in the activity's time zone (``dateutil.rrule``
on local times), so a repetition keeps its local time across daylight
saving time.
"""
import datetime as dt

from dateutil import rrule

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .activity import (
    CLOSED_STATUSES, KINDS, invited_activities, invited_clause, to_local,
    to_utc, utc_now)
from .exceptions import ActivityError
from .ownership import SharingFollowerMixin
from .server_fields import ServerFieldsMixin

#: the most occurrences a recurrence may have
MAX_OCCURRENCES = 1000
#: the largest offset of a time zone from UTC: an all-day activity starts
#: in the first time zone this much before its day in UTC
MAX_UTC_OFFSET = dt.timedelta(hours=14)
#: the time a to-do (due at a time) takes in a calendar
TODO_SLOT = dt.timedelta(minutes=30)
#: the fields of an activity its occurrences hold a copy of
COPIED_FIELDS = ['subject', 'assigned_user', 'assigned_team', 'company']

CALENDAR_COLORS = {
    'closed': '#d9d9d9',
    'overdue': '#f4a6a6',
    'today': '#f7dc8b',
    'upcoming': '#b5dfa6',
    }
WEEKDAYS = {
    'MO': rrule.MO, 'TU': rrule.TU, 'WE': rrule.WE, 'TH': rrule.TH,
    'FR': rrule.FR, 'SA': rrule.SA, 'SU': rrule.SU,
    }
FREQUENCIES = {
    'daily': rrule.DAILY,
    'weekly': rrule.WEEKLY,
    'monthly': rrule.MONTHLY,
    }


def occurrence_starts(activity):
    """Return the starts (naive UTC) of the occurrences of activity, in
    order; raise if there are too many."""
    if not activity.frequency:
        return [activity.start]
    zone = tz.get_tzinfo(activity.timezone or 'UTC')
    local_start = to_local(activity.start, activity.timezone or 'UTC')
    rule = rrule.rrule(
        FREQUENCIES[activity.frequency],
        dtstart=local_start.replace(tzinfo=None),
        interval=activity.interval or 1,
        byweekday=([WEEKDAYS[d] for d in sorted(
                    activity.weekdays, key=list(WEEKDAYS).index)]
            if activity.frequency == 'weekly' and activity.weekdays
            else None),
        until=(dt.datetime.combine(activity.until, dt.time.max)
            if activity.until else None),
        count=activity.count or None)
    starts = []
    for local in rule:
        if len(starts) >= MAX_OCCURRENCES:
            raise ActivityError(gettext(
                    'crm_core.msg_activity_recurrence_too_long',
                    activity=activity.rec_name, maximum=MAX_OCCURRENCES))
        starts.append(to_utc(local.replace(tzinfo=zone)))
    return starts


def earliest_reminder(activity, start):
    """Return the earliest time (naive UTC) the reminder of an occurrence
    starting at start may be due for a recipient, or None."""
    if activity.reminder is None:
        return None
    due = start - dt.timedelta(minutes=activity.reminder)
    if activity.all_day:
        # the day begins first in the time zones east of the activity's
        offset = to_local(start, activity.timezone).utcoffset()
        due -= MAX_UTC_OFFSET - offset
    return due


class Occurrence(
        SharingFollowerMixin, ServerFieldsMixin, ModelSQL, ModelView):
    """An occurrence of an activity: read by who may read the activity,
    moved by who may edit it (its own record rules, on the copies of the
    activity's owner fields: ownership.SharingFollowerMixin)."""
    __name__ = 'crm.activity.occurrence'
    __string__ = "Activity Occurrence"
    _rec_name = 'subject'
    crm_sharing_follows = 'crm.activity'
    _crm_server_fields = {
        'activity', 'recurrence_date', 'cancelled', 'moved', 'remind_at',
        'reminded', 'closed', *COPIED_FIELDS}
    activity = fields.Many2One(
        'crm.activity', "Activity", required=True, ondelete='CASCADE',
        readonly=True)
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime(
        "End", domain=['OR', ('end', '=', None), ('end', '>=', Eval('start'))])
    recurrence_date = fields.DateTime(
        "Original Start", readonly=True,
        help="The start this occurrence has in its series.")
    cancelled = fields.Boolean("Cancelled", readonly=True)
    remind_at = fields.DateTime("Remind At", readonly=True)
    reminded = fields.Boolean("Reminded", readonly=True)
    moved = fields.Boolean(
        "Moved", readonly=True,
        help="The occurrence was moved on its own, out of its series.")
    # (copied from the activity: what a calendar reads and searches of
    # hundreds of occurrences)
    subject = fields.Char("Subject", readonly=True)
    assigned_user = fields.Many2One(
        'res.user', "Assigned To", readonly=True, ondelete='SET NULL')
    assigned_team = fields.Many2One(
        'crm.team', "Assigned Team", readonly=True, ondelete='SET NULL')
    company = fields.Many2One(
        'company.company', "Company", readonly=True, ondelete='CASCADE')
    closed = fields.Boolean("Closed", readonly=True)
    kind = fields.Function(
        fields.Selection(KINDS, "Kind"), 'get_activity_field')
    status = fields.Function(
        fields.Char("Status"), 'get_activity_field')
    all_day = fields.Function(
        fields.Boolean("All Day"), 'get_activity_field')
    calendar_color = fields.Function(
        fields.Char("Colour"), 'get_calendar_color')
    in_context_team = fields.Function(
        fields.Boolean("Of the Team"), 'get_in_context_team',
        searcher='search_in_context_team')
    invited_users = fields.Function(
        fields.Many2Many('res.user', None, None, "Invited Users"),
        'get_invited_users', searcher='search_invited_users')
    invited = fields.Function(
        fields.Boolean("Invited", help="You are invited to it."),
        'get_invited', searcher='search_invited')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('start', 'ASC'), ('id', 'ASC')]
        cls._sql_indexes.update({
                Index(t, (t.activity, Index.Range()),
                    (t.recurrence_date, Index.Range())),
                # calendars: the occurrences of a period
                Index(t, (t.start, Index.Range()), (t.end, Index.Range())),
                # a user's calendar
                Index(t, (t.assigned_user, Index.Range()),
                    (t.start, Index.Range())),
                # a team's activities
                Index(t, (t.assigned_team, Index.Range()),
                    (t.start, Index.Range())),
                # the occurrences ending in a calendar's period
                Index(t, (t.end, Index.Range())),
                # the reminders still to send, by due time
                Index(t, (t.remind_at, Index.Range()),
                    where=(t.reminded == False)  # noqa: E712
                    & (t.cancelled == False)),  # noqa: E712
                })
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('cancelled', False),
                    'depends': ['cancelled'],
                    },
                'restore': {
                    'invisible': ~Eval('cancelled', False),
                    'depends': ['cancelled'],
                    },
                })

    @classmethod
    def __register__(cls, module_name):
        pool = Pool()
        Activity = pool.get('crm.activity')
        table_h = cls.__table_handler__(module_name)
        copied = table_h.column_exist('company')
        super().__register__(module_name)
        if not copied:
            # Migration from the occurrences without the owner columns
            cursor = Transaction().connection.cursor()
            table, activity = cls.__table__(), Activity.__table__()
            cursor.execute(*table.update(
                    [table.assigned_team, table.company],
                    [activity.select(
                            activity.assigned_team,
                            where=activity.id == table.activity),
                        activity.select(
                            activity.company,
                            where=activity.id == table.activity)]))

    @classmethod
    def default_cancelled(cls):
        return False

    @classmethod
    def default_reminded(cls):
        return False

    @classmethod
    def default_moved(cls):
        return False

    @classmethod
    def default_closed(cls):
        return False

    @classmethod
    def get_activity_field(cls, occurrences, names):
        result = {n: {} for n in names}
        for occurrence in occurrences:
            activity = occurrence.activity
            for name in names:
                value = getattr(activity, name)
                if name == 'status':
                    value = dict(activity._fields['status'].selection).get(
                        value, value)
                result[name][occurrence.id] = value
        return result

    def get_in_context_team(self, name):
        team = Transaction().context.get('team')
        return bool(team) and (
            (self.assigned_team and self.assigned_team.id == team)
            or (self.assigned_user and team in {
                    t.id for t in self.assigned_user.crm_teams}))

    @classmethod
    def search_in_context_team(cls, name, clause):
        """The occurrences of the team of the context (Team Calendar): of
        the activities assigned to it or to one of its members."""
        team = Transaction().context.get('team')
        if not isinstance(team, int):
            return [('id', '=', None)]
        domain = ['OR',
            ('assigned_team', '=', team),
            ('assigned_user.crm_teams', '=', team),
            ]
        _, operator, value = clause[:3]
        if (operator == '=') != bool(value):
            return [('id', 'not in', cls.search(domain, order=[], query=True))]
        return domain

    def get_invited_users(self, name):
        return [u.id for u in self.activity.invited_users]

    @classmethod
    def search_invited_users(cls, name, clause):
        """The occurrences of the activities inviting the users: searched
        in the invitations, not through the activities (a join of every
        activity at a million, bench/README.md)."""
        pool = Pool()
        Invitation = pool.get('crm.activity-res.user')
        User = pool.get('res.user')
        _, operator, value = clause[:3]
        invitation = Invitation.__table__()
        if operator == '=' and isinstance(value, int):
            # (listed if few, so that a search combines indexes)
            return [('activity', 'in', invited_activities(value))]
        elif isinstance(value, str):
            # (a name, as a client searches a relation by text)
            users = User.search(
                [('rec_name', 'ilike', value)], order=[], query=True)
        else:
            users = User.search(
                [('id', operator, value)], order=[], query=True)
        return [('activity', 'in', invitation.select(
                    invitation.activity,
                    where=invitation.user.in_(users)))]

    def get_invited(self, name):
        return self.activity.invited

    @classmethod
    def search_invited(cls, name, clause):
        return invited_clause('activity', clause)

    @classmethod
    def get_calendar_color(cls, occurrences, name):
        """Closed grey, overdue red, today yellow, upcoming green.  (Read
        as rows: a month of a calendar is hundreds of occurrences.)"""
        now = utc_now()
        colors = {}
        with without_check_access():
            # (the occurrences being read are readable)
            rows = cls.read([o.id for o in occurrences],
                ['cancelled', 'closed', 'start', 'end'])
        for row in rows:
            if row['cancelled'] or row['closed']:
                color = 'closed'
            elif (row['end'] or row['start']) < now:
                color = 'overdue'
            elif row['start'] < now + dt.timedelta(days=1):
                color = 'today'
            else:
                color = 'upcoming'
            colors[row['id']] = CALENDAR_COLORS[color]
        return colors

    @classmethod
    def copied_fields(cls):
        "Return the names of the fields copied from the activity."
        return set(COPIED_FIELDS)

    @staticmethod
    def copied_values(activity):
        "Return the values the occurrences of activity copy of it."
        values = {n: getattr(activity, n) for n in COPIED_FIELDS}
        values.update((n, v.id) for n, v in values.items()
            if isinstance(v, ModelSQL))
        values['closed'] = activity.status in CLOSED_STATUSES
        return values

    @classmethod
    def copy_activity_fields(cls, activities):
        """Copy the fields of the activities to their occurrences (a
        change that leaves their dates as they are)."""
        to_write = []
        for activity in activities:
            if activity.occurrences:
                to_write.extend([
                        list(activity.occurrences),
                        cls.copied_values(activity)])
        if to_write:
            with without_check_access():
                cls.write(*to_write)

    @classmethod
    def synchronise(cls, activities):
        """Rebuild the occurrences of the activities from their dates and
        recurrence: an occurrence keeps its row while its original start
        is still one of the series, and its own dates if it was moved."""
        to_create, to_delete, to_write = [], [], []
        for activity in activities:
            starts = occurrence_starts(activity)
            duration = (activity.end - activity.start
                if activity.kind == 'event' and activity.end else TODO_SLOT)
            if activity.frequency:
                existing = {}
                for occurrence in activity.occurrences:
                    if occurrence.recurrence_date in existing:
                        to_delete.append(occurrence)
                    else:
                        existing[occurrence.recurrence_date] = occurrence
            else:
                # (the one occurrence follows the activity)
                existing = dict(zip(starts, activity.occurrences[:1]))
                to_delete.extend(activity.occurrences[1:])
            copied = cls.copied_values(activity)
            for start in starts:
                occurrence = existing.pop(start, None)
                values = {
                    'start': start,
                    'end': start + duration if duration else None,
                    'recurrence_date': start if activity.frequency else None,
                    'remind_at': earliest_reminder(activity, start),
                    **copied,
                    }
                if occurrence is None:
                    to_create.append({'activity': activity.id, **values})
                    continue
                if occurrence.moved or occurrence.cancelled:
                    values = {
                        'remind_at': earliest_reminder(
                            activity, occurrence.start),
                        **copied,
                        }
                to_write.extend([[occurrence], values])
            to_delete.extend(existing.values())
        with without_check_access():
            cls.delete(to_delete)
            if to_write:
                cls.write(*to_write)
            cls.create(to_create)

    @classmethod
    def write(cls, *args):
        """Moving the occurrence of an activity that does not repeat moves
        the activity; one of a series becomes an exception."""
        Activity = Pool().get('crm.activity')
        if not Transaction().check_access:
            return super().write(*args)
        actions = iter(args)
        args, activity_args, reminders = [], [], []
        for occurrences, values in zip(actions, actions):
            dates = {k: v for k, v in values.items() if k in {'start', 'end'}}
            others = {k: v for k, v in values.items() if k not in dates}
            for occurrence in occurrences:
                activity = occurrence.activity
                if not activity.frequency:
                    # (a to-do is due at its start: the end is its slot)
                    moved = {k: v for k, v in dates.items()
                        if activity.kind == 'event' or k == 'start'}
                    if moved:
                        activity_args.extend([[activity], moved])
                    if others:
                        args.extend([[occurrence], others])
                    continue
                args.extend([[occurrence], values])
                if dates:
                    reminders.extend([[occurrence], {
                                'moved': True,
                                'remind_at': earliest_reminder(
                                    activity,
                                    dates.get('start', occurrence.start)),
                                }])
        if args:
            super().write(*args)
        if activity_args:
            Activity.write(*activity_args)
        if reminders:
            with without_check_access():
                super().write(*reminders)

    @classmethod
    @ModelView.button
    def cancel(cls, occurrences):
        "Cancel the occurrences, not the rest of their series."
        with without_check_access():
            cls.write(occurrences, {'cancelled': True})

    @classmethod
    @ModelView.button
    def restore(cls, occurrences):
        with without_check_access():
            cls.write(occurrences, {'cancelled': False})


class CalendarContext(ModelView):
    "The team whose calendar is shown"
    __name__ = 'crm.activity.calendar.context'
    __string__ = "Team Calendar Context"
    team = fields.Many2One('crm.team', "Team")

    @classmethod
    def default_team(cls):
        "The first team the user is a member or the leader of."
        Team = Pool().get('crm.team')
        user = Transaction().user
        teams = Team.search(['OR',
                ('members', '=', user),
                ('leader', '=', user),
                ], limit=1)
        return teams[0].id if teams else None
