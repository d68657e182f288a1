# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The amounts of draft quotes, kept up to date in the host's cache.

The host caches a sale's untaxed, tax and total amounts once it is
confirmed (crm_sales caches them from the quotation on: ``sale.py``) and
computes those of a draft from its lines and taxes each time they are
read: 2.5 ms a quote, most of the quotes list's first page at a million
sales (``bench/bench_quote_list.py``).  Here a draft's amounts are
computed by the host's ``get_amount`` whenever what they depend on is
saved (a line's quantity, price, taxes; the sale's currency, charges or
state: after its charge lines, ``sale_charges.py``) and stored in the
host's cache columns; reading them reads the cache.  Not followed, as for
the host's cache of confirmed sales: a change of a tax's definition or of
the company's tax rounding, and the passing of a tax's validity dates.

The columns are written in SQL: a change of amounts is no change of the
sale (no write date, no revision of ``sale_history``).  The history
therefore does not hold them: a read at a past date (``_datetime``)
computes the amounts from the lines of that date, as the host does.
"""
from decimal import Decimal

from sql import Null

from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .sale_charges import APPLYING, CHARGE_FIELDS

AMOUNTS = ['untaxed_amount', 'tax_amount', 'total_amount']
#: What the host's amounts of a draft depend on, besides the tax
#: definitions and the company's tax rounding
#: (the lines themselves, 'lines', are followed by the lines' own hooks)
SALE_INPUTS = CHARGE_FIELDS | {'currency', 'company', 'state'}
LINE_INPUTS = {'sale', 'type', 'quantity', 'unit_price', 'taxes'}
#: Context key: get_amount computes the drafts' amounts from their lines
COMPUTING = '_crm_computing_draft_totals'


def _decimal(value):
    "A Numeric column's value as a Decimal (SQLite may give another type)"
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bytes):
        value = value.decode()
    return Decimal(str(value))


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def get_amount(cls, sales, names):
        context = Transaction().context
        if context.get(COMPUTING) or context.get('_datetime'):
            return super().get_amount(sales, names)
        cached = cls.crm_cached_amounts(sales)
        result = super().get_amount(
            [s for s in sales if s.id not in cached], names)
        for sale_id, amounts in cached.items():
            for name in names:
                result[name][sale_id] = amounts[name]
        return result

    @classmethod
    def crm_cached_amounts(cls, sales):
        """Return the cached amounts of the sales that have them (drafts
        and the host's cached states), by id, read in one query: the host
        reads them record by record (4 ms of the quotes list's page of 80
        at a million sales)."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        columns = [getattr(table, f'{n}_cache') for n in AMOUNTS]
        cached = {}
        for sub_ids in grouped_slice([s.id for s in sales], 1000):
            where = table.id.in_(list(sub_ids)) & table.state.in_(
                ['draft', *cls._states_cached])
            for column in columns:
                where &= column != Null
            cursor.execute(*table.select(table.id, *columns, where=where))
            for sale_id, *amounts in cursor:
                cached[sale_id] = {n: _decimal(a)
                    for n, a in zip(AMOUNTS, amounts)}
        return cached

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and (field_names or set()) & SALE_INPUTS):
            cls.crm_store_draft_totals(sales)

    @classmethod
    def crm_store_draft_totals(cls, sales):
        """Compute the amounts of the draft sales among sales and store them
        in the host's cache columns."""
        if Transaction().context.get(APPLYING):
            return    # (the charges being written: stored after them)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        with without_check_access(), Transaction().set_context(
                **{COMPUTING: True}):
            for sub_ids in grouped_slice([int(s) for s in sales], 1000):
                drafts = cls.search([
                        ('id', 'in', list(sub_ids)),
                        ('state', '=', 'draft'),
                        ])
                if not drafts:
                    continue
                amounts = cls.get_amount(cls.browse(drafts), AMOUNTS)
                for sale in drafts:
                    cursor.execute(*table.update(
                            [getattr(table, f'{n}_cache') for n in AMOUNTS],
                            [amounts[n][sale.id] for n in AMOUNTS],
                            where=table.id == sale.id))
                cls.crm_forget_cached(drafts)

    @classmethod
    def crm_forget_cached(cls, sales):
        "Drop the sales from the transaction's record caches (SQL update)."
        ids = {s.id for s in sales}
        for sale in sales:
            sale._local_cache.pop(sale.id, None)
        for cache in Transaction().cache.values():
            if cls.__name__ in cache:
                records = cache[cls.__name__]
                for id_ in ids:
                    records.pop(id_, None)


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and (field_names or set()) & LINE_INPUTS):
            cls.crm_store_sales_totals(lines)

    @classmethod
    def on_delete(cls, lines):
        callbacks = super().on_delete(lines)
        sale_ids = {l.sale.id for l in lines if l.sale}
        if sale_ids and not Transaction().context.get(APPLYING):
            Sale = Pool().get('sale.sale')
            callbacks.append(lambda: Sale.crm_store_draft_totals(
                    Sale.browse(sorted(sale_ids))))
        return callbacks

    @classmethod
    def crm_store_sales_totals(cls, lines):
        "Store the amounts of the draft sales of the lines."
        Sale = Pool().get('sale.sale')
        sales = {l.sale for l in lines if l.sale}
        if sales:
            Sale.crm_store_draft_totals(list(sales))
