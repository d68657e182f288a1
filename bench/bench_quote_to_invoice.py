#!/usr/bin/env python
"""Quote -> sales order -> invoice benchmark: the CRM's flow for a rep vs
the host's own flow.

    python bench/bench_quote_to_invoice.py --count 1000

Creates a PostgreSQL database with crm_sales (or reuses ``--database``),
a company with a chart of accounts, a fiscal year and a 10 % tax, and
makes ``--count`` documents in a row each way, in the same run:

* host: as root, a sale of a party outside the CRM (no rules, no
  dispatch), created, quoted, confirmed and processed by the host one at a
  time (invoice method *On Order*: the host invoices it);
* crm: as the rep ``bench_rep01`` through the JSON-RPC dispatch (access
  checked, the guard around the call), a quote of the rep's CRM account
  made by ``create``, then *Create Invoice* (confirms it and invoices it).

Each document has three lines with the tax (a section title and two
lines).  The figure is documents (quote, order and invoice) per second,
and the ratio crm / host.  One JSON line per figure on stdout; a benchmark
never fails on a time.
"""
import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, log, sales_database)

SEED = 14
BATCH = 50


def in_transaction(database, func):
    """Run func() in a committed root transaction, started again with the
    locks it asks for (a singleton's first save, a strict sequence), as
    the host's dispatcher does; return its result."""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        try:
            with Transaction().start(database, 0, **extras) as transaction:
                result = func()
                transaction.commit()
                return result
        except TransactionError as error:
            error.fix(extras)


def setup(database):
    """Create (once) the accounting, a CRM account of the rep and a host
    customer; return their ids and the rep's."""
    return in_transaction(database, _setup)


def _setup():
    from trytond.modules.account.tests import create_chart, get_fiscalyear
    from trytond.modules.account_invoice.tests import set_invoice_sequences
    from trytond.modules.company.tests import set_company
    from trytond.pool import Pool
    pool = Pool()
    Account = pool.get('account.account')
    Configuration = pool.get('account.configuration')
    FiscalYear = pool.get('account.fiscalyear')
    Party = pool.get('party.party')
    Tax = pool.get('account.tax')
    base = generate.setup_base(reps=1, managers=1)
    company = pool.get('company.company')(base['company'])
    rep = base['reps'][0]
    with set_company(company):
        if not Account.search([('company', '=', company.id)], limit=1):
            create_chart(company, tax=True)
            fiscalyear = set_invoice_sequences(get_fiscalyear(company))
            fiscalyear.save()
            FiscalYear.create_period([fiscalyear])
            configuration = Configuration(1)
            for kind, name in [
                    ('revenue', 'default_category_account_revenue'),
                    ('receivable', 'default_account_receivable')]:
                account, = Account.search([
                        (f'type.{kind}', '=', True),
                        ('company', '=', company.id),
                        ('closed', '!=', True)], limit=1)
                setattr(configuration, name, account)
            configuration.save()
        tax, = Tax.search([('company', '=', company.id)], limit=1)
        parties = {p.name: p for p in Party.search([
                    ('name', 'in', ["Bench Customer", "Bench Account"])])}
        if "Bench Customer" not in parties:
            parties["Bench Customer"], parties["Bench Account"] = (
                Party.create([{
                            'name': "Bench Customer",
                            'addresses': [('create', [{}])],
                            }, {
                            'name': "Bench Account",
                            'crm_type': 'account',
                            'crm_company': company.id,
                            'assigned_user': rep,
                            'addresses': [('create', [{}])],
                            }]))
    return {
        'company': company.id, 'rep': rep, 'admin': base['admin'],
        'tax': tax.id,
        'customer': parties["Bench Customer"].id,
        'account': parties["Bench Account"].id,
        }


def sale_values(world, party, rng):
    "The values of a sale of party with a title and two taxed lines."
    from trytond.pool import Pool
    Party = Pool().get('party.party')
    address, = Party(party).addresses
    lines = [{'type': 'title', 'description': "Hardware"}]
    for description in ["Laser printer", "Toner"]:
        lines.append({
                'type': 'line', 'description': description,
                'quantity': rng.randrange(1, 20),
                'unit_price': Decimal(rng.randrange(1000, 90000)) / 100,
                'taxes': [('add', [world['tax']])],
                })
    return {
        'company': world['company'], 'party': party,
        'invoice_address': address.id, 'shipment_address': address.id,
        'invoice_method': 'order', 'shipment_method': 'manual',
        'lines': [('create', lines)],
        }


def host_flow(database, world, count, rng):
    "Make count documents the host's way; return the seconds taken."
    from trytond.modules.company.tests import set_company
    from trytond.pool import Pool

    def batch(size):
        pool = Pool()
        Company = pool.get('company.company')
        Sale = pool.get('sale.sale')
        with set_company(Company(world['company'])):
            # (the owner of a sale of a host customer is its creator)
            values = [{**sale_values(world, world['customer'], rng),
                    'assigned_user': world['admin']} for _ in range(size)]
            # (one document at a time, as the CRM flow clicks)
            began = time.perf_counter()
            for value in values:
                sale, = Sale.create([value])
                Sale.quote([sale])
                Sale.confirm([sale])
                Sale.process([sale])
            elapsed = time.perf_counter() - began
            assert sale.invoices
        return elapsed
    return sum(in_transaction(database,
            lambda: batch(min(BATCH, count - start)))
        for start in range(0, count, BATCH))


def crm_flow(database, world, count, rng):
    """Make count documents as the rep over the dispatch; return the
    seconds taken."""
    from crm_core.tests.tools import rpc_call
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    def batch(size):
        pool = Pool()
        Sale = pool.get('sale.sale')
        User = pool.get('res.user')
        with Transaction().set_user(world['rep']):
            context = User.get_preferences(context_only=True)
        values = [sale_values(world, world['account'], rng)
            for _ in range(size)]
        began = time.perf_counter()
        for value in values:
            sale_id, = rpc_call(world['rep'], Sale, 'create', [value],
                context=context)
            rpc_call(world['rep'], Sale, 'crm_create_invoice',
                [sale_id], context=context)
        return time.perf_counter() - began
    return sum(in_transaction(database,
            lambda: batch(min(BATCH, count - start)))
        for start in range(0, count, BATCH))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--count', type=int, default=1000)
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with sales_database(args.uri, args.database, 'crm_bench_invoice',
            keep=args.keep) as (database, _):
        from trytond.pool import Pool
        Pool(database).init()
        world = setup(database)
        rng = random.Random(SEED)
        host_s = host_flow(database, world, args.count, rng)
        rng = random.Random(SEED)
        crm_s = crm_flow(database, world, args.count, rng)
        host_rate = args.count / host_s
        crm_rate = args.count / crm_s
        print(json.dumps({
                    'bench': 'quote_to_invoice', 'count': args.count,
                    'host_docs_per_s': round(host_rate, 1),
                    'crm_docs_per_s': round(crm_rate, 1),
                    'ratio_crm_vs_host': round(crm_rate / host_rate, 2),
                    }), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
