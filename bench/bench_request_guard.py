#!/usr/bin/env python
"""Request guard benchmark: what checking a call's arguments and masking
stored links (crm_core/request_guard.py) cost on the lists users read.

    python bench/bench_request_guard.py --sizes 10000,100000

Builds the data of bench_pipeline.py (PostgreSQL, ``--database`` to reuse
one) and reads, as the users of that benchmark, the first page of leads
(the columns of the Leads list) and of potentials with their accounts'
names, twice in the same run: with ``Model.read`` called directly (the
baseline: what bench_pipeline.py measures) and through the JSON-RPC
dispatch as sao calls it (``RPC.convert`` then the method decorated by the
guard).  The ratio is dispatch / direct.  One JSON line per figure on
stdout; a benchmark never fails on a time.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, Bench, log, sales_database)
from bench_pipeline import (  # noqa: E402
    LEAD_DOMAIN, LEAD_LIST_READ, LEAD_ORDER, READ_BATCH)

POTENTIAL_DOMAIN = [('state', '=', 'opportunity')]
POTENTIAL_READ = [
    'description', 'party', 'party.rec_name', 'amount', 'sales_stage',
    'sales_stage.rec_name', 'expected_close_date',
    'assigned_user', 'assigned_user.rec_name', 'rec_name', '_timestamp',
    '_write', '_delete']
LISTS = [
    ('leads', LEAD_DOMAIN, LEAD_LIST_READ),
    ('potentials', POTENTIAL_DOMAIN, POTENTIAL_READ),
    ]


def figures(bench, size, users):
    "Yield the figure dicts of one size."
    from crm_core.tests.tools import rpc_call
    from trytond.transaction import Transaction
    Opportunity = bench.pool.get('sale.opportunity')
    for name, domain, fields in LISTS:
        for login in ['rep', 'manager']:
            uid = users[login]
            context = bench.context(uid, {})
            with bench.transaction(), Transaction().set_user(uid), \
                    Transaction().set_context(context, _check_access=True):
                ids = list(map(int, Opportunity.search(
                            domain, 0, READ_BATCH, LEAD_ORDER)))

            def direct():
                return {'read': len(Opportunity.read(ids, fields))}

            def dispatched():
                rows = rpc_call(uid, Opportunity, 'read', ids, fields,
                    context=context)
                return {'read': len(rows)}
            base_ms, _ = bench.measure(uid, context, direct)
            guard_ms, result = bench.measure(uid, context, dispatched)
            yield {
                'bench': f'{name}_page_read', 'size': size, 'user': login,
                'direct_ms': round(base_ms, 2),
                'dispatch_ms': round(guard_ms, 2),
                'ratio_dispatch_vs_direct': round(guard_ms / base_ms, 2),
                **result}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated, data generated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--repeat', type=int, default=7)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(',')]

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with sales_database(args.uri, args.database, 'crm_bench_guard',
            keep=args.keep) as (database, created):
        for size in sizes:
            if created:
                generate.generate(database, max(size // 10, 1000),
                    leads=size, potentials=size, log=log)
            bench = Bench(database, args.repeat)
            for figure in figures(bench, size, bench.users()):
                print(json.dumps(figure), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
