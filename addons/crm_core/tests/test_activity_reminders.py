# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Reminders of activities (fake clock, two time zones) and the iCalendar
feed parsed back with the icalendar package."""
import datetime as dt
from email.utils import getaddresses
from unittest import mock

import icalendar

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .test_activities import create_account, create_activity
from .tools import mocked_smtp, rpc_call, sent_messages


def send_reminders(now):
    """Run the reminder job at now; return the e-mails it sent (at the
    commit, as the host sends them): [(address, subject, body)]."""
    Reminder = Pool().get('crm.activity.reminder')
    with mocked_smtp() as sent:
        Reminder.send_reminders(now=now)
    return [(address, subject, body)
        for to, subject, body in sent_messages(sent)
        for _, address in getaddresses([to])]


class ActivityReminderTestMixin:
    "Reminders and the calendar feed of activities"

    def _two_zones(self):
        "rep1 in Paris, rep2 in New York, both with e-mail addresses."
        from .tools import create_crm_users
        User = Pool().get('res.user')
        company, users = create_crm_users()
        User.write([users['rep1']], {
                'email': 'rep1@crm.example.com',
                'crm_timezone': 'Europe/Paris'})
        User.write([users['rep2']], {
                'email': 'rep2@crm.example.com',
                'crm_timezone': 'America/New_York'})
        return company, users

    @with_transaction()
    def test_reminder_once_in_two_time_zones(self):
        "A timed event reminds both at the same instant, once, local times"
        company, users = self._two_zones()
        rep1, rep2 = users['rep1'], users['rep2']
        start = dt.datetime(2031, 6, 10, 13, 0)  # 15:00 Paris, 9:00 NY
        create_activity(company, rep1, subject="Kick-off",
            start=start, reminder=30, invited_users=[('add', [rep2.id])])

        self.assertEqual(send_reminders(start - dt.timedelta(minutes=31)), [])
        sent = send_reminders(start - dt.timedelta(minutes=30))
        self.assertEqual(
            sorted(to for to, _, _ in sent),
            ['rep1@crm.example.com', 'rep2@crm.example.com'])
        bodies = {to: (subject, body) for to, subject, body in sent}
        self.assertIn("2031-06-10 15:00 (Europe/Paris)",
            bodies['rep1@crm.example.com'][0])
        self.assertIn("2031-06-10 09:00 (America/New_York)",
            bodies['rep2@crm.example.com'][0])
        # the job runs again, and later: nothing new
        self.assertEqual(send_reminders(start - dt.timedelta(minutes=29)), [])
        self.assertEqual(send_reminders(start - dt.timedelta(minutes=1)), [])

    @with_transaction()
    def test_reminder_all_day_in_each_time_zone(self):
        "An all-day activity reminds each recipient before its own midnight"
        company, users = self._two_zones()
        rep1, rep2 = users['rep1'], users['rep2']
        activity = create_activity(company, rep1, subject="Trade fair",
            start=dt.datetime(2031, 6, 10, 12, 0), all_day=True,
            timezone='Europe/Paris', reminder=60,
            invited_users=[('add', [rep2.id])])
        # the day of the activity in Paris
        self.assertEqual(activity.start, dt.datetime(2031, 6, 9, 22, 0))
        paris_due = dt.datetime(2031, 6, 9, 21, 0)  # 23:00 the day before
        new_york_due = dt.datetime(2031, 6, 10, 3, 0)  # 23:00 in New York

        self.assertEqual(send_reminders(paris_due - dt.timedelta(seconds=1)),
            [])
        sent = send_reminders(paris_due)
        self.assertEqual([to for to, _, _ in sent], ['rep1@crm.example.com'])
        self.assertEqual(send_reminders(new_york_due - dt.timedelta(
                    seconds=1)), [])
        sent = send_reminders(new_york_due)
        self.assertEqual([to for to, _, _ in sent], ['rep2@crm.example.com'])
        self.assertEqual(send_reminders(new_york_due), [])

    @with_transaction()
    def test_reminder_late_not_skipped_and_crash_resends(self):
        """A reminder missed while the server was down is sent once, late;
        a run that crashes sends nothing and the next one sends it"""
        pool = Pool()
        Reminder = pool.get('crm.activity.reminder')
        company, users = self._two_zones()
        rep1 = users['rep1']
        start = dt.datetime(2031, 6, 10, 13, 0)
        create_activity(company, rep1, subject="Demo", start=start,
            reminder=60)
        # the run crashes while sending: nothing is recorded (and the
        # transaction, rolled back, sends nothing at its commit)
        with mock.patch.object(Reminder, 'send_reminder',
                side_effect=RuntimeError("SMTP down")):
            with self.assertRaises(RuntimeError):
                send_reminders(start - dt.timedelta(minutes=10))
        self.assertEqual(Reminder.search([]), [])
        # late (the server was down an hour), once
        sent = send_reminders(start - dt.timedelta(minutes=5))
        self.assertEqual([to for to, _, _ in sent], ['rep1@crm.example.com'])
        self.assertEqual(send_reminders(start - dt.timedelta(minutes=4)), [])
        self.assertEqual(len(Reminder.search([])), 1)

    @with_transaction()
    def test_reminder_of_each_occurrence_not_cancelled(self):
        "Each occurrence reminds once; a cancelled one does not"
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        company, users = self._two_zones()
        rep1 = users['rep1']
        start = dt.datetime(2031, 6, 10, 7, 0)
        activity = create_activity(company, rep1, subject="Stand-up",
            start=start, end=start + dt.timedelta(minutes=15),
            timezone='Europe/Paris', frequency='daily', count=3, reminder=10)
        first, second, third = activity.occurrences
        Occurrence.cancel([second])
        sent = []
        for occurrence in activity.occurrences:
            sent += send_reminders(occurrence.start)
        self.assertEqual(len(sent), 2)
        self.assertEqual(send_reminders(third.start), [])

    @with_transaction()
    def test_reminder_hides_unreadable_related_record(self):
        "An invited user's reminder does not name a record it may not read"
        company, users = self._two_zones()
        rep1, rep2 = users['rep1'], users['rep2']
        account = create_account(company, rep1, name="Secret Account")
        start = dt.datetime(2031, 6, 10, 13, 0)
        create_activity(company, rep1, subject="Review", start=start,
            reminder=5, resource=str(account),
            invited_users=[('add', [rep2.id])])
        sent = {to: body for to, _, body in send_reminders(start)}
        self.assertIn("Secret Account", sent['rep1@crm.example.com'])
        self.assertNotIn("Secret Account", sent['rep2@crm.example.com'])

    @with_transaction()
    def test_feed_recurrence_exceptions_and_sharing(self):
        "The feed: RRULE, EXDATE, RECURRENCE-ID, VTIMEZONE, only the user's"
        from ..activity_feed import build_calendar
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        company, users = self._two_zones()
        rep1, rep2 = users['rep1'], users['rep2']
        start = dt.datetime(2031, 3, 24, 8, 0)  # 9:00 in Paris
        weekly = create_activity(company, rep1, subject="Pipeline review",
            start=start, end=start + dt.timedelta(hours=1),
            timezone='Europe/Paris', frequency='weekly', weekdays=['MO'],
            until=dt.date(2031, 4, 28))
        occurrences = weekly.occurrences
        self.assertEqual(len(occurrences), 6)
        moved = occurrences[1].start + dt.timedelta(days=1, hours=2)
        rpc_call(rep1, Occurrence, 'write', [occurrences[1].id], {
                'start': moved, 'end': moved + dt.timedelta(hours=1)},
            company=company)
        rpc_call(rep1, Occurrence, 'cancel', [occurrences[3].id],
            company=company)
        create_activity(company, rep1, kind='todo', subject="Send prices",
            start=dt.datetime(2031, 4, 2, 16, 0))
        create_activity(company, rep2, subject="Not rep1's")

        calendar = icalendar.Calendar.from_ical(build_calendar(rep1.id))
        events = calendar.walk('VEVENT')
        self.assertEqual(
            sorted(str(e['summary']) for e in events),
            ["Pipeline review", "Pipeline review"])
        master, = [e for e in events if 'RRULE' in e]
        exception, = [e for e in events if 'RECURRENCE-ID' in e]
        self.assertEqual(master['uid'], exception['uid'])
        self.assertEqual(master.decoded('dtstart').tzinfo.key,
            'Europe/Paris')
        self.assertEqual(master.decoded('dtstart').hour, 9)
        rule = master['RRULE']
        self.assertEqual(rule['FREQ'], ['WEEKLY'])
        self.assertEqual(rule['BYDAY'], ['MO'])
        self.assertTrue(rule['UNTIL'])
        exdates = [d.dt for d in master['EXDATE'].dts]
        self.assertEqual(exdates, [dt.datetime(
                    2031, 4, 14, 9, 0, tzinfo=exdates[0].tzinfo)])
        # after DST: the moved one keeps its original Monday 9:00 as id
        recurrence_id = exception.decoded('recurrence-id')
        self.assertEqual((recurrence_id.date(), recurrence_id.hour),
            (dt.date(2031, 3, 31), 9))
        self.assertEqual(exception.decoded('dtstart').astimezone(
                dt.timezone.utc).replace(tzinfo=None), moved)
        todo, = calendar.walk('VTODO')
        self.assertEqual(str(todo['summary']), "Send prices")
        zones = [str(z['tzid']) for z in calendar.walk('VTIMEZONE')]
        self.assertIn('Europe/Paris', zones)

    @with_transaction()
    def test_feed_token(self):
        "The feed token is long, random, and regenerated"
        pool = Pool()
        Feed = pool.get('crm.activity.feed')
        company, users = self._two_zones()
        rep1, rep2 = users['rep1'], users['rep2']
        token = Feed.token_of(rep1.id)
        self.assertGreaterEqual(len(token), 40)
        self.assertEqual(Feed.token_of(rep1.id), token)
        self.assertNotEqual(Feed.token_of(rep2.id), token)
        self.assertEqual(Feed.user_of(token), rep1.id)
        new = Feed.token_of(rep1.id, regenerate=True)
        self.assertNotEqual(new, token)
        self.assertIsNone(Feed.user_of(token))
        self.assertEqual(Feed.user_of(new), rep1.id)
        self.assertIsNone(Feed.user_of(new[:-1]))
        self.assertIsNone(Feed.user_of(''))

    @with_transaction()
    def test_feed_cached_until_changed(self):
        "An unchanged feed is served again; a change builds it again"
        from ..activity_feed import cached_calendar
        pool = Pool()
        Activity = pool.get('crm.activity')
        company, users = self._two_zones()
        rep1 = users['rep1']
        activity = create_activity(company, rep1, subject="Before")
        first = cached_calendar(rep1.id)
        self.assertIn(b"SUMMARY:Before", first)
        self.assertIs(cached_calendar(rep1.id), first)
        Activity.write([activity], {'subject': "After"})
        self.assertIn(b"SUMMARY:After", cached_calendar(rep1.id))
        create_activity(company, rep1, subject="Another")
        self.assertIn(b"SUMMARY:Another", cached_calendar(rep1.id))
