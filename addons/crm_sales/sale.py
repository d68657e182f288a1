"""Quotes and sales orders: the host's sales as owned CRM records.

A quote is a ``sale.sale`` in draft or quotation, a sales order a confirmed
one (processing and done follow it); the host's workflow, numbering,
quotation validity and invoicing stay as they are.  The CRM adds:

* the owner (``crm_core``'s ``OwnedMixin``, shared by the rules of the
  record type *Sale*): a quote made from a potential takes the potential's
  owner, otherwise the user who creates it;
* vtiger's quote stage (Created, Delivered, Reviewed, Accepted, Rejected),
  kept apart from the host's state, which says where the document is in
  the workflow;
* the potential a quote was made from (the host's ``origin``), searchable,
  so that the lists and an account's documents can show it;
* what the host lets through and a quote for a CRM account or contact
  may not hold: no line (comments alone), a negative quantity or a discount
  above 100 % (the host's returns, made from a sale, keep theirs), an account
  of another company, a currency without exchange rate on the quotation
  date;
* the quote's validity: accepting a quote past its Valid Till asks for a
  confirmation (a warning), and confirming it is refused with a message
  that says why (the host only breaks the domain of the sale date);
* the untaxed amount is orderable (the host's is a Function field): a
  rep's open quotes are listed by amount (*My Open Quotes*, for the home
  page);
* winning: the first quote of a potential confirmed as a sales order wins
  the potential (the host waits until every quote is confirmed or
  cancelled; the other quotes were alternatives).
"""
from decimal import Decimal

from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.operators import Like

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.modules.sale.exceptions import (
    SaleQuotationError, SaleValidationError)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import QuoteExpiredWarning

from crm_core.global_search import GlobalSearchMixin, SearchType
from crm_core.ownership import OwnedMixin

QUOTE_STAGES = [
    ('created', "Created"),
    ('delivered', "Delivered"),
    ('reviewed', "Reviewed"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ]
#: The host's states of a quote; the later ones make a sales order
QUOTE_STATES = ['draft', 'quotation']


class Sale(GlobalSearchMixin, OwnedMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    quote_stage = fields.Selection(
        QUOTE_STAGES, "Quote Stage", required=True,
        states={
            'readonly': ~Eval('state').in_(QUOTE_STATES),
            },
        help="Where the customer is with the quote.")
    crm_potential = fields.Function(
        fields.Many2One('sale.opportunity', "Potential",
            context={
                'crm_opportunity_form': 'potential',
                }),
        'get_crm_potential', searcher='search_crm_potential')

    @classmethod
    def crm_record_type_name(cls):
        return gettext('crm_sales.msg_record_type_sale')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The accounts of a sale open the CRM account form (crm_core's
        # party_view): the host's fields state no CRM type
        for field in [cls.party, cls.invoice_party, cls.shipment_party]:
            field.context = {**(field.context or {}), 'crm_type': 'account'}
        # A sent quote cannot change (its lines are read-only until it is
        # back to draft, which clears the cache): its amounts are cached
        # as the host caches a confirmed sale's.  The quotes list reads
        # them per row: computing them cost 2.5 ms a quote, 200 ms of the
        # 230 ms read of a page of 80 (bench_quote_list.py, 100,000 sales)
        if 'quotation' not in cls._states_cached:
            cls._states_cached = cls._states_cached + ['quotation']
        cls.quotation_expire.getter = 'get_crm_quotation_expire'
        t = cls.__table__()
        cls._sql_indexes.update({
                # The quotes list, newest first: without it a page sorted
                # the quotes of every rep (admin: 92 ms at 100,000 sales)
                Index(t, (t.create_date, Index.Range(order='DESC')),
                    (t.id, Index.Range(order='DESC')),
                    where=t.state.in_(QUOTE_STATES)),
                # The global search of quotes by subject (crm_core's
                # global_search.py): bench/bench_global_search.py at 1M
                # records, 150k sales read by each of its clauses, the
                # quotes 185 -> 4 ms
                Index(t, (Index.Unaccent(Coalesce(t.description, '')),
                        Index.Similarity())),
                })

    @classmethod
    def default_quote_stage(cls):
        return 'created'

    @classmethod
    def crm_global_search_types(cls):
        # Named by their subject (a draft has no number)
        return super().crm_global_search_types() + [
            SearchType(50, 'crm_sales.act_quote_form',
                [('state', 'in', QUOTE_STATES)], 'tryton-sale',
                'description'),
            ]

    @classmethod
    def crm_global_search_name(cls, sale):
        return ' '.join(filter(None, [sale.number, sale.description])) \
            or sale.rec_name

    @classmethod
    def order_untaxed_amount(cls, tables):
        """Order by the untaxed amount: the host's cache once confirmed,
        the sum of the lines before."""
        Line = Pool().get('sale.line')
        table, _ = tables[None]
        line = Line.__table__()
        lines = line.select(
            Sum(Coalesce(line.quantity, 0) * Coalesce(line.unit_price, 0)),
            where=(line.sale == table.id) & (line.type == 'line'))
        cache = table.untaxed_amount_cache
        if backend.name == 'sqlite':
            # (a Decimal is stored as bytes there: the host casts its
            # Numeric columns to order them)
            cache = cls.untaxed_amount_cache.sql_cast(cache)
        return [Coalesce(cache, lines)]

    @classmethod
    def get_crm_potential(cls, sales, name):
        """The potential each sale was made from (its origin), read in one
        query (the origins browsed one by one cost 3 ms of the quotes list's
        page of 80 at a million sales); at a past date, as it was then."""
        Opportunity = Pool().get('sale.opportunity')
        if Transaction().context.get('_datetime'):
            return {s.id: s.origin.id
                if isinstance(s.origin, Opportunity) and s.origin.id >= 0
                else None for s in sales}
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        prefix = f'{Opportunity.__name__},'
        potentials = dict.fromkeys((s.id for s in sales), None)
        for sub_ids in grouped_slice(list(potentials), 1000):
            cursor.execute(*table.select(table.id, table.origin,
                    where=table.id.in_(list(sub_ids))
                    & Like(table.origin, prefix + '%')))
            for sale_id, origin in cursor:
                potential = int(origin[len(prefix):])
                if potential >= 0:
                    potentials[sale_id] = potential
        return potentials

    @classmethod
    def get_crm_quotation_expire(cls, sales, name):
        """The host's Valid Till of the sales, today's date asked once per
        company (the host asks it for each sale: 3 ms of the quotes list's
        page of 80)."""
        Date = Pool().get('ir.date')
        todays = {}

        def today(company):
            if company not in todays:
                with Transaction().set_context(company=company):
                    todays[company] = Date.today()
            return todays[company]
        return {s.id: (s.quotation_date or today(
                    s.company.id if s.company else None))
            + s.quotation_validity
            if s.quotation_validity is not None else None for s in sales}

    @classmethod
    def search_crm_potential(cls, name, clause):
        field, operator, value = clause[:3]
        nested = field[len(name) + 1:]
        if not nested:
            if value is None and operator == '=':
                return ['OR', ('origin', '=', None),
                    ('origin', 'not like', 'sale.opportunity,%')]
            if value is None and operator == '!=':
                return [('origin', 'like', 'sale.opportunity,%')]
            nested = ('rec_name' if isinstance(value, str)
                or (isinstance(value, (list, tuple))
                    and any(isinstance(v, str) for v in value))
                else 'id')
        return [('origin.' + nested, operator, value, 'sale.opportunity')]

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('quote_stage', cls.default_quote_stage())
        return super().copy(sales, default=default)

    @property
    def crm_is_return(self):
        "Tell if the sale returns another (the host's Return Sale)."
        return isinstance(self.origin, self.__class__)

    @classmethod
    def validate_fields(cls, sales, field_names):
        super().validate_fields(sales, field_names)
        if not field_names or field_names & {'party', 'company'}:
            cls.check_crm_company(sales)

    @classmethod
    def check_crm_company(cls, sales):
        "Refuse a sale to a CRM account or contact of another company."
        for sale in sales:
            party_company = sale.party and sale.party.crm_company
            if party_company and party_company != sale.company:
                raise SaleValidationError(gettext(
                        'crm_sales.msg_sale_party_other_company',
                        sale=sale.rec_name, party=sale.party.rec_name,
                        company=party_company.rec_name))

    def check_for_quotation(self):
        pool = Pool()
        Currency = pool.get('currency.currency')
        Date = pool.get('ir.date')
        super().check_for_quotation()
        # (the host's sales of other parties may quote comments only)
        if not self.line_lines and self.party and self.party.crm_type:
            raise SaleQuotationError(gettext(
                    'crm_sales.msg_quote_no_lines', sale=self.rec_name))
        if self.currency != self.company.currency:
            with Transaction().set_context(company=self.company.id):
                date = self.quotation_date or Date.today()
            # (the host's message names the currency and the date)
            with Transaction().set_context(date=date):
                Currency.compute(
                    self.currency, Decimal(1), self.company.currency)

    def crm_expired(self):
        "Tell if the quote is past its Valid Till."
        Date = Pool().get('ir.date')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        return bool(self.quotation_expire and self.quotation_expire < today)

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        pool = Pool()
        Lang = pool.get('ir.lang')
        Warning = pool.get('res.user.warning')
        super().check_modification(
            mode, sales, values=values, external=external)
        if (mode == 'write' and external
                and (values or {}).get('quote_stage') == 'accepted'):
            expired = [s for s in sales
                if s.quote_stage != 'accepted' and s.crm_expired()]
            if expired:
                key = Warning.format('crm_quote_expired_accepted', expired)
                if Warning.check(key):
                    sale = expired[0]
                    raise QuoteExpiredWarning(key, gettext(
                            'crm_sales.msg_quote_expired_accepted',
                            sale=sale.rec_name,
                            date=Lang.get().strftime(sale.quotation_expire)))

    @classmethod
    def quote(cls, sales):
        super().quote(sales)
        cls.store_cache(sales)

    @classmethod
    def confirm(cls, sales):
        cls.check_crm_expired(sales)
        super().confirm(sales)

    @classmethod
    def check_crm_expired(cls, sales):
        """Refuse to confirm a quote past its Valid Till (the host's domain
        of the sale date would, without saying why)."""
        Lang = Pool().get('ir.lang')
        for sale in sales:
            if sale.state == 'quotation' and sale.crm_expired():
                raise SaleQuotationError(gettext(
                        'crm_sales.msg_quote_expired_confirm',
                        sale=sale.rec_name,
                        date=Lang.get().strftime(sale.quotation_expire)))


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if not field_names or 'quantity' in field_names:
            cls.check_crm_quantity(lines)
        if not field_names or field_names & {'unit_price', 'base_price'}:
            cls.check_crm_discount(lines)

    @classmethod
    def check_crm_discount(cls, lines):
        """Refuse a discount above 100 % (a negative unit price below a
        positive base price) on the sales of CRM accounts and contacts
        (sale_discount computes it and lets it through)."""
        for line in lines:
            if (line.type == 'line' and line.base_price
                    and line.base_price > 0 and (line.unit_price or 0) < 0
                    and line.sale.party and line.sale.party.crm_type
                    and not line.sale.crm_is_return):
                raise SaleValidationError(gettext(
                        'crm_sales.msg_sale_line_discount_above_100',
                        sale=line.sale.rec_name, line=line.rec_name,
                        discount=line.discount))

    @classmethod
    def check_crm_quantity(cls, lines):
        """Refuse a negative quantity on the sales of CRM accounts and
        contacts but on the host's returns (other parties keep the host's
        sales that mix returned goods in)."""
        for line in lines:
            if (line.type == 'line' and (line.quantity or 0) < 0
                    and line.sale.party and line.sale.party.crm_type
                    and not line.sale.crm_is_return):
                raise SaleValidationError(gettext(
                        'crm_sales.msg_sale_line_negative_quantity',
                        sale=line.sale.rec_name, line=line.rec_name))


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'
    crm_quotes_rejected = fields.Function(
        fields.Boolean("Every Quote Rejected",
            help="The customer rejected every quote of the open potential."),
        'get_crm_quotes_rejected')

    def get_crm_quotes_rejected(self, name):
        return (self.state in {'opportunity', 'converted'}
            and all(s.quote_stage == 'rejected' or s.state == 'cancelled'
                for s in self.sales)
            and any(s.quote_stage == 'rejected' for s in self.sales))

    @classmethod
    def view_attributes(cls):
        # (the form offers to close as lost a potential whose quotes the
        # customer rejected)
        return super().view_attributes() + [
            ('//label[@id="crm_quotes_rejected"]', 'states', {
                    'invisible': ~Eval('crm_quotes_rejected'),
                    }),
            ]

    def _get_sale_opportunity(self):
        sale = super()._get_sale_opportunity()
        # The quote of a potential is the potential owner's
        sale.assigned_user = self.assigned_user
        sale.assigned_team = self.assigned_team
        return sale

    def is_won(self):
        # vtiger: the potential is won by the quote that becomes a sales
        # order, whatever its other quotes
        return any(s.state in self._sale_won_states() for s in self.sales)
