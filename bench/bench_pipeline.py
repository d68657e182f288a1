#!/usr/bin/env python
"""Pipeline benchmark: forecasts, the leads list and the pipeline report.

    python bench/bench_pipeline.py --sizes 100000
    python bench/bench_pipeline.py --sizes 1000000 -d crm_bench_x --keep

Creates a PostgreSQL database ``crm_bench_pipeline_<pid>`` with crm_sales
(or reuses ``--database``), grows it with bench/generate.py to each size
(that many leads and potentials; a tenth of that in contacts, so a
hundredth in accounts) and measures for the same data in the same run the
users ``admin`` (CRM Administrator), ``bench_rep01`` (Sales Rep: its 1/20
through the record rules) and ``bench_manager1`` (Sales Manager: the 20
reps below its role).  Calls run as over RPC (see bench_account_list.py).
One JSON line per figure on stdout, progress on stderr.  A benchmark never
fails on a time.
"""
import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, Bench, create_database, drop_database, log,
    prepare_database, trytond_admin)

#: The day whose quarter the forecast shows (given in its context, so the
#: figures do not depend on the day of the run): in the middle of the
#: generated expected close dates
TODAY = dt.date(2026, 11, 26)
LEAD_ORDER = [('create_date', 'DESC'), ('id', 'DESC')]
# The columns of crm_sales/view/lead_list.xml and what sao adds to them
LEAD_LIST_FIELDS = [
    'number', 'salutation', 'first_name', 'last_name', 'lead_company',
    'job_title', 'email', 'phone', 'mobile', 'city', 'country', 'industry',
    'lead_source', 'lead_status', 'rating', 'crm_score', 'assigned_user',
    'assigned_team', 'create_date']
LEAD_LIST_READ = LEAD_LIST_FIELDS + [
    'assigned_user.rec_name', 'assigned_team.rec_name', 'country.rec_name',
    'rec_name', '_timestamp', '_write', '_delete']
# The domain of the Leads action (crm_sales/lead.xml)
LEAD_DOMAIN = [('state', '=', 'lead'), ('lead_conversion_date', '=', None)]
FORECAST_READ = [
    'level', 'owner', 'quota', 'closed_won', 'weighted_pipeline',
    'open_amount', 'best_case', 'gap', 'assigned_user', 'assigned_team',
    'currency', 'assigned_user.rec_name', 'assigned_team.rec_name', 'rec_name']
PIPELINE_REPORT = 'crm.report.pipeline_stage'
PIPELINE_CONTEXT = 'crm.report.context'
READ_BATCH = 100


def add_quotas(database, base, year, quarter):
    "Give every rep and manager a quota for the quarter (once)."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from decimal import Decimal
    with Transaction().start(database, 0) as transaction:
        Quota = Pool().get('crm.quota')
        Company = Pool().get('company.company')
        currency = Company(base['company']).currency.id
        owners = base['reps'] + base['managers']
        existing = {q.assigned_user.id for q in Quota.search([
                    ('year', '=', year), ('quarter', '=', quarter),
                    ('assigned_user', 'in', owners)])}
        Quota.create([{
                    'company': base['company'], 'currency': currency,
                    'year': year, 'quarter': quarter,
                    'assigned_user': u, 'amount': Decimal(500000),
                    } for u in owners if u not in existing])
        transaction.commit()


def figures(bench, size, users):
    "Yield the figure dicts of one size."
    from trytond.pool import Pool
    pool = bench.pool
    Forecast = pool.get('crm.forecast')
    Opportunity = pool.get('sale.opportunity')
    year, quarter = TODAY.year, str((TODAY.month - 1) // 3 + 1)

    def forecast():
        rows = Forecast.search([])
        read = Forecast.read(list(map(int, rows)), FORECAST_READ)
        # The rows overlap (rep, team, manager roll-up, total): only the
        # Total row counts each deal the user may read once
        total = [r for r in read if r['level'] == 'total']
        return {'rows': len(rows), 'read': len(read),
            'closed_won': float(sum(r['closed_won'] or 0 for r in total))}

    def lead_list():
        clock = time.perf_counter
        domain = LEAD_DOMAIN
        t0 = clock()
        ids = list(map(int, Opportunity.search(domain, 0, 80, LEAD_ORDER)))
        t1 = clock()
        count = len(ids)
        if len(ids) == 80:
            count = Opportunity.search_count(domain, 0, 80 * 100)
        t2 = clock()
        rows = Opportunity.read(ids[:READ_BATCH], LEAD_LIST_READ)
        t3 = clock()
        return {'rows': len(ids), 'count': count, 'read': len(rows),
            'search_ms': (t1 - t0) * 1000, 'count_ms': (t2 - t1) * 1000,
            'read_ms': (t3 - t2) * 1000}

    benches = [
        ('forecast', {'year': year, 'quarter': quarter},
            {'year': year, 'quarter': quarter}, forecast),
        ('lead_list_first_page', {'limit': 80}, {'crm_lead': True},
            lead_list),
        ]
    try:
        Report = Pool(bench.database).get(PIPELINE_REPORT)
        Pool(bench.database).get(PIPELINE_CONTEXT)
    except KeyError:
        yield {'bench': 'pipeline_by_stage', 'size': size, 'absent': True,
            'model': PIPELINE_REPORT}
    else:
        def pipeline():
            rows = Report.search([])
            read = Report.read(list(map(int, rows)), ['rec_name'] + [
                    f for f in ['amount', 'weighted_amount', 'number']
                    if f in Report._fields])
            return {'rows': len(rows), 'read': len(read)}
        start = TODAY.replace(month=1, day=1)
        benches.append(('pipeline_by_stage',
                {'from_date': str(start), 'to_date': str(TODAY)},
                {'from_date': start, 'to_date': TODAY}, pipeline))

    for name, extra, action_ctx, func in benches:
        results = {}
        for user in ['admin', 'rep', 'manager']:
            uid = users[user]
            context = bench.context(uid, action_ctx)
            median, result = bench.measure(uid, context, func)
            results[user] = median
            yield {
                'bench': name, 'size': size, 'user': user,
                'median_ms': round(median, 2),
                'ratio_vs_admin': round(median / results['admin'], 2),
                **extra, **result,
                }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated)")
    parser.add_argument('--keep', action='store_true',
        help="do not drop the database created")
    parser.add_argument('--sizes', default='100000,1000000',
        help="numbers of leads and of potentials, built incrementally "
        "(default: %(default)s)")
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--update', action='store_true',
        help="update crm_sales in the reused database first (indexes)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(',')]

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    created = None
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    if args.database:
        database = args.database
        prepare_database(args.uri, database, 'immutable')
        if args.update:
            trytond_admin(database, workdir, '-u', 'crm_sales')
    else:
        database = created = 'crm_bench_pipeline_%d' % os.getpid()
        create_database(args.uri, database, workdir, 'immutable')
        start = time.perf_counter()
        trytond_admin(database, workdir, '-u', 'crm_sales',
            '--activate-dependencies')
        log('activated crm_sales in %.1fs' % (time.perf_counter() - start))
    try:
        for size in sizes:
            start = time.perf_counter()
            base = generate.generate(database, max(size // 10, 1000),
                leads=size, potentials=size, log=log)
            add_quotas(database, base, TODAY.year,
                str((TODAY.month - 1) // 3 + 1))
            log('size %d ready in %.1fs' % (size, time.perf_counter() - start))
            bench = Bench(database, args.repeat)
            users = bench.users()
            for figure in figures(bench, size, users):
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
