#!/usr/bin/env python
"""Account list and look-up benchmark: restricted sales rep vs admin.

    python bench/bench_account_list.py --sizes 10000,100000

Creates a PostgreSQL database ``crm_bench_<n>`` with crm_core (or reuses
``--database``), grows it with bench/generate.py to each size (number of
contacts; accounts are a tenth) and measures, for the same data in the same
run, the user ``bench_rep01`` (role Sales Rep, group CRM Staff, sharing of
party.party 'private': sees only its own 1/20 of the records through the
record rules), ``bench_manager1`` (Sales Manager: sees the records of all
reps) and ``admin`` (CRM Administrator: the sharing rule grants everything,
only the global company rule remains).

Every call runs as over RPC: ``Transaction().set_user(uid)``, the user's
context from ``res.user.get_preferences(context_only=True)`` plus the
action's context, and ``_check_access=True`` so that ir.rule applies.
One JSON line per figure on stdout, progress on stderr.  A benchmark never
fails on a time.
"""
import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402

ACCOUNT_ORDER = [('name', 'ASC'), ('id', 'ASC')]
CONTACT_ORDER = [('last_name', 'ASC'), ('first_name', 'ASC'), ('id', 'ASC')]
# The columns of view/account_list.xml and what sao adds to them when it
# reads a page of a list (sao/src/model.js Record.load): <m2o>.rec_name,
# rec_name, _timestamp, _write, _delete
ACCOUNT_LIST_FIELDS = [
    'account_number', 'name', 'account_type', 'industry', 'phone', 'email',
    'assigned_user', 'assigned_team']
ACCOUNT_LIST_READ = ACCOUNT_LIST_FIELDS + [
    'assigned_user.rec_name', 'assigned_team.rec_name', 'rec_name',
    '_timestamp', '_write', '_delete']
# sao reads a list in batches of Sao.config.limit / min(len(fields), 10)
READ_BATCH = 100


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# PostgreSQL's unaccent() is STABLE, so no index may use it: trytond then
# builds its trigram indexes without it while its ilike searches on
# unaccented fields (names) call it, and no index serves them.  trytond
# uses the function named by [database] unaccent_function: an IMMUTABLE
# one lets the indexes and the searches agree.  The dictionary is named
# (the one-argument unaccent() looks it up in the search_path, hence
# STABLE) and the SQL function is inlined into a call of the C function:
# an SQL function that is not inlined costs 2 us a row (10x unaccent).
UNACCENT_IMMUTABLE = 'unaccent_immutable'
UNACCENT_IMMUTABLE_SQL = [
    "CREATE OR REPLACE FUNCTION public.unaccent_immutable("
    "regdictionary, text) RETURNS text "
    "LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT "
    "AS '$libdir/unaccent', 'unaccent_dict'",
    "CREATE OR REPLACE FUNCTION public.unaccent_immutable(text) "
    "RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$SELECT public.unaccent_immutable("
    "'public.unaccent'::regdictionary, $1)$$",
    ]


def prepare_database(uri, name, unaccent):
    """Create the extensions of the production setup (README): pg_trgm for
    the trigram indexes of ilike searches, unaccent for unaccented searches
    and, with unaccent 'immutable', its immutable wrapper."""
    import psycopg
    with psycopg.connect(uri.rstrip('/') + '/' + name, autocommit=True) \
            as conn:
        for extension in ['pg_trgm', 'unaccent']:
            conn.execute('CREATE EXTENSION IF NOT EXISTS %s' % extension)
        if unaccent == 'immutable':
            for sql in UNACCENT_IMMUTABLE_SQL:
                conn.execute(sql)


def trytond_admin(name, workdir, *args):
    "Run trytond-admin on the database name (configured by environment)."
    conf = os.path.join(workdir, 'trytond.conf')
    with open(conf, 'w') as f:
        f.write('[database]\n')
    passfile = os.path.join(workdir, 'pass')
    with open(passfile, 'w') as f:
        f.write('admin\n')
    admin = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    env = dict(os.environ, TRYTONPASSFILE=passfile)
    subprocess.run([admin, '-c', conf, '-d', name, *args], check=True,
        env=env, stdout=subprocess.DEVNULL)


def create_database(uri, name, workdir, unaccent):
    import psycopg
    with psycopg.connect(uri.rstrip('/') + '/postgres', autocommit=True) \
            as conn:
        conn.execute('CREATE DATABASE "%s"' % name)
    prepare_database(uri, name, unaccent)
    start = time.perf_counter()
    trytond_admin(name, workdir, '--all', '--email', 'admin@example.com',
        '-u', 'crm_core', '--activate-dependencies')
    log('created %s with crm_core in %.1fs'
        % (name, time.perf_counter() - start))


@contextlib.contextmanager
def sales_database(uri, database, prefix, keep=False, module='crm_sales'):
    """Yield database, or a new one named prefix_<pid> with module (and
    its dependencies) activated, dropped at the end unless keep."""
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    created = None
    if not database:
        database = created = '%s_%d' % (prefix, os.getpid())
        create_database(uri, database, workdir, 'immutable')
        trytond_admin(database, workdir, '-u', module,
            '--activate-dependencies')
    try:
        yield database, bool(created)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if created and not keep:
            drop_database(uri, created)
            log('dropped', created)


def drop_database(uri, name):
    import psycopg
    with psycopg.connect(uri.rstrip('/') + '/postgres', autocommit=True) \
            as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


class Bench:
    def __init__(self, database, repeat):
        from trytond.pool import Pool
        self.database = database
        self.repeat = repeat
        self.pool = Pool(database)
        self.pool.init()

    def transaction(self):
        from trytond.transaction import Transaction
        return Transaction().start(self.database, 0, readonly=True)

    def users(self):
        User = self.pool.get('res.user')
        with self.transaction():
            logins = ['admin', generate.REP_LOGIN % 1,
                generate.MANAGER_LOGIN % 1]
            users = {u.login: u.id for u in User.search(
                    [('login', 'in', logins)])}
        return {
            'admin': users['admin'],
            'rep': users[generate.REP_LOGIN % 1],
            'manager': users[generate.MANAGER_LOGIN % 1],
            }

    def context(self, uid, action_context):
        from trytond.transaction import Transaction
        User = self.pool.get('res.user')
        with self.transaction():
            with Transaction().set_user(uid):
                context = User.get_preferences(context_only=True)
        context.update(action_context)
        return context

    def measure(self, uid, context, func):
        """Run func (warm-up once, then repeat times) as uid with context
        and the access checks of an RPC call; return (median ms, result)."""
        times = []
        results = []
        for i in range(self.repeat + 1):
            with self.transaction() as transaction, \
                    transaction.set_user(uid), \
                    transaction.set_context(context, _check_access=True):
                start = time.perf_counter()
                result = func()
                elapsed = time.perf_counter() - start
            if i:
                times.append(elapsed * 1000)
                results.append(result)
        # Phases timed by func (keys ending in _ms): their medians
        for key in result:
            if key.endswith('_ms'):
                result[key] = round(
                    statistics.median(r[key] for r in results), 2)
        return statistics.median(times), result

    def profile(self, uid, context, func, top=30):
        """Return the cProfile statistics of func run as uid (after a
        warm-up), as measure runs it: the functions taking most time."""
        import cProfile
        import io
        import pstats
        profiler = cProfile.Profile()
        for profiled in [False, True]:
            with self.transaction() as transaction, \
                    transaction.set_user(uid), \
                    transaction.set_context(context, _check_access=True):
                if profiled:
                    profiler.runcall(func)
                else:
                    func()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            'cumulative').print_stats(top)
        return out.getvalue()

    def explain(self, uid, context, domain, limit, order, count=False):
        "Return the EXPLAIN ANALYZE of the search SQL as uid."
        from trytond.transaction import Transaction
        Party = self.pool.get('party.party')
        with self.transaction() as transaction, \
                transaction.set_user(uid), \
                transaction.set_context(context, _check_access=True):
            if count:
                query = Party.search(
                    domain, 0, limit, [], count=True, query=True)
            else:
                query = Party.search(domain, 0, limit, order, query=True)
            cursor = Transaction().connection.cursor()
            cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + str(query),
                query.params)
            plan = '\n'.join(r[0] for r in cursor.fetchall())
        return str(query) % tuple(map(repr, query.params)), plan


def list_page(Model, domain, limit, order, columns):
    """Return the function timing the page of a list sao shows: the search
    of domain in order (limit rows), the count up to 100 pages and the read
    of columns (what sao adds to the view's fields included)."""
    def run():
        clock = time.perf_counter
        t0 = clock()
        ids = list(map(int, Model.search(domain, 0, limit, order)))
        t1 = clock()
        count = len(ids)
        if len(ids) == limit:
            count = Model.search_count(domain, 0, limit * 100)
        t2 = clock()
        rows = Model.read(ids[:READ_BATCH], columns)
        t3 = clock()
        return {'rows': len(ids), 'count': count, 'read': len(rows),
            'search_ms': (t1 - t0) * 1000, 'count_ms': (t2 - t1) * 1000,
            'read_ms': (t3 - t2) * 1000}
    return run


def explain_search(bench, model, uid, context, domain, limit, order):
    "The EXPLAIN ANALYZE of the search of a list's page as uid"
    from trytond.transaction import Transaction
    Model = bench.pool.get(model)
    with bench.transaction() as transaction, transaction.set_user(uid), \
            transaction.set_context(context, _check_access=True):
        query = Model.search(domain, 0, limit, order, query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + str(query),
            query.params)
        return '\n'.join(r[0] for r in cursor.fetchall())


def figures(bench, size, users, limits, prefixes, email, explain=False,
        only=None):
    "Yield the figure dicts of one size (only those named in only if set)."
    from trytond.tools import likify
    Party = bench.pool.get('party.party')
    account_ctx = {'crm_type': 'account'}
    contact_ctx = {'crm_type': 'contact'}
    account_domain = [('crm_type', '=', 'account')]
    contact_domain = [('crm_type', '=', 'contact')]

    def first_page(domain, order, limit):
        def run():
            clock = time.perf_counter
            t0 = clock()
            ids = list(map(int, Party.search(domain, 0, limit, order)))
            t1 = clock()
            count = len(ids)
            if len(ids) == limit:
                count = Party.search_count(domain, 0, limit * 100)
            t2 = clock()
            rows = Party.read(ids[:READ_BATCH], ACCOUNT_LIST_READ)
            t3 = clock()
            return {'rows': len(ids), 'count': count, 'read': len(rows),
                'search_ms': (t1 - t0) * 1000, 'count_ms': (t2 - t1) * 1000,
                'read_ms': (t3 - t2) * 1000}
        return run

    def search(domain, order, limit):
        def run():
            return {'rows': len(Party.search(domain, 0, limit, order))}
        return run

    benches = []
    for limit in limits:
        benches.append(('account_list_first_page', {'tab': 'all',
                    'limit': limit}, account_ctx,
                first_page([account_domain], ACCOUNT_ORDER, limit),
                ([account_domain], limit, ACCOUNT_ORDER)))
    limit = limits[0]
    benches += [
        ('account_list_first_page', {'tab': 'mine', 'limit': limit},
            account_ctx, None, None),
        ('contact_list_first_page', {'tab': 'all', 'limit': limit},
            contact_ctx,
            first_page([contact_domain], CONTACT_ORDER, limit),
            ([contact_domain], limit, CONTACT_ORDER)),
        ]
    for kind, ctx, base_domain, order, prefix in [
            ('account', account_ctx, account_domain, ACCOUNT_ORDER,
                prefixes['account']),
            ('contact', contact_ctx, contact_domain, CONTACT_ORDER,
                prefixes['contact'])]:
        for fname in ['rec_name', 'name']:
            domain = [base_domain, (fname, 'ilike', prefix + '%')]
            benches.append(('%s_prefix_%s' % (kind, fname),
                    {'prefix': prefix, 'limit': limit}, ctx,
                    search(domain, order, limit), (domain, limit, order)))
        # What sao sends for text typed in the search box or a many2one
        # (common.js DomainParser.likify, ModelView.autocomplete): '%text%'
        domain = [base_domain, ('rec_name', 'ilike', likify(prefix))]
        benches.append(('%s_search_box' % kind,
                {'text': prefix, 'limit': limit}, ctx,
                search(domain, order, limit), (domain, limit, order)))
    domain = [contact_domain,
        ('contact_mechanisms.value_compact', '=', email)]
    benches.append(('contact_email_lookup', {'field': 'value_compact'},
            contact_ctx, search(domain, CONTACT_ORDER, limit),
            (domain, limit, CONTACT_ORDER)))
    domain = [contact_domain, ('rec_name', 'ilike', email)]
    benches.append(('contact_email_lookup', {'field': 'rec_name'},
            contact_ctx, search(domain, CONTACT_ORDER, limit),
            (domain, limit, CONTACT_ORDER)))
    domain = [contact_domain, ('rec_name', 'ilike', likify(email))]
    benches.append(('contact_email_lookup', {'field': 'search_box'},
            contact_ctx, search(domain, CONTACT_ORDER, limit),
            (domain, limit, CONTACT_ORDER)))

    if only:
        benches = [b for b in benches if b[0] in only]
    contexts = {}
    for name, extra, action_ctx, func, query in benches:
        results = {}
        for user in ['admin', 'rep', 'manager']:
            uid = users[user]
            key = (user, tuple(sorted(action_ctx.items())))
            if key not in contexts:
                contexts[key] = bench.context(uid, action_ctx)
            context = contexts[key]
            if func is None:
                # "Mine" tab: the action domain and the tab domain
                domain = [account_domain, ('assigned_user', '=', uid)]
                user_func = first_page(domain, ACCOUNT_ORDER, extra['limit'])
                user_query = (domain, extra['limit'], ACCOUNT_ORDER)
            else:
                user_func, user_query = func, query
            median, result = bench.measure(uid, context, user_func)
            results[user] = median
            figure = {
                'bench': name, 'size': size, 'user': user,
                'median_ms': round(median, 2),
                'ratio_vs_admin': round(median / results['admin'], 2),
                **extra, **result,
                }
            yield figure
            if explain and user_query:
                sql, plan = bench.explain(uid, context, *user_query)
                log('--- %s %s %s size=%s\n%s\n%s' % (
                        name, extra, user, size, sql, plan))
                if name.endswith('first_page'):
                    sql, plan = bench.explain(uid, context, user_query[0],
                        user_query[1] * 100, None, count=True)
                    log('--- count %s %s %s size=%s\n%s\n%s' % (
                            name, extra, user, size, sql, plan))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_core activated) instead of creating "
        "crm_bench_<pid>")
    parser.add_argument('--keep', action='store_true',
        help="do not drop the database created")
    parser.add_argument('--sizes', default='10000,100000,1000000',
        help="numbers of contacts, built incrementally (default: %(default)s)")
    parser.add_argument('--limits', default='80,1000',
        help="list page sizes (the first is used by the other figures)")
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--explain', action='store_true',
        help="print EXPLAIN ANALYZE of each search on stderr")
    parser.add_argument('--only',
        help="comma-separated names of the figures to measure (bench)")
    parser.add_argument('--unaccent', choices=['immutable', 'extension'],
        default='immutable',
        help="'immutable': trytond's unaccent_function is an immutable "
        "wrapper of unaccent, so that indexes serve unaccented searches; "
        "'extension': the plain unaccent function (default: %(default)s)")
    parser.add_argument('--update', action='store_true',
        help="update crm_core in the reused database first (its indexes "
        "follow the code and the unaccent setting)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(',')]
    limits = [int(s) for s in args.limits.split(',')]

    generate.init_trytond(args.uri, unaccent_function=(
            UNACCENT_IMMUTABLE if args.unaccent == 'immutable' else None))
    created = None
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    if args.database:
        database = args.database
        prepare_database(args.uri, database, args.unaccent)
        if args.update:
            start = time.perf_counter()
            trytond_admin(database, workdir, '-u', 'crm_core')
            log('updated crm_core in %s in %.1fs'
                % (database, time.perf_counter() - start))
    else:
        database = created = 'crm_bench_%d' % os.getpid()
        create_database(args.uri, database, workdir, args.unaccent)
    try:
        for size in sizes:
            start = time.perf_counter()
            generate.generate(database, size, log=log)
            log('size %d ready in %.1fs' % (size, time.perf_counter() - start))
            bench = Bench(database, args.repeat)
            users = bench.users()
            account = generate.account_values(1)['name']
            contact = generate.contact_values(1)['name']
            prefixes = {
                'account': account[:3].lower(),
                'contact': contact[:3].lower(),
                }
            # A contact in the middle owned by bench_rep01 (account
            # 20 * k + 1 with 20 reps), so that the rep finds it too
            account = max(size // 20 // 20, 0) * 20 + 1
            email = generate.contact_email(
                (account - 1) * generate.CONTACTS_PER_ACCOUNT + 1)
            only = set(args.only.split(',')) if args.only else None
            for figure in figures(bench, size, users, limits, prefixes,
                    email, explain=args.explain, only=only):
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
