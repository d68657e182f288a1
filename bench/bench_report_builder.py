#!/usr/bin/env python
"""Report builder benchmark: each standard report run as each role, at up
to a million leads and potentials.

    python bench/bench_report_builder.py --sizes 100000
    python bench/bench_report_builder.py --sizes 1000000 -d crm_bench_x --keep

The database is bench_dashboards.py's (``dashboard_database`` and
``grow``: that many leads and potentials, a tenth of the size in sales,
tickets and activities).  For ``admin``, ``bench_rep01`` (Sales Rep) and
``bench_manager1`` (Sales Manager), as over RPC (the user's context and
access checks), each standard report (``crm.report`` without owner) is
run as *Run* runs it (``crm.report.result.run``: the rows of the report's
limit, the groups' counts and subtotals, the result and its lines stored;
rolled back after each run).  ``median_ms`` is its median over
``--repeat`` runs; ``baseline_ms`` a plain ``search_count`` of the
report's record type (its type's domain) by the same user in the same
run, ``ratio`` the run over it; ``count`` the records the report matched,
``lines`` the lines of its result.  One JSON object per line.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402
from bench_account_list import UNACCENT_IMMUTABLE, Bench, log  # noqa: E402
from bench_dashboards import dashboard_database, grow  # noqa: E402


class WritingBench(Bench):
    "A Bench whose calls may write (each run is rolled back)"

    def run(self, uid, context, func):
        """Run func (warm-up once, then repeat times) as uid, rolled back;
        return (median ms, last result)."""
        from trytond.transaction import Transaction
        times, result = [], None
        for i in range(self.repeat + 1):
            with Transaction().start(self.database, 0) as transaction, \
                    transaction.set_user(uid), \
                    transaction.set_context(context, _check_access=True):
                start = time.perf_counter()
                result = func()
                elapsed = time.perf_counter() - start
                transaction.rollback()
            if i:
                times.append(elapsed * 1000)
        return statistics.median(times), result


def standard_reports(bench):
    "Return [(id, name, model, type domain)] of the standard reports."
    Report = bench.pool.get('crm.report')
    with bench.transaction():
        return [(r.id, r.name, r.model_name, r.type_domain)
            for r in Report.search([('user', '=', None)])]


def figures(bench, size, users):
    "Yield the figure dicts of one size."
    pool = bench.pool
    Report = pool.get('crm.report')
    Result = pool.get('crm.report.result')
    for report_id, name, model, domain in standard_reports(bench):
        Model = pool.get(model)
        for user, uid in users.items():
            context = bench.context(uid, {})
            baseline, _ = bench.run(uid, context,
                lambda: Model.search_count(domain))

            def run():
                result = Result.run(Report(report_id))
                return {'count': result.count, 'lines': len(result.lines)}
            median, result = bench.run(uid, context, run)
            yield {
                'bench': 'report_builder', 'size': size, 'user': user,
                'report': name, 'model': model,
                'median_ms': round(median, 2),
                'baseline_ms': round(baseline, 2),
                'ratio': round(median / baseline, 2) if baseline else None,
                **result,
                }


def arguments(description):
    """Return the parser of the arguments the benchmarks on
    bench_dashboards.py's database share."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales and crm_support activated)")
    parser.add_argument('--keep', action='store_true',
        help="do not drop the database created")
    parser.add_argument('--update', action='store_true',
        help="update the CRM modules of the reused database first")
    parser.add_argument('--sizes', default='100000,1000000',
        help="numbers of leads and of potentials, built incrementally "
        "(default: %(default)s)")
    parser.add_argument('--fraction', type=float, default=0.1,
        help="sales, tickets and activities per lead "
        "(default: %(default)s)")
    parser.add_argument('--repeat', type=int, default=5)
    return parser


def sizes(args):
    "Yield (size, WritingBench) of the database grown to each size of args."
    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with dashboard_database(args.uri, args.database, keep=args.keep,
            update=args.update) as database:
        for size in map(int, args.sizes.split(',')):
            started = time.perf_counter()
            grow(database, size, args.fraction)
            log('size %d ready in %.1fs' % (
                    size, time.perf_counter() - started))
            yield size, WritingBench(database, args.repeat)


def main(argv=None):
    args = arguments(__doc__.splitlines()[0]).parse_args(argv)
    for size, bench in sizes(args):
        for figure in figures(bench, size, bench.users()):
            print(json.dumps(figure, default=str), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
