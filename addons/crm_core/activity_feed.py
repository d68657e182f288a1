"""A secret iCalendar feed of each user's activities, and its time zone.

Calendar programs subscribe to ``/<database>/crm/calendar/<token>.ics``:
the activities the user is assigned to or invited to, read with the
user's access.  The token is long and random; regenerating it replaces
it, and a wrong or former token is answered 404, as a database without
crm_core is.  A recurring activity is one VEVENT with its RRULE, the
occurrences cancelled on their own as EXDATE and the moved ones as
VEVENTs of the same UID with their RECURRENCE-ID; the times are given
in the activity's time zone, described by a VTIMEZONE.

The user's *Time Zone* (a preference) decides when its reminders are due
for an all-day activity, what its lists call today, and the time zone of
new activities.
"""
import datetime as dt
import hmac
import secrets
from types import SimpleNamespace

import icalendar
from icalendar.parser import escape_char, foldline
from icalendar.prop import vRecur
from sql.aggregate import Count, Max
from sql.conditionals import Coalesce
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from trytond.cache import Cache
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access
from trytond.url import http_base
from trytond.wizard import Button, StateTransition, StateView, Wizard
from trytond.wsgi import app

from .activity import TIMEZONES, to_local

FEED_PATH = '/<database_name>/crm/calendar/<token>.ics'
ICS_STATUS = {
    'planned': 'CONFIRMED', 'held': 'CONFIRMED', 'not_held': 'CANCELLED',
    'not_started': 'NEEDS-ACTION', 'in_progress': 'IN-PROCESS',
    'completed': 'COMPLETED', 'pending_input': 'NEEDS-ACTION',
    'deferred': 'NEEDS-ACTION',
    }
ICS_PRIORITY = {'high': 1, 'medium': 5, 'low': 9}


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    crm_timezone = fields.Selection(
        [(None, "")] + TIMEZONES, "Time Zone", translate=False,
        help="The time zone of your reminders, of the day your lists call "
        "today and of your new activities (empty: the company's).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.append('crm_timezone')
        cls._context_fields.append('crm_timezone')

    @classmethod
    def crm_timezone_of(cls, user_id):
        """Return the time zone of the user: its own, its company's or
        UTC."""
        with without_check_access():
            user = cls(user_id) if user_id else None
            if user and user.crm_timezone:
                return user.crm_timezone
            company = getattr(user, 'company', None) if user else None
            if company and company.timezone:
                return company.timezone
        return 'UTC'


class Feed(ModelSQL):
    "The secret token of a user's calendar feed"
    __name__ = 'crm.activity.feed'
    __string__ = "Calendar Feed"
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    token = fields.Char("Token", required=True, strip=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('user_unique', Unique(t, t.user),
                'crm_core.msg_activity_feed_user_unique'),
            ('token_unique', Unique(t, t.token),
                'crm_core.msg_activity_feed_token_unique'),
            ]

    @classmethod
    def token_of(cls, user_id, regenerate=False):
        "Return the token of the user's feed, created or replaced first."
        with without_check_access():
            feeds = cls.search([('user', '=', user_id)], limit=1)
            token = secrets.token_urlsafe(32)
            if not feeds:
                cls.create([{'user': user_id, 'token': token}])
                return token
            feed, = feeds
            if regenerate:
                feed.token = token
                feed.save()
            return feed.token

    @classmethod
    def user_of(cls, token):
        "Return the id of the user of the feed token, or None."
        if not token or len(token) < 32:
            return None
        with without_check_access():
            feeds = cls.search([('token', '=', token)], limit=1)
        if feeds and hmac.compare_digest(feeds[0].token, token):
            return feeds[0].user.id


def feed_url(token):
    "Return the address of the feed of token."
    database = Transaction().database.name
    return '%s/%s/crm/calendar/%s.ics' % (
        http_base().rstrip('/'), database, token)


def _ics_datetime(value, activity):
    "Return value as the aware time or the date iCalendar gives."
    local = to_local(value, activity.timezone)
    if activity.all_day:
        return local.date()
    return local


def _date_line(name, value, activity):
    """The content line of a date or time of activity: a DATE for an
    all-day activity, else the local time with the TZID of its zone."""
    value = _ics_datetime(value, activity)
    if not isinstance(value, dt.datetime):
        return f'{name};VALUE=DATE:{value:%Y%m%d}'
    if activity.timezone == 'UTC':
        return f'{name}:{value:%Y%m%dT%H%M%S}Z'
    return f'{name};TZID={activity.timezone}:{value:%Y%m%dT%H%M%S}'


def _event_lines(activity, occurrence=None, category=None, recurrence=()):
    """Return the content lines (unfolded) of the VEVENT or VTODO of
    activity, or of one of its moved occurrences, with the lines of its
    recurrence.

    (Written as lines, the text escaped, the rule encoded and the lines
    folded by icalendar: its components cost 0.3 s for 2,000 activities,
    bench/README.md; the tests read the feed back with icalendar.)"""
    is_event = activity.kind == 'event'
    kind = 'VEVENT' if is_event else 'VTODO'
    stamp = activity.write_date or activity.create_date
    lines = [
        f'BEGIN:{kind}',
        'UID:' + escape_char(
            f'crm-activity-{activity.id}@{Transaction().database.name}'),
        f'DTSTAMP:{stamp:%Y%m%dT%H%M%S}Z',
        'SUMMARY:' + escape_char(activity.subject),
        ]
    start = occurrence.start if occurrence else activity.start
    end = occurrence.end if occurrence else activity.end
    lines.append(_date_line('DTSTART', start, activity))
    if is_event:
        if end:
            lines.append(_date_line('DTEND', end, activity))
        if activity.location:
            lines.append('LOCATION:' + escape_char(activity.location))
    else:
        lines.append(_date_line('DUE', start, activity))
    if activity.status != 'planned':
        # (a planned event is the default: confirmed)
        lines.append('STATUS:' + ICS_STATUS[activity.status])
    if activity.priority != 'medium':
        lines.append(f'PRIORITY:{ICS_PRIORITY[activity.priority]}')
    if activity.description:
        lines.append('DESCRIPTION:' + escape_char(activity.description))
    if category:
        lines.append('CATEGORIES:' + escape_char(category))
    if occurrence:
        lines.append(_date_line(
                'RECURRENCE-ID', occurrence.recurrence_date, activity))
    lines.extend(recurrence)
    lines.append(f'END:{kind}')
    return lines


def _recurrence_rule(activity):
    "Return the RRULE of a recurring activity."
    rule = {'freq': activity.frequency.upper()}
    if activity.interval and activity.interval > 1:
        rule['interval'] = activity.interval
    if activity.frequency == 'weekly' and activity.weekdays:
        rule['byday'] = list(activity.weekdays)
    if activity.count:
        rule['count'] = activity.count
    elif activity.until:
        if activity.all_day:
            rule['until'] = activity.until
        else:
            # (UNTIL is in UTC when DTSTART has a time zone: RFC 5545)
            end_of_day = dt.datetime.combine(
                activity.until, dt.time(23, 59, 59),
                tz.get_tzinfo(activity.timezone))
            rule['until'] = end_of_day.astimezone(tz.UTC)
    return rule


#: the fields of the activities the feed reads
FEED_FIELDS = [
    'kind', 'subject', 'start', 'end', 'all_day', 'timezone', 'location',
    'status', 'priority', 'description', 'frequency', 'interval',
    'weekdays', 'until', 'count', 'resource', 'create_date', 'write_date']


def _readable_names(references):
    """Return {reference: name} of the references ('model,id') the user
    may read: one search and one read per model."""
    pool = Pool()
    by_model = {}
    for reference in references:
        model, id_ = reference.split(',')
        by_model.setdefault(model, set()).add(int(id_))
    names = {}
    for model, ids in by_model.items():
        Model = pool.get(model)
        readable = Model.search([('id', 'in', list(ids))])
        for row in Model.read([r.id for r in readable], ['rec_name']):
            names[f'{model},{row["id"]}'] = row['rec_name']
    return names


#: the feeds built, by user and the state of its activities: calendar
#: programs poll the same feed again and again (a feed of 2,000
#: activities takes 0.1-0.2 s to build, bench/README.md)
_feed_cache = Cache('crm_activity_feed', duration=600, context=False)
# (a feed may weigh a megabyte: few are kept)
_feed_cache.size_limit = 64


def feed_signature(user_id):
    """Return what the feed of the user depends on: its access to the
    activities (its rule domain), the number of the activities it is
    assigned to or invited to, and their last change and their
    occurrences'.  (Counted without the rules, by the indexes of the
    assignee and the invitations: the rules cost a scan of every activity
    a user's superiors see, bench/README.md; the body is read with them.)"""
    pool = Pool()
    Activity = pool.get('crm.activity')
    Occurrence = pool.get('crm.activity.occurrence')
    Invitation = pool.get('crm.activity-res.user')
    Rule = pool.get('ir.rule')
    activity = Activity.__table__()
    occurrence = Occurrence.__table__()
    invitation = Invitation.__table__()
    transaction = Transaction()
    with transaction.set_user(user_id), \
            transaction.set_context(_check_access=True):
        rules = str(Rule.domain_get(Activity.__name__, mode='read'))
    ids = activity.select(activity.id,
        where=activity.assigned_user == user_id) | invitation.select(
        invitation.activity, where=invitation.user == user_id)
    cursor = transaction.connection.cursor()
    cursor.execute(*activity.select(
            Count(activity.id),
            Max(Coalesce(activity.write_date, activity.create_date)),
            where=activity.id.in_(ids)))
    count, changed = cursor.fetchone()
    cursor.execute(*occurrence.select(
            Max(Coalesce(occurrence.write_date, occurrence.create_date)),
            where=occurrence.activity.in_(ids)))
    occurrences_changed, = cursor.fetchone()
    return (rules, count, str(changed), str(occurrences_changed))


def cached_calendar(user_id):
    "Return the feed of the user, built again only when it changed."
    # (and after any change of the current transaction: its dates are
    # the same as before the change)
    key = (user_id, feed_signature(user_id), Transaction().counter)
    body = _feed_cache.get(key)
    if body is None:
        body = build_calendar(user_id)
        _feed_cache.set(key, body)
    return body


def _feed_domain(user_id):
    "The domain of the activities of the feed, searched as the user."
    return ['OR',
        ('assigned_user', '=', user_id),
        ('invited', '=', True),
        ]


def build_calendar(user_id):
    """Return the iCalendar (bytes) of the activities the user is assigned
    to or invited to, read with its access (as rows: a feed reads
    thousands of activities)."""
    pool = Pool()
    Activity = pool.get('crm.activity')
    Occurrence = pool.get('crm.activity.occurrence')
    calendar = icalendar.Calendar()
    calendar.add('prodid', '-//CRM for Tryton//Activities//EN')
    calendar.add('version', '2.0')
    calendar.add('calscale', 'GREGORIAN')
    calendar.add('x-wr-calname', 'CRM')
    transaction = Transaction()
    with transaction.set_user(user_id), \
            transaction.set_context(_check_access=True):
        # (the ids by SQL: instantiating thousands of records costs the
        # square of their number in the host's checks)
        query = Activity.search(_feed_domain(user_id),
            order=[('start', 'ASC'), ('id', 'ASC')], query=True)
        cursor = transaction.connection.cursor()
        cursor.execute(*query)
        ids = [id_ for id_, in cursor]
        rows = {r['id']: r for r in Activity.read(ids, FEED_FIELDS)}
        activities = [SimpleNamespace(**rows[i]) for i in ids]
        names = _readable_names({a.resource for a in activities
                if a.resource})
        exceptions = {}
        for row in Occurrence.search_read([
                    ('activity', 'in',
                        [a.id for a in activities if a.frequency]),
                    ['OR', ('moved', '=', True), ('cancelled', '=', True)],
                    ], order=[('recurrence_date', 'ASC')],
                fields_names=[
                    'activity', 'start', 'end', 'recurrence_date', 'moved',
                    'cancelled']):
            # (a few per series: instantiated)
            exceptions.setdefault(row['activity'], []).append(
                SimpleNamespace(**row))
    lines = []
    for activity in activities:
        category = names.get(activity.resource)
        occurrences = exceptions.get(activity.id, [])
        recurrence = []
        if activity.frequency:
            recurrence.append('RRULE:' + vRecur(
                    _recurrence_rule(activity)).to_ical().decode())
            recurrence.extend(
                _date_line('EXDATE', o.recurrence_date, activity)
                for o in occurrences if o.cancelled)
        lines.extend(_event_lines(
                activity, category=category, recurrence=recurrence))
        for occurrence in occurrences:
            if occurrence.moved and not occurrence.cancelled:
                lines.extend(_event_lines(activity, occurrence, category))
    _add_timezones(calendar, activities)
    envelope = calendar.to_ical()
    end = b'END:VCALENDAR\r\n'
    assert envelope.endswith(end)
    events = ''.join(foldline(line) + '\r\n' for line in lines)
    return envelope[:-len(end)] + events.encode('utf-8') + end


def _add_timezones(calendar, activities):
    """Add the VTIMEZONE of each time zone the timed activities use, over
    the years they span."""
    zones = {}
    for activity in activities:
        if not activity.all_day and activity.timezone != 'UTC':
            first, last = zones.get(
                activity.timezone, (activity.start, activity.start))
            last_start = (dt.datetime.combine(
                    activity.until, dt.time()) if activity.until
                else activity.start)
            zones[activity.timezone] = (
                min(first, activity.start), max(last, last_start))
    for zone, (first, last) in sorted(zones.items()):
        calendar.add_component(icalendar.Timezone.from_tzid(
                zone, first_date=first.date() - dt.timedelta(days=366),
                last_date=last.date() + dt.timedelta(days=366)))


@app.route(FEED_PATH, methods=['GET'])
@with_pool
@with_transaction(readonly=True)
def calendar_feed(request, pool, token):
    "Serve the iCalendar feed of the token's user (404 for any other)."
    try:
        Feed = pool.get('crm.activity.feed')
    except KeyError:
        raise NotFound()
    user_id = Feed.user_of(token)
    if user_id is None:
        raise NotFound()
    User = pool.get('res.user')
    with without_check_access():
        user = User(user_id)
        if not user.active:
            raise NotFound()
        context = User._get_preferences(user, context_only=True)
    with Transaction().set_context(context):
        body = cached_calendar(user_id)
    return Response(body, 200, content_type='text/calendar; charset=utf-8',
        headers={'Cache-Control': 'private, max-age=300'})


class ShowFeed(Wizard):
    "Show the address of the user's calendar feed"
    __name__ = 'crm.activity.feed.show'
    start = StateView('crm.activity.feed.show.start',
        'crm_core.activity_feed_show_start_view_form', [
            Button("Regenerate", 'regenerate', 'tryton-refresh'),
            Button("Close", 'end', 'tryton-close', default=True),
            ])
    regenerate = StateTransition()

    def default_start(self, fields):
        Feed = Pool().get('crm.activity.feed')
        return {'url': feed_url(Feed.token_of(Transaction().user))}

    def transition_regenerate(self):
        Feed = Pool().get('crm.activity.feed')
        Feed.token_of(Transaction().user, regenerate=True)
        return 'start'


class ShowFeedStart(ModelView):
    "The address of the user's calendar feed"
    __name__ = 'crm.activity.feed.show.start'
    __string__ = "Show Calendar Feed"
    url = fields.Char(
        "Address", readonly=True,
        help="Subscribe to it in your calendar program; keep it secret: "
        "whoever has it reads your activities.")
