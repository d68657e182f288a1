#!/usr/bin/env python
"""A 200-line quote: its totals and its PDF, the CRM's vs the host's.

    python bench/bench_quote_document.py --lines 200 --repeat 5

Creates a PostgreSQL database with crm_sales (or reuses ``--database``),
the accounting of bench_quote_to_invoice plus taxes of 7 %, 10 % and 20 %,
and one quote of ``--lines`` lines in sections of ten (a title and a
subtotal each), the lines with a line discount and one to three taxes.
Measured in the same run, ``--repeat`` times each, best time kept:

* totals, after an edit of the quote (rolled back): host: a comment
  written, then the untaxed, tax and total amounts computed by the host
  from the lines (``Sale.get_amount``, the CRM's cache of drafts left
  aside); crm: a 7.5 % global discount and an adjustment written (the CRM
  rewrites the quote's charge lines and stores its amounts:
  ``sale_totals.py``), then the same amounts and the sub-total and
  discount;
* pdf: the quote printed as a PDF by the report ``sale.sale``, with the
  host's template (``sale/sale.fodt``) and with the CRM's layout
  (``crm_sales/document.fodt``), the same LibreOffice conversion.

One JSON line per figure (seconds, and the ratio crm / host); a benchmark
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
from bench_quote_to_invoice import in_transaction, setup  # noqa: E402

SEED = 200
SECTION = 10


def create_quote(database, world, lines, rng):
    "Create the quote of the rep's account; return its id."
    def create():
        from trytond.modules.company.tests import set_company
        from trytond.pool import Pool
        pool = Pool()
        Company = pool.get('company.company')
        Sale = pool.get('sale.sale')
        Tax = pool.get('account.tax')
        company = Company(world['company'])
        with set_company(company):
            base, = Tax.browse([world['tax']])
            taxes = [base] + Tax.create([{
                        'name': name, 'description': name,
                        'company': company.id, 'type': 'percentage',
                        'rate': rate,
                        'invoice_account': base.invoice_account.id,
                        'credit_note_account': base.credit_note_account.id,
                        } for name, rate in [
                        ("GST 7 %", Decimal('0.07')),
                        ("Levy 20 %", Decimal('0.2'))]])
            values = []
            for index in range(lines):
                if index % SECTION == 0:
                    values.append({'type': 'title',
                            'description': f"Section {index // SECTION + 1}"})
                price = Decimal(rng.randrange(500, 90000)) / 100
                values.append({
                        'type': 'line',
                        'description': f"Item {index + 1}",
                        'quantity': rng.randrange(1, 30),
                        'base_price': price,
                        'unit_price': (price * Decimal('0.95')).quantize(
                            Decimal('0.0001')),
                        'taxes': [('add', [t.id for t in
                                    rng.sample(taxes, rng.randrange(1, 4))])],
                        })
                if index % SECTION == SECTION - 1:
                    values.append({'type': 'subtotal',
                            'description': "Subtotal"})
            address, = pool.get('party.party')(world['account']).addresses
            sale, = Sale.create([{
                        'company': company.id, 'party': world['account'],
                        'invoice_address': address.id,
                        'shipment_address': address.id,
                        'assigned_user': world['rep'],
                        'lines': [('create', values)],
                        }])
            return sale.id
    return in_transaction(database, create)


def best(func, repeat):
    "The best time of repeat calls of func(), in seconds."
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return min(times)


def totals(database, world, sale_id, repeat):
    "Seconds of the host's totals and of the CRM's."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    names = ['untaxed_amount', 'tax_amount', 'total_amount']

    def host():
        with Transaction().start(database, 0):
            Sale = Pool().get('sale.sale')
            sale, = Sale.browse([sale_id])
            # (an edit of the quote, then its totals as the host computes
            # them: crm_sales' cache of drafts left aside)
            Sale.write([sale], {'comment': "Revised prices"})
            with Transaction().set_context(
                    _crm_computing_draft_totals=True):
                Sale.get_amount(Sale.browse([sale_id]), names)
            Transaction().rollback()

    def crm():
        with Transaction().start(database, 0):
            Sale = Pool().get('sale.sale')
            sale, = Sale.browse([sale_id])
            # (a change of the discount rewrites the charge lines)
            Sale.write([sale], {
                    'crm_discount_type': 'percentage',
                    'crm_discount_rate': Decimal('0.075'),
                    'crm_adjustment': Decimal('-0.35'),
                    })
            sale, = Sale.browse([sale_id])
            Sale.get_amount([sale], names)
            Sale.get_crm_totals([sale], ['crm_subtotal', 'crm_discount_total'])
            Transaction().rollback()
    return best(host, repeat), best(crm, repeat)


def pdfs(database, world, sale_id, repeat):
    """Seconds of the quote's PDF with the host's template and with the
    CRM's; the sizes of both."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    sizes = {}

    def render(template):
        def run():
            with Transaction().start(database, 0, context={
                        'company': world['company']}):
                pool = Pool()
                ActionReport = pool.get('ir.action.report')
                Report = pool.get('sale.sale', type='report')
                action, = ActionReport.search(
                    [('report_name', '=', 'sale.sale')])
                action.report = template
                action.extension = 'pdf'
                action.save()
                ext, content, _, _ = Report.execute([sale_id], {})
                assert ext == 'pdf'
                sizes[template] = len(content)
                Transaction().rollback()
        return run
    host = best(render('sale/sale.fodt'), repeat)
    crm = best(render('crm_sales/document.fodt'), repeat)
    return host, crm, sizes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_sales activated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--lines', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with sales_database(args.uri, args.database, 'crm_bench_document',
            keep=args.keep) as (database, _):
        from trytond.pool import Pool
        Pool(database).init()
        world = setup(database)
        sale_id = create_quote(
            database, world, args.lines, random.Random(SEED))
        host_s, crm_s = totals(database, world, sale_id, args.repeat)
        print(json.dumps({
                    'bench': 'quote_totals', 'lines': args.lines,
                    'host_s': round(host_s, 4), 'crm_s': round(crm_s, 4),
                    'ratio_crm_vs_host': round(crm_s / host_s, 2),
                    }), flush=True)
        host_s, crm_s, sizes = pdfs(database, world, sale_id, args.repeat)
        print(json.dumps({
                    'bench': 'quote_pdf', 'lines': args.lines,
                    'host_s': round(host_s, 3), 'crm_s': round(crm_s, 3),
                    'ratio_crm_vs_host': round(crm_s / host_s, 2),
                    'host_bytes': sizes['sale/sale.fodt'],
                    'crm_bytes': sizes['crm_sales/document.fodt'],
                    }), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
