#!/usr/bin/env python
"""Pipeline board benchmark: the board's data and a move, as a rep and a
manager.

    python bench/bench_pipeline_board.py --sizes 100000
    python bench/bench_pipeline_board.py --sizes 1000000 -d crm_bench_x --keep

Creates a PostgreSQL database ``crm_bench_board_<pid>`` with crm_sales (or
reuses ``--database``), grows it with bench/generate.py to each size (that
many leads and potentials, a tenth of that in contacts) and measures for
the same data in the same run, as ``bench_pipeline.py`` does, the users
``admin``, ``bench_rep01`` (its 1/20 through the record rules) and
``bench_manager1`` (the 20 reps below its role): what the route
``/crm/pipeline/data`` computes (``pipeline_board_data.board_data``: the stages,
up to 200 cards per column searched and read as the user, the overdue
markers and the grouped totals with the user's read rules), for every
close quarter and for 2026 Q4, beside a plain ``search_count`` of the open
potentials of the same filter in the same run (``ratio_vs_count``); then
the move of a card (``pipeline_board_data.move``, rolled back).  One JSON line
per figure on stdout, progress on stderr.  A benchmark never fails on a
time.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    Bench, log, prepare_database, sales_database, trytond_admin)

#: The quarter measured besides every quarter: in the middle of the
#: generated expected close dates (2025-2027)
QUARTER = '2026-Q4'
OPEN_STATES = ['opportunity', 'converted']


def board_figures(bench, size, users):
    "Yield the figures of the board's data, per user and quarter."
    from crm_sales import pipeline_board_data as pipeline_board
    Opportunity = bench.pool.get('sale.opportunity')

    for quarter in ['', QUARTER]:
        def board():
            data = pipeline_board.board_data('all', quarter)
            return {
                'columns': len(data['stages']),
                'cards': sum(len(s['cards']) for s in data['stages']),
                'count': sum(s['count'] for s in data['stages']),
                }

        def count():
            domain = [('state', 'in', OPEN_STATES)]
            domain += pipeline_board.filter_domain('all', quarter)
            return {'count': Opportunity.search_count(domain)}

        for user in ['admin', 'rep', 'manager']:
            uid = users[user]
            context = bench.context(uid, {})
            count_ms, counted = bench.measure(uid, context, count)
            median, result = bench.measure(uid, context, board)
            yield {
                'bench': 'board_data', 'size': size, 'user': user,
                'quarter': quarter or 'all',
                'median_ms': round(median, 2),
                'search_count_ms': round(count_ms, 2),
                'ratio_vs_count': round(median / count_ms, 2),
                'open_count': counted['count'],
                **result,
                }


def move_figures(bench, size, users):
    """Yield the figure of a move of a card by the rep and the manager
    (the write of the form, the stage history, the totals of the two
    columns), each run rolled back."""
    from trytond.transaction import Transaction
    from crm_sales import pipeline_board_data as pipeline_board
    pool = bench.pool
    Opportunity = pool.get('sale.opportunity')
    Stage = pool.get('crm.sales_stage')
    with bench.transaction() as transaction:
        stages = [s.id for s in Stage.search([('closing', '=', None)])]
    for user in ['rep', 'manager']:
        uid = users[user]
        context = bench.context(uid, {})
        times = []
        for i in range(bench.repeat + 1):
            with Transaction().start(bench.database, 0) as transaction, \
                    transaction.set_user(uid), \
                    transaction.set_context(context, _check_access=True):
                potential, = Opportunity.search([
                        ('state', 'in', OPEN_STATES),
                        ('assigned_user', '=', users['rep']),
                        ], limit=1, order=[('id', 'ASC')])
                target = stages[(stages.index(potential.sales_stage.id)
                        + 1) % len(stages)]
                start = time.perf_counter()
                answer = pipeline_board.move({
                        'potential': potential.id, 'stage': target,
                        'scope': 'all', 'quarter': ''})
                elapsed = time.perf_counter() - start
                transaction.rollback()
            if i:
                times.append(elapsed * 1000)
        yield {
            'bench': 'board_move', 'size': size, 'user': user,
            'median_ms': round(statistics.median(times), 2),
            'columns': len(answer['totals']),
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

    generate.init_trytond(
        args.uri, unaccent_function='unaccent_immutable')
    start = time.perf_counter()
    with sales_database(args.uri, args.database, 'crm_bench_board',
            keep=args.keep) as (database, created):
        if created:
            log('activated crm_sales in %.1fs'
                % (time.perf_counter() - start))
        elif args.update:
            prepare_database(args.uri, database, 'immutable')
            import tempfile
            trytond_admin(database, tempfile.mkdtemp(prefix='crm_bench_'),
                '-u', 'crm_sales')
        for size in sizes:
            start = time.perf_counter()
            generate.generate(database, max(size // 10, 1000),
                leads=size, potentials=size, log=log)
            log('size %d ready in %.1fs' % (size, time.perf_counter() - start))
            bench = Bench(database, args.repeat)
            users = bench.users()
            for figure in board_figures(bench, size, users):
                print(json.dumps(figure), flush=True)
            for figure in move_figures(bench, size, users):
                print(json.dumps(figure), flush=True)


if __name__ == '__main__':
    main()
