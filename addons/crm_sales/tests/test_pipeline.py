# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Potentials and pipeline: probability, closing, stage history, contact
roles and the pipeline reports, for a rep and for the manager."""
import datetime
import unittest
import unittest.mock
from decimal import Decimal

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import acting_as
from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .pipeline_kit import PipelineData, day, money, plain


class PipelineTestCase(PipelineData, unittest.TestCase):
    "Test potentials and the pipeline reports"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm(['crm_sales'])

    def setUp(self):
        super().setUp()
        self.records = {}

    @with_transaction()
    def test_pipeline_shows_where_a_potential_stands(self):
        """The form reads as a pipeline: the passed stages ticked, the
        current one in brackets, the closing stage last; the stage is
        picked from a drop-down"""
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        Opportunity = pool.get('sale.opportunity')
        self.setup_people()
        potential = self.potential('rep1', stage='proposal')
        names = [s.name for s in Stage.search([('closing', '=', None)])]
        proposal = names.index(self.stage('proposal').name)
        steps = potential.crm_pipeline.split(' \u203a ')
        self.assertEqual(steps[:proposal], [f'{n} \u2713' for n in names[
                    :proposal]])
        self.assertEqual(steps[proposal], f'[{names[proposal]}]')
        self.assertEqual(steps[proposal + 1:], names[proposal + 1:])

        won, = Stage.search([('closing', '=', 'won')], limit=1)
        Opportunity.write([potential], {'sales_stage': won.id})
        steps = Opportunity(potential.id).crm_pipeline.split(' \u203a ')
        self.assertEqual(steps[-1], f'[{won.name}]')
        self.assertTrue(all(s.endswith('\u2713') for s in steps[:-1]))

        view = Opportunity.fields_view_get(
            pool.get('ir.model.data').get_id(
                'crm_sales', 'potential_view_form'))
        from lxml import etree
        field, = etree.fromstring(view['arch']).xpath(
            '//field[@name="sales_stage"]')
        self.assertEqual(field.get('widget'), 'selection')

    @with_transaction()
    def test_potential_created_from_its_menu(self):
        "A potential created from CRM > Sales > Potentials is a potential"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Action = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        from trytond.pyson import PYSONDecoder
        self.setup_people()
        action = Action(ModelData.get_id('crm_sales', 'act_potential_form'))
        context = PYSONDecoder().decode(action.pyson_context)
        domain = PYSONDecoder().decode(action.pyson_domain)
        with acting_as(self.users['rep1'], self.company), \
                Transaction().set_context(context):
            # (the defaults of the stored fields, as a client sends them)
            defaults = Opportunity.default_get(
                [n for n, f in Opportunity._fields.items()
                    if not hasattr(f, 'getter')], with_rec_name=False)
            potential, = Opportunity.create([{
                        **defaults,
                        'description': "New deal",
                        'party': self.accounts['rep1'].id,
                        'amount': Decimal(500),
                        }])
            self.assertEqual(potential.state, 'opportunity')
            self.assertEqual(potential.assigned_user, self.users['rep1'])
            self.assertEqual(Opportunity.search(
                    domain + [('id', '=', potential.id)]), [potential])

    @with_transaction()
    def test_potential_named_by_its_name(self):
        """A potential is named by its number and name, found by its name;
        activities and tags call the types by their CRM names"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Activity = pool.get('crm.activity')
        self.setup_people()
        potential = self.potential('rep1', description="Garza renewal")
        self.assertEqual(
            potential.rec_name, f'{potential.number} Garza renewal')
        for value in [
                '%garza%', potential.rec_name, f'%{potential.rec_name}%']:
            with self.subTest(value=value):
                self.assertEqual(Opportunity.search(
                        [('rec_name', 'ilike', value)]), [potential])
        types = dict(Activity.get_resources())
        self.assertEqual(
            (types['party.party'], types['sale.opportunity'],
                types['sale.sale']),
            ("Account / Contact", "Lead / Potential", "Quote / Sales Order"))

    # Probability

    @with_transaction()
    def test_probability_follows_stage(self):
        "The probability follows the stage, on change and on save"
        Opportunity = Pool().get('sale.opportunity')
        self.setup_people()
        potential = self.potential('rep1', 'qualification')
        self.assertEqual(
            potential.conversion_probability,
            self.stage('qualification').probability)
        self.assertFalse(potential.probability_manual)

        Opportunity.write([potential], {
                'sales_stage': self.stage('negotiation').id})
        self.assertEqual(
            potential.conversion_probability,
            self.stage('negotiation').probability)

        potential.sales_stage = self.stage('prospecting')
        potential.on_change_sales_stage()
        self.assertEqual(
            potential.conversion_probability,
            self.stage('prospecting').probability)

    @with_transaction()
    def test_probability_set_by_hand_kept(self):
        "A probability set by hand stays until it is reset to the stage"
        Opportunity = Pool().get('sale.opportunity')
        self.setup_people()
        potential = self.potential('rep1', 'qualification')

        potential.conversion_probability = 0.33
        potential.on_change_conversion_probability()
        self.assertTrue(potential.probability_manual)

        Opportunity.write([potential], {'conversion_probability': 0.33})
        potential = Opportunity(potential.id)
        self.assertTrue(potential.probability_manual)
        Opportunity.write([potential], {
                'sales_stage': self.stage('negotiation').id})
        potential = Opportunity(potential.id)
        self.assertEqual(potential.conversion_probability, 0.33)

        # Reset to the stage
        Opportunity.write([potential], {'probability_manual': False})
        potential = Opportunity(potential.id)
        self.assertEqual(
            potential.conversion_probability,
            self.stage('negotiation').probability)

    @with_transaction()
    def test_probability_out_of_range_refused(self):
        "A probability outside 0-100 % is refused and nothing is written"
        Opportunity = Pool().get('sale.opportunity')
        self.setup_people()
        potential = self.potential('rep1', 'qualification')
        before = potential.conversion_probability

        for value in [1.5, -0.1]:
            with self.subTest(value=value):
                with self.assertRaises(ValidationError) as cm:
                    with acting_as(self.users['rep1'], self.company):
                        Opportunity.write([potential], {
                                'conversion_probability': value})
                self.assertEqual(cm.exception.message, gettext(
                        'crm_sales.msg_potential_probability_range',
                        probability=f'{value * 100:g}'))
                self.assertEqual(
                    Opportunity(potential.id).conversion_probability, before)

        count = Opportunity.search_count([])
        with self.assertRaises(ValidationError):
            self.potential('rep1', conversion_probability=2)
        self.assertEqual(Opportunity.search_count([]), count)

    # Closing

    @with_transaction()
    def test_closing_stage_closes_won(self):
        "Closed Won closes the potential as won, by stage or button"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Date = pool.get('ir.date')
        self.setup_people()
        by_stage = self.potential('rep1')
        by_button = self.potential('rep1')

        with acting_as(self.users['rep1'], self.company):
            Opportunity.write([by_stage], {
                    'sales_stage': self.stage('closed_won').id})
            Opportunity.close_won([Opportunity(by_button.id)])

        for potential in [by_stage, by_button]:
            potential = Opportunity(potential.id)
            self.assertEqual(potential.state, 'won')
            self.assertEqual(potential.end_date, Date.today())
            self.assertEqual(potential.sales_stage, self.stage('closed_won'))
            self.assertEqual(potential.conversion_probability, 1)

    @with_transaction()
    def test_closing_lost_needs_reason(self):
        "Closed Lost needs a lost reason; without one nothing changes"
        Opportunity = Pool().get('sale.opportunity')
        self.setup_people()
        potential = self.potential('rep1', 'negotiation')

        with acting_as(self.users['rep1'], self.company):
            with self.assertRaises(ValidationError) as cm:
                Opportunity.close_lost([Opportunity(potential.id)])
        self.assertEqual(cm.exception.message, gettext(
                'crm_sales.msg_potential_lost_reason_required',
                potential=potential.rec_name))
        potential = Opportunity(potential.id)
        self.assertEqual(potential.state, 'opportunity')
        self.assertEqual(potential.sales_stage, self.stage('negotiation'))

        with acting_as(self.users['rep1'], self.company):
            Opportunity.write([Opportunity(potential.id)], {
                    'sales_stage': self.stage('closed_lost').id,
                    'lost_reason_type': self.lost_reason('price').id,
                    'lost_reason': "Cheaper elsewhere",
                    })
        potential = Opportunity(potential.id)
        self.assertEqual(potential.state, 'lost')
        self.assertEqual(potential.lost_reason_type, self.lost_reason('price'))
        self.assertEqual(potential.lost_reason, "Cheaper elsewhere")
        self.assertIsNotNone(potential.end_date)

    @with_transaction()
    def test_host_lost_moves_to_closing_stage(self):
        "The host's own Lost keeps working and moves to Closed Lost"
        Opportunity = Pool().get('sale.opportunity')
        self.setup_people()
        potential = self.potential('rep1', 'negotiation')

        Opportunity.lost([potential])

        potential = Opportunity(potential.id)
        self.assertEqual(potential.state, 'lost')
        self.assertEqual(potential.sales_stage, self.stage('closed_lost'))

    # Stage history

    @with_transaction()
    def test_stage_history(self):
        "Every stage change is recorded with user, dates and duration"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        History = pool.get('crm.opportunity.stage_history')
        self.setup_people()
        rep = self.users['rep1']
        with acting_as(rep, self.company):
            potential, = Opportunity.create([{
                        'description': "Deal",
                        'party': self.accounts['rep1'].id,
                        'state': 'opportunity',
                        'crm_lead': True,
                        'sales_stage': self.stage('qualification').id,
                        }])
        potential = Opportunity(potential.id)
        first, = potential.stage_history
        self.assertEqual(
            (first.stage, first.user, first.date_left),
            (self.stage('qualification'), rep, None))

        with acting_as(rep, self.company):
            Opportunity.write([Opportunity(potential.id)], {
                    'sales_stage': self.stage('negotiation').id})
            # (the same stage again is no change)
            Opportunity.write([Opportunity(potential.id)], {
                    'sales_stage': self.stage('negotiation').id})
        potential = Opportunity(potential.id)
        second, first = potential.stage_history
        self.assertEqual(second.stage, self.stage('negotiation'))
        self.assertEqual(first.date_left, second.date_entered)
        self.assertIsNone(second.date_left)

        # Durations: the dates frozen by hand
        now = History.now()
        History.write([first], {
                'date_entered': now - datetime.timedelta(days=5),
                'date_left': now - datetime.timedelta(days=2),
                })
        History.write([second], {
                'date_entered': now - datetime.timedelta(days=2)})
        first, second = History(first.id), History(second.id)
        self.assertEqual(first.duration, datetime.timedelta(days=3))
        self.assertGreaterEqual(second.duration, datetime.timedelta(days=2))
        self.assertLess(
            second.duration, datetime.timedelta(days=2, minutes=5))
        stage_duration = Opportunity(potential.id).stage_duration
        self.assertGreaterEqual(stage_duration, datetime.timedelta(days=2))
        self.assertLess(stage_duration, datetime.timedelta(days=2, minutes=5))

    def create_lead(self, owner, stage='prospecting', **values):
        "Create a CRM lead of owner in stage (as the manager)."
        Opportunity = Pool().get('sale.opportunity')
        with acting_as(self.users['manager'], self.company), \
                Transaction().set_context(crm_lead=True):
            lead, = Opportunity.create([{
                        'last_name': "Doe",
                        'lead_company': "Initech",
                        'assigned_user': owner.id,
                        'sales_stage': self.stage(stage).id,
                        **values}])
        return lead

    @with_transaction()
    def test_stage_history_starts_at_conversion(self):
        """The history of a converted lead starts at the conversion, by the
        user converting it (frozen times)"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        History = pool.get('crm.opportunity.stage_history')
        from .test_conversion import run_convert
        self.setup_people()
        rep = self.users['rep1']
        created = datetime.datetime(2026, 3, 2, 9, 0)
        converted = created + datetime.timedelta(minutes=22, seconds=30)

        with unittest.mock.patch.object(History, 'now', return_value=created):
            lead = self.create_lead(rep)
            # A history row of a lead from an earlier version
            legacy = self.create_lead(rep)
            History.create([{
                        'opportunity': legacy.id,
                        'stage': self.stage('prospecting').id,
                        'date_entered': created,
                        'user': self.users['manager'].id,
                        }])
        self.assertEqual(Opportunity(lead.id).stage_history, ())

        with unittest.mock.patch.object(
                    History, 'now', return_value=converted), \
                acting_as(rep, self.company):
            # (the lead's own stage kept: no change of stage)
            run_convert([Opportunity(lead.id)],
                sales_stage=self.stage('prospecting').id)
            run_convert([Opportunity(legacy.id)],
                sales_stage=self.stage('qualification').id)
        for potential, stage in [
                (lead, 'prospecting'), (legacy, 'qualification')]:
            potential = Opportunity(potential.id)
            self.assertEqual(potential.state, 'opportunity')
            entry, = potential.stage_history
            self.assertEqual(
                (entry.stage, entry.user, entry.date_entered, entry.date_left),
                (self.stage(stage), rep, converted, None))

        # Time in stage: since the conversion, in whole minutes
        later = converted + datetime.timedelta(minutes=5, seconds=59)
        with unittest.mock.patch.object(History, 'now', return_value=later):
            self.assertEqual(Opportunity(lead.id).stage_duration,
                datetime.timedelta(minutes=5))

    @with_transaction()
    def test_lead_without_stage_history(self):
        "A lead changing stage has no history, the potential it becomes has"
        Opportunity = Pool().get('sale.opportunity')
        self.setup_people()
        lead = self.create_lead(self.users['rep1'])
        Opportunity.write([lead], {
                'sales_stage': self.stage('qualification').id})
        self.assertEqual(Opportunity(lead.id).stage_history, ())
        self.assertIsNone(Opportunity(lead.id).stage_duration)

    @with_transaction()
    def test_durations_in_whole_minutes(self):
        "Time in stage and stay durations are whole minutes"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        History = pool.get('crm.opportunity.stage_history')
        self.setup_people()
        entered = datetime.datetime(2026, 1, 1, 8, 0)
        with unittest.mock.patch.object(History, 'now', return_value=entered):
            potential = self.potential('rep1', 'qualification')
        left = entered + datetime.timedelta(
            days=11, hours=12, minutes=14, seconds=23, microseconds=866775)
        with unittest.mock.patch.object(History, 'now', return_value=left):
            Opportunity.write([potential], {
                    'sales_stage': self.stage('negotiation').id})
        now = left + datetime.timedelta(hours=1, seconds=59, microseconds=3)
        with unittest.mock.patch.object(History, 'now', return_value=now):
            second, first = Opportunity(potential.id).stage_history
            self.assertEqual(first.duration, datetime.timedelta(
                    days=11, hours=12, minutes=14))
            self.assertEqual(second.duration, datetime.timedelta(hours=1))
            self.assertEqual(Opportunity(potential.id).stage_duration,
                datetime.timedelta(hours=1))

    @with_transaction()
    def test_stage_history_read_only_and_private(self):
        "Users only read the history of the potentials they may read"
        pool = Pool()
        History = pool.get('crm.opportunity.stage_history')
        self.setup_people()
        mine = self.potential('rep1')
        other = self.potential('rep2')
        row, = History.search([('opportunity', '=', mine.id)])

        with acting_as(self.users['rep1'], self.company):
            self.assertEqual(
                History.search([('opportunity', 'in', [mine.id, other.id])]),
                [row])
            with self.assertRaises(AccessError) as cm:
                History.write([History(row.id)], {'date_left': None})
            self.assertEqual(cm.exception.message, gettext(
                    'crm_sales.msg_stage_history_read_only'))
            with self.assertRaises(AccessError) as cm:
                History.create([{
                            'opportunity': mine.id,
                            'stage': self.stage('prospecting').id,
                            'date_entered': History.now(),
                            }])
            self.assertEqual(cm.exception.message, gettext(
                    'crm_sales.msg_stage_history_read_only'))
        self.assertEqual(
            History.search_count([('opportunity', '=', mine.id)]), 1)

    # Contact roles

    @with_transaction()
    def test_contact_role_contact_of_account(self):
        "A contact role takes only a contact of the potential's account"
        pool = Pool()
        Party = pool.get('party.party')
        Role = pool.get('crm.opportunity.contact_role')
        self.setup_people()
        potential = self.potential('rep1')
        own, other = Party.create([{
                    'first_name': "Ann", 'last_name': "Own",
                    'crm_type': 'contact', 'crm_company': self.company.id,
                    'account': self.accounts[login].id,
                    'assigned_user': self.users[login].id,
                    } for login in ['rep1', 'rep2']])

        with acting_as(self.users['rep1'], self.company):
            role, = Role.create([{
                        'opportunity': potential.id, 'contact': own.id,
                        'role': 'business_decision_maker'}])
        self.assertEqual(potential.contact_roles, (role,))

        with self.assertRaises(DomainValidationError):
            Role.create([{
                        'opportunity': potential.id, 'contact': other.id,
                        'role': 'evaluator'}])

    # Reports

    @with_transaction()
    def test_report_pipeline_stage(self):
        "Pipeline by stage: count, amount and weighted amount"
        self.setup_pipeline()
        rows = self.report('pipeline_stage')
        q, n = self.stage('qualification'), self.stage('negotiation')
        # qualification: p1 + p3, 20 %; negotiation: p2, 80 %
        self.assertEqual(
            self.by(rows, 'sales_stage',
                'number', 'amount', 'weighted_amount'), {
                q: (2, money(3000), money(1000 * .2 + 2000 * .2)),
                n: (1, money(500), money(500 * .8)),
                })
        # Period of the expected close date: March only
        rows = self.report(
            'pipeline_stage', from_date=day(3, 1), to_date=day(3, 31))
        self.assertEqual(
            self.by(rows, 'sales_stage', 'number', 'amount'), {
                q: (1, money(1000)),
                n: (1, money(500)),
                })
        # Filtered by owner
        rows = self.report(
            'pipeline_stage', assigned_user=self.users['rep2'].id)
        self.assertEqual(
            self.by(rows, 'sales_stage', 'number', 'amount'), {
                q: (1, money(2000))})

    @with_transaction()
    def test_report_pipeline_month(self):
        "Pipeline by month of expected close date"
        self.setup_pipeline()
        rows = self.report('pipeline_month')
        self.assertEqual(
            self.by(rows, 'month', 'number', 'amount', 'weighted_amount'), {
                day(3, 1): (2, money(1500), money(1000 * .2 + 500 * .8)),
                day(4, 1): (1, money(2000), money(2000 * .2)),
                })

    @with_transaction()
    def test_report_lead_source(self):
        "Potentials by lead source, with those won (the lead is no potential)"
        self.setup_pipeline()
        rows = self.report('lead_source')
        self.assertEqual(
            self.by(rows, 'lead_source',
                'number', 'amount', 'won', 'won_amount', 'winning_rate'), {
                'cold_call': (2, money(3000), 0, money(0), 0),
                'web_site': (2, money(3500), 1, money(3000), 0.5),
                None: (1, money(400), 0, money(0), 0),
                })

    @with_transaction()
    def test_report_conversion_rep(self):
        "Conversion lead -> potential -> won per rep"
        self.setup_pipeline()
        rows = self.report('conversion_rep')
        rep1, rep2 = self.users['rep1'], self.users['rep2']
        # rep1: p1, p2, p5 and the lead; rep2: p3 and p4 (won)
        self.assertEqual(
            self.by(rows, 'assigned_user', 'number', 'potentials', 'won',
                'potential_rate', 'winning_rate'), {
                rep1: (4, 3, 0, 0.75, 0),
                rep2: (2, 2, 1, 1, 0.5),
                })

    @with_transaction()
    def test_report_deal_size(self):
        "Average deal size and cycle of won and lost deals"
        self.setup_pipeline()
        rows = self.report('deal_size')
        self.assertEqual(
            self.by(rows, 'state',
                'number', 'amount', 'average_amount', 'cycle_days'), {
                'won': (1, money(3000), money(3000), 30),
                'lost': (1, money(400), money(400), 10),
                })

    @with_transaction()
    def test_report_loss_reason(self):
        "Lost potentials by lost reason"
        self.setup_pipeline()
        rows = self.report('loss_reason')
        self.assertEqual(
            self.by(rows, 'lost_reason_type', 'number', 'amount'), {
                self.lost_reason('price'): (1, money(400))})

    @with_transaction()
    def test_report_stage_time(self):
        "Average days per stage from the stays, dates frozen by hand"
        pool = Pool()
        History = pool.get('crm.opportunity.stage_history')
        self.setup_people()
        p = self.potential('rep1')
        q = self.potential('rep2')
        History.delete(History.search([]))
        qualification = self.stage('qualification')
        negotiation = self.stage('negotiation')

        def stay(potential, stage, entered, left):
            return {
                'opportunity': potential.id, 'stage': stage.id,
                'date_entered': datetime.datetime(2026, 1, entered),
                'date_left': datetime.datetime(2026, 1, left),
                }
        prospecting = self.stage('prospecting')
        History.create([
                stay(p, qualification, 1, 3),
                stay(p, negotiation, 3, 7),
                stay(q, qualification, 1, 5),
                stay(q, prospecting, 5, 6),
                # The closing stages are no stay in the pipeline
                stay(p, self.stage('closed_won'), 7, 9),
                stay(q, self.stage('closed_lost'), 6, 9),
                ])
        rows = self.report('stage_time')
        self.assertEqual(
            self.by(rows, 'sales_stage', 'number', 'average_days'), {
                prospecting: (1, 1),
                qualification: (2, (2 + 4) / 2),
                negotiation: (1, 4),
                })
        # In the order of the pipeline, not of the names
        self.assertEqual([r.sales_stage for r in rows],
            [prospecting, qualification, negotiation])
        self.assertLess(prospecting.sequence, qualification.sequence)
        self.assertGreater(prospecting.name, negotiation.name)
        rows = self.report('stage_time', user='rep2')
        self.assertEqual(
            self.by(rows, 'sales_stage', 'number', 'average_days'), {
                prospecting: (1, 1), qualification: (1, 4)})

    def translate(self, name, type_, src, value, res_id=-1):
        "Translate src of name in French."
        pool = Pool()
        Translation = pool.get('ir.translation')
        Lang = pool.get('ir.lang')
        french, = Lang.search([('code', '=', 'fr')])
        Lang.write([french], {'translatable': True})
        Translation.create([{
                    'lang': 'fr', 'type': type_, 'name': name,
                    'res_id': res_id, 'src': src, 'value': value,
                    'module': 'crm_sales', 'fuzzy': False}])

    @with_transaction()
    def test_report_labels(self):
        """Graphs and lists name selections by their label and months as
        "Mar 2026", in the user's language"""
        pool = Pool()
        Month = pool.get('ir.calendar.month')
        self.setup_pipeline()
        rows = self.report('pipeline_month')
        self.assertEqual([(r.month, plain(r.month_name)) for r in rows],
            [(day(3, 1), "Mar 2026"), (day(4, 1), "Apr 2026")])
        rows = self.report('lead_source')
        self.assertEqual(
            {r.lead_source: r.lead_source_name for r in rows}, {
                'cold_call': "Cold Call", 'web_site': "Web Site",
                None: gettext('crm_sales.msg_report_value_not_set')})
        rows = self.report('deal_size')
        self.assertEqual({r.state: r.state_name for r in rows},
            {'won': "Won", 'lost': "Lost"})

        # In French: the labels the opportunity's fields translate
        march, = Month.search([('index', '=', 3)])
        self.translate('ir.calendar.month,abbreviation', 'model',
            march.abbreviation, "mars", res_id=march.id)
        self.translate('sale.opportunity,lead_source', 'selection',
            "Cold Call", "Démarchage")
        self.translate('sale.opportunity,state', 'selection', "Won", "Gagnée")
        rows = self.report('pipeline_month', language='fr')
        self.assertEqual(plain(rows[0].month_name), "mars 2026")
        rows = self.report('lead_source', language='fr')
        self.assertIn("Démarchage", [r.lead_source_name for r in rows])
        rows = self.report('deal_size', language='fr')
        self.assertIn("Gagnée", [r.state_name for r in rows])

    @with_transaction()
    def test_report_views_show_labels(self):
        "The graphs and lists of the reports show the labels, not the keys"
        pool = Pool()
        names = {
            'crm.report.pipeline_month': ('month_name', 'month'),
            'crm.report.lead_source': ('lead_source_name', 'lead_source'),
            'crm.report.deal_size': ('state_name', 'state'),
            'sale.opportunity.reporting.main.time_series': (
                'date_name', 'date'),
            'sale.opportunity.reporting.conversion.time_series': (
                'date_name', 'date'),
            'sale.opportunity.reporting.conversion.employee.time_series': (
                'date_name', 'date'),
            }
        View = pool.get('ir.ui.view')
        for model, (label, key) in names.items():
            Model = pool.get(model)
            views = View.search([('model', '=', model)])
            # (the host's graphs per employee extend no view: unusable)
            views = [v for v in views
                if not ('employee' in model and v.type == 'graph')]
            self.assertTrue(views)
            for view in views:
                with self.subTest(model=model, view=view.rec_name):
                    arch = Model.fields_view_get(view.id)['arch']
                    self.assertIn(f'name="{label}"', arch)
                    self.assertNotIn(f'name="{key}"', arch)

    @with_transaction()
    def test_host_report_periods_named(self):
        "The host's time series name their periods as users read them"
        pool = Pool()
        self.setup_pipeline()
        Timeseries = pool.get('sale.opportunity.reporting.main.time_series')
        context = {'company': self.company.id,
            'from_date': day(1, 1), 'to_date': day(12, 31)}
        for period, name in [('month', "Jan 2026"), ('year', "2026")]:
            with Transaction().set_context(period=period, **context):
                rows = Timeseries.search([])
                self.assertEqual(plain(rows[0].date_name), name)
        with acting_as(self.users['rep1'], self.company), \
                Transaction().set_context(period='day', **context):
            rows = Timeseries.search([])
            self.assertEqual(rows[0].date_name, "01/01/2026")

    @with_transaction()
    def test_reports_follow_sharing(self):
        "A rep's figures count its potentials, the manager's all of them"
        self.setup_pipeline()
        q, n = self.stage('qualification'), self.stage('negotiation')
        figures = {
            login: self.by(self.report('pipeline_stage', user=login),
                'sales_stage', 'number', 'amount')
            for login in ['rep1', 'rep2', 'manager']}
        self.assertEqual(figures['rep1'], {
                q: (1, money(1000)), n: (1, money(500))})
        self.assertEqual(figures['rep2'], {q: (1, money(2000))})
        self.assertEqual(figures['manager'], {
                q: (2, money(3000)), n: (1, money(500))})

        # Another rep's figures stay hidden even when asked for
        rows = self.report('pipeline_stage', user='rep1',
            assigned_user=self.users['rep2'].id)
        self.assertEqual(rows, [])
        rows = self.report('conversion_rep', user='rep1')
        self.assertEqual(
            [r.assigned_user for r in rows], [self.users['rep1']])

    @with_transaction()
    def test_host_reports_follow_sharing(self):
        "The host's opportunity reports count only readable opportunities"
        self.setup_pipeline()
        context = {'from_date': day(1, 1), 'to_date': day(12, 31),
            'period': 'month'}
        numbers = {}
        for login in [None, 'rep1', 'manager']:
            row, = self.host_report(login, **context)
            numbers[login] = row.number
        # rep1: p1, p2, p5 and the lead
        self.assertEqual(numbers, {None: 6, 'rep1': 4, 'manager': 6})

    def host_report(self, user, **context):
        Main = Pool().get('sale.opportunity.reporting.main')
        context['company'] = self.company.id
        if user is None:
            with Transaction().set_context(**context):
                return Main.search([])
        with acting_as(self.users[user], self.company), \
                Transaction().set_context(**context):
            return Main.search([])
