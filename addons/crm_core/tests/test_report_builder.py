# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The report builder: what a report counts and lists for each user, its
sharing, its run over JSON-RPC and bad input refused with nothing saved.

The world: accounts are private; rep1 owns three accounts (two in banking,
one in chemicals), rep2 owns two (banking); a contact of rep1 works for an
account of rep2."""
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from lxml import etree

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .. import report_builder_run
from ..report_builder import date_range_bounds
from ..report_builder_run import compute
from .tools import acting_as, create_crm_users, rpc_call, set_sharing

ACCOUNTS = [
    # name, owner, industry, annual revenue
    ("Bank One", 'rep1', 'banking', Decimal('100')),
    ("Bank Two", 'rep1', 'banking', Decimal('50')),
    ("Chem One", 'rep1', 'chemicals', Decimal('7')),
    ("Bank Three", 'rep2', 'banking', Decimal('1000')),
    ("Bank Four", 'rep2', 'banking', Decimal('2000')),
    ]


def _field(model, name):
    ModelField = Pool().get('ir.model.field')
    field, = ModelField.search([('model', '=', model), ('name', '=', name)])
    return field.id


class ReportBuilderTestMixin:
    "Saved reports: counts, sharing, runs and bad input"

    def _report_world(self):
        pool = Pool()
        Party = pool.get('party.party')
        Folder = pool.get('crm.report.folder')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')
        accounts = {}
        for name, owner, industry, revenue in ACCOUNTS:
            accounts[name], = Party.create([{
                        'name': name, 'crm_type': 'account',
                        'crm_company': company.id,
                        'assigned_user': users[owner].id,
                        'industry': industry, 'annual_revenue': revenue,
                        }])
        Party.create([{
                    'name': "Carla Contact", 'crm_type': 'contact',
                    'first_name': "Carla", 'last_name': "Contact",
                    'crm_company': company.id,
                    'account': accounts["Bank Three"].id,
                    'assigned_user': users['rep1'].id,
                    }])
        folder, = Folder.create([{'name': "Tests"}])
        return company, users, folder

    def _by_industry(self, user, company, folder, **values):
        "rep's report of accounts by industry with a revenue subtotal"
        Report = Pool().get('crm.report')
        with acting_as(user, company):
            report, = Report.create([dict({
                            'name': "By Industry", 'folder': folder.id,
                            'record_type': 'account',
                            'columns': [('create', [{
                                            'field': _field(
                                                'party.party', 'name'),
                                            'sequence': 1,
                                            }, {
                                            'field': _field('party.party',
                                                'annual_revenue'),
                                            'aggregate': 'sum',
                                            'sequence': 2,
                                            }])],
                            'group_by': _field('party.party', 'industry'),
                            }, **values)])
        return report

    @with_transaction()
    def test_report_counts_what_the_user_reads(self):
        "A summary report counts, sums and lists only the readable accounts"
        company, users, folder = self._report_world()
        report = self._by_industry(users['rep1'], company, folder)
        report.shared_roles = [users['rep2'].crm_role.id]
        report.save()

        data = compute(report, users['rep1'].id)
        self.assertEqual(
            [(g.label, g.count, g.subtotals[1]) for g in data.groups],
            [("Banking", 2, Decimal('150')), ("Chemicals", 1, Decimal('7'))])
        self.assertEqual(data.count, 3)
        self.assertEqual(sorted(r[0] for r in data.rows),
            ["Bank One", "Bank Two", "Chem One"])

        # rep2 runs rep1's report (shared with its role): its own only
        data = compute(report, users['rep2'].id)
        self.assertEqual(
            [(g.label, g.count, g.subtotals[1]) for g in data.groups],
            [("Banking", 2, Decimal('3000'))])
        self.assertEqual(data.total.subtotals[1], Decimal('3000'))
        self.assertEqual(sorted(r[0] for r in data.rows),
            ["Bank Four", "Bank Three"])

        # the manager (above both) reads the five
        data = compute(report, users['manager'].id)
        self.assertEqual(data.count, 5)
        self.assertEqual(data.total.subtotals[1], Decimal('3157'))

        # beyond MAX_GROUPS the largest groups are listed, the total
        # counts every record
        with patch.object(report_builder_run, 'MAX_GROUPS', 1):
            data = compute(report, users['manager'].id)
        self.assertEqual([(g.label, g.count) for g in data.groups],
            [("Banking", 4)])
        self.assertEqual(data.count, 5)

    @with_transaction()
    def test_report_lists_rows_group_by_group(self):
        """The listed rows are the first of each group as the groups are
        shown, in the columns' order, whether searched group by group or
        all at once (past LISTED_GROUPS)"""
        company, users, folder = self._report_world()
        report = self._by_industry(users['manager'], company, folder,
            limit=3)
        report.columns[1].order = 'DESC'
        report.columns[1].save()
        for listed_groups in [report_builder_run.LISTED_GROUPS, 0]:
            with self.subTest(listed_groups=listed_groups), patch.object(
                    report_builder_run, 'LISTED_GROUPS', listed_groups):
                data = compute(report, users['manager'].id, limit=3)
                self.assertEqual([r[0] for r in data.rows],
                    ["Bank Four", "Bank Three", "Bank One"])
                self.assertEqual(data.row_groups, ['banking'] * 3)
                self.assertEqual(data.count, 5)
        # a limit beyond the first group goes on with the next one
        data = compute(report, users['manager'].id, limit=5)
        self.assertEqual([r[0] for r in data.rows], [
                "Bank Four", "Bank Three", "Bank One", "Bank Two",
                "Chem One"])

    @with_transaction()
    def test_report_linked_record_hidden(self):
        "A column of a linked record the user may not read stays empty"
        Report = Pool().get('crm.report')
        company, users, folder = self._report_world()
        with acting_as(users['rep1'], company):
            report, = Report.create([{
                        'name': "Contacts", 'folder': folder.id,
                        'record_type': 'contact',
                        'columns': [('create', [{
                                        'field': _field('party.party', 'name'),
                                        }, {
                                        'field': _field(
                                            'party.party', 'account'),
                                        }, {
                                        'field': _field(
                                            'party.party', 'account'),
                                        'related': _field('party.party',
                                            'annual_revenue'),
                                        }])],
                        }])
        data = compute(report, users['rep1'].id)
        self.assertEqual(data.rows, [["Carla Contact", None, None]])
        data = compute(report, users['manager'].id)
        self.assertEqual(
            data.rows, [["Carla Contact", "Bank Three", Decimal('1000')]])

    @with_transaction()
    def test_report_filters(self):
        "Conditions (all, any) and a date range narrow the rows"
        pool = Pool()
        Report = pool.get('crm.report')
        Condition = pool.get('crm.report.condition')
        company, users, folder = self._report_world()
        report = self._by_industry(users['manager'], company, folder,
            group_by=None)
        with acting_as(users['manager'], company):
            Condition.create([{
                        'report': report.id,
                        'field': _field('party.party', 'annual_revenue'),
                        'operator': '>=', 'value': '100',
                        }, {
                        'report': report.id,
                        'field': _field('party.party', 'industry'),
                        'operator': '=', 'value': 'Chemicals',
                        }])
        names = lambda: sorted(r[0] for r in compute(  # noqa: E731
                Report(report.id), users['manager'].id).rows)
        self.assertEqual(names(), [])
        report.match = 'any'
        report.save()
        self.assertEqual(names(),
            ["Bank Four", "Bank One", "Bank Three", "Chem One"])
        report.date_field = _field('party.party', 'create_date')
        report.date_range = 'last_year'
        report.save()
        self.assertEqual(names(), [])
        report.date_range = 'today'
        report.save()
        self.assertEqual(len(names()), 4)

    @with_transaction()
    def test_report_groups_by_period(self):
        "A date grouped by month and by quarter, the database's truncation"
        company, users, folder = self._report_world()
        report = self._by_industry(users['manager'], company, folder,
            group_by=_field('party.party', 'create_date'),
            group_period='month')
        today = dt.date.today()
        data = compute(report, users['manager'].id)
        self.assertEqual([(g.label, g.count) for g in data.groups],
            [(today.strftime('%Y-%m'), 5)])
        report.group_period = 'quarter'
        report.save()
        data = compute(report, users['manager'].id)
        self.assertEqual([(g.label, g.count) for g in data.groups],
            [('Q%s %s' % ((today.month - 1) // 3 + 1, today.year), 5)])

    def test_date_ranges(self):
        "The date ranges around a Wednesday"
        today = dt.date(2026, 5, 13)
        self.assertEqual(date_range_bounds('last_month', today),
            (dt.date(2026, 4, 1), dt.date(2026, 5, 1)))
        self.assertEqual(date_range_bounds('this_week', today),
            (dt.date(2026, 5, 11), dt.date(2026, 5, 18)))
        self.assertEqual(date_range_bounds('last_quarter', today),
            (dt.date(2026, 1, 1), dt.date(2026, 4, 1)))
        self.assertEqual(date_range_bounds('last_year', today),
            (dt.date(2025, 1, 1), dt.date(2026, 1, 1)))
        self.assertEqual(date_range_bounds('last_12_months', today),
            (dt.date(2025, 5, 14), dt.date(2026, 5, 14)))
        self.assertEqual(date_range_bounds(
                'custom', today, None, dt.date(2026, 1, 31)),
            (None, dt.date(2026, 2, 1)))

    @with_transaction()
    def test_report_sharing(self):
        "Private to its owner, shared with roles read only, standard to all"
        pool = Pool()
        Report = pool.get('crm.report')
        company, users, folder = self._report_world()
        report = self._by_industry(users['rep1'], company, folder)

        def readable(login):
            with acting_as(users[login], company):
                return [r.id for r in Report.search([('id', '=', report.id)])]
        self.assertEqual(readable('rep2'), [])
        self.assertEqual(readable('manager'), [])
        report.shared_roles = [users['manager'].crm_role.id]
        report.save()
        # shared with the manager's role: the roles below it read it
        self.assertEqual(readable('manager'), [report.id])
        self.assertEqual(readable('rep2'), [report.id])
        self.assertEqual(readable('director'), [])
        with acting_as(users['rep2'], company):
            with self.assertRaises(AccessError):
                Report.write([Report(report.id)], {'name': "Mine"})
            copy, = Report.copy([Report(report.id)])
            self.assertEqual(copy.user, users['rep2'])
            self.assertEqual(copy.shared_roles, ())

    @with_transaction()
    def test_report_run_over_rpc(self):
        "Run opens the list headed by the columns and the chart, as sao does"
        pool = Pool()
        Run = pool.get('crm.report.run', type='wizard')
        Line = pool.get('crm.report.result.line')
        Point = pool.get('crm.report.result.point')
        company, users, folder = self._report_world()
        report = self._by_industry(users['rep1'], company, folder,
            chart='pie')
        rep1, rep2 = users['rep1'], users['rep2']

        def run(user):
            context = {'active_model': 'crm.report',
                'active_id': report.id, 'active_ids': [report.id]}
            session_id, _, _ = rpc_call(user, Run, 'create', company=company)
            return rpc_call(user, Run, 'execute', session_id, {}, 'lines',
                company=company, context=context)
        result = run(rep1)
        # (the list's tab opened last, in front)
        (chart, _), (lines, _) = result['actions']
        self.assertEqual(lines['res_model'], 'crm.report.result.line')
        self.assertEqual(chart['res_model'], 'crm.report.result.point')
        context = PYSONDecoder().decode(lines['pyson_context'])
        domain = PYSONDecoder().decode(lines['pyson_domain'])
        with acting_as(rep1, company), Transaction().set_context(context):
            found = Line.search(domain)
            self.assertEqual(
                [(l.kind, l.group, l.c0, l.c1) for l in found], [
                    ('row', "Banking", "Bank One", "100.00"),
                    ('row', "Banking", "Bank Two", "50.00"),
                    ('subtotal', "Banking", None, "150.00"),
                    ('row', "Chemicals", "Chem One", "7.00"),
                    ('subtotal', "Chemicals", None, "7.00"),
                    ('total', "Total", None, "157.00"),
                    ])
            self.assertEqual(found[-1].count, 3)
            tree = etree.fromstring(
                Line.fields_view_get(view_type='tree')['arch'])
            self.assertEqual(
                [f.get('string') for f in tree.iter('field')
                    if f.get('name')[1:].isdigit()],
                ["Name", "Annual Revenue"])
            graph = etree.fromstring(
                Point.fields_view_get(view_type='graph')['arch'])
            self.assertEqual(graph.get('type'), 'pie')
            self.assertEqual([(p.label, p.value) for p in Point.search(
                        PYSONDecoder().decode(chart['pyson_domain']))],
                [("Banking", 2), ("Chemicals", 1)])
        # rep2 reads neither the report nor rep1's result
        with self.assertRaises(AccessError):
            run(rep2)
        with acting_as(rep2, company), Transaction().set_context(context):
            self.assertEqual(Line.search(domain), [])
            tree = etree.fromstring(
                Line.fields_view_get(view_type='tree')['arch'])
            self.assertNotIn("Annual Revenue",
                [f.get('string') for f in tree.iter('field')])

    @with_transaction()
    def test_report_bad_input(self):
        "A report that could not run is refused, nothing saved"
        pool = Pool()
        Report = pool.get('crm.report')
        FieldAccess = pool.get('ir.model.field.access')
        company, users, folder = self._report_world()
        rep1 = users['rep1']
        name, revenue = (_field('party.party', n)
            for n in ['name', 'annual_revenue'])
        bad = [
            {'chart': 'vbar'},
            {'columns': [('create', [{'field': name, 'aggregate': 'sum'}])]},
            {'columns': [('create', [{
                                'field': _field('crm.activity', 'subject')}])]},
            {'columns': [('create', [{
                                'field': name,
                                'related': _field('party.party', 'name')}])]},
            {'conditions': [('create', [{
                                'field': revenue, 'operator': '>',
                                'value': 'lots'}])]},
            {'conditions': [('create', [{
                                'field': name, 'operator': '<',
                                'value': 'B'}])]},
            {'conditions': [('create', [{
                                'field': _field('party.party', 'industry'),
                                'operator': '=', 'value': 'Spaceships'}])]},
            {'date_field': _field('party.party', 'create_date'),
                'date_range': 'custom',
                'date_from': dt.date(2026, 2, 1),
                'date_to': dt.date(2026, 1, 1)},
            {'date_field': _field('party.party', 'create_date'),
                'date_range': 'custom'},
            ]
        cursor = Transaction().connection.cursor()
        with acting_as(rep1, company):
            for values in bad:
                with self.subTest(values=values):
                    # (as a request's transaction is rolled back)
                    cursor.execute('SAVEPOINT bad_report')
                    with self.assertRaises(UserError):
                        Report.create([dict({
                                        'name': "Bad", 'folder': folder.id,
                                        'record_type': 'account',
                                        }, **values)])
                    cursor.execute('ROLLBACK TO SAVEPOINT bad_report')

        # a field the owner may not read
        FieldAccess.create([{
                    'model': 'party.party', 'field': 'annual_revenue',
                    'perm_read': False,
                    'perm_write': False, 'perm_create': False,
                    'perm_delete': False,
                    }])
        with acting_as(rep1, company):
            with self.assertRaises(UserError):
                Report.create([{
                            'name': "Revenue", 'folder': folder.id,
                            'record_type': 'account',
                            'columns': [('create', [{'field': revenue}])],
                            }])
