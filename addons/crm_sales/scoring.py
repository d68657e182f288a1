"""Lead scoring: a win probability learnt from the company's won and lost
deals.

A naive Bayes classifier with Laplace (add-one) smoothing over categorical
features of the opportunity (chosen in the CRM configuration) gives every
open deal (state lead, opportunity or converted) the probability
``crm_score`` that it ends won::

    odds(won | x) = W / L * prod over the features f of
        ((won_f(x_f) + 1) / (W_f + K_f)) / ((lost_f(x_f) + 1) / (L_f + K_f))

where W and L count the won and lost deals, won_f(v) and lost_f(v) those
whose feature f has the value v, W_f and L_f those with a value for f and
K_f the number of distinct values of f among them.  A feature without a
value, or with a value no closed deal had, is no evidence and is left
out; so is the closing stage ("Closed Won", "Closed Lost") a closed deal
may sit in, which no open deal has.

The learnt model (``crm.scoring.model`` and its ``crm.scoring.frequency``
lines) is rebuilt for each company by a daily ``ir.cron`` job that also
rescores every open deal with one SQL ``UPDATE`` per batch of ids; a deal
created or changed in a scored field is rescored from the stored model,
without learning again.  Below the minimum history of the configuration
the score is empty and ``crm_score_note`` says how many closed deals there
are and how many are needed.

Security: the model is learnt from every deal of the company, whoever owns
it, and holds only counts per feature value (no record, amount or owner).
Those counts are readable by CRM administrators only; a user sees the
score of the deals it may read and, when there is none, the number of
closed deals of the company.
"""
import datetime
from collections import defaultdict

from sql import Cast, Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Round

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

#: The features a model may use: name -> label
FEATURES = [
    ('lead_source', "Lead Source"),
    ('industry', "Industry"),
    ('country', "Country"),
    ('sales_stage', "Sales Stage"),
    ('rating', "Rating"),
    ('lead_status', "Lead Status"),
    ('opportunity_type', "Type"),
    ('email_present', "E-mail Present"),
    ('phone_present', "Phone Present"),
    ]
#: What a lead knows before it is worked on: the default features
DEFAULT_FEATURES = [
    'lead_source', 'industry', 'country', 'rating',
    'email_present', 'phone_present']
#: The fields of sale.opportunity each feature is computed from
FEATURE_FIELDS = {
    'email_present': {'email'},
    'phone_present': {'phone', 'mobile'},
    }
MANY2ONE_FEATURES = {'country': 'country.country',
    'sales_stage': 'crm.sales_stage'}
OPEN_STATES = ['lead', 'opportunity', 'converted']
#: The lead statuses of leads given up: never scored
UNSCORED_LEAD_STATUSES = ['junk', 'lost']
CLOSED_STATES = ['won', 'lost']
#: Ids rescored by one UPDATE
RESCORE_BATCH = 10000


def feature_value(table, feature):
    "Return the SQL expression of the value of feature in table."
    if feature in FEATURE_FIELDS:
        present = None
        for name in sorted(FEATURE_FIELDS[feature]):
            condition = Coalesce(getattr(table, name), '') != ''
            present = condition if present is None else present | condition
        return Case((present, 'yes'), else_='no')
    return getattr(table, feature)


def scored_condition(table):
    """Return the SQL condition of the deals that get a score: open and
    not a junk or lost lead."""
    return (table.state.in_(OPEN_STATES)
        & ~Coalesce(table.lead_status, '').in_(UNSCORED_LEAD_STATUSES))


def is_scored(opportunity):
    "Tell whether the opportunity gets a score (as scored_condition)."
    return (opportunity.state in OPEN_STATES
        and opportunity.lead_status not in UNSCORED_LEAD_STATUSES)


def scored_fields():
    """The fields of sale.opportunity whose change changes the score (and
    the score itself: a score written by hand is computed again)."""
    names = {'state', 'company', 'crm_score'}
    for feature, _ in FEATURES:
        names |= FEATURE_FIELDS.get(feature, {feature})
    return names


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'
    scoring_features = fields.MultiSelection(
        FEATURES, "Scoring Features",
        help="The fields of leads and potentials the win probability is "
        "learnt from.")
    scoring_min_closed = fields.Integer(
        "Minimum Closed Deals", required=True,
        help="Below this number of won and lost deals nothing is scored.")
    scoring_min_each = fields.Integer(
        "Minimum Won and Lost", required=True,
        help="Nothing is scored until there are at least this number of "
        "won deals and of lost deals.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'rebuild_scores': {},
                })

    @classmethod
    def default_scoring_features(cls):
        return list(DEFAULT_FEATURES)

    @classmethod
    def default_scoring_min_closed(cls):
        return 20

    @classmethod
    def default_scoring_min_each(cls):
        return 5

    @classmethod
    def preprocess_values(cls, mode, values):
        # Refused before anything is written
        for name in ['scoring_min_closed', 'scoring_min_each']:
            if values.get(name) is not None and values[name] < 1:
                raise ValidationError(gettext(
                        'crm_sales.msg_scoring_minimum_positive',
                        field=cls.__names__(name)['field']))
        return super().preprocess_values(mode, values)

    @classmethod
    @ModelView.button
    def rebuild_scores(cls, configurations):
        "Learn again and rescore now, as the daily job does."
        Pool().get('crm.scoring.model').rebuild()


class ScoringModel(ModelSQL, ModelView):
    "The won and lost counts of a company, per feature value"
    __name__ = 'crm.scoring.model'
    __string__ = "Lead Scoring Model"
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        ondelete='CASCADE')
    features = fields.MultiSelection(FEATURES, "Features", readonly=True)
    won = fields.Integer("Won", readonly=True)
    lost = fields.Integer("Lost", readonly=True)
    learnt = fields.DateTime("Learnt", readonly=True)
    frequencies = fields.One2Many(
        'crm.scoring.frequency', 'model', "Frequencies", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('company_unique', Unique(t, t.company),
                'crm_sales.msg_scoring_model_unique'),
            ]

    @classmethod
    def rebuild(cls, companies=None):
        """Learn the model of each company and rescore its open deals.

        The method of the daily ``ir.cron`` job: the company of the context
        when the job is registered for companies, otherwise all."""
        pool = Pool()
        Company = pool.get('company.company')
        if companies is None:
            company_id = Transaction().context.get('company')
            if company_id:
                companies = [Company(company_id)]
            else:
                companies = Company.search([])
        with without_check_access():
            for company in companies:
                cls.learn(company).rescore()

    @classmethod
    def learn(cls, company):
        "Count the won and lost deals of company per feature value."
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Configuration = pool.get('crm.configuration')
        Stage = pool.get('crm.sales_stage')
        cursor = Transaction().connection.cursor()
        opportunity = Opportunity.__table__()
        features = Configuration(1).scoring_features or []

        closed = ((opportunity.company == company.id)
            & opportunity.state.in_(CLOSED_STATES))

        def counts(query):
            won = Sum(Case((query.state == 'won', 1), else_=0))
            lost = Sum(Case((query.state == 'lost', 1), else_=0))
            return Coalesce(won, 0), Coalesce(lost, 0)
        cursor.execute(*opportunity.select(
                *counts(opportunity), where=closed))
        won_total, lost_total = cursor.fetchone()

        closing_stages = {str(s.id) for s in Stage.search(
                [('closing', '!=', None)])}
        lines = []
        for feature in features:
            # Grouped in an outer query: PostgreSQL does not match the
            # parameters of the same expression in SELECT and GROUP BY
            values = opportunity.select(
                feature_value(opportunity, feature).as_('value'),
                opportunity.state, where=closed)
            cursor.execute(*values.select(values.value, *counts(values),
                    where=values.value != Null,
                    group_by=[values.value]))
            for value, won_count, lost_count in cursor:
                value = str(value)
                if value == '' or (
                        feature == 'sales_stage' and value in closing_stages):
                    continue
                lines.append({
                        'feature': feature,
                        'value': value,
                        'won': won_count,
                        'lost': lost_count,
                        })

        models = cls.search([('company', '=', company.id)])
        cls.delete(models)
        model, = cls.create([{
                    'company': company.id,
                    'features': features,
                    'won': won_total,
                    'lost': lost_total,
                    'learnt': datetime.datetime.now(),
                    'frequencies': [('create', lines)],
                    }])
        return model

    @classmethod
    def get(cls, company):
        "Return the stored model of company or None."
        models = cls.search([('company', '=', company.id)], limit=1)
        return models[0] if models else None

    def shortage(self):
        "Return the message why the history is too little, or None."
        Configuration = Pool().get('crm.configuration')
        configuration = Configuration(1)
        # (empty in a configuration saved before the module's update)
        min_closed = (configuration.scoring_min_closed
            or Configuration.default_scoring_min_closed())
        min_each = (configuration.scoring_min_each
            or Configuration.default_scoring_min_each())
        closed = self.won + self.lost
        if closed < min_closed:
            return gettext('crm_sales.msg_scoring_too_few_closed',
                closed=closed, needed=min_closed)
        if min(self.won, self.lost) < min_each:
            return gettext('crm_sales.msg_scoring_too_few_each',
                won=self.won, lost=self.lost, needed=min_each)

    def lost_to_won_ratios(self):
        """Return the prior ratio L / W and, per feature, {value: ratio of
        the lost to the won likelihood} (Laplace smoothing)."""
        by_feature = defaultdict(list)
        for frequency in self.frequencies:
            by_feature[frequency.feature].append(frequency)
        ratios = {}
        for feature, frequencies in by_feature.items():
            distinct = len(frequencies)
            won = sum(f.won for f in frequencies) + distinct
            lost = sum(f.lost for f in frequencies) + distinct
            ratios[feature] = {
                f.value: ((f.lost + 1) / lost) / ((f.won + 1) / won)
                for f in frequencies}
        return self.lost / self.won, ratios

    def score_expression(self, table):
        "Return the SQL expression of the win probability of a deal."
        prior, ratios = self.lost_to_won_ratios()
        lost_odds = Literal(prior)
        for feature in self.features:
            if not ratios.get(feature):
                continue
            value = feature_value(table, feature)
            cast = int if feature in MANY2ONE_FEATURES else str
            lost_odds *= Case(
                *((value == cast(v), r) for v, r in ratios[feature].items()),
                else_=1.0)
        return Literal(1.0) / (Literal(1.0) + lost_odds)

    @staticmethod
    def stored_score(expression):
        """Return expression rounded to the digits of ``crm_score``.

        A float stored with more digits than its field shows does not
        survive the client's round trip: sao writes back the shown value
        (0.2577 for 0.257739...), takes the record for modified when it
        is only opened, and redisplays the form while it saves."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        digits = Opportunity.crm_score.digits[1]
        numeric = Opportunity.amount.sql_type().base
        return Cast(
            Round(Cast(expression, numeric), digits),
            Opportunity.crm_score.sql_type().base)

    def rescore(self, ids=None):
        """Store the score of the open deals of the company (of ids only
        if set) and clear it on the closed ones and on the junk and lost
        leads."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        opportunity = Opportunity.__table__()
        in_company = opportunity.company == self.company.id
        if ids is None:
            cursor.execute(*opportunity.select(opportunity.id,
                    where=in_company, order_by=[opportunity.id]))
            ids = [i for i, in cursor]
        if self.shortage():
            score = Null
        else:
            score = Case(
                (scored_condition(opportunity),
                    self.stored_score(self.score_expression(opportunity))),
                else_=Null)
        # Rows whose score stays are not written: an UPDATE rewrites the
        # row and its index entries (9,000 rows/s on the bench), and from
        # one day to the next most scores stay
        changed = Coalesce(opportunity.crm_score, -1) != Coalesce(score, -1)
        for sub_ids in grouped_slice(ids, RESCORE_BATCH):
            sub_ids = list(sub_ids)
            cursor.execute(*opportunity.update(
                    [opportunity.crm_score], [score],
                    where=in_company & changed
                    & fields.SQL_OPERATORS['in'](opportunity.id, sub_ids)))
        Opportunity.crm_forget_scores(ids)


class ScoringFrequency(ModelSQL, ModelView):
    "The won and lost deals of a company with one value of a feature"
    __name__ = 'crm.scoring.frequency'
    __string__ = "Lead Scoring Frequency"
    model = fields.Many2One(
        'crm.scoring.model', "Model", required=True, readonly=True,
        ondelete='CASCADE')
    feature = fields.Selection(FEATURES, "Feature", readonly=True)
    value = fields.Char("Value", readonly=True)
    value_name = fields.Function(fields.Char("Value"), 'get_value_name')
    won = fields.Integer("Won", readonly=True)
    lost = fields.Integer("Lost", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('model')
        cls._order.insert(0, ('feature', 'ASC'))
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.model, Index.Range())))

    @classmethod
    def get_value_name(cls, frequencies, name):
        "Return the label of the value: a selection's or a record's name."
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        names = {}
        for frequency in frequencies:
            feature, value = frequency.feature, frequency.value
            if feature in MANY2ONE_FEATURES:
                Target = pool.get(MANY2ONE_FEATURES[feature])
                names[frequency.id] = Target(int(value)).rec_name
            elif feature in FEATURE_FIELDS:
                names[frequency.id] = value
            else:
                selection = dict(
                    Opportunity.fields_get([feature])[feature]['selection'])
                names[frequency.id] = selection.get(value, value)
        return names


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'
    crm_score = fields.Float(
        "Score", digits=(1, 4), readonly=True,
        help="The probability that the deal is won, learnt from the won "
        "and lost deals of the company.\n"
        "Empty for the closed and cancelled deals and for the junk and lost "
        "leads (the score note says why).")
    crm_score_note = fields.Function(
        fields.Char("Score Note"), 'get_crm_score_note')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The Leads list sorted by score: first page of 100,000 leads on
        # PostgreSQL 132 -> 0.3 ms (admin), 18 -> 2 ms (rep)
        cls._sql_indexes.add(Index(t,
                (t.crm_score, Index.Range(order='DESC')),
                (t.id, Index.Range(order='DESC')),
                where=t.state == 'lead'))

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        ScoringModel = pool.get('crm.scoring.model')
        super().__register__(module)
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        # Scores stored before they were rounded to the digits of the field
        rounded = ScoringModel.stored_score(table.crm_score)
        cursor.execute(*table.update(
                [table.crm_score], [rounded],
                where=(table.crm_score != Null) & (table.crm_score != rounded)))

    @classmethod
    def get_crm_score_note(cls, opportunities, name):
        "Say why an open deal has no score."
        ScoringModel = Pool().get('crm.scoring.model')
        notes = {o.id: None for o in opportunities}
        unscored = defaultdict(list)
        statuses = None
        for opportunity in opportunities:
            if (opportunity.state in OPEN_STATES
                    and not is_scored(opportunity)):
                if statuses is None:
                    statuses = dict(cls.fields_get(
                            ['lead_status'])['lead_status']['selection'])
                notes[opportunity.id] = gettext(
                    'crm_sales.msg_scoring_lead_given_up',
                    status=statuses.get(
                        opportunity.lead_status, opportunity.lead_status))
            elif (opportunity.crm_score is None
                    and opportunity.state in OPEN_STATES):
                unscored[opportunity.company].append(opportunity.id)
        with without_check_access():
            for company, ids in unscored.items():
                model = ScoringModel.get(company)
                if model:
                    note = model.shortage()
                else:
                    note = gettext('crm_sales.msg_scoring_not_learnt')
                notes.update(dict.fromkeys(ids, note))
        return notes

    @classmethod
    def on_modification(cls, mode, opportunities, field_names=None):
        super().on_modification(
            mode, opportunities, field_names=field_names)
        if mode == 'delete':
            return
        if mode == 'write' and not (set(field_names) & scored_fields()):
            return
        cls.crm_rescore(opportunities)

    @classmethod
    def crm_rescore(cls, opportunities):
        "Rescore opportunities from the stored models, without learning."
        ScoringModel = Pool().get('crm.scoring.model')
        by_company = defaultdict(list)
        for opportunity in opportunities:
            by_company[opportunity.company].append(opportunity.id)
        with without_check_access():
            for company, ids in by_company.items():
                model = ScoringModel.get(company)
                if model:
                    model.rescore(ids)

    @classmethod
    def crm_forget_scores(cls, ids):
        "Drop the scores of ids cached by the transaction (set by SQL)."
        transaction = Transaction()
        transaction.counter += 1
        for cache in transaction.cache.values():
            if cls.__name__ in cache:
                for id_ in ids:
                    cache[cls.__name__].pop(id_, None)

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('crm_score')
        return super().copy(opportunities, default=default)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.scoring.model|rebuild', "Score Leads and Potentials"))

