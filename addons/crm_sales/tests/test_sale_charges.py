# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Global discount and adjustment of quotes: charge lines the sale keeps,
totals to the cent on the sale and on its invoice."""
import unittest
from decimal import Decimal

from crm_core.tests.tools import rpc_call
from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .quote_fixtures import QuoteFixtures


class CrmSaleChargesTestCase(QuoteFixtures, unittest.TestCase):
    "Global discount (percentage or amount) and adjustment of a quote"

    def _charges(self, sale):
        return [(l.crm_charge, l.unit_price, sorted(t.id for t in l.taxes))
            for l in sale.lines if l.crm_charge]

    def _assert_totals(self, sale):
        "The totals of sale add up from its lines to the cent"
        goods = sum(l.amount for l in sale.lines
            if l.type == 'line' and not l.crm_charge)
        discount = sum(l.amount for l in sale.lines
            if l.crm_charge == 'discount')
        adjustment = sum(l.amount for l in sale.lines
            if l.crm_charge == 'adjustment')
        self.assertEqual(sale.crm_subtotal, goods)
        self.assertEqual(sale.crm_discount_total, discount)
        self.assertEqual(sale.untaxed_amount, goods + discount + adjustment)
        self.assertEqual(sale.total_amount,
            sale.untaxed_amount + sale.tax_amount)

    @with_transaction()
    def test_percentage_discount_by_tax_set(self):
        """A 12.5 % discount is one line per set of taxes, carrying the
        taxes; the taxes are computed on the discounted amounts; the lines
        add up to the discount of the sub-total"""
        company, users, potential = self._world()
        with set_company(company):
            taxes = t7, t10, t20 = self._taxes(company)
            sale = self._quote(company, potential, taxes,
                crm_discount_type='percentage',
                crm_discount_rate=Decimal('0.125'))
        subtotal = Decimal('1230.00') + Decimal('247.31') + Decimal('64.87') \
            + Decimal('99.99')
        self.assertEqual(sale.crm_subtotal, subtotal)
        self.assertEqual(sale.crm_discount_total, -Decimal('205.27'))
        charges = self._charges(sale)
        self.assertEqual(sorted(c[2] for c in charges), sorted([
                    [], [t10.id], [t20.id], sorted([t7.id, t20.id])]))
        self.assertTrue(all(c[0] == 'discount' and c[1] < 0
                for c in charges))
        # the 20 % set: 1230.00 of 1642.17, its share of 205.27
        share = dict((tuple(c[2]), c[1]) for c in charges)
        self.assertEqual(share[(t20.id,)], -Decimal('153.75'))
        self.assertEqual(sale.lines[-1].description, "Global discount (12.5 %)")
        self._assert_totals(sale)
        # taxes on the discounted amounts: 20 % of (1230.00 - 153.75), ...
        self.assertEqual(sale.untaxed_amount, subtotal - Decimal('205.27'))
        expected_tax = sum(
            (sale.currency.round(l.amount * sum(t.rate for t in l.taxes))
                for l in sale.lines if l.type == 'line'), Decimal(0))
        self.assertEqual(sale.tax_amount, expected_tax)

    @with_transaction()
    def test_amount_discount_and_adjustment_on_the_invoice(self):
        """An amount discount is spread to the cent; the adjustment is a
        line without tax; the invoice of the quote has the same totals"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        company, users, potential = self._world()
        with set_company(company):
            taxes = self._taxes(company)
            sale = self._quote(company, potential, taxes,
                crm_discount_type='amount',
                crm_discount_amount=Decimal('100.00'),
                crm_adjustment=Decimal('-0.37'),
                crm_carrier='dhl', crm_shipping="Ex works, 2 days")
            charges = self._charges(sale)
            self.assertEqual(
                sum(c[1] for c in charges if c[0] == 'discount'),
                -Decimal('100.00'))
            self.assertEqual([c for c in charges if c[0] == 'adjustment'],
                [('adjustment', Decimal('-0.37'), [])])
            self.assertEqual(sale.crm_discount_total, -Decimal('100.00'))
            self.assertEqual(sale.untaxed_amount,
                sale.crm_subtotal - Decimal('100.37'))
            self._assert_totals(sale)
            Sale.crm_create_invoice([sale])
            sale = Sale(sale.id)
            invoice, = sale.invoices
            self.assertEqual(
                (invoice.untaxed_amount, invoice.tax_amount,
                    invoice.total_amount),
                (sale.untaxed_amount, sale.tax_amount, sale.total_amount))
            # (every line, the section and the charges included)
            self.assertEqual(
                [l.origin for l in invoice.lines], list(sale.lines))
            self.assertEqual(sale.crm_carrier, 'dhl')

    @with_transaction()
    def test_charges_follow_the_lines(self):
        """Adding or deleting a line, editing a charge line over RPC,
        copying the quote or dropping the discount rewrite the charges"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        company, users, potential = self._world()
        rep1 = users['rep1']
        with set_company(company):
            taxes = t7, t10, t20 = self._taxes(company)
            sale = self._quote(company, potential, taxes,
                crm_discount_type='percentage',
                crm_discount_rate=Decimal('0.1'),
                crm_adjustment=Decimal('5'))
            self.assertEqual(len(self._charges(sale)), 5)
            # a line of a fourth set of taxes gets its discount line
            self._add_line(rep1, company, sale, '10', t7)
            sale = Sale(sale.id)
            self.assertIn(('discount', Decimal('-2.00'), [t7.id]),
                self._charges(sale))
            self.assertEqual(sale.crm_discount_total,
                -sale.currency.round(sale.crm_subtotal / 10))
            self._assert_totals(sale)
            # a charge edited by hand is written back
            charge = [l for l in sale.lines if l.crm_charge][0]
            before = charge.unit_price
            rpc_call(rep1, SaleLine, 'write', [charge.id],
                {'unit_price': Decimal('-999')}, company=company)
            self.assertEqual(SaleLine(charge.id).unit_price, before)
            # deleting the cable deletes its discount line
            cable, = [l for l in sale.lines if l.description == "Cable"]
            rpc_call(rep1, SaleLine, 'delete', [cable.id], company=company)
            sale = Sale(sale.id)
            self.assertNotIn([t7.id], [c[2] for c in self._charges(sale)])
            self._assert_totals(sale)
            # a copy has its own charges, not twice the original's
            copy, = Sale.copy([sale])
            self.assertEqual(self._charges(copy), self._charges(sale))
            # no discount: the adjustment alone
            Sale.write([sale], {'crm_discount_type': None})
            self.assertEqual(self._charges(Sale(sale.id)),
                [('adjustment', Decimal('5'), [])])

    @with_transaction()
    def test_bad_discounts_are_refused(self):
        """A rate above 100 %, a negative amount and an amount above the
        sub-total are refused with their message; nothing is written"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        company, users, potential = self._world()
        with set_company(company):
            sale = self._quote(company, potential, self._taxes(company))
            lines = [l.id for l in sale.lines]
            for values, message in [
                    ({'crm_discount_type': 'percentage',
                            'crm_discount_rate': Decimal('1.5')},
                        'between 0 and 100'),
                    ({'crm_discount_type': 'amount',
                            'crm_discount_amount': Decimal('-5')},
                        'may not be negative'),
                    ({'crm_discount_type': 'amount',
                            'crm_discount_amount': Decimal('5000')},
                        'exceeds the sub-total'),
                    ]:
                with self.subTest(values=values):
                    with self.assertRaisesRegex(UserError, message):
                        rpc_call(users['rep1'], Sale, 'write', [sale.id],
                            values, company=company)
                    # no charge line was written (the dispatcher rolls the
                    # request back; here the test resets the sale)
                    sale = Sale(sale.id)
                    self.assertEqual([l.id for l in sale.lines], lines)
                    Sale.write([sale], {'crm_discount_type': None,
                            'crm_discount_rate': None,
                            'crm_discount_amount': None})
