#!/usr/bin/env python
"""FAQ search benchmark: the ranked search of crm_support's FAQ (full-text
on PostgreSQL, its fallback on SQLite) against the old ilike searcher.

    python bench/bench_faq_search.py --sizes 10000,100000
    python bench/bench_faq_search.py --uri sqlite:// --sizes 10000

Creates a database with crm_support (PostgreSQL, or SQLite in a temporary
folder; or reuses ``--database``, updated first with ``--update``), grows
it with bench/generate.py to each size (FAQ of a fixed vocabulary with
accents, formatted answers, four in five published) and measures, as over RPC (the user's context and access
checks), what sao does when one searches "Text: words" in the Published
tab of CRM > Support > FAQ: the search without order (ranked), the count
up to 100 pages and the read of the list's columns, as ``bench_rep01``
and ``admin``.  Baselines in the same run: the same page without words
(newest first) and the old searcher (``ilike '%word%'`` of each word on
question, keywords and answer, newest first); ``--no-index`` also measures
the search without the GIN index (dropped, then built again).  One JSON
line per figure (median ms and ratios); a benchmark never fails on a time.
"""
import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, Bench, explain_search, list_page, log,
    sales_database, trytond_admin)

#: The Published tab of the FAQ action
TAB = ('state', '=', 'published')
NEWEST = [('create_date', 'DESC'), ('id', 'DESC')]
# The columns of crm_support/view/faq_list.xml and what sao adds
LIST_READ = [
    'question', 'category', 'product', 'keywords', 'state', 'author',
    'published_by', 'published_date', 'assigned_user', 'category.rec_name',
    'product.rec_name', 'author.rec_name', 'published_by.rec_name',
    'assigned_user.rec_name', 'rec_name', '_timestamp', '_write', '_delete']
#: The words searched, as typed: a frequent word (in 3 FAQ in 10), a
#: word without its accents, two and three words, a word being typed, two
#: rare words
QUERIES = ['printer', 'resume', 'paper jam', 'reset password email',
    'firmw', 'power wind']


def old_domain(words):
    "The domain of the old searcher (before faq_search.py) for words"
    return [['OR',
            ('question', 'ilike', f'%{w}%'),
            ('keywords', 'ilike', f'%{w}%'),
            ('answer', 'ilike', f'%{w}%')] for w in words.split()]


def text_index(bench):
    "Return the name and definition of the FAQ's full-text index."
    from trytond.transaction import Transaction
    with bench.transaction():
        cursor = Transaction().connection.cursor()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'crm_faq' "
            "AND indexdef LIKE '%%USING gin (crm_search_document)%%'")
        return cursor.fetchone()


@contextlib.contextmanager
def sqlite_database(database, keep=False):
    """Yield database, or a new SQLite one with crm_support activated in a
    temporary folder (kept with keep)."""
    if database:
        yield database
        return
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    path = tempfile.mkdtemp(prefix='crm_bench_sqlite_')
    os.environ['TRYTOND_DATABASE__PATH'] = path
    from trytond import config
    config.set('database', 'path', path)
    database = 'crm_bench_faq'
    open(os.path.join(path, database + '.sqlite'), 'w').close()
    start = time.perf_counter()
    trytond_admin(database, workdir, '--all', '--email',
        'admin@example.com')
    trytond_admin(database, workdir, '-u', 'crm_support',
        '--activate-dependencies')
    log('created %s in %s in %.1fs' % (
            database, path, time.perf_counter() - start))
    try:
        yield database
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
            log('removed', path)


def measure(bench, size, users, limit, only_index=False):
    "Yield the figure dicts of one size."
    Faq = bench.pool.get('crm.faq')
    contexts = {user: bench.context(uid, {}) for user, uid in users.items()}
    baselines = {}
    figures = [] if only_index else [('faq_list_no_text', None, [TAB], NEWEST)]
    for words in QUERIES:
        if not only_index:
            figures.append(('faq_search_old', words,
                    [TAB] + old_domain(words), NEWEST))
        figures.append(('faq_search', words,
                [TAB, ('text', 'ilike', f'%{words}%')], None))
    for name, words, domain, order in figures:
        with bench.transaction():
            # (every FAQ the search finds: the page counts up to 100 pages)
            matches = Faq.search_count(domain)
        for user in ['admin', 'rep']:
            median, result = bench.measure(users[user], contexts[user],
                list_page(Faq, domain, limit, order, LIST_READ))
            baselines[name, words, user] = median
            figure = {'bench': name, 'size': size, 'user': user,
                'words': words, 'limit': limit, 'matches': matches,
                'median_ms': round(median, 2), **result}
            if not only_index and name == 'faq_search':
                figure['ratio_vs_old'] = round(
                    median / baselines['faq_search_old', words, user], 2)
                figure['ratio_vs_no_text'] = round(median / baselines[
                        'faq_list_no_text', None, user], 2)
            yield figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_support activated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--update', action='store_true',
        help="update crm_support in the reused database first")
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--limit', type=int, default=80)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--no-index', action='store_true',
        help="also measure the search without the GIN index (PostgreSQL)")
    parser.add_argument('--explain', action='store_true')
    args = parser.parse_args(argv)
    sqlite = args.uri.startswith('sqlite')

    generate.init_trytond(args.uri, unaccent_function=(
            None if sqlite else UNACCENT_IMMUTABLE))
    if sqlite:
        database_cm = sqlite_database(args.database, keep=args.keep)
    else:
        database_cm = sales_database(args.uri, args.database,
            'crm_bench_faq', keep=args.keep, module='crm_support')
    with database_cm as database:
        if not sqlite:
            database, _ = database
        if args.update:
            workdir = tempfile.mkdtemp(prefix='crm_bench_')
            trytond_admin(database, workdir, '-u', 'crm_support')
            shutil.rmtree(workdir, ignore_errors=True)
        for size in map(int, args.sizes.split(',')):
            started = time.perf_counter()
            generate.generate(database, 0, faqs=size, vacuum=not sqlite,
                log=log)
            log('size %d ready in %.1fs' % (
                    size, time.perf_counter() - started))
            bench = Bench(database, args.repeat)
            users = bench.users()
            users = {'admin': users['admin'], 'rep': users['rep']}
            for figure in measure(bench, size, users, args.limit):
                print(json.dumps(figure), flush=True)
            if args.explain and not sqlite:
                for words in QUERIES:
                    log('--- rep %r size=%d\n%s' % (words, size,
                            explain_search(bench, 'crm.faq', users['rep'],
                                bench.context(users['rep'], {}),
                                [TAB, ('text', 'ilike', f'%{words}%')],
                                args.limit, None)))
            if args.no_index and not sqlite:
                yield_no_index(bench, size, users, args.limit)


def yield_no_index(bench, size, users, limit):
    """Print the figures of the search without the GIN index (dropped and
    built again at the end)."""
    from trytond.transaction import Transaction
    name, definition = text_index(bench)
    with Transaction().start(bench.database, 0) as transaction:
        transaction.connection.cursor().execute('DROP INDEX "%s"' % name)
        transaction.commit()
    try:
        for figure in measure(bench, size, users, limit, only_index=True):
            figure['bench'] = 'faq_search_no_index'
            print(json.dumps(figure), flush=True)
    finally:
        started = time.perf_counter()
        with Transaction().start(bench.database, 0) as transaction:
            transaction.connection.cursor().execute(definition)
            transaction.commit()
        log('index built again in %.1fs' % (time.perf_counter() - started))


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
