# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Saved reports e-mailed on a schedule (daily, weekly, monthly).

The owner of a report (or a CRM administrator: the record rules of
``crm.report``) chooses its schedule, its format and its recipients.  A
daily cron job (:meth:`Report.send_scheduled`) runs each report due today
as each recipient (only what the recipient may read; the recipient needs
not read the report itself: its owner sends it) and e-mails it the export
of the report (``report_builder_export.export_file``) with the count and
subtotals (the template ``email_template_report_schedule``).  A recipient
without e-mail address, who may not read the report's records, or whose
run fails, is skipped and logged.

Each e-mail is recorded (``crm.report.delivery``, unique per report,
recipient and day; the e-mail and its file are kept on it, read by its
recipient alone) in the transaction that sends it, and the e-mails leave
at its commit: a job that runs twice a day sends nothing new, a job that
crashes sends nothing and the next run serves all, and a recipient served
is not served again whatever happened to the others.  A day the job does
not run is not caught up.
"""
import logging

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .dashboard import readable_by
from .mailing import AUTOMATIC_EMAIL
from .report_builder import shown_columns
from .report_builder_export import export_file
from .report_builder_run import compute, subtotal_value, text
from .rule_user import USER_RULE_MODELS

USER_RULE_MODELS.update({'crm.report.delivery'})
logger = logging.getLogger(__name__)


def summary(data, columns):
    "Return the count and subtotals of each group of data and the total."
    if data.groups is None:
        return ''
    lines = []
    for group in data.groups + [data.total]:
        line = gettext('crm_core.msg_report_schedule_group',
            group=group.label, count=text(group.count))
        for index, value in sorted(group.subtotals.items()):
            line += ', %s %s' % (data.headings[index],
                text(subtotal_value(columns[index], value)))
        lines.append(line)
    return '\n'.join(lines)


def due(report, date):
    "Tell if the schedule of report falls on date."
    if report.schedule == 'daily':
        return True
    if report.schedule == 'weekly':
        return bool(report.schedule_weekday
            and report.schedule_weekday.index == date.weekday())
    if report.schedule == 'monthly':
        return report.schedule_day == date.day
    return False


class Report(metaclass=PoolMeta):
    __name__ = 'crm.report'
    schedule = fields.Selection([
            (None, ""),
            ('daily', "Daily"),
            ('weekly', "Weekly"),
            ('monthly', "Monthly"),
            ], "Schedule", sort=False,
        help="E-mail the report to its recipients, each getting the "
        "records it may read.")
    schedule_weekday = fields.Many2One(
        'ir.calendar.day', "Weekday",
        states={'invisible': Eval('schedule') != 'weekly'})
    schedule_day = fields.Integer(
        "Day of the Month",
        states={'invisible': Eval('schedule') != 'monthly'},
        help="From 1 to 28.")
    schedule_format = fields.Selection([
            ('csv', "CSV"),
            ('xlsx', "Excel (XLSX)"),
            ('pdf', "PDF"),
            ], "Format", required=True,
        states={'invisible': ~Eval('schedule')})
    recipients = fields.Many2Many(
        'crm.report-res.user', 'report', 'user', "Recipients",
        states={'invisible': ~Eval('schedule')})
    last_sent = fields.Date("Last Sent", readonly=True)

    @staticmethod
    def default_schedule_format():
        return 'xlsx'

    @classmethod
    def copy(cls, reports, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('schedule', None)
        default.setdefault('recipients', None)
        default.setdefault('last_sent', None)
        return super().copy(reports, default=default)

    @classmethod
    def validate(cls, reports):
        super().validate(reports)
        for report in reports:
            report.check_schedule()

    def check_schedule(self):
        if not self.schedule:
            return
        if not self.recipients:
            self.refuse('msg_report_schedule_no_recipients')
        if self.schedule == 'weekly' and not self.schedule_weekday:
            self.refuse('msg_report_schedule_no_weekday')
        if self.schedule == 'monthly' and not (
                self.schedule_day and 1 <= self.schedule_day <= 28):
            self.refuse('msg_report_schedule_no_day')

    @classmethod
    def send_scheduled(cls, today=None):
        """E-mail the reports due today (by default the current date) to
        their recipients not served yet."""
        pool = Pool()
        Date = pool.get('ir.date')
        Delivery = pool.get('crm.report.delivery')
        transaction = Transaction()
        today = today or Date.today()
        template = Delivery.template()
        if template is None:
            logger.warning("no template: scheduled reports not sent")
            return
        # (as the cron's root user, whoever runs it)
        with transaction.set_user(0), without_check_access():
            reports = [r for r in cls.search([('schedule', '!=', None)])
                if due(r, today) and r.last_sent != today]
            if not reports:
                return
            # (a second cron process retries, then finds them sent)
            transaction.database.lock_records(
                transaction.connection, cls._table, [r.id for r in reports])
            for report in reports:
                served = {d.user.id for d in Delivery.search([
                            ('report', '=', report.id),
                            ('date', '=', today),
                            ])}
                for user in report.recipients:
                    if user.active and user.id not in served:
                        Delivery.deliver(template, report, user, today)
                report.set_last_sent(today)

    def set_last_sent(self, date):
        """Store date as last_sent, without validating the report again (a
        report its owner may no longer save is still sent)."""
        transaction = Transaction()
        table = self.__table__()
        transaction.connection.cursor().execute(*table.update(
                [table.last_sent], [date], where=table.id == self.id))
        transaction.counter += 1
        for cache in transaction.cache.values():
            cache.get(self.__name__, {}).pop(self.id, None)


class ReportRecipient(ModelSQL):
    "A recipient of a scheduled report"
    __name__ = 'crm.report-res.user'
    report = fields.Many2One(
        'crm.report', "Report", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('report')


class Delivery(ModelSQL, ModelView):
    "A scheduled report e-mailed to a recipient on a day"
    __name__ = 'crm.report.delivery'
    __string__ = "Report Delivery"
    report = fields.Many2One(
        'crm.report', "Report", required=True, ondelete='CASCADE',
        readonly=True)
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE',
        readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    count = fields.Integer("Records", readonly=True)
    summary = fields.Text("Summary", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('report_user_date_unique', Unique(t, t.report, t.user, t.date),
                'crm_core.msg_report_delivery_unique'),
            ]
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def template(cls):
        "Return the e-mail template of the scheduled reports."
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Template = pool.get('ir.email.template')
        try:
            return Template(ModelData.get_id(
                    'crm_core', 'email_template_report_schedule'))
        except KeyError:
            return None

    @classmethod
    def deliver(cls, template, report, user, date):
        """E-mail report run as user, in its language; return the delivery
        or None when user is skipped."""
        pool = Pool()
        Email = pool.get('ir.email')
        Template = pool.get('ir.email.template')
        if not user.email:
            logger.info("report %s: user %s skipped: no e-mail address",
                report.id, user.id)
            return None
        if not readable_by(user.id, report.model_name):
            logger.info("report %s: user %s skipped: may not read %s",
                report.id, user.id, report.model_name)
            return None
        with Transaction().set_context(
                language=user.language.code if user.language else None):
            content = cls.run_as(report, user)
            if content is None:
                return None
            count, text_, exported = content
            delivery, = cls.create([{
                        'report': report.id,
                        'user': user.id,
                        'date': date,
                        'count': count,
                        'summary': text_,
                        }])
            # (the template read in the user's language)
            values = Template(template.id).get(delivery)
            stem, _, extension = exported['filename'].rpartition('.')
            name = '%s-%s.%s' % (stem, date.isoformat(), extension)
            with Transaction().set_context(**{AUTOMATIC_EMAIL: True}):
                Email.send(
                    to=', '.join(Template.get_addresses([user])),
                    subject=values.get('subject', ''),
                    body=values.get('body', ''),
                    files=[(name, exported['file'])],
                    record=[cls.__name__, delivery.id])
        return delivery

    @classmethod
    def run_as(cls, report, user):
        """Return (count, summary, exported file) of report run as user, or
        None when the run fails (logged, what it did undone)."""
        cursor = Transaction().connection.cursor()
        cursor.execute('SAVEPOINT crm_report_schedule')
        try:
            # (the export lists the rows; the count and subtotals only)
            data = compute(report, user.id, limit=1)
            text_ = summary(data, shown_columns(report, user.id))
            with Transaction().set_user(user.id):
                exported = export_file(report, report.schedule_format)
        except backend.DatabaseOperationalError:
            raise
        except Exception:
            cursor.execute('ROLLBACK TO SAVEPOINT crm_report_schedule')
            Transaction().cache.clear()
            logger.warning("report %s: user %s skipped", report.id, user.id,
                exc_info=True)
            return None
        cursor.execute('RELEASE SAVEPOINT crm_report_schedule')
        if exported.get('note'):
            text_ = '\n'.join(filter(None, [text_, exported['note']]))
        return data.count, text_, exported


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.report|send_scheduled', "Send Scheduled Reports"))
