#!/usr/bin/env python
"""Summaries benchmark: what keeping the opportunities' summaries costs the
writes, what a rebuild takes, and what reading them saves the reports.

    python bench/bench_summary.py --sizes 100000
    python bench/bench_summary.py --sizes 1000000 -d crm_bench_x --keep

The database is bench_dashboards.py's (``dashboard_database`` and
``grow``).  Every run is rolled back (bench_report_builder's
``WritingBench``); the median of ``--repeat`` runs, in ms, one JSON object
per line:

- ``summary_rows``: the rows of each summary (no timing);
- ``summary_rebuild``: its rebuild from every opportunity (the nightly
  scheduled action), as root; baseline a ``COUNT(*)`` of the
  opportunities;
- ``summary_write``: as a rep over its own potentials (the access checks
  of an RPC call): the create of 20 leads, a write of the sales stage of
  20 potentials, a write of their description (no summarized field), the
  delete of 20 cancelled leads; baseline the same call with the
  summaries switched off (``crm_summaries`` returning none) in the same
  run (the delete by the administrator: a rep may not delete);
- ``summary_read``: each pipeline report read as sao reads it (search
  then read of its rows), by the admin, a rep and a manager; baseline the
  same report read from the records (``_summary`` unset).
"""
import json
import os
import sys
import time
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_account_list import log  # noqa: E402
from bench_report_builder import arguments, sizes  # noqa: E402

SUMMARIES = [
    'crm.opportunity.summary.pipeline',
    'crm.opportunity.summary.origin',
    'crm.opportunity.summary.closing',
    ]
REPORTS = ['pipeline_stage', 'pipeline_month', 'lead_source',
    'conversion_rep', 'deal_size', 'loss_reason']
BATCH = 20


def figure(name, size, **values):
    return {'bench': name, 'size': size, **values}


def ratio(median, baseline):
    return round(median / baseline, 2) if baseline else None


def rebuild_figures(bench, size):
    from sql.aggregate import Count
    from trytond.transaction import Transaction
    pool = bench.pool
    Opportunity = pool.get('sale.opportunity')

    def count():
        table = Opportunity.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count()))
        return cursor.fetchone()[0]
    baseline, _ = bench.run(0, {}, count)
    for name in SUMMARIES:
        Summary = pool.get(name)

        def rows():
            table = Summary.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(Count()))
            return cursor.fetchone()[0]
        _, number = bench.run(0, {}, rows)
        yield figure('summary_rows', size, summary=name, rows=number)

        def rebuild():
            Summary.rebuild()
            return rows()
        median, folded = bench.run(0, {}, rebuild)
        yield figure('summary_rebuild', size, summary=name,
            median_ms=round(median, 2), baseline_ms=round(baseline, 2),
            ratio=ratio(median, baseline), rows=folded)


def write_calls(bench, uid):
    """Return {name: call} of the writes of a rep over its own potentials
    and leads."""
    pool = bench.pool
    Opportunity = pool.get('sale.opportunity')
    Stage = pool.get('crm.sales_stage')
    with bench.transaction():
        potentials = [p.id for p in Opportunity.search([
                    ('assigned_user', '=', uid),
                    ('state', '=', 'opportunity'),
                    ], limit=BATCH, order=[('id', 'ASC')])]
        leads = [p.id for p in Opportunity.search([
                    ('assigned_user', '=', uid),
                    ('state', '=', 'lead'),
                    ], limit=BATCH, order=[('id', 'ASC')])]
        stage = Stage.search([('closing', '=', None)], limit=1,
            order=[('sequence', 'DESC')])[0].id
        company = Opportunity(potentials[0]).company.id

    def create():
        Opportunity.create([{
                    'last_name': "Bench %s" % i, 'lead_company': "Bench",
                    'company': company, 'assigned_user': uid,
                    } for i in range(BATCH)])

    def write_stage():
        Opportunity.write(Opportunity.browse(potentials),
            {'sales_stage': stage})

    def write_other():
        Opportunity.write(Opportunity.browse(potentials),
            {'description': "Bench deal"})

    def delete():
        records = Opportunity.browse(leads)
        Opportunity.cancel(records)
        Opportunity.delete(records)
    # (a rep may not delete: the administrator deletes the rep's leads)
    return {'create': (uid, create), 'write_stage': (uid, write_stage),
        'write_other': (uid, write_other), 'delete': (0, delete)}


def write_figures(bench, size, users):
    Opportunity = bench.pool.get('sale.opportunity')
    for name, (uid, call) in write_calls(bench, users['rep']).items():
        context = bench.context(uid, {}) if uid else {}
        user = 'rep' if uid else 'root'
        with mock.patch.object(
                Opportunity, 'crm_summaries', return_value=[]):
            baseline, _ = bench.run(uid, context, call)
        median, _ = bench.run(uid, context, call)
        yield figure('summary_write', size, user=user, call=name,
            records=BATCH, median_ms=round(median, 2),
            baseline_ms=round(baseline, 2), ratio=ratio(median, baseline))


def read_figures(bench, size, users):
    from trytond.model import fields
    pool = bench.pool
    for name in REPORTS:
        Report = pool.get('crm.report.%s' % name)
        fields_names = [n for n, f in Report._fields.items()
            if not isinstance(f, fields.Function)]
        for user, uid in users.items():
            context = bench.context(uid, {})

            def read():
                records = Report.search([])
                Report.read([r.id for r in records], fields_names)
                return len(records)
            with mock.patch.object(Report, '_summary', None):
                baseline, rows = bench.run(uid, context, read)
            median, summarized = bench.run(uid, context, read)
            assert rows == summarized, (name, user, rows, summarized)
            yield figure('summary_read', size, user=user, report=name,
                rows=rows, median_ms=round(median, 2),
                baseline_ms=round(baseline, 2),
                ratio=ratio(median, baseline))


def main(argv=None):
    args = arguments(__doc__.splitlines()[0]).parse_args(argv)
    for size, bench in sizes(args):
        users = bench.users()
        for figures in [rebuild_figures(bench, size),
                write_figures(bench, size, users),
                read_figures(bench, size, users)]:
            for value in figures:
                print(json.dumps(value, default=str), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
