#!/usr/bin/env python
"""Global search benchmark: sao's search box (``ir.model.global_search``)
over a million mixed CRM records, against the single-model contact
rec_name search of the same run.

    python bench/bench_global_search.py --size 20000
    python bench/bench_global_search.py --size 1000000 -d crm_bench_x --keep

Creates a PostgreSQL database with crm_sales and crm_support (or reuses
``--database``; ``--update`` updates the CRM modules first: indexes follow
the code), grows it with bench/generate.py to ``--size`` mixed records
(of ``MIX``: contacts and their e-mails, accounts, leads, potentials,
sales, tickets and FAQ; sharing of every type private but the FAQ's,
public read-only) and measures, as over RPC (the user's context and
access checks), as ``bench_rep01`` (sees a twentieth), ``bench_manager1``
and ``admin``:

- ``global_search``: ``ir.model.global_search(text, 1000)`` as sao calls it
  from its search box (``Sao.config.limit``), for a 3-letter prefix of a
  contact's name (``--text``; others with ``--texts``): the CRM types
  grouped, at most 5 each, then the host's menus;
- ``global_search_model``: each searched model's part
  (``crm_global_search``);
- ``contact_rec_name`` (the baseline): ``search([('crm_type', '=',
  'contact'), ('rec_name', 'ilike', '<text>%')], 0, 80, <contact list
  order>)``, what bench_account_list.py measures as
  ``contact_prefix_rec_name``;
- ``host_global_search`` (``--host``, small sizes only): the host's own
  global search, every model's ``search_global`` unbounded, ranked over
  all the models.

One JSON line per figure (median ms, ratio to the admin's and, for the
global search, to the contact rec_name search of the same user); a
benchmark never fails on a time.
"""
import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    CONTACT_ORDER, UNACCENT_IMMUTABLE, Bench, create_database,
    drop_database, log, prepare_database, trytond_admin)

#: The share of each kind of record in the size (accounts: a tenth of the
#: contacts, 3 %)
MIX = {
    'contacts': 0.30,
    'leads': 0.20,
    'potentials': 0.15,
    'sales': 0.15,
    'tickets': 0.15,
    'faqs': 0.02,
    }
MODULES = ['crm_core', 'crm_sales', 'crm_support']
#: sao's limit of the global search (Sao.config.limit)
SAO_LIMIT = 1000
#: The tables whose statistics the searches need (the expression indexes
#: of the names have none until analysed)
TABLES = ['party_party', 'party_contact_mechanism', 'sale_opportunity',
    'sale_sale', 'crm_ticket', 'crm_faq']


@contextlib.contextmanager
def search_database(uri, database, keep=False, update=False):
    """Yield database, or a new one with the CRM modules searched,
    dropped at the end unless keep."""
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    created = None
    try:
        if not database:
            database = created = 'crm_bench_search_%d' % os.getpid()
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


def analyze(database):
    "ANALYZE the searched tables (after an update that added indexes)."
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        generate.analyze(transaction.connection, TABLES)


def global_search(Model, text, host=False):
    """Return the function timing the global search of text (the host's
    alone when host)."""
    from crm_core.global_search import Model as CrmModel
    method = (super(CrmModel, Model).global_search if host
        else Model.global_search)

    def run():
        results = method(text, SAO_LIMIT)
        types = {}
        for _, model, label, _, _, _ in results:
            if model != 'ir.ui.menu':
                types[label] = types.get(label, 0) + 1
        return {'rows': len(results), 'types': types}
    return run


def model_search(Model, text):
    def run():
        groups = Model.crm_global_search(
            text, Model._crm_global_search_limit)
        return {'rows': sum(len(r) for _, r in groups)}
    return run


def contact_rec_name(Party, text):
    domain = [('crm_type', '=', 'contact'), ('rec_name', 'ilike', text + '%')]

    def run():
        return {'rows': len(Party.search(domain, 0, 80, CONTACT_ORDER))}
    return run


@contextlib.contextmanager
def host_search_global():
    "The host's search_global for every model (unbounded)"
    from crm_core.global_search import GlobalSearchMixin

    def search_global(cls, text):
        return super(GlobalSearchMixin, cls).search_global(text)
    with mock.patch.object(
            GlobalSearchMixin, 'search_global', classmethod(search_global)):
        yield


def figures(bench, size, users, text, host=False):
    "Yield the figure dicts of text."
    from crm_core.global_search import GlobalSearchMixin
    pool = bench.pool
    IrModel = pool.get('ir.model')
    Party = pool.get('party.party')
    models = [name for name, Model in pool.iterobject()
        if issubclass(Model, GlobalSearchMixin)
        and Model.crm_global_search_types()]
    baseline, admin = {}, {}
    for user in ['admin', 'rep', 'manager']:
        uid = users[user]
        context = bench.context(uid, {})
        benches = [
            ('contact_rec_name', {}, bench.context(
                    uid, {'crm_type': 'contact'}),
                contact_rec_name(Party, text)),
            ('global_search', {}, context, global_search(IrModel, text)),
            ]
        benches += [('global_search_model', {'model': name}, context,
                model_search(pool.get(name), text)) for name in sorted(models)]
        for name, extra, ctx, func in benches:
            median, result = bench.measure(uid, ctx, func)
            key = (name, extra.get('model'))
            if user == 'admin':
                admin[key] = median
            figure = {'bench': name, 'size': size, 'user': user,
                'text': text, **extra, 'median_ms': round(median, 2),
                'ratio_vs_admin': round(median / admin[key], 2), **result}
            if name == 'contact_rec_name':
                baseline[user] = median
            elif name == 'global_search':
                figure['ratio_vs_contact_rec_name'] = round(
                    median / baseline[user], 2)
            yield figure
        if host:
            with host_search_global():
                median, result = bench.measure(
                    uid, context, global_search(IrModel, text, host=True))
            yield {'bench': 'host_global_search', 'size': size,
                'user': user, 'text': text, 'median_ms': round(median, 2),
                'ratio_vs_contact_rec_name': round(
                    median / baseline[user], 2), **result}


def explain(bench, uid, text):
    """Log the EXPLAIN ANALYZE of every query the global search sends to
    find records (crm_global_search_ids) as uid."""
    from trytond.transaction import Transaction

    from crm_core.global_search import GlobalSearchMixin
    IrModel = bench.pool.get('ir.model')
    ids = GlobalSearchMixin.crm_global_search_ids.__func__

    def explained(cls, domain, limit):
        query = cls.search(domain, order=[], query=True)
        sql, params = tuple(query)
        cursor = Transaction().connection.cursor()
        cursor.execute('EXPLAIN (ANALYZE, BUFFERS) SELECT "id" FROM '
            '(%s OFFSET 0) AS "m" LIMIT %%s' % sql, tuple(params) + (limit,))
        log('--- %s %s\n%s' % (cls.__name__, domain[1:],
                '\n'.join(r[0] for r in cursor.fetchall())))
        return ids(cls, domain, limit)
    with bench.transaction() as transaction, transaction.set_user(uid), \
            transaction.set_context(
                bench.context(uid, {}), _check_access=True), \
            mock.patch.object(GlobalSearchMixin, 'crm_global_search_ids',
                classmethod(explained)):
        IrModel.global_search(text, SAO_LIMIT)


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
    parser.add_argument('--size', type=int, default=1_000_000,
        help="mixed records (default: %(default)s)")
    parser.add_argument('--text',
        help="the text searched (default: the first 3 letters of the "
        "first contact's name)")
    parser.add_argument('--texts', default='',
        help="comma-separated texts measured after it")
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--host', action='store_true',
        help="also measure the host's global search (unbounded)")
    parser.add_argument('--explain', action='store_true',
        help="log the EXPLAIN ANALYZE of the rep's queries on stderr")
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with search_database(args.uri, args.database, keep=args.keep,
            update=args.update) as database:
        started = time.perf_counter()
        counts = {k: int(args.size * v) for k, v in MIX.items()}
        generate.generate(database, log=log, **counts)
        if args.update:
            analyze(database)
        log('size %d ready in %.1fs' % (
                args.size, time.perf_counter() - started))
        bench = Bench(database, args.repeat)
        users = bench.users()
        text = args.text or generate.contact_values(1)['name'][:3].lower()
        texts = [text] + [t for t in args.texts.split(',') if t]
        for text in texts:
            for figure in figures(bench, args.size, users, text,
                    host=args.host):
                print(json.dumps(figure), flush=True)
            if args.explain:
                explain(bench, users['rep'], text)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
