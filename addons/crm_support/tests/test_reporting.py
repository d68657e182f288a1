# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The support reports: their figures, filters and labels, and that a rep
counts only the tickets it may read."""
import datetime
import unittest

from crm_core.tests.tools import report_rows, rpc_call, set_sharing
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .support_fixtures import SupportFixtures


def at(month, day_):
    "Return 9:00 of the day of 2026."
    return datetime.datetime(2026, month, day_, 9)


def hours(number):
    return datetime.timedelta(hours=number)


class SupportReportTestCase(SupportFixtures, unittest.TestCase):
    "Test the support reports"

    def setup_tickets(self):
        """Create as root the tickets of the reports (support.rep's are
        private to it, support.rep2's to it; t6 is of the team Help Desk,
        without members nor user):

        ====  =====  ===========  ========  ========  =======  =====  ===
        tt    owner  state        priority  category  account  creat  1st
        ====  =====  ===========  ========  ========  =======  =====  ===
        t1    rep    open         urgent    big       A        03-02  2 h
        t2    rep    in_progress  high      small     A        03-10  4 h
        t3    rep    closed 10 h  normal    big       A        03-15  1 h
        t4    rep2   open         urgent    big       B        03-05
        t5    rep2   closed 30 h  urgent              B        04-02  3 h
        t6           wait         low       small              03-20
        ====  =====  ===========  ========  ========  =======  =====  ==="""
        pool = Pool()
        Team = pool.get('crm.team')
        self._world()
        self.team, = Team.create([{'name': "Help Desk"}])
        self.account_a, _ = self._account("Initech", owner='support.rep')
        self.account_b, _ = self._account("Globex", owner='support.rep2')
        big, small = self.category('big'), self.category('small')
        a, b = self.account_a.id, self.account_b.id
        self.tickets = [
            self.ticket('support.rep', 'open', 'urgent', big, a,
                at(3, 2), first=hours(2)),
            self.ticket('support.rep', 'in_progress', 'high', small, a,
                at(3, 10), first=hours(4)),
            self.ticket('support.rep', 'closed', 'normal', big, a,
                at(3, 15), first=hours(1), resolution=hours(10)),
            self.ticket('support.rep2', 'open', 'urgent', big, b, at(3, 5)),
            self.ticket('support.rep2', 'closed', 'urgent', None, b,
                at(4, 2), first=hours(3), resolution=hours(30)),
            self.ticket(None, 'wait_for_response', 'low', small, None,
                at(3, 20), assigned_team=self.team.id),
            ]
        return self.tickets

    def category(self, name):
        pool = Pool()
        Category = pool.get('crm.ticket.category')
        ModelData = pool.get('ir.model.data')
        return Category(
            ModelData.get_id('crm_support', f'ticket_category_{name}'))

    def status(self, state):
        return Pool().get('crm.ticket.status').first_of_state(state)

    def ticket(self, owner, state, priority, category, account, created,
            first=None, resolution=None, **values):
        """Create as root a ticket of owner created at created, answered
        first after it and closed resolution after it."""
        Ticket = Pool().get('crm.ticket')
        ticket, = Ticket.create([{
                    'company': self.company.id, 'title': "Printer jams",
                    'assigned_user': owner and self.users[owner].id,
                    'state': state, 'status': self.status(state),
                    'priority': priority,
                    'category': category and category.id,
                    'account': account,
                    'solution': "Replaced" if state == 'closed' else None,
                    **values}])
        self.set_times(ticket, created, first, resolution)
        return ticket

    def set_times(self, record, created, first=None, resolution=None):
        """Store the creation of record (a ticket or a FAQ) and the times
        of a ticket as the server would have, in SQL."""
        Model = Pool().get(record.__name__)
        table = Model.__table__()
        cursor = Transaction().connection.cursor()
        columns, values = [table.create_date], [created]
        if record.__name__ == 'crm.ticket':
            columns += [table.first_response_date, table.first_response_time,
                table.closed_date, table.resolution_time]
            values += [first and created + first, first,
                resolution and created + resolution, resolution]
        cursor.execute(*table.update(
                columns, values, where=table.id == record.id))

    def report(self, name, user=None, **context):
        "Return the rows of the report name as user (root if None)."
        return report_rows(name, self.company,
            self.users[user] if user else None, **context)

    def figures(self, row, *names):
        "Return the figures names of row (floats to 0.0001)."
        values = (getattr(row, n) for n in names)
        return tuple(round(v, 4) if isinstance(v, float) else v
            for v in values)

    def by(self, rows, key, *names):
        "Return {key of row: (figures)} of the rows."
        return {getattr(row, key): self.figures(row, *names) for row in rows}

    def user(self, login):
        return self.users[login] if login else None

    @with_transaction()
    def test_tickets_by_status(self):
        "Tickets by status, in the order of the workflow"
        self.setup_tickets()
        rows = self.report('crm.ticket.report.status')
        self.assertEqual(
            [(r.state, r.status.id, r.state_name, r.number) for r in rows], [
                ('open', self.status('open'), "Open", 2),
                ('in_progress', self.status('in_progress'), "In Progress", 1),
                ('wait_for_response', self.status('wait_for_response'),
                    "Wait For Response", 1),
                ('closed', self.status('closed'), "Closed", 2),
                ])

    @with_transaction()
    def test_tickets_by_priority(self):
        "Tickets by priority, the most urgent first, and those still open"
        self.setup_tickets()
        rows = self.report('crm.ticket.report.priority')
        self.assertEqual(
            [(r.priority, r.priority_name, r.number, r.open_tickets)
                for r in rows], [
                ('urgent', "Urgent", 3, 2),
                ('high', "High", 1, 1),
                ('normal', "Normal", 1, 0),
                ('low', "Low", 1, 1),
                ])

    @with_transaction()
    def test_tickets_by_category_account_assignee(self):
        "Tickets by category, account and assignee, and those still open"
        self.setup_tickets()
        rows = self.report('crm.ticket.report.category')
        self.assertEqual(
            self.by(rows, 'category', 'number', 'open_tickets'), {
                self.category('big'): (3, 2),
                self.category('small'): (2, 2),
                None: (1, 0),
                })
        self.assertEqual(rows[0].category, self.category('big'))
        rows = self.report('crm.ticket.report.account')
        self.assertEqual(
            self.by(rows, 'account', 'number', 'open_tickets'), {
                self.account_a: (3, 2), self.account_b: (2, 1), None: (1, 1)})
        rows = self.report('crm.ticket.report.assignee')
        self.assertEqual(
            self.by(rows, 'assigned_user', 'number', 'open_tickets'), {
                self.user('support.rep'): (3, 2),
                self.user('support.rep2'): (2, 1),
                None: (1, 1),
                })
        # The graphs' labels: names, "Not set" for none
        with Transaction().set_user(0):
            self.assertEqual(self.by(rows, 'label', 'number'), {
                    self.user('support.rep').rec_name: (3,),
                    self.user('support.rep2').rec_name: (2,),
                    "Not set": (1,),
                    })
            rows = self.report('crm.ticket.report.account')
            self.assertEqual(self.by(rows, 'label', 'number'), {
                    "Initech": (3,), "Globex": (2,), "Not set": (1,)})

    @with_transaction()
    def test_response_times(self):
        """Average first response and resolution in hours of the tickets
        answered and closed, per assignee and per priority"""
        self.setup_tickets()
        names = ('number', 'answered', 'first_response_hours', 'closed',
            'resolution_hours')
        rows = self.report('crm.ticket.report.response_time_assignee')
        self.assertEqual(self.by(rows, 'assigned_user', *names), {
                self.user('support.rep'): (3, 3, round(7 / 3, 4), 1, 10),
                self.user('support.rep2'): (2, 1, 3, 1, 30),
                None: (1, 0, None, 0, None),
                })
        rows = self.report('crm.ticket.report.response_time_priority')
        self.assertEqual(
            [(r.priority_name, *self.figures(r, *names)) for r in rows], [
                ("Urgent", 3, 2, 2.5, 1, 30),
                ("High", 1, 1, 4, 0, None),
                ("Normal", 1, 1, 1, 1, 10),
                ("Low", 1, 0, None, 0, None),
                ])

    @with_transaction()
    def test_period_owner_team(self):
        """The period takes the tickets created from its first day to the
        end of its last day; the owner and the team filter"""
        self.setup_tickets()
        numbers = {}
        for label, context in [
                ('march', {'from_date': datetime.date(2026, 3, 1),
                        'to_date': datetime.date(2026, 3, 31)}),
                ('5 to 15', {'from_date': datetime.date(2026, 3, 5),
                        'to_date': datetime.date(2026, 3, 15)}),
                ('rep2', {'assigned_user': self.users['support.rep2'].id}),
                ('team', {'assigned_team': self.team.id}),
                ]:
            rows = self.report('crm.ticket.report.priority', **context)
            numbers[label] = self.by(rows, 'priority', 'number')
        self.assertEqual(numbers, {
                'march': {'urgent': (2,), 'high': (1,), 'normal': (1,),
                    'low': (1,)},
                # t4 at 9:00 of the 5th, t2, t3 at 9:00 of the 15th
                '5 to 15': {'urgent': (1,), 'high': (1,), 'normal': (1,)},
                'rep2': {'urgent': (2,)},
                'team': {'low': (1,)},
                })
        rows = self.report('crm.ticket.report.response_time_assignee',
            from_date=datetime.date(2026, 4, 1))
        self.assertEqual(
            self.by(rows, 'assigned_user', 'number', 'resolution_hours'),
            {self.user('support.rep2'): (1, 30)})

    @with_transaction()
    def test_aged_tickets(self):
        """Open tickets created more than the context's days ago (7 by
        default), per assignee: how many, the oldest and the average age"""
        Context = Pool().get('crm.support.report.context')
        self._world()
        now = datetime.datetime.now(
            datetime.timezone.utc).replace(tzinfo=None)
        for owner, state, age in [
                ('support.rep', 'open', 10),
                ('support.rep', 'in_progress', 20),
                ('support.rep', 'closed', 30),
                ('support.rep', 'open', 3),
                ('support.rep2', 'wait_for_response', 8),
                ]:
            self.ticket(owner, state, 'normal', None, None,
                now - datetime.timedelta(days=age))
        self.assertEqual(Context.default_days(), 7)
        rows = self.report('crm.ticket.report.aged')
        figures = {r.assigned_user: (r.number, round(r.oldest_days, 1),
                round(r.average_days, 1)) for r in rows}
        self.assertEqual(figures, {
                self.user('support.rep'): (2, 20, 15),
                self.user('support.rep2'): (1, 8, 8),
                })
        # The oldest first
        self.assertEqual(
            [r.assigned_user for r in rows],
            [self.user('support.rep'), self.user('support.rep2')])
        rows = self.report('crm.ticket.report.aged', days=15)
        self.assertEqual(self.by(rows, 'assigned_user', 'number'),
            {self.user('support.rep'): (1,)})
        with Transaction().set_context(days=15):
            self.assertEqual(Context.default_days(), 15)
        # What a client puts in the context is brought within bounds
        for days, expected in [
                (987654321, 36500), (-5, 0), ('x', 7), (None, 7)]:
            with Transaction().set_context(days=days):
                self.assertEqual(Context.default_days(), expected)
        rows = self.report('crm.ticket.report.aged', days=987654321)
        self.assertEqual(rows, [])

        # A rep counts only its own
        rows = self.report('crm.ticket.report.aged', user='support.rep2')
        self.assertEqual(self.by(rows, 'assigned_user', 'number'),
            {self.user('support.rep2'): (1,)})

    def setup_faq(self):
        """Create as root the FAQ of the reports, linked to the tickets:

        f1 rep draft: t1, t3; f2 rep published: t1, t2, t4, t5;
        f3 rep2 published (created in April): t4; f4 rep2 obsolete."""
        Faq = Pool().get('crm.faq')
        t1, t2, t3, t4, t5, _ = self.setup_tickets()
        faqs = []
        for owner, state, tickets, created in [
                ('support.rep', 'draft', [t1, t3], at(3, 1)),
                ('support.rep', 'published', [t1, t2, t4, t5], at(3, 1)),
                ('support.rep2', 'published', [t4], at(4, 1)),
                ('support.rep2', 'obsolete', [], at(3, 1)),
                ]:
            faq = self._faq(owner, state=state)
            Faq.write([faq], {'tickets': [('add', [t.id for t in tickets])]})
            self.set_times(faq, created)
            faqs.append(faq)
        return faqs

    @with_transaction()
    def test_faq_by_status(self):
        "FAQ by status, in the order of the verification, filtered"
        self.setup_faq()
        rows = self.report('crm.faq.report.status')
        self.assertEqual(
            [(r.state, r.state_name, r.number) for r in rows], [
                ('draft', "Draft", 1),
                ('published', "Published", 2),
                ('obsolete', "Obsolete", 1),
                ])
        rows = self.report('crm.faq.report.status',
            assigned_user=self.users['support.rep2'].id,
            to_date=datetime.date(2026, 3, 31))
        self.assertEqual(self.by(rows, 'state', 'number'), {'obsolete': (1,)})

    @with_transaction()
    def test_faq_most_linked(self):
        "FAQ by their number of linked tickets, the most linked first"
        f1, f2, f3, _ = self.setup_faq()
        rows = self.report('crm.faq.report.linked')
        self.assertEqual(
            [(r.faq, r.state_name, r.number) for r in rows], [
                (f2, "Published", 4), (f1, "Draft", 2), (f3, "Published", 1)])
        # The tickets of the context: rep2's
        rows = self.report('crm.faq.report.linked',
            assigned_user=self.users['support.rep2'].id)
        self.assertEqual(self.by(rows, 'faq', 'number'), {f2: (2,), f3: (1,)})

    @with_transaction()
    def test_reports_follow_sharing(self):
        """A rep's figures count only the tickets it may read: not the
        private tickets of the other rep, even when asked for"""
        Status = Pool().get('crm.ticket.report.status')
        f1, f2, f3, _ = self.setup_faq()
        rep, rep2 = self.user('support.rep'), self.user('support.rep2')
        figures = {
            login: self.by(self.report('crm.ticket.report.priority',
                    user=login), 'priority', 'number', 'open_tickets')
            for login in ['support.rep', 'support.rep2']}
        self.assertEqual(figures, {
                'support.rep': {'urgent': (1, 1), 'high': (1, 1),
                    'normal': (1, 0)},
                'support.rep2': {'urgent': (2, 1)},
                })
        rows = self.report('crm.ticket.report.assignee', user='support.rep',
            assigned_user=rep2.id)
        self.assertEqual(rows, [])
        # A ticket of the rep on the other rep's private account: counted
        # under the placeholder of the account, not its name
        set_sharing('party.party', 'private')
        self.ticket('support.rep', 'open', 'low', None, self.account_b.id,
            datetime.datetime(2026, 3, 21))
        rows = self.report('crm.ticket.report.account', user='support.rep')
        self.assertEqual(self.by(rows, 'label', 'number'), {
                "Initech": (3,), "(not shared with you)": (1,)})
        for name in ['crm.ticket.report.account',
                'crm.ticket.report.response_time_assignee',
                'crm.ticket.report.response_time_priority']:
            with self.subTest(report=name):
                rows = self.report(name, user='support.rep')
                self.assertEqual(sum(r.number for r in rows), 4)
        rows = self.report('crm.ticket.report.response_time_assignee',
            user='support.rep2')
        self.assertEqual(
            self.by(rows, 'assigned_user', 'number', 'answered',
                'first_response_hours', 'closed', 'resolution_hours'),
            {rep2: (2, 1, 3, 1, 30)})
        # The FAQ are public, the tickets they count are the rep's
        rows = self.report('crm.faq.report.linked', user='support.rep')
        self.assertEqual(self.by(rows, 'faq', 'number'), {f1: (2,), f2: (2,)})
        rows = self.report('crm.faq.report.status', user='support.rep')
        self.assertEqual(sum(r.number for r in rows), 4)
        # Private FAQ: a rep counts its own only
        set_sharing('crm.faq', 'private')
        rows = self.report('crm.faq.report.status', user='support.rep')
        self.assertEqual(self.by(rows, 'state', 'number'),
            {'draft': (1,), 'published': (1,)})
        rows = self.report('crm.faq.report.linked', user='support.rep2')
        self.assertEqual(self.by(rows, 'faq', 'number'), {f3: (1,)})

        # Over RPC, as the client reads them
        rows = rpc_call(rep, Status, 'search_read', [], 0, None, None,
            ['state', 'number'], company=self.company)
        self.assertEqual({r['state']: r['number'] for r in rows},
            {'open': 2, 'in_progress': 1, 'closed': 1})

    @with_transaction()
    def test_views_show_labels(self):
        "The graphs and lists show the selections' labels, not their keys"
        pool = Pool()
        View = pool.get('ir.ui.view')
        for model, label, key in [
                ('crm.ticket.report.priority', 'priority_name', 'priority'),
                ('crm.ticket.report.response_time_priority',
                    'priority_name', 'priority'),
                ('crm.faq.report.status', 'state_name', 'state'),
                ]:
            Model = pool.get(model)
            views = View.search([('model', '=', model)])
            self.assertEqual({v.type for v in views}, {'tree', 'graph'})
            for view in views:
                with self.subTest(model=model, view=view.type):
                    arch = Model.fields_view_get(view.id)['arch']
                    self.assertIn(f'name="{label}"', arch)
                    self.assertNotIn(f'name="{key}"', arch)
