# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The amounts of draft quotes are stored in the host's cache whenever the
quote or its lines change, and read from it (sale_totals.py)."""
import datetime
import unittest
from decimal import Decimal

from crm_core.tests.tools import rpc_call
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .quote_fixtures import QuoteFixtures

AMOUNTS = ['untaxed_amount', 'tax_amount', 'total_amount']


class CrmSaleTotalsTestCase(QuoteFixtures, unittest.TestCase):
    "Draft quotes keep their amounts in the host's cache"

    def _cache(self, sale):
        "The cache columns of sale as stored"
        table = Pool().get('sale.sale').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.untaxed_amount_cache,
                table.tax_amount_cache, table.total_amount_cache,
                where=table.id == sale.id))
        return tuple(Decimal(str(v)) if v is not None else None
            for v in cursor.fetchone())

    def _computed(self, sale):
        "The amounts the host computes from the lines"
        Sale = Pool().get('sale.sale')
        with Transaction().set_context(_crm_computing_draft_totals=True):
            amounts = Sale.get_amount(Sale.browse([sale.id]), AMOUNTS)
        return tuple(amounts[n][sale.id] for n in AMOUNTS)

    def _assert_cached(self, sale):
        Sale = Pool().get('sale.sale')
        sale = Sale(sale.id)
        self.assertEqual(sale.state, 'draft')
        cache = self._cache(sale)
        self.assertNotIn(None, cache)
        self.assertEqual(cache, self._computed(sale))
        # what a reader gets is the cache
        self.assertEqual(
            (sale.untaxed_amount, sale.tax_amount, sale.total_amount), cache)
        return cache

    @with_transaction()
    def test_draft_amounts_follow_every_change(self):
        """Creating the quote, adding, editing and deleting a line over RPC,
        changing the global discount and sending the quote back to draft
        store the amounts the host computes"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        company, users, potential = self._world()
        rep1 = users['rep1']
        with set_company(company):
            taxes = t7, t10, t20 = self._taxes(company)
            sale = self._quote(company, potential, taxes)
            first = self._assert_cached(sale)
            self.assertEqual(first[0], Decimal('1642.17'))

            self._add_line(rep1, company, sale, '10.05', t7)
            added = self._assert_cached(sale)
            self.assertEqual(added[0], first[0] + Decimal('20.10'))

            cable, = SaleLine.search([
                    ('sale', '=', sale.id), ('description', '=', "Cable")])
            rpc_call(rep1, SaleLine, 'write', [cable.id],
                {'quantity': 3}, company=company)
            self.assertEqual(self._assert_cached(sale)[0],
                first[0] + Decimal('30.15'))
            rpc_call(rep1, SaleLine, 'write', [cable.id],
                {'taxes': [('add', [t20.id])]}, company=company)
            self.assertGreater(self._assert_cached(sale)[1], added[1])

            rpc_call(rep1, SaleLine, 'delete', [cable.id], company=company)
            self.assertEqual(self._assert_cached(sale), first)

            rpc_call(rep1, Sale, 'write', [sale.id], {
                    'crm_discount_type': 'percentage',
                    'crm_discount_rate': Decimal('0.1'),
                    'crm_adjustment': Decimal('-0.05'),
                    }, company=company)
            discounted = self._assert_cached(sale)
            self.assertEqual(discounted[0],
                first[0] - Decimal('164.22') - Decimal('0.05'))

            # sent, changed back: the draft's cache is stored again
            Sale.quote([sale])
            Sale.draft([sale])
            self.assertEqual(self._assert_cached(sale), discounted)

            # a copy has its own cache
            copy, = Sale.copy([sale])
            self.assertEqual(self._assert_cached(copy), discounted)

    @with_transaction()
    def test_cache_is_no_change_of_the_quote(self):
        """Storing the amounts neither changes the quote's write date nor
        adds a revision; a read at a past date computes the amounts of the
        lines of that date"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        company, users, potential = self._world()
        with set_company(company):
            taxes = self._taxes(company)
            sale = self._quote(company, potential, taxes)
            table = getattr(Sale, '__table_history__')()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.id, where=table.id == sale.id))
            revisions = len(cursor.fetchall())
            write_date = Sale(sale.id).write_date
            line = SaleLine(
                sale=sale, type='line', description="Extra", quantity=1,
                unit_price=Decimal('100'))
            line.save()
            self.assertEqual(Sale(sale.id).write_date, write_date)
            cursor.execute(*table.select(
                    table.id, where=table.id == sale.id))
            self.assertEqual(len(cursor.fetchall()), revisions)
            self.assertEqual(self._assert_cached(sale)[0],
                Decimal('1742.17'))
            # the cache is not read for a past date
            with Transaction().set_context(
                    _datetime=datetime.datetime.now()
                    + datetime.timedelta(days=1)):
                past = Sale(sale.id)
                self.assertEqual(past.untaxed_amount, Decimal('1742.17'))
                table = Sale.__table__()
                cursor.execute(*table.update(
                        [table.untaxed_amount_cache], [Decimal('1')],
                        where=table.id == sale.id))
                Sale.crm_forget_cached([past])
                self.assertEqual(
                    Sale(sale.id).untaxed_amount, Decimal('1742.17'))
            self.assertEqual(Sale(sale.id).untaxed_amount, Decimal('1'))

