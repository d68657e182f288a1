# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Scheduled reports: each recipient e-mailed its own rows once a day, the
skipped recipients, the due days and bad schedules refused.

The world is the report builder's: private accounts, three of rep1 (two in
banking), two of rep2 (banking)."""
import csv
import datetime as dt
import io
from email.utils import getaddresses
from unittest import mock

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..report_builder_schedule import due
from .test_report_builder import ReportBuilderTestMixin
from .tools import CrmUser, acting_as, create_crm_users, mocked_smtp, one_call

MONDAY = dt.date(2031, 6, 9)


def send_scheduled(today):
    """Run the job on today; return the e-mails it sent (at the commit):
    {address: (subject, html body, {file name: CSV rows})}."""
    Report = Pool().get('crm.report')
    with mocked_smtp() as sent:
        Report.send_scheduled(today=today)
    messages = {}
    for (message, *_), _ in sent.call_args_list:
        files = {}
        for part in message.iter_attachments():
            content = part.get_content()
            if isinstance(content, bytes):
                content = content.decode('utf-8-sig')
            files[part.get_filename()] = list(
                csv.reader(io.StringIO(content.lstrip('\ufeff'))))
        html = message.get_body(('html',)).get_content()
        (_, to), = getaddresses([str(message['To'])])
        messages[to] = (str(message['Subject']), html, files)
    return messages


class ReportScheduleTestMixin:
    "Scheduled reports: recipients, once a day, due days, bad input"

    def _scheduled(self, **values):
        """rep1's accounts by industry, shared with the sales reps, mailed
        daily as CSV to rep1 and rep2 (with e-mail addresses)."""
        User = Pool().get('res.user')
        company, users, folder = ReportBuilderTestMixin._report_world(self)
        for login in ['rep1', 'rep2']:
            User.write([users[login]], {'email': '%s@crm.example.com' % login})
        report = ReportBuilderTestMixin._by_industry(
            self, users['rep1'], company, folder, **dict({
                    'shared_roles': [('add', [users['rep1'].crm_role.id])],
                    'schedule': 'daily',
                    'schedule_format': 'csv',
                    'recipients': [('add', [
                                users['rep1'].id, users['rep2'].id])],
                    }, **values))
        return company, users, report

    @with_transaction()
    def test_report_schedule_each_recipient_its_rows(self):
        "Each recipient gets a file of the rows it reads, once a day"
        pool = Pool()
        Report = pool.get('crm.report')
        Delivery = pool.get('crm.report.delivery')
        Email = pool.get('ir.email')
        company, users, report = self._scheduled()

        sent = send_scheduled(MONDAY)
        self.assertEqual(sorted(sent), [
                'rep1@crm.example.com', 'rep2@crm.example.com'])
        subject, body, files = sent['rep1@crm.example.com']
        self.assertEqual(subject, "By Industry (06/09/2031)")
        self.assertIn("3 records", body)
        self.assertIn("Banking: 2 records, Annual Revenue 150.00", body)
        (name, rows), = files.items()
        self.assertEqual(name, 'By-Industry-2031-06-09.csv')
        names = lambda rows: sorted(  # noqa: E731
            r[1] for r in rows[1:] if r[1])
        self.assertEqual(names(rows), ["Bank One", "Bank Two", "Chem One"])
        subject, body, files = sent['rep2@crm.example.com']
        self.assertIn("2 records", body)
        self.assertNotIn("Chemicals", body)
        rows, = files.values()
        self.assertEqual(names(rows), ["Bank Four", "Bank Three"])
        self.assertEqual(Report(report.id).last_sent, MONDAY)

        # the job runs again the same day: nothing new; the next day: again
        self.assertEqual(send_scheduled(MONDAY), {})
        self.assertEqual(len(send_scheduled(MONDAY + dt.timedelta(1))), 2)

        # each reads its own deliveries and the e-mails kept on them
        with acting_as(users['rep2'], company):
            self.assertEqual(
                {(d.user, d.date, d.count) for d in Delivery.search([])}, {
                    (users['rep2'], MONDAY, 2),
                    (users['rep2'], MONDAY + dt.timedelta(1), 2)})
            emails = Email.search([])
            self.assertEqual(len(emails), 2)
            self.assertEqual({e.resource.user for e in emails},
                {users['rep2']})

        # a copy is not scheduled
        copy, = Report.copy([Report(report.id)])
        self.assertEqual((copy.schedule, copy.recipients, copy.last_sent),
            (None, (), None))

    @with_transaction()
    def test_report_schedule_skips_recipient(self):
        """A recipient without e-mail address, or who may not read the
        accounts, is skipped and logged; the others get it"""
        pool = Pool()
        Report = pool.get('crm.report')
        ModelAccess = pool.get('ir.model.access')
        company, users, report = self._scheduled()
        _, outsiders = create_crm_users(company, [
                CrmUser('outsider', email='outsider@crm.example.com')])
        outsider = outsiders['outsider']
        Report.write([report], {'recipients': [('add', [
                            users['manager'].id, outsider.id])]})
        get_access = ModelAccess.get_access

        def deny_outsider(models):
            access = get_access(models)
            if Transaction().user == outsider.id and 'party.party' in access:
                access['party.party'] = dict.fromkeys(access['party.party'],
                    False)
            return access
        with self.assertLogs(level='INFO') as logs, mock.patch.object(
                ModelAccess, 'get_access', deny_outsider):
            sent = send_scheduled(MONDAY)
        self.assertEqual(sorted(sent), [
                'rep1@crm.example.com', 'rep2@crm.example.com'])
        skipped = sorted(m.split(' skipped: ')[1] for m in logs.output
            if 'skipped' in m)
        self.assertEqual(skipped, ['may not read party.party',
                'no e-mail address'])

    @with_transaction()
    def test_report_schedule_resumes_after_crash(self):
        """A run that crashes sends and records nothing, the next serves
        all; a recipient served is not served again"""
        pool = Pool()
        Delivery = pool.get('crm.report.delivery')
        Email = pool.get('ir.email')
        company, users, report = self._scheduled()
        send = Email.send

        def failing_send(**values):
            if 'rep2' in values['to']:
                raise RuntimeError("SMTP down")
            return send(**values)
        with mock.patch.object(Email, 'send', side_effect=failing_send):
            # (the job's transaction is rolled back)
            with self.assertRaises(RuntimeError), one_call():
                send_scheduled(MONDAY)
        self.assertEqual(Delivery.search([]), [])

        # rep1 served by a run that committed before failing
        Delivery.create([{
                    'report': report.id, 'user': users['rep1'].id,
                    'date': MONDAY}])
        self.assertEqual(list(send_scheduled(MONDAY)),
            ['rep2@crm.example.com'])
        self.assertEqual(send_scheduled(MONDAY), {})

    def test_report_schedule_due(self):
        "Daily every day, weekly on its weekday, monthly on its day"
        class Report:
            schedule_weekday = mock.Mock(index=0)
            schedule_day = 15
        report = Report()
        for schedule, date, expected in [
                ('daily', MONDAY, True),
                ('weekly', MONDAY, True),
                ('weekly', MONDAY + dt.timedelta(1), False),
                ('monthly', dt.date(2031, 6, 15), True),
                ('monthly', dt.date(2031, 6, 14), False),
                (None, MONDAY, False),
                ]:
            report.schedule = schedule
            self.assertEqual(due(report, date), expected, (schedule, date))

    @with_transaction()
    def test_report_schedule_due_days(self):
        "A weekly or monthly report is sent on its day only"
        pool = Pool()
        Report = pool.get('crm.report')
        Day = pool.get('ir.calendar.day')
        wednesday, = Day.search([('index', '=', 2)])
        company, users, report = self._scheduled(
            schedule='weekly', schedule_weekday=wednesday.id)
        self.assertEqual(send_scheduled(MONDAY), {})
        self.assertEqual(len(send_scheduled(MONDAY + dt.timedelta(2))), 2)

        Report.write([report], {'schedule': 'monthly', 'schedule_day': 12})
        self.assertEqual(send_scheduled(MONDAY + dt.timedelta(1)), {})
        self.assertEqual(len(send_scheduled(MONDAY + dt.timedelta(3))), 2)

    @with_transaction()
    def test_report_schedule_bad_input(self):
        """A schedule without recipients, weekday or day is refused, nothing
        saved; only the owner changes the schedule"""
        pool = Pool()
        Report = pool.get('crm.report')
        company, users, report = self._scheduled()
        rep1, rep2 = users['rep1'], users['rep2']
        bad = [
            {'recipients': None},
            {'schedule': 'weekly'},
            {'schedule': 'monthly'},
            {'schedule': 'monthly', 'schedule_day': 31},
            ]
        cursor = Transaction().connection.cursor()
        with acting_as(rep1, company):
            for values in bad:
                with self.subTest(values=values):
                    cursor.execute('SAVEPOINT bad_schedule')
                    with self.assertRaises(UserError):
                        Report.create([dict({
                                        'name': "Bad",
                                        'folder': report.folder.id,
                                        'record_type': 'account',
                                        'schedule': 'daily',
                                        'recipients': [('add', [rep1.id])],
                                        }, **values)])
                    cursor.execute('ROLLBACK TO SAVEPOINT bad_schedule')
            self.assertEqual(Report.search([('name', '=', "Bad")]), [])
            cursor.execute('SAVEPOINT bad_schedule')
            with self.assertRaises(UserError):
                Report.write([Report(report.id)], {'recipients': [
                            ('remove', [rep1.id, rep2.id])]})
            cursor.execute('ROLLBACK TO SAVEPOINT bad_schedule')
        # rep2 reads the report (shared) but may not change its schedule
        with acting_as(rep2, company):
            for values in [
                    {'schedule': None},
                    {'recipients': [('remove', [rep1.id])]}]:
                with self.subTest(values=values), \
                        self.assertRaises(AccessError):
                    Report.write([Report(report.id)], values)
