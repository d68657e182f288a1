"""Reminders of activities, e-mailed once per occurrence and recipient.

A cron job (:meth:`Reminder.send_reminders`) e-mails the assignee and the
invited users of an activity with a reminder, at the reminder time of
each occurrence computed in each recipient's time zone (the *Time Zone*
of its preferences): the same instant for a timed activity, the
recipient's own midnight of the day for an all-day one.

Each reminder sent is recorded (``crm.activity.reminder``, unique per
occurrence and user) in the transaction that sends it, and the e-mails
leave at its commit: a job that runs twice sends nothing new, a job that
crashes sends nothing and is done again by the next run, and two cron
processes do not both send (on PostgreSQL the occurrences are locked
without waiting: the second process retries, then finds them sent).  A
reminder whose time passed while the server was down is sent at the next
run, late, as long as its occurrence has not ended.
"""
import datetime as dt

from trytond.model import ModelSQL, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .activity import CLOSED_STATUSES, to_local, to_utc, utc_now
from .mailing import send_template

#: how long after its due time a to-do (which has no end) is still
#: worth a reminder
TODO_GRACE = dt.timedelta(days=1)


def reminder_time(activity, start, zone):
    """Return when (naive UTC) the reminder of the occurrence of activity
    starting at start is due for a recipient in time zone zone."""
    if activity.all_day:
        day = to_local(start, activity.timezone).date()
        start = to_utc(dt.datetime.combine(
                day, dt.time(), tz.get_tzinfo(zone)))
    return start - dt.timedelta(minutes=activity.reminder or 0)


class Reminder(ModelSQL):
    "A reminder of an activity sent to a user"
    __name__ = 'crm.activity.reminder'
    __string__ = "Activity Reminder"
    occurrence = fields.Many2One(
        'crm.activity.occurrence', "Occurrence", required=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    sent_at = fields.DateTime("Sent At", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('occurrence')
        t = cls.__table__()
        cls._sql_constraints += [
            ('occurrence_user_unique', Unique(t, t.occurrence, t.user),
                'crm_core.msg_activity_reminder_unique'),
            ]

    @classmethod
    def recipients(cls, activity):
        "Return the users reminded of activity: assignee and invited."
        users = [activity.assigned_user] if activity.assigned_user else []
        users += [u for u in activity.invited_users if u not in users]
        return [u for u in users if u.active]

    @classmethod
    def send_reminders(cls, now=None):
        """Send the reminders due at now (naive UTC, by default the current
        time) that were not sent yet."""
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        User = pool.get('res.user')
        transaction = Transaction()
        now = now or utc_now()
        template = cls.reminder_template()
        with without_check_access():
            occurrences = Occurrence.search([
                    ('remind_at', '<=', now),
                    ('reminded', '=', False),
                    ('cancelled', '=', False),
                    ], order=[('remind_at', 'ASC'), ('id', 'ASC')])
            for sub_occurrences in grouped_slice(occurrences, 1000):
                sub_occurrences = list(sub_occurrences)
                # (a second cron process retries, then finds them sent)
                transaction.database.lock_records(
                    transaction.connection, Occurrence._table,
                    [o.id for o in sub_occurrences])
                sent = {(r.occurrence.id, r.user.id) for r in cls.search([
                            ('occurrence', 'in',
                                [o.id for o in sub_occurrences]),
                            ])}
                to_record, done = [], []
                for occurrence in sub_occurrences:
                    activity = occurrence.activity
                    end = (occurrence.end if activity.kind == 'event'
                        else occurrence.start + TODO_GRACE)
                    if (activity.status in CLOSED_STATUSES or end <= now
                            or activity.reminder is None):
                        done.append(occurrence)
                        continue
                    pending = False
                    for user in cls.recipients(activity):
                        if (occurrence.id, user.id) in sent:
                            continue
                        zone = User.crm_timezone_of(user.id)
                        if reminder_time(
                                activity, occurrence.start, zone) > now:
                            pending = True
                            continue
                        cls.send_reminder(template, occurrence, user, zone)
                        to_record.append({
                                'occurrence': occurrence.id,
                                'user': user.id,
                                'sent_at': now,
                                })
                    if not pending:
                        done.append(occurrence)
                cls.create(to_record)
                if done:
                    Occurrence.write(done, {'reminded': True})

    @classmethod
    def reminder_template(cls):
        "Return the e-mail template of the reminders."
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        return Configuration(1).activity_reminder_template

    @classmethod
    def send_reminder(cls, template, occurrence, user, zone):
        "E-mail the reminder of occurrence to user, in its language."
        if template is None or not user.email:
            return
        # (rendered as the CRM, the server's cron user: what the recipient
        # may not read is left out by visible_name)
        with Transaction().set_user(0), Transaction().set_context(
                language=user.language.code if user.language else None,
                crm_timezone=zone, crm_recipient=user.id):
            send_template(template, occurrence, recipients=[user])


def readable_by(record, user_id):
    "Tell if the user user_id may read record."
    if record is None:
        return False
    Model = record.__class__
    with Transaction().set_user(user_id), \
            Transaction().set_context(_check_access=True):
        return bool(Model.search([('id', '=', record.id)], limit=1))


class EmailTemplate(metaclass=PoolMeta):
    __name__ = 'ir.email.template'

    def get_context(self, record):
        context = super().get_context(record)
        context['local_datetime'] = local_datetime
        context['visible_name'] = visible_name
        return context


def local_datetime(value):
    """Return the naive UTC datetime value written in the time zone of the
    recipient (the context's crm_timezone)."""
    if value is None:
        return ''
    zone = Transaction().context.get('crm_timezone') or 'UTC'
    return '%s (%s)' % (
        to_local(value, zone).strftime('%Y-%m-%d %H:%M'), zone)


def visible_name(record):
    """Return the name of record if the recipient (the context's
    crm_recipient) may read it, else an empty string."""
    user_id = Transaction().context.get('crm_recipient')
    if record is None or user_id is None or not readable_by(record, user_id):
        return ''
    with without_check_access():
        return record.rec_name


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'
    activity_reminder_template = fields.Many2One(
        'ir.email.template', "Activity Reminder", ondelete='SET NULL',
        domain=[('model.name', '=', 'crm.activity.occurrence')],
        help="Mailed to the assignee and the invited users of an activity "
        "at its reminder time (empty: no reminder is mailed).")

    @classmethod
    def default_activity_reminder_template(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id(
                'crm_core', 'email_template_activity_reminder')
        except KeyError:
            return None


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.activity.reminder|send_reminders',
                "Send Activity Reminders"))
