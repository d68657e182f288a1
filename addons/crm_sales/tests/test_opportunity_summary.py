# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The summaries of the opportunities (crm_core.summary): kept up to date
by every create, write and delete, read by the pipeline reports and the
report builder with the user's rules, and left for the records when they
cannot answer."""
import unittest
from decimal import Decimal
from unittest import mock

from sql import Literal
from sql.aggregate import Sum

from crm_core import report_builder_run
from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import acting_as
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .pipeline_kit import PipelineData, day, money

SUMMARIES = [
    'crm.opportunity.summary.pipeline',
    'crm.opportunity.summary.origin',
    'crm.opportunity.summary.closing',
    ]
#: The pipeline reports read from a summary, with the figures compared
REPORTS = {
    'pipeline_stage': ('sales_stage', 'number', 'amount', 'weighted_amount'),
    'pipeline_month': ('month', 'number', 'amount', 'weighted_amount'),
    'lead_source': ('lead_source', 'number', 'amount', 'won', 'won_amount'),
    'conversion_rep': ('assigned_user', 'number', 'potentials', 'won'),
    'deal_size': ('state', 'number', 'average_amount', 'cycle_days'),
    'loss_reason': ('lost_reason_type', 'number', 'amount'),
    }


def ledger(Summary):
    "Return {keys: measures} of the summary, its rows summed per key."
    cursor = Transaction().connection.cursor()
    table = Summary.__table__()
    keys = Summary.summary_key_names()
    Source = Pool().get(Summary._summary_source)
    measures = list(Summary.summary_measures(Source.__table__()))
    cursor.execute(*table.select(
            *(getattr(table, k) for k in keys),
            *(Sum(getattr(table, m)) for m in measures),
            group_by=[getattr(table, k) for k in keys],
            having=Sum(table.number) != 0))
    return {tuple(row[:len(keys)]): tuple(
            round(float(v), 4) if v is not None else None
            for v in row[len(keys):])
        for row in cursor}


def figure(value):
    "Return a subtotal as a comparable number (sum and count of averages)."
    if isinstance(value, tuple):
        return tuple(figure(v) for v in value)
    return round(float(value), 4) if value is not None else None


def row_count(Summary):
    cursor = Transaction().connection.cursor()
    table = Summary.__table__()
    cursor.execute(*table.select(Sum(Literal(1))))
    return cursor.fetchone()[0] or 0


def spoil(Summary, **keys):
    "Add to the summary a row of 100 records the records do not have."
    table = Summary.__table__()
    names = ['number', *keys]
    Transaction().connection.cursor().execute(*table.insert(
            [getattr(table, n) for n in names], [[100, *keys.values()]]))


class OpportunitySummaryTestCase(PipelineData, unittest.TestCase):
    "Test the summaries of the opportunities"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm(['crm_sales'])

    def change_pipeline(self, potentials):
        "Write, reassign, cancel and delete some of the potentials."
        Opportunity = Pool().get('sale.opportunity')
        p1, p2, p3, p4, p5 = potentials
        Opportunity.write([p1], {'amount': Decimal(1200)})
        Opportunity.write([p2], {
                'assigned_user': self.users['rep2'].id,
                'expected_close_date': day(5, 2),
                'sales_stage': self.stage('proposal').id})
        Opportunity.write([p4], {'lead_source': 'cold_call'})
        Opportunity.write([p5], {'end_date': day(2, 11)})
        Opportunity.cancel([p3])
        Opportunity.delete([p3])

    @with_transaction()
    def test_ledger_matches_rebuild(self):
        "Creates, writes and deletes keep each summary as a rebuild makes it"
        pool = Pool()
        self.change_pipeline(self.setup_pipeline())
        for name in SUMMARIES:
            with self.subTest(summary=name):
                Summary = pool.get(name)
                kept = ledger(Summary)
                self.assertTrue(kept)
                Summary.rebuild()
                self.assertEqual(ledger(Summary), kept)
                # (the rebuild folds the ledger into a row per key)
                self.assertEqual(row_count(Summary), len(kept))

    @with_transaction()
    def test_ledger_counts_the_records(self):
        "The pipeline summary counts the open potentials by stage and owner"
        pool = Pool()
        Summary = pool.get('crm.opportunity.summary.pipeline')
        p1, p2, *_ = potentials = self.setup_pipeline()
        self.change_pipeline(potentials)
        rep2 = self.users['rep2'].id
        key = (self.company.id, rep2, None, 'opportunity',
            self.stage('proposal').id, day(5, 1))
        # p2 moved to rep2, proposal (60 %), closing in May
        self.assertEqual(ledger(Summary)[key], (1, 500, 325, 0.65, 1))
        self.assertEqual(
            sum(v[0] for v in ledger(Summary).values()), 5)

    @with_transaction()
    def test_write_of_other_fields_adds_nothing(self):
        "A write of fields no summary keeps adds no row"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        p1, *_ = self.setup_pipeline()
        counts = [row_count(pool.get(n)) for n in SUMMARIES]
        Opportunity.write([p1], {'description': "Renamed deal"})
        self.assertEqual([row_count(pool.get(n)) for n in SUMMARIES], counts)

    @with_transaction()
    def test_reports_read_the_summaries(self):
        """Each report gives the same figures from its summary as from the
        records, for root, a rep and the manager"""
        pool = Pool()
        self.change_pipeline(self.setup_pipeline())
        for name, (key, *figures) in REPORTS.items():
            Report = pool.get(f'crm.report.{name}')
            for login in [None, 'rep1', 'rep2', 'manager']:
                with self.subTest(report=name, user=login):
                    summarized = self.by(
                        self.report(name, user=login), key, *figures)
                    with mock.patch.object(Report, '_summary', None):
                        recorded = self.by(
                            self.report(name, user=login), key, *figures)
                    self.assertEqual(summarized, recorded)
                    if login == 'manager':
                        self.assertTrue(summarized)

    @with_transaction()
    def test_report_reads_the_summary(self):
        """The reports read the summary (a row the records lack shows) for
        a period of whole months, the records for any other period"""
        pool = Pool()
        Summary = pool.get('crm.opportunity.summary.pipeline')
        self.setup_pipeline()
        qualification = self.stage('qualification')
        spoil(Summary, company=self.company.id, state='opportunity',
            sales_stage=qualification.id, expected_close_date=day(3, 1),
            assigned_user=self.users['rep1'].id, amount=Decimal(1))
        for context, number in [
                ({}, 102),
                ({'from_date': day(3, 1), 'to_date': day(3, 31)}, 101),
                ({'from_date': day(3, 2), 'to_date': day(3, 31)}, 1),
                ({'from_date': day(3, 1), 'to_date': day(4, 30)}, 102),
                ({'from_date': day(3, 1), 'to_date': day(4, 29)}, 2),
                ]:
            with self.subTest(context=context):
                rows = self.by(self.report('pipeline_stage', **context),
                    'sales_stage', 'number')
                self.assertEqual(
                    rows.get(qualification, (0,))[0], number)
        # The nightly rebuild drops what the records do not have
        Summary.rebuild()
        rows = self.by(self.report('pipeline_stage'), 'sales_stage', 'number')
        self.assertEqual(rows[qualification], (2,))

    @with_transaction()
    def test_summary_keeps_the_rules(self):
        """A rep reads no row of another rep's records from the summary, even
        when it asks for that rep"""
        pool = Pool()
        Summary = pool.get('crm.opportunity.summary.pipeline')
        self.setup_pipeline()
        rep2 = self.users['rep2']
        spoil(Summary, company=self.company.id, state='opportunity',
            sales_stage=self.stage('qualification').id, assigned_user=rep2.id)
        rows = self.report('pipeline_stage', user='rep1')
        self.assertEqual(
            self.by(rows, 'sales_stage', 'number', 'amount'), {
                self.stage('qualification'): (1, money(1000)),
                self.stage('negotiation'): (1, money(500)),
                })
        self.assertEqual(self.report('pipeline_stage', user='rep1',
                assigned_user=rep2.id), [])

    @with_transaction()
    def test_rule_on_another_field_reads_the_records(self):
        """A record rule on a field the summary does not keep: the reports
        read the records, so the rule holds"""
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        Summary = pool.get('crm.opportunity.summary.pipeline')
        p1, *_ = self.setup_pipeline()
        RuleGroup.create([{
                    'name': "No secret deals",
                    'model': 'sale.opportunity',
                    'global_p': True,
                    'rules': [('create', [{
                                    'domain': '[["description", "!=", '
                                    '"Secret"]]'}])],
                    }])
        Pool().get('sale.opportunity').write(
            [p1], {'description': "Secret"})
        with acting_as(self.users['manager'], self.company):
            self.assertIsNone(Summary.readable(Summary.__table__()))
        rows = self.report('pipeline_stage', user='manager')
        self.assertEqual(
            self.by(rows, 'sales_stage', 'number', 'amount'), {
                self.stage('qualification'): (1, money(2000)),
                self.stage('negotiation'): (1, money(500)),
                })

    @with_transaction()
    def test_summaries_not_readable(self):
        "No user reads or writes a summary over RPC, not even a manager"
        pool = Pool()
        self.setup_pipeline()
        for name in SUMMARIES:
            Summary = pool.get(name)
            with self.subTest(summary=name), \
                    acting_as(self.users['manager'], self.company):
                with self.assertRaises(AccessError):
                    Summary.search([])
                with self.assertRaises(AccessError):
                    Summary.create([{'number': 1}])

    def run_report(self, xml_id, login):
        "Return the groups of the standard report as (key, count, sums)."
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Report = pool.get('crm.report')
        report = Report(ModelData.get_id('crm_sales', xml_id))
        data = report_builder_run.compute(report, self.users[login].id)
        return sorted(((g.key, g.count, tuple(sorted(
                            (k, figure(v)) for k, v in g.subtotals.items())))
                for g in data.groups), key=str), data.total.count

    @with_transaction()
    def test_report_builder_reads_the_summaries(self):
        """The standard reports of leads and potentials count the same
        groups from a summary as from the records, and read the summary"""
        self.change_pipeline(self.setup_pipeline())
        reports = ['report_leads_by_status', 'report_leads_by_source',
            'report_potentials_by_stage', 'report_pipeline_by_month']
        for xml_id in reports:
            for login in ['rep1', 'rep2', 'manager']:
                with self.subTest(report=xml_id, user=login):
                    summarized = self.run_report(xml_id, login)
                    with mock.patch.object(report_builder_run,
                            'summary_groups', return_value=None):
                        recorded = self.run_report(xml_id, login)
                    self.assertEqual(summarized, recorded)
        # (its figures come from the summary: a row the records lack)
        Summary = Pool().get('crm.opportunity.summary.origin')
        spoil(Summary, company=self.company.id, state='lead',
            assigned_user=self.users['rep1'].id, lead_status='cold')
        groups, total = self.run_report('report_leads_by_status', 'rep1')
        self.assertIn('cold', [g[0] for g in groups])
        self.assertEqual(total, recorded_total_plus(self, 100))


def recorded_total_plus(case, number):
    "Return the records' count of rep1's leads plus number."
    with mock.patch.object(report_builder_run, 'summary_groups',
            return_value=None):
        _, total = case.run_report('report_leads_by_status', 'rep1')
    return total + number
