#!/usr/bin/env python
"""Quotes list benchmark: the first page of CRM > Sales > Quotes for a
restricted sales rep vs the admin, at up to a million sales.

    python bench/bench_quote_list.py --sizes 100000,1000000

Creates a PostgreSQL database with crm_sales (or reuses ``--database``),
grows it with bench/generate.py to each size (sales: quotes and orders in
turn, two lines each, on 10,000 accounts owned by 20 reps; sharing of
sale.sale 'private') and measures, as over RPC (the user's context and
access checks), the page sao shows: the search of the action's domain
(draft and quotation) in its order (newest first), the count up to 100
pages and the read of the list's columns (the untaxed and total amounts
computed from the lines of quotes), for the tabs All and My Quotes, as
``bench_rep01``, ``bench_manager1`` and ``admin``.  One JSON line per
figure (median ms, ratio to the admin's); a benchmark never fails on a
time.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, Bench, explain_search, list_page, log,
    sales_database)

QUOTES = [('state', 'in', ['draft', 'quotation'])]
ORDER = [('create_date', 'DESC'), ('id', 'DESC')]
# The columns of crm_sales/view/sale_quote_list.xml and what sao adds
LIST_READ = [
    'number', 'description', 'party', 'contact', 'crm_potential',
    'quote_stage', 'quotation_expire', 'untaxed_amount', 'total_amount',
    'currency', 'assigned_user', 'assigned_team', 'state',
    'party.rec_name', 'contact.rec_name', 'crm_potential.rec_name',
    'currency.rec_name', 'assigned_user.rec_name', 'assigned_team.rec_name',
    'rec_name', '_timestamp', '_write', '_delete']
ACCOUNTS = 10_000


def share_privately(database):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        Sharing = Pool().get('crm.sharing')
        Sharing.write(Sharing.search([('model', '=', 'sale.sale')]),
            {'access': 'private'})
        transaction.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--sizes', default='100000,1000000')
    parser.add_argument('--limit', type=int, default=80)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--explain', action='store_true')
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with sales_database(args.uri, args.database, 'crm_bench_quotes',
            keep=args.keep) as (database, _):
        for size in map(int, args.sizes.split(',')):
            started = time.perf_counter()
            generate.generate(database, ACCOUNTS * generate.
                CONTACTS_PER_ACCOUNT, sales=size, log=log)
            log('size %d ready in %.1fs' % (
                    size, time.perf_counter() - started))
            share_privately(database)
            bench = Bench(database, args.repeat)
            users = bench.users()
            Sale = bench.pool.get('sale.sale')
            for tab in ['all', 'mine']:
                results = {}
                for user in ['admin', 'rep', 'manager']:
                    uid = users[user]
                    domain = [QUOTES] + (
                        [('assigned_user', '=', uid)] if tab == 'mine'
                        else [])
                    context = bench.context(uid, {})
                    median, result = bench.measure(
                        uid, context, list_page(
                            Sale, domain, args.limit, ORDER, LIST_READ))
                    results[user] = median
                    print(json.dumps({
                                'bench': 'quote_list_first_page',
                                'size': size, 'tab': tab, 'user': user,
                                'limit': args.limit,
                                'median_ms': round(median, 2),
                                'ratio_vs_admin': round(
                                    median / results['admin'], 2),
                                **result}), flush=True)
                    if args.explain:
                        log('--- %s %s size=%d\n%s' % (tab, user, size,
                                explain_search(bench, 'sale.sale', uid,
                                    context, domain, args.limit, ORDER)))


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
