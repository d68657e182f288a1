#!/usr/bin/env python
"""Lead scoring benchmark: learning, bulk rescoring and rescoring on save.

    python bench/bench_scoring.py --leads 100000 --closed 20000

Creates a PostgreSQL database ``crm_bench_scoring_<pid>`` with crm_sales
(or reuses ``--database``), the bench company and users of generate.py,
then loads with ``COPY`` the open leads and the closed (won and lost)
deals, drawn with a fixed seed: lead source, industry, rating, e-mail and
phone, and for the closed deals an outcome that depends on them.  It
measures, in the same run and on the same rows:

- ``learn``: ``crm.scoring.model.learn`` (one grouped count per feature
  over the closed deals and the stored model);
- ``rescore``: ``crm.scoring.model.rescore`` of every deal of the company
  (one UPDATE per batch of ids with the score expression), against the
  baseline ``sql_update_constant``: the same batches of the same rows
  updated with a constant; ``rescore_unchanged``: the same once the scores
  are stored (the daily job when the model did not move: no row written);
- ``save``: ORM writes of a scored field (the lead source, which rescores)
  against ORM writes of a field that is not scored (the description), in
  batches of 100 leads as a list action sends them;
- ``leads_by_score``: the first page of the Leads list sorted by score, as
  the admin and a rep (record rules applied).

Each timed run is rolled back except the last rescoring, so that every run
sees the same table.  One JSON line per figure on stdout, progress on
stderr; medians of ``--repeat`` runs.  A benchmark never fails on a time.
"""
import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import shutil
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    drop_database, log, prepare_database, trytond_admin)

SEED = 20261126
SOURCES = [
    'cold_call', 'existing_customer', 'self_generated', 'employee',
    'partner', 'public_relations', 'direct_mail', 'conference',
    'trade_show', 'web_site', 'word_of_mouth', 'other', None]
INDUSTRIES = [
    'banking', 'consulting', 'education', 'electronics', 'energy',
    'construction', 'communications', 'chemicals', 'apparel', None]
RATINGS = ['acquired', 'active', 'market_failed', 'project_cancelled',
    'shutdown', None]
#: How much each source and rating moves the odds of a win (the truth the
#: model should find)
SOURCE_WEIGHT = {'existing_customer': 1.2, 'partner': 0.8, 'web_site': 0.4,
    'cold_call': -1.0, 'direct_mail': -0.6}
RATING_WEIGHT = {'active': 0.9, 'acquired': 0.5, 'shutdown': -1.5}
SAVE_BATCH = 100


def lead_values(index):
    "Return the features of the index-th deal (1-based), always the same."
    rng = random.Random(SEED * 11 + index)
    return {
        'lead_source': rng.choice(SOURCES),
        'industry': rng.choice(INDUSTRIES),
        'rating': rng.choice(RATINGS),
        'email': ('lead%d@example.com' % index
            if rng.random() < 0.7 else None),
        'phone': '+1555%07d' % index if rng.random() < 0.6 else None,
        'won': rng.random(),
        }


def outcome(values):
    "Return 'won' or 'lost' for a closed deal, from its features."
    logit = (-0.3 + SOURCE_WEIGHT.get(values['lead_source'], 0)
        + RATING_WEIGHT.get(values['rating'], 0)
        + (0.7 if values['email'] else -0.4)
        + (0.3 if values['phone'] else 0))
    return 'won' if values['won'] < 1 / (1 + 2.718281828 ** -logit) \
        else 'lost'


def create_database(uri, name, workdir):
    import psycopg
    with psycopg.connect(uri.rstrip('/') + '/postgres', autocommit=True) \
            as conn:
        conn.execute('CREATE DATABASE "%s"' % name)
    prepare_database(uri, name, 'extension')
    start = time.perf_counter()
    trytond_admin(name, workdir, '--all', '--email', 'admin@example.com',
        '-u', 'crm_sales', '--activate-dependencies')
    log('created %s with crm_sales in %.1fs'
        % (name, time.perf_counter() - start))


def load_deals(database, leads, closed):
    """Load (once) the closed deals then the open leads with COPY, owned
    round-robin by the bench reps.  Return the base dict of generate."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(database).init()
    with Transaction().start(database, 0, context={'language': 'en'}) \
            as transaction:
        base = generate.setup_base()
        transaction.commit()
        cursor = transaction.connection.cursor()
        cursor.execute("SELECT count(*) FROM sale_opportunity "
            "WHERE number LIKE 'BL%%'")
        existing, = cursor.fetchone()
        total = closed + leads
        if existing == total:
            return base
        # Other sizes: the closed deals come first, load them all again
        cursor.execute("DELETE FROM sale_opportunity "
            "WHERE number LIKE 'BL%%'")
        cursor.execute('SELECT currency FROM company_company WHERE id = %s',
            (base['company'],))
        currency, = cursor.fetchone()
        reps = base['reps']
        count = total
        first_id = generate._reserve_ids(cursor, 'sale_opportunity', count)
        columns = [
            'id', 'number', 'company', 'currency', 'start_date', 'state',
            'crm_lead', 'last_name', 'lead_company', 'lead_source',
            'industry', 'rating', 'email', 'phone', 'assigned_user',
            'create_date', 'create_uid', 'email_opt_out', 'do_not_call',
            'conversion_probability']
        start = time.perf_counter()
        with cursor.copy('COPY sale_opportunity (%s) FROM STDIN'
                % ', '.join(columns)) as copy:
            for offset, index in enumerate(range(1, total + 1)):
                values = lead_values(index)
                state = outcome(values) if index <= closed else 'lead'
                copy.write_row((
                        first_id + offset, 'BL%09d' % index,
                        base['company'], currency, dt.date(2026, 1, 1),
                        state, True, 'Lead %d' % index, 'Company %d' % index,
                        values['lead_source'], values['industry'],
                        values['rating'], values['email'], values['phone'],
                        reps[(index - 1) % len(reps)],
                        generate.CREATE_DATE, 0, False, False, 0))
        Pool().get('sale.opportunity')._count_cache.clear()
        transaction.commit()
        log('deals: +%d in %.1fs' % (count, time.perf_counter() - start))
        generate.analyze(transaction.connection, ['sale_opportunity'])
    return base


class Bench:
    def __init__(self, database, repeat):
        from trytond.pool import Pool
        self.database = database
        self.repeat = repeat
        self.pool = Pool(database)

    def transaction(self, user=0, context=None):
        from trytond.transaction import Transaction
        return Transaction().start(
            self.database, user, context=context or {})

    def measure(self, func, user=0, context=None, commit_last=False):
        """Run func repeat times, each in a transaction rolled back (the
        last committed if commit_last); return (median s, last result)."""
        times = []
        for i in range(self.repeat):
            with self.transaction(user, context) as transaction:
                start = time.perf_counter()
                result = func()
                times.append(time.perf_counter() - start)
                if commit_last and i == self.repeat - 1:
                    transaction.commit()
                else:
                    transaction.rollback()
        return statistics.median(times), result


def figures(bench, base, leads, closed):
    "Yield the figure dicts."
    from trytond.model import fields
    from trytond.tools import grouped_slice
    from trytond.transaction import Transaction
    pool = bench.pool
    Company = pool.get('company.company')
    ScoringModel = pool.get('crm.scoring.model')
    Opportunity = pool.get('sale.opportunity')
    size = {'leads': leads, 'closed': closed}

    def learn():
        return ScoringModel.learn(Company(base['company'])).id
    with bench.transaction() as transaction:
        learn()
        transaction.commit()
    learn_s, _ = bench.measure(learn)
    yield {'bench': 'learn', **size, 'median_ms': round(learn_s * 1000, 1)}

    def rescore():
        model = ScoringModel.get(Company(base['company']))
        model.rescore()
        return model.won, model.lost

    def sql_update_constant():
        "The baseline: the same batches of the same rows, a constant."
        cursor = Transaction().connection.cursor()
        table = Opportunity.__table__()
        in_company = table.company == base['company']
        cursor.execute(*table.select(table.id, where=in_company,
                order_by=[table.id]))
        ids = [i for i, in cursor]
        for sub_ids in grouped_slice(ids, 10000):
            cursor.execute(*table.update([table.crm_score], [0.5],
                    where=in_company
                    & fields.SQL_OPERATORS['in'](table.id, list(sub_ids))))
        return len(ids)

    # Every timed run starts from no score, as the first daily run
    with bench.transaction() as transaction:
        cursor = transaction.connection.cursor()
        table = Opportunity.__table__()
        cursor.execute(*table.update([table.crm_score], [None],
                where=table.company == base['company']))
        transaction.commit()
        generate.analyze(transaction.connection, ['sale_opportunity'])

    rows = leads + closed
    baseline_s, _ = bench.measure(sql_update_constant)
    rescore_s, (won, lost) = bench.measure(rescore, commit_last=True)
    yield {'bench': 'sql_update_constant', **size, 'rows': rows,
        'median_ms': round(baseline_s * 1000, 1),
        'rows_per_s': round(rows / baseline_s)}
    yield {'bench': 'rescore', **size, 'rows': rows, 'won': won,
        'lost': lost, 'median_ms': round(rescore_s * 1000, 1),
        'rows_per_s': round(rows / rescore_s),
        'leads_per_s': round(leads / rescore_s),
        'ratio_vs_sql_update_constant': round(rescore_s / baseline_s, 2)}

    unchanged_s, _ = bench.measure(rescore)
    yield {'bench': 'rescore_unchanged', **size, 'rows': rows,
        'median_ms': round(unchanged_s * 1000, 1),
        'rows_per_s': round(rows / unchanged_s),
        'ratio_vs_sql_update_constant': round(unchanged_s / baseline_s, 2)}

    # The updates left dead rows, as autovacuum would find them
    with bench.transaction() as transaction:
        generate.analyze(transaction.connection, ['sale_opportunity'])

    with bench.transaction():
        lead_ids = [o.id for o in Opportunity.search(
                [('state', '=', 'lead')], limit=1000, order=[('id', 'DESC')])]

    def write(values):
        def run():
            for sub_ids in grouped_slice(lead_ids, SAVE_BATCH):
                Opportunity.write(Opportunity.browse(sub_ids), values)
            return len(lead_ids)
        return run
    plain_s, _ = bench.measure(write({'description': "Called"}))
    scored_s, _ = bench.measure(write({'lead_source': 'partner'}))
    yield {'bench': 'save', 'field': 'description (not scored)',
        'rows': len(lead_ids), 'median_ms': round(plain_s * 1000, 1),
        'rows_per_s': round(len(lead_ids) / plain_s)}
    yield {'bench': 'save', 'field': 'lead_source (rescored)',
        'rows': len(lead_ids), 'median_ms': round(scored_s * 1000, 1),
        'rows_per_s': round(len(lead_ids) / scored_s),
        'ratio_vs_not_scored': round(scored_s / plain_s, 2)}

    User = pool.get('res.user')
    admin = base['admin']
    rep = base['reps'][0]
    order = [('crm_score', 'DESC'), ('id', 'DESC')]
    results = {}
    for name, uid in [('admin', admin), ('rep', rep)]:
        with bench.transaction(uid):
            context = User.get_preferences(context_only=True)
        context.update({'crm_lead': True, '_check_access': True})

        def first_page():
            found = Opportunity.search(
                [('state', '=', 'lead')], 0, 80, order)
            return [o.crm_score for o in found]
        median, scores = bench.measure(first_page, uid, context)
        results[name] = median
        yield {'bench': 'leads_by_score', 'user': name, 'rows': len(scores),
            'median_ms': round(median * 1000, 1),
            'sorted': scores == sorted(scores, reverse=True),
            'ratio_vs_admin': round(median / results['admin'], 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated)")
    parser.add_argument('--keep', action='store_true',
        help="do not drop the database created")
    parser.add_argument('--leads', type=int, default=100000,
        help="open leads (default: %(default)s)")
    parser.add_argument('--closed', type=int, default=20000,
        help="won and lost deals learnt from (default: %(default)s)")
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--update', action='store_true',
        help="update crm_sales in the reused database first (indexes)")
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri)
    created = None
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    if args.database:
        database = args.database
        if args.update:
            trytond_admin(database, workdir, '-u', 'crm_sales')
    else:
        database = created = 'crm_bench_scoring_%d' % os.getpid()
        create_database(args.uri, database, workdir)
    try:
        base = load_deals(database, args.leads, args.closed)
        bench = Bench(database, args.repeat)
        for figure in figures(bench, base, args.leads, args.closed):
            print(json.dumps(figure), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if created and not args.keep:
            drop_database(args.uri, created)
            log('dropped', created)
        elif created:
            log('kept database', created)


if __name__ == '__main__':
    main()
