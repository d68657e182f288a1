# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Lead scoring: the learnt naive Bayes, the daily job, rescoring on save.

The history of the hand-worked example: 10 closed deals described by two
features, the lead source and whether an e-mail is present::

    deal  state  lead source  e-mail
     1    won    web site     yes
     2    won    web site     yes
     3    won    trade show   yes
     4    won    web site     no
     5    lost   cold call    no
     6    lost   cold call    no
     7    lost   web site     no
     8    lost   trade show   yes
     9    lost   cold call    yes
    10    lost   trade show   no
"""
import unittest
from fractions import Fraction

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import acting_as, create_crm_users

#: (state, lead source, e-mail present) of the closed deals
HISTORY = [
    ('won', 'web_site', True),
    ('won', 'web_site', True),
    ('won', 'trade_show', True),
    ('won', 'web_site', False),
    ('lost', 'cold_call', False),
    ('lost', 'cold_call', False),
    ('lost', 'web_site', False),
    ('lost', 'trade_show', True),
    ('lost', 'cold_call', True),
    ('lost', 'trade_show', False),
    ]
FEATURES = ['lead_source', 'email_present']


def reference_probability(history, deal, features=('source', 'email')):
    """The naive Bayes posterior P(won | deal), in exact fractions, written
    independently of the SQL of the module: history holds (state, source,
    email) tuples, deal a (source, email) tuple; Laplace smoothing over the
    values seen; a value never seen is no evidence."""
    positions = {'source': 1, 'email': 2}
    joint = {}
    for state in ['won', 'lost']:
        deals = [h for h in history if h[0] == state]
        probability = Fraction(len(deals), len(history))
        for feature in features:
            position = positions[feature]
            values = {h[position] for h in history}
            value = deal[position - 1]
            if value not in values:
                continue
            count = sum(1 for h in deals if h[position] == value)
            probability *= Fraction(count + 1, len(deals) + len(values))
        joint[state] = probability
    return joint['won'] / (joint['won'] + joint['lost'])


class CrmScoringTestCase(unittest.TestCase):
    "Test lead scoring"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def setup_scoring(self, features=FEATURES, min_closed=10, min_each=3):
        "Create the users and configure scoring; return company, users."
        Configuration = Pool().get('crm.configuration')
        company, users = create_crm_users()
        configuration = Configuration(1)
        configuration.scoring_features = features
        configuration.scoring_min_closed = min_closed
        configuration.scoring_min_each = min_each
        configuration.save()
        return company, users

    def deal(self, company, source, email, state='lead', owner=None,
            **values):
        "Create a CRM deal in state with the lead source and e-mail."
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Party = pool.get('party.party')
        with Transaction().set_context(company=company.id):
            if state == 'won':
                values.setdefault('party', Party.create([{
                                'name': "Account", 'crm_type': 'account',
                                'crm_company': company.id}])[0])
            deal, = Opportunity.create([{
                        'crm_lead': True,
                        'company': company.id,
                        'last_name': "Doe",
                        'lead_company': "Doe Ltd",
                        'lead_source': source,
                        'email': 'doe@example.com' if email else None,
                        'state': state,
                        'assigned_user': (owner or Transaction().user),
                        **values,
                        }])
        return deal

    def history(self, company, history=HISTORY):
        return [self.deal(company, source, email, state)
            for state, source, email in history]

    def run_cron(self):
        "Run the daily job as the scheduler does."
        pool = Pool()
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        cron = Cron(ModelData.get_id('crm_sales', 'cron_scoring'))
        Cron.run_once([cron])

    def score(self, deal):
        return type(deal)(deal.id).crm_score

    @with_transaction()
    def test_hand_worked_example(self):
        """The stored score is the posterior worked out by hand

        W = 4 won, L = 6 lost; P(won) = 4/10, P(lost) = 6/10.
        Lead source, 3 values seen (K = 3):
            web site won 3 lost 1, trade show won 1 lost 2,
            cold call won 0 lost 3
            P(web site | won) = (3 + 1) / (4 + 3) = 4/7
            P(web site | lost) = (1 + 1) / (6 + 3) = 2/9
            P(cold call | won) = (0 + 1) / (4 + 3) = 1/7
            P(cold call | lost) = (3 + 1) / (6 + 3) = 4/9
        E-mail present, 2 values (K = 2): yes won 3 lost 2, no won 1 lost 4
            P(yes | won) = (3 + 1) / (4 + 2) = 2/3
            P(yes | lost) = (2 + 1) / (6 + 2) = 3/8
            P(no | won) = (1 + 1) / (4 + 2) = 1/3
            P(no | lost) = (4 + 1) / (6 + 2) = 5/8

        Lead A (web site, e-mail):
            won 4/10 * 4/7 * 2/3 = 16/105, lost 6/10 * 2/9 * 3/8 = 1/20
            P(won | A) = (16/105) / (16/105 + 1/20) = 64/85 = 0.752941
        Lead B (cold call, no e-mail):
            won 4/10 * 1/7 * 1/3 = 2/105, lost 6/10 * 4/9 * 5/8 = 1/6
            P(won | B) = (2/105) / (2/105 + 1/6) = 4/39 = 0.102564
        Lead C (partner, never seen: no evidence, e-mail):
            won 4/10 * 2/3 = 4/15, lost 6/10 * 3/8 = 9/40
            P(won | C) = (4/15) / (4/15 + 9/40) = 32/59 = 0.542373
        """
        company, _ = self.setup_scoring()
        closed = self.history(company)
        lead_a = self.deal(company, 'web_site', True)
        lead_b = self.deal(company, 'cold_call', False)
        lead_c = self.deal(company, 'partner', True)
        potential = self.deal(company, 'web_site', True, state='opportunity',
            party=closed[0].party)

        self.run_cron()

        self.assertAlmostEqual(self.score(lead_a), 64 / 85, places=4)
        self.assertAlmostEqual(self.score(lead_b), 4 / 39, places=4)
        self.assertAlmostEqual(self.score(lead_c), 32 / 59, places=4)
        self.assertAlmostEqual(self.score(potential), 64 / 85, places=4)
        # The reference implementation agrees with the hand
        self.assertEqual(
            reference_probability(HISTORY, ('web_site', True)),
            Fraction(64, 85))
        for deal in closed:
            self.assertIsNone(self.score(deal))
        self.assertIsNone(type(lead_a)(lead_a.id).crm_score_note)
        # Stored as the form shows it (4 digits): sao writes back what it
        # shows, a longer float made every form "modified" when opened
        digits = type(lead_a).crm_score.digits[1]
        for deal, score in [(lead_a, 64 / 85), (lead_b, 4 / 39),
                (lead_c, 32 / 59), (potential, 64 / 85)]:
            self.assertEqual(self.score(deal), round(score, digits))

    @with_transaction()
    def test_too_little_history(self):
        "With too little history there is no score but a note saying why"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, _ = self.setup_scoring()
        lead = self.deal(company, 'web_site', True)
        self.assertIsNone(self.score(lead))
        self.assertEqual(Opportunity(lead.id).crm_score_note,
            gettext('crm_sales.msg_scoring_not_learnt'))

        self.history(company, HISTORY[:9])
        self.run_cron()
        self.assertIsNone(self.score(lead))
        self.assertEqual(Opportunity(lead.id).crm_score_note,
            gettext('crm_sales.msg_scoring_too_few_closed',
                closed=9, needed=10))

        # 10 closed but only 2 won
        self.history(company, [('lost', 'cold_call', False)] * 3)
        Opportunity.write(
            Opportunity.search([('state', '=', 'won')], limit=2),
            {'state': 'lost'})
        self.run_cron()
        self.assertIsNone(self.score(lead))
        self.assertEqual(Opportunity(lead.id).crm_score_note,
            gettext('crm_sales.msg_scoring_too_few_each',
                won=2, lost=10, needed=3))

    @with_transaction()
    def test_rescore_on_save(self):
        "A deal is scored when created or changed, from the stored model"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        ScoringModel = pool.get('crm.scoring.model')
        company, _ = self.setup_scoring()
        self.history(company)
        self.run_cron()
        model, = ScoringModel.search([('company', '=', company.id)])
        learnt = (model.id, model.won, model.lost, model.learnt)

        lead = self.deal(company, 'web_site', True)
        self.assertAlmostEqual(self.score(lead), 64 / 85, places=4)

        Opportunity.write([lead], {'lead_source': 'cold_call'})
        expected = reference_probability(HISTORY, ('cold_call', True))
        self.assertAlmostEqual(self.score(lead), float(expected), places=4)
        Opportunity.write([lead], {'email': None})
        self.assertAlmostEqual(self.score(lead), 4 / 39, places=4)

        # Closing the deal clears its score and learns nothing
        Opportunity.write([lead], {'state': 'lost'})
        self.assertIsNone(self.score(lead))
        self.assertIsNone(Opportunity(lead.id).crm_score_note)
        model, = ScoringModel.search([('company', '=', company.id)])
        self.assertEqual(
            (model.id, model.won, model.lost, model.learnt), learnt)

        # A copy is scored as a new deal
        lead = self.deal(company, 'web_site', True)
        copy, = Opportunity.copy([lead])
        self.assertAlmostEqual(self.score(copy), 64 / 85, places=4)

    @with_transaction()
    def test_cron_rebuilds_and_rescores(self):
        "The daily job learns from the new history and rescores every deal"
        pool = Pool()
        ScoringModel = pool.get('crm.scoring.model')
        company, _ = self.setup_scoring()
        self.history(company)
        lead = self.deal(company, 'web_site', True)
        self.run_cron()
        self.assertAlmostEqual(self.score(lead), 64 / 85, places=4)

        more = [('lost', 'web_site', True)] * 3 + [('won', 'cold_call', False)]
        self.history(company, more)
        # Closing deals does not relearn: the score waits for the job
        self.assertAlmostEqual(self.score(lead), 64 / 85, places=4)

        self.run_cron()
        model, = ScoringModel.search([('company', '=', company.id)])
        self.assertEqual((model.won, model.lost), (5, 9))
        expected = reference_probability(HISTORY + more, ('web_site', True))
        self.assertNotAlmostEqual(float(expected), 64 / 85, places=4)
        self.assertAlmostEqual(self.score(lead), float(expected), places=4)

    @with_transaction()
    def test_configured_features_change_the_score(self):
        """The features of the configuration are those learnt

        Lead source alone, lead A (web site):
            won 4/10 * 4/7 = 8/35, lost 6/10 * 2/9 = 2/15
            P(won | A) = (8/35) / (8/35 + 2/15) = 12/19 = 0.631579
        """
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        company, _ = self.setup_scoring()
        self.history(company)
        lead = self.deal(company, 'web_site', True)
        self.run_cron()
        self.assertAlmostEqual(self.score(lead), 64 / 85, places=4)

        configuration = Configuration(1)
        configuration.scoring_features = ['lead_source']
        configuration.save()
        # Saving a deal scores it with the stored model until relearnt
        type(lead).write([lead], {'description': "Changed"})
        self.assertAlmostEqual(self.score(lead), 64 / 85, places=4)

        Configuration.rebuild_scores([configuration])
        self.assertAlmostEqual(self.score(lead), 12 / 19, places=4)
        self.assertEqual(
            reference_probability(HISTORY, ('web_site', True), ['source']),
            Fraction(12, 19))

    @with_transaction()
    def test_sales_stage_closing_is_no_evidence(self):
        "The closing stage of a closed deal is not learnt"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ScoringModel = pool.get('crm.scoring.model')
        company, _ = self.setup_scoring(features=['sales_stage'])
        won = ModelData.get_id('crm_sales', 'sales_stage_closed_won')
        proposal = ModelData.get_id('crm_sales', 'sales_stage_proposal')
        for state, source, email in HISTORY:
            stage = won if state == 'won' else proposal
            self.deal(company, source, email, state, sales_stage=stage)
        self.run_cron()
        model, = ScoringModel.search([('company', '=', company.id)])
        self.assertEqual(
            [(f.feature, f.value, f.won, f.lost) for f in model.frequencies],
            [('sales_stage', str(proposal), 0, 6)])

    @with_transaction()
    def test_security(self):
        "Reps see scores of their deals, not the learnt counts"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        ScoringModel = pool.get('crm.scoring.model')
        Frequency = pool.get('crm.scoring.frequency')
        Configuration = pool.get('crm.configuration')
        company, users = self.setup_scoring()
        self.history(company)
        self.run_cron()

        with acting_as(users['rep1'], company):
            lead, = Opportunity.create([{
                        'crm_lead': True,
                        'last_name': "Roe",
                        'lead_company': "Roe Inc",
                        'lead_source': 'web_site',
                        'email': 'roe@example.com',
                        }])
            self.assertAlmostEqual(
                Opportunity(lead.id).crm_score, 64 / 85, places=4)
            # A score written by hand is computed again
            Opportunity.write([lead], {'crm_score': 0.99})
            self.assertAlmostEqual(
                Opportunity(lead.id).crm_score, 64 / 85, places=4)
            for Model in [ScoringModel, Frequency]:
                with self.assertRaises(AccessError):
                    Model.search([])
            with self.assertRaises(AccessButtonError):
                Configuration.rebuild_scores([Configuration(1)])

        with acting_as(users['rep2'], company):
            self.assertEqual(
                Opportunity.search([('id', '=', lead.id)]), [])

    @with_transaction()
    def test_minimum_history_must_be_positive(self):
        "A minimum history below 1 is refused and nothing is written"
        Configuration = Pool().get('crm.configuration')
        self.setup_scoring()
        for field in ['scoring_min_closed', 'scoring_min_each']:
            configuration = Configuration(1)
            setattr(configuration, field, 0)
            with self.assertRaises(ValidationError) as cm:
                configuration.save()
            self.assertEqual(cm.exception.message, gettext(
                    'crm_sales.msg_scoring_minimum_positive',
                    field=Configuration.__names__(field)['field']))
            self.assertNotEqual(getattr(Configuration(1), field), 0)


    @with_transaction()
    def test_junk_and_lost_leads_not_scored(self):
        "Junk and lost leads get no score, by the job or on save, and a note"
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        company, _ = self.setup_scoring()
        self.history(company)
        junk = self.deal(company, 'web_site', True, lead_status='junk')
        lost = self.deal(company, 'web_site', True, lead_status='lost')
        hot = self.deal(company, 'web_site', True, lead_status='hot')
        self.run_cron()

        self.assertAlmostEqual(self.score(hot), 64 / 85, places=4)
        for lead, status in [(junk, "Junk Lead"), (lost, "Lost Lead")]:
            self.assertIsNone(self.score(lead))
            self.assertEqual(Opportunity(lead.id).crm_score_note, gettext(
                    'crm_sales.msg_scoring_lead_given_up', status=status))
        self.assertIsNone(Opportunity(hot.id).crm_score_note)

        # On save, from the stored model
        Opportunity.write([hot], {'lead_status': 'junk'})
        self.assertIsNone(self.score(hot))
        Opportunity.write([junk], {'lead_status': 'contacted'})
        self.assertAlmostEqual(self.score(junk), 64 / 85, places=4)
        self.assertIsNone(Opportunity(junk.id).crm_score_note)
        # A cancelled deal has no score and no note
        Opportunity.write([junk], {'state': 'cancelled'})
        self.assertIsNone(self.score(junk))
        self.assertIsNone(Opportunity(junk.id).crm_score_note)
