#!/usr/bin/env python
"""Bulk lead conversion benchmark: the converter vs plain ORM writes.

    python bench/bench_lead_conversion.py --leads 10000

Creates a PostgreSQL database ``crm_bench_conv_<pid>`` with crm_sales (or
reuses ``--database``), grows it with bench/generate.py (``--contacts``
contacts, a tenth as many accounts) and adds ``--leads`` leads (fixed seed)
owned by the sales reps: a quarter name an existing account in another
spelling ("ACME, Inc." for "Acme Inc"), the others new companies, each
new company named by two leads.

Then, in the same run, as ``bench_manager1`` (who sees every rep's
records) with the access checks of an RPC call, each in its own
transaction rolled back at the end:

* ``baseline``: plain ORM, the same records: one ``create`` of the new
  accounts (with website and phone, address), one of the contacts (e-mail,
  phone, mobile, address), one ``write`` call moving every lead to a
  potential with its account and contact;
* ``conversion``: the Convert Lead wizard's converter on the whole
  selection (checks, matching by name key and e-mail, creates, writes).

One JSON line per figure on stdout (leads/s and the ratio to the
baseline), progress on stderr.  A benchmark never fails on a time.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_account_list  # noqa: E402
import generate  # noqa: E402

SEED = 20261126
LEAD_COMPANY = 'Bench Lead Company %06d'


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def create_database(uri, name, workdir):
    import psycopg
    with psycopg.connect(uri.rstrip('/') + '/postgres', autocommit=True) \
            as conn:
        conn.execute('CREATE DATABASE "%s"' % name)
    bench_account_list.prepare_database(uri, name, 'immutable')
    start = time.perf_counter()
    bench_account_list.trytond_admin(
        name, workdir, '--all', '--email', 'admin@example.com',
        '-u', 'crm_sales', '--activate-dependencies')
    log('created %s with crm_sales in %.1fs'
        % (name, time.perf_counter() - start))


def misspell(name, rng):
    "Return name as another user would type it (case, punctuation)."
    variant = rng.choice([name.upper(), name.lower(), name.replace(' ', ', ')])
    return variant + rng.choice(['', '.', ' '])


def lead_values(index, accounts, reps, rng):
    """Return the values of the index-th lead (0-based) and the index of the
    existing account it names (None: a new company)."""
    first, last, _ = generate.vocabulary()
    account = None
    if index % 4 == 0 and accounts:
        account = rng.randrange(1, accounts + 1)
        company = misspell(generate.account_values(account)['name'], rng)
    else:
        company = LEAD_COMPANY % (index // 2)
    first_name, last_name = rng.choice(first), rng.choice(last)
    return {
        'first_name': first_name,
        'last_name': last_name,
        'lead_company': company,
        'email': '%s.%s.lead%d@example.org' % (
            first_name.lower(), last_name.lower(), index),
        'phone': '+3225%06d' % index,
        'mobile': '+32475%06d' % index,
        'website': 'https://www.lead%d.example.org' % (index // 2),
        'street': '%d Bench Street' % index,
        'postal_code': '%04d' % (1000 + index % 9000),
        'city': rng.choice(['Brussels', 'Liege', 'Namur', 'Ghent']),
        'industry': rng.choice(['banking', 'energy', 'retail', None]),
        'annual_revenue': Decimal(rng.randrange(10 ** 4, 10 ** 7)),
        'employees': rng.randrange(1, 5000),
        'lead_source': rng.choice(['web_site', 'trade_show', 'cold_call']),
        'description': 'Deal %d' % index,
        'amount': Decimal(rng.randrange(1000, 100000)),
        'assigned_user': reps[index % len(reps)],
        }, account


def add_leads(database, count, base):
    "Create count leads through the ORM (as root) unless they exist."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, context={
                'company': base['company'], 'crm_lead': True}) \
            as transaction:
        Opportunity = Pool().get('sale.opportunity')
        existing = Opportunity.search_count([('state', '=', 'lead')])
        if existing >= count:
            return
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT count(*) FROM party_party '
            "WHERE crm_type = 'account'")
        accounts, = cursor.fetchone()
        rng = random.Random(SEED)
        vlist = []
        for index in range(count):
            values, _ = lead_values(index, accounts, base['reps'], rng)
            vlist.append({**values, 'company': base['company']})
        start = time.perf_counter()
        Opportunity.create(vlist[existing:])
        transaction.commit()
        log('leads: +%d in %.1fs'
            % (count - existing, time.perf_counter() - start))


def fill_name_keys(database):
    "Give the accounts loaded with COPY the name key the ORM stores."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        Pool().get('party.party')._fill_name_keys()
        transaction.commit()


def baseline(leads, stage):
    """Create the records of the conversion with plain ORM calls; return
    the number of accounts created."""
    from trytond.pool import Pool
    from crm_sales.party import name_key
    pool = Pool()
    Party = pool.get('party.party')
    Opportunity = pool.get('sale.opportunity')
    existing = {
        (p.crm_name_key): p for p in Party.search([
                ('crm_type', '=', 'account'),
                ('crm_name_key', 'in', list({
                            name_key(l.lead_company) for l in leads})),
                ])}
    new = {}
    for lead in leads:
        key = name_key(lead.lead_company)
        if key not in existing:
            new.setdefault(key, lead)

    def address(lead):
        return [('create', [{
                        'street_unstructured': lead.street,
                        'postal_code': lead.postal_code,
                        'city': lead.city}])]
    accounts = Party.create([{
                'crm_type': 'account', 'crm_company': l.company.id,
                'name': l.lead_company, 'industry': l.industry,
                'annual_revenue': l.annual_revenue,
                'employees': l.employees,
                'assigned_user': l.assigned_user.id,
                'contact_mechanisms': [('create', [
                            {'type': 'website', 'value': l.website},
                            {'type': 'phone', 'value': l.phone}])],
                'addresses': address(l),
                } for l in new.values()])
    existing.update(zip(new, accounts))
    account_of = {l: existing[name_key(l.lead_company)] for l in leads}
    contacts = Party.create([{
                'crm_type': 'contact', 'crm_company': l.company.id,
                'first_name': l.first_name, 'last_name': l.last_name,
                'lead_source': l.lead_source,
                'account': account_of[l].id,
                'assigned_user': l.assigned_user.id,
                'contact_mechanisms': [('create', [
                            {'type': 'email', 'value': l.email},
                            {'type': 'phone', 'value': l.phone},
                            {'type': 'mobile', 'value': l.mobile}])],
                'addresses': address(l),
                } for l in leads])
    args = []
    for lead, contact in zip(leads, contacts):
        args.extend(([lead], {
                    'state': 'opportunity', 'party': account_of[lead].id,
                    'crm_contact': contact.id, 'sales_stage': stage}))
    Opportunity.write(*args)
    return len(accounts)


def conversion(leads, stage):
    "Convert leads with the wizard's converter; return the accounts made."
    from trytond.pool import Pool
    from crm_sales.conversion import LeadConverter
    Stage = Pool().get('crm.sales_stage')
    result = LeadConverter(leads, sales_stage=Stage(stage)).convert()
    return len({a for a, _ in result.values()
            if a.crm_origin_lead is not None})


def measure(database, uid, context, count, func):
    "Run func on count leads as uid; return (seconds, its result)."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Stage = pool.get('crm.sales_stage')
        stage = Stage.search([('closing', '=', None)], limit=1)[0].id
        ids = [o.id for o in Opportunity.search(
                [('state', '=', 'lead')], order=[('id', 'ASC')],
                limit=count)]
        with transaction.set_user(uid), \
                transaction.set_context(context, _check_access=True):
            leads = Opportunity.browse(ids)
            start = time.perf_counter()
            result = func(leads, stage)
            elapsed = time.perf_counter() - start
        transaction.rollback()
    return elapsed, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated)")
    parser.add_argument('--keep', action='store_true',
        help="do not drop the database created")
    parser.add_argument('--leads', type=int, default=10000)
    parser.add_argument('--contacts', type=int, default=10000,
        help="existing contacts (accounts: a tenth)")
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri,
        unaccent_function=bench_account_list.UNACCENT_IMMUTABLE)
    created = None
    workdir = tempfile.mkdtemp(prefix='crm_bench_')
    if args.database:
        database = args.database
    else:
        database = created = 'crm_bench_conv_%d' % os.getpid()
        create_database(args.uri, database, workdir)
    try:
        base = generate.generate(database, args.contacts, log=log)
        fill_name_keys(database)
        add_leads(database, args.leads, base)
        bench = bench_account_list.Bench(database, 1)
        uid = bench.users()['manager']
        context = bench.context(uid, {'company': base['company']})
        figures = {}
        for name, func in [('baseline', baseline), ('conversion', conversion)]:
            elapsed, accounts = measure(
                database, uid, context, args.leads, func)
            figures[name] = elapsed
            log('%s: %.1fs, %d accounts created' % (name, elapsed, accounts))
            print(json.dumps({
                        'bench': f'lead_conversion_{name}',
                        'leads': args.leads,
                        'accounts_created': accounts,
                        'seconds': round(elapsed, 2),
                        'leads_per_s': round(args.leads / elapsed, 1),
                        'user': 'bench_manager1',
                        }), flush=True)
        print(json.dumps({
                    'bench': 'lead_conversion_ratio',
                    'leads': args.leads,
                    'ratio_to_baseline': round(
                        figures['conversion'] / figures['baseline'], 2),
                    }), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if created and not args.keep:
            bench_account_list.drop_database(args.uri, created)
            log('dropped', created)
        elif created:
            log('kept database', created)


if __name__ == '__main__':
    main()
