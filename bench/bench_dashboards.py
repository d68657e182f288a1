#!/usr/bin/env python
"""Home dashboards benchmark: every block, key metric and dashboard of a
role as sao shows it, at up to a million leads and potentials.

    python bench/bench_dashboards.py --sizes 100000
    python bench/bench_dashboards.py --sizes 1000000 -d crm_bench_x --keep

Creates a PostgreSQL database ``crm_bench_dashboards_<pid>`` with
crm_sales and crm_support (or reuses ``--database``; ``--update`` updates
the CRM modules first: indexes follow the code), grows it with
bench/generate.py to each size: that many leads and potentials (a tenth
of that in contacts, a hundredth in accounts, as bench_pipeline.py), and
``--fraction`` (default a tenth) of the size in sales, tickets (a team of
five reps owns one in ten, as bench_ticket_list.py) and activities (with
their occurrences, bench_activity_calendar.py); every rep and manager gets
a quota of the current quarter (the forecasts show it).  The generator's
users get their role's dashboards and key metrics
(``crm_core.dashboard.reset_to_role``); ``admin``, who has no role, gets
copies of the *Management* role's when it has none of its own.

Measured for ``admin``, ``bench_rep01`` (Sales Rep) and
``bench_manager1`` (Sales Manager), as over RPC (the user's context and
access checks: see bench_account_list.py), for each dashboard of the user
(its own, in order) and each block the board shows it
(``DashboardBlock.shown_to``):

- ``dashboard_block``: sao's calls for the block (sao 8.0 ``board.js``
  ``Sao.View.Board.Action`` and ``screen.js`` ``search_filter``): the
  window (``ir.action.act_window``) decoded as sao does (``pyson_domain``
  with ``_user`` and the context, ``pyson_context``, ``pyson_order``, the
  tab domains, ``limit`` else ``Sao.config.limit`` = 1000), then

  * ``search(domain + first tab's domain, 0, limit, order)``;
  * ``search_count(domain, 0, limit * 100)`` only when a full page came
    back (``count_ms``);
  * ``search_count([tab domain, domain], 0, 1000)`` of every tab marked
    *count* (``count_tab_domain``, ``tabs_ms``);
  * ``read`` of the fields of the window's first view
    (``fields_view_get``: its fields, ``<m2o>.rec_name``, ``<selection>:
    string`` of eager selections, ``rec_name``, ``_timestamp``,
    ``_write``, ``_delete``), on the rows a list shows first: the
    action's ``limit`` when it has one (the *top 10* blocks), else the
    first 80.  sao displays 20 rows of a list at first and reads the
    records around the first one in batches of ``Sao.config.limit /
    min(#fields, 10)`` (100 for a list of 10 fields or more, more for
    fewer), the other rows only as they are scrolled to, and lazy fields
    (Function fields) per record as they are drawn: 80 rows in one call is
    the page the other benches read (the same SQL and Python per row, in
    fewer calls).  A graph view, and a ``table_query`` report (crm.report.*,
    crm.forecast ...), is read whole: the chart needs every row.

  ``median_ms`` is the median of the sum of those calls (``search_ms``,
  ``count_ms``, ``tabs_ms``, ``read_ms`` their medians); ``baseline_ms``
  a plain ``search_count([])`` of the same model by the same user with the
  block's context in the same run, ``ratio`` the block over it; ``rows``
  the records searched, ``read`` those read.
- ``dashboard_metric``: the count of each key metric of the user, a
  ``read`` of its ``count`` (``Metric.get_count``: ``search_count`` of its
  window's domain and its own, limited to 1001), against the plain count
  of its window's model; ``count`` the value shown.  The *Key Metrics*
  block itself (a ``dashboard_block`` line) is the search of the user's
  metrics and the read of their names and counts.
- ``dashboard``: the sum of the medians of its blocks: sao asks the blocks
  in parallel, but one trytond worker answers them one after the other
  (``baseline_ms`` the sum of their baselines).

Not measured: the board's own calls (its view, each window's ``get`` and
``fields_view_get``, cached by sao for the session).  ``--explain`` logs
on stderr the ``EXPLAIN (ANALYZE, BUFFERS)`` of the search (and counts) of
every block and metric over ``--slow`` ms, ``--profile`` their cProfile.
One JSON line per figure on stdout, progress on stderr.  A benchmark never
fails on a time.
"""
import argparse
import contextlib
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
from bench_activity_calendar import add_activities  # noqa: E402
from bench_pipeline import add_quotas  # noqa: E402

MODULES = ['crm_core', 'crm_sales', 'crm_support']
#: Sao.config.limit: the page of a window without a limit
SAO_LIMIT = 1000
#: The rows of a list read by the bench (see the docstring)
READ_ROWS = 80
#: the count of a tab (screen.js count_tab_domain)
TAB_COUNT_LIMIT = 1000
TEAM_MEMBERS = 5
USERS = ['admin', 'rep', 'manager']
#: The tables loaded besides generate.py's (ANALYZE, the ORM's count cache)
ACTIVITY_TABLES = {
    'crm_activity': 'crm.activity',
    'crm_activity_occurrence': 'crm.activity.occurrence',
    'crm_activity-res_user': None,
    }


@contextlib.contextmanager
def dashboard_database(uri, database, keep=False, update=False):
    """Yield database, or a new one with crm_sales and crm_support
    activated, dropped at the end unless keep."""
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    created = None
    try:
        if not database:
            database = created = 'crm_bench_dashboards_%d' % os.getpid()
            create_database(uri, database, workdir, 'immutable')
            start = time.perf_counter()
            trytond_admin(database, workdir, '-u', *MODULES[1:],
                '--activate-dependencies')
            log('activated %s in %.1fs' % (
                    ', '.join(MODULES[1:]), time.perf_counter() - start))
        else:
            prepare_database(uri, database, 'immutable')
            if update:
                start = time.perf_counter()
                trytond_admin(database, workdir, '-u', *MODULES)
                log('updated %s in %.1fs' % (
                        ', '.join(MODULES), time.perf_counter() - start))
        yield database
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if created and not keep:
            drop_database(uri, created)
            log('dropped', created)
        elif created:
            log('kept database', created)


def grow(database, size, fraction):
    """Bring the database to size leads and potentials, and fraction of
    it in sales, tickets and activities; return generate's base."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    extra = int(size * fraction)
    base = generate.generate(database, max(size // 10, 1000),
        leads=size, potentials=size, sales=extra, tickets=extra,
        team_members=TEAM_MEMBERS, log=log)
    start = time.perf_counter()
    with Transaction().start(database, 0) as transaction:
        added = add_activities(transaction.connection, base, extra)
        for model in ACTIVITY_TABLES.values():
            if model:
                Pool().get(model)._count_cache.clear()
        transaction.commit()
        generate.analyze(transaction.connection, list(ACTIVITY_TABLES))
    log('activities: +%d in %.1fs' % (added, time.perf_counter() - start))
    today = dt.date.today()
    add_quotas(database, base, today.year, str((today.month - 1) // 3 + 1))
    return base


def give_dashboards(database, base):
    """Give the generator's users copies of their role's dashboards and
    key metrics, and the admin (no role) the Management role's unless it
    has dashboards of its own.  Return {user id: [dashboard ids]}."""
    from crm_core.dashboard import home_settings, reset_to_role
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, context={'language': 'en'}) \
            as transaction:
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Role = pool.get('crm.role')
        reset_to_role(User.browse(base['reps'] + base['managers']))
        admin = User(base['admin'])
        if not admin.crm_role:
            management = Role(ModelData.get_id('crm_core', 'role_management'))
            for Model in home_settings():
                if Model.search([('user', '=', admin.id)]):
                    continue
                templates = Model.templates_of(management)
                if templates:
                    copies = Model.create(
                        [t.template_copy(admin) for t in templates])
                    Model.copied_templates(
                        [(t, admin) for t in templates], copies)
        transaction.commit()


def window(bench, uid, act_window):
    """Return the window as sao decodes it for uid: (res_model, domain
    with the first tab's, tabs to count, order, limit, action context,
    (view id, view type))."""
    from trytond.pyson import PYSONDecoder
    pool = bench.pool
    Action = pool.get('ir.action')
    context = bench.context(uid, {})
    with bench.transaction() as transaction, transaction.set_user(uid):
        values, = Action.get_action_values(
            'ir.action.act_window', [act_window])
        ctx = dict(context, _user=uid)
        action_ctx = PYSONDecoder(ctx).decode(
            values['pyson_context'] or '{}')
        ctx.update(action_ctx)
        ctx['context'] = ctx
        decoder = PYSONDecoder(ctx)
        order = decoder.decode(values['pyson_order'] or 'null')
        search_value = decoder.decode(values['pyson_search_value'] or '[]')
        tabs = [(name, decoder.decode(domain or '[]'), count)
            for name, domain, count in values['domains']]
        domain = PYSONDecoder(dict(ctx, _actions={})).decode(
            values['pyson_domain'] or '[]')
        if search_value:
            domain = ['AND', domain, search_value]
        limit = values['limit'] if values['limit'] is not None else SAO_LIMIT
        view = tuple(values['views'][0]) if values['views'] else (None, 'tree')
    return {
        'model': values['res_model'], 'name': values['name'],
        'domain': domain, 'tabs': tabs, 'order': order, 'limit': limit,
        'action_limit': values['limit'], 'context': action_ctx,
        'view': view,
        }


def read_fields(Model, view_id, view_type):
    "The fields sao reads for the view (sao/src/model.js Record.load)"
    view = Model.fields_view_get(view_id, view_type)
    names = []
    for name, field in view['fields'].items():
        names.append(name)
        if field['type'] in {'many2one', 'one2one', 'reference'}:
            names.append(name + '.rec_name')
        elif (field['type'] in {'selection', 'multiselection'}
                and field.get('loading', 'eager') == 'eager'):
            names.append(name + ':string')
    if 'rec_name' not in names:
        names.append('rec_name')
    return names + ['_timestamp', '_write', '_delete']


def block_calls(Model, win, fields, whole):
    """Return the function running sao's calls for the block window win:
    search, count of a full page, counts of the tabs, read."""
    domain = win['domain']
    tab_domain = win['tabs'][0][1] if win['tabs'] else []
    search_domain = ['AND', domain, tab_domain] if tab_domain else domain
    counted = [t[1] for t in win['tabs'] if t[2]]
    limit, order = win['limit'], win['order']
    rows = win['action_limit'] or READ_ROWS

    def run():
        clock = time.perf_counter
        t0 = clock()
        ids = list(map(int, Model.search(search_domain, 0, limit, order)))
        t1 = clock()
        count = len(ids)
        if len(ids) == limit:
            count = Model.search_count(search_domain, 0, limit * 100)
        t2 = clock()
        tab_counts = [Model.search_count(['AND', d, domain], 0,
                TAB_COUNT_LIMIT) for d in counted]
        t3 = clock()
        read = Model.read(ids if whole else ids[:rows], fields)
        t4 = clock()
        result = {'rows': len(ids), 'count': count, 'read': len(read),
            'search_ms': (t1 - t0) * 1000, 'count_ms': (t2 - t1) * 1000,
            'tabs_ms': (t3 - t2) * 1000, 'read_ms': (t4 - t3) * 1000}
        if tab_counts:
            result['tab_counts'] = tab_counts
        return result
    return run


def search_count(Model):
    def run():
        return {'count': Model.search_count([])}
    return run


def metric_count(Metric, metric_id):
    def run():
        value, = Metric.read([metric_id], ['count'])
        return {'count': value['count']}
    return run


def explain(bench, uid, context, model, domain, limit, order, count=False):
    "The EXPLAIN ANALYZE of a search (or count) as uid."
    from trytond.transaction import Transaction
    Model = bench.pool.get(model)
    with bench.transaction() as transaction, transaction.set_user(uid), \
            transaction.set_context(context, _check_access=True):
        if count:
            query = Model.search(domain, 0, limit, [], count=True,
                query=True)
        else:
            query = Model.search(domain, 0, limit, order, query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + str(query),
            query.params)
        plan = '\n'.join(r[0] for r in cursor.fetchall())
    return str(query) % tuple(map(repr, query.params)), plan


def dashboards_of(bench, uid):
    """Return [(dashboard name, [(act_window id, block name)])] of uid:
    its own dashboards, the blocks the board shows it."""
    from trytond.transaction import without_check_access
    pool = bench.pool
    Dashboard = pool.get('crm.dashboard')
    User = pool.get('res.user')
    result = []
    with bench.transaction(), without_check_access():
        user = User(uid)
        for dashboard in Dashboard.search([('user', '=', uid)]):
            result.append((dashboard.name, [
                        (b.action.id, b.action.name)
                        for b in dashboard.blocks if b.shown_to(user)]))
    return result


def metrics_of(bench, uid):
    "Return [(metric id, name, act_window id)] of uid's key metrics."
    Metric = bench.pool.get('crm.dashboard.metric')
    with bench.transaction():
        return [(m.id, m.name, m.action.id)
            for m in Metric.search([('user', '=', uid)])]


def figures(bench, size, users, explain_slow=None, profile_slow=None):
    "Yield the figure dicts of one size."
    from trytond.model import ModelSQL
    pool = bench.pool
    baselines = {}

    def baseline(user, uid, model, action_ctx):
        key = (user, model, json.dumps(action_ctx, sort_keys=True,
                default=str))
        if key not in baselines:
            context = bench.context(uid, action_ctx)
            baselines[key], _ = bench.measure(
                uid, context, search_count(pool.get(model)))
        return baselines[key]

    def slow(user, uid, context, label, median, func, queries):
        if explain_slow is not None and median >= explain_slow:
            for model, domain, limit, order, count in queries:
                sql, plan = explain(bench, uid, context, model, domain,
                    limit, order, count=count)
                log('--- %s %s %s size=%d (%.1f ms)\n%s\n%s' % (
                        'count' if count else 'search', label, user, size,
                        median, sql, plan))
        if profile_slow is not None and median >= profile_slow:
            log('--- profile %s %s size=%d\n%s' % (
                    label, user, size, bench.profile(uid, context, func)))

    for user in USERS:
        uid = users[user]
        windows = {}
        for dashboard, blocks in dashboards_of(bench, uid):
            total = total_baseline = 0
            rows = 0
            for act_window, name in blocks:
                if act_window not in windows:
                    windows[act_window] = window(bench, uid, act_window)
                win = windows[act_window]
                Model = pool.get(win['model'])
                context = bench.context(uid, win['context'])
                view_id, view_type = win['view']
                with bench.transaction() as transaction, \
                        transaction.set_user(uid), \
                        transaction.set_context(
                            context, _check_access=True):
                    fields = read_fields(Model, view_id, view_type)
                whole = view_type == 'graph' or (
                    issubclass(Model, ModelSQL) and Model._is_table_query())
                func = block_calls(Model, win, fields, whole)
                median, result = bench.measure(uid, context, func)
                base = baseline(user, uid, win['model'], win['context'])
                total += median
                total_baseline += base
                rows += result['rows']
                yield {
                    'bench': 'dashboard_block', 'size': size, 'user': user,
                    'dashboard': dashboard, 'block': name,
                    'model': win['model'], 'median_ms': round(median, 2),
                    'baseline_ms': round(base, 2),
                    'ratio': round(median / base, 2) if base else None,
                    'view': view_type, 'limit': win['limit'],
                    'tab': win['tabs'][0][0] if win['tabs'] else None,
                    **result,
                    }
                tab = win['tabs'][0][1] if win['tabs'] else []
                domain = ['AND', win['domain'], tab] if tab \
                    else win['domain']
                queries = [(win['model'], domain, win['limit'],
                        win['order'], False)]
                if result['rows'] == win['limit']:
                    queries.append((win['model'], domain,
                            win['limit'] * 100, None, True))
                queries += [(win['model'], ['AND', t[1], win['domain']],
                        TAB_COUNT_LIMIT, None, True)
                    for t in win['tabs'] if t[2]]
                slow(user, uid, context, '%s / %s' % (dashboard, name),
                    median, func, queries)
            yield {
                'bench': 'dashboard', 'size': size, 'user': user,
                'dashboard': dashboard, 'block': None, 'model': None,
                'median_ms': round(total, 2),
                'baseline_ms': round(total_baseline, 2),
                'ratio': round(total / total_baseline, 2)
                if total_baseline else None,
                'rows': rows, 'blocks': len(blocks),
                }
        Metric = pool.get('crm.dashboard.metric')
        for metric_id, name, act_window in metrics_of(bench, uid):
            if act_window not in windows:
                windows[act_window] = window(bench, uid, act_window)
            win = windows[act_window]
            context = bench.context(uid, {})
            func = metric_count(Metric, metric_id)
            median, result = bench.measure(uid, context, func)
            base = baseline(user, uid, win['model'], {})
            yield {
                'bench': 'dashboard_metric', 'size': size, 'user': user,
                'dashboard': None, 'block': name, 'model': win['model'],
                'median_ms': round(median, 2),
                'baseline_ms': round(base, 2),
                'ratio': round(median / base, 2) if base else None,
                'rows': None, **result,
                }
            if explain_slow is not None and median >= explain_slow:
                with bench.transaction() as transaction, \
                        transaction.set_user(uid), \
                        transaction.set_context(context):
                    domain = Metric(metric_id).records_domain(uid)
                queries = [(win['model'], domain, 1001, None, True)]
            else:
                queries = []
            slow(user, uid, context, 'metric %s' % name, median, func,
                queries)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument('--explain', action='store_true',
        help="log the EXPLAIN ANALYZE of the searches of the blocks and "
        "metrics over --slow ms")
    parser.add_argument('--profile', action='store_true',
        help="log the cProfile of the blocks and metrics over --slow ms")
    parser.add_argument('--slow', type=float, default=300,
        help="the median (ms) over which --explain and --profile log "
        "(default: %(default)s)")
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with dashboard_database(args.uri, args.database, keep=args.keep,
            update=args.update) as database:
        for size in map(int, args.sizes.split(',')):
            started = time.perf_counter()
            base = grow(database, size, args.fraction)
            give_dashboards(database, base)
            log('size %d ready in %.1fs' % (
                    size, time.perf_counter() - started))
            bench = Bench(database, args.repeat)
            users = bench.users()
            for figure in figures(bench, size, users,
                    explain_slow=args.slow if args.explain else None,
                    profile_slow=args.slow if args.profile else None):
                print(json.dumps(figure, default=str), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
