# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Global discount, adjustment, carrier and shipping of quotes and orders.

vtiger's totals block reads: sub-total of the lines, a global discount (a
percentage of the sub-total or an amount), the taxes, a signed adjustment
and the grand total.  The CRM keeps the host's computation of the taxes and
totals and turns the discount and the adjustment into sale lines of their
own (``crm_charge``), maintained by the sale while it is a draft:

* one discount line per set of taxes of the sale's lines, carrying those
  taxes, so the taxes are computed on the discounted amounts as the host
  computes them for any line (per line or per document, as the company's
  account configuration says); the discount is spread over the sets in
  proportion of their sub-totals and the last set takes the remaining
  cents, so the discount lines add up to the discount to the cent;
* one adjustment line, without taxes.

An invoice of the sale copies them as any line (they are product-less
lines: the host books them on the default revenue account), so its totals
are the sale's.  The user types the discount and the adjustment on the
sale; the lines are rewritten whenever the sale or its lines are saved and
are read-only in the forms.
"""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.sale.exceptions import SaleValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

DISCOUNT_TYPES = [
    (None, ""),
    ('percentage', "Percentage"),
    ('amount', "Amount"),
    ]
#: vtiger's carriers
CARRIERS = [
    (None, ""),
    ('fedex', "FedEx"),
    ('ups', "UPS"),
    ('usps', "USPS"),
    ('dhl', "DHL"),
    ('bluedart', "BlueDart"),
    ]
CHARGES = [
    (None, ""),
    ('discount', "Global Discount"),
    ('adjustment', "Adjustment"),
    ]
#: The fields of a sale that change its charge lines
CHARGE_FIELDS = {
    'crm_discount_type', 'crm_discount_rate', 'crm_discount_amount',
    'crm_adjustment', 'currency'}
#: Context key set while the charge lines are rewritten
APPLYING = '_crm_applying_charges'
#: Typed while the sale is a draft
_DRAFT = {'readonly': Eval('state') != 'draft'}


def _discount_states(discount_type):
    "The states of the value of a global discount of discount_type"
    return {
        'invisible': Eval('crm_discount_type') != discount_type,
        'required': Eval('crm_discount_type') == discount_type,
        **_DRAFT,
        }


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    crm_discount_type = fields.Selection(
        DISCOUNT_TYPES, "Global Discount", states=_DRAFT,
        help="A discount on the sub-total of the lines: a percentage or "
        "an amount.")
    crm_discount_rate = fields.Numeric(
        "Discount Rate", digits=(16, 4),
        states=_discount_states('percentage'))
    crm_discount_amount = Monetary(
        "Discount Amount", currency='currency', digits='currency',
        states=_discount_states('amount'))
    crm_adjustment = Monetary(
        "Adjustment", currency='currency', digits='currency',
        states=_DRAFT,
        help="A signed amount added to the total, without tax.")
    crm_carrier = fields.Selection(CARRIERS, "Carrier")
    crm_carrier_string = crm_carrier.translated('crm_carrier')
    crm_shipping = fields.Char(
        "Shipping", help="How and when the goods are shipped.")
    crm_subtotal = fields.Function(Monetary(
            "Sub-Total", currency='currency', digits='currency',
            help="The lines before the global discount and the "
            "adjustment."),
        'get_crm_totals')
    crm_discount_total = fields.Function(Monetary(
            "Discount", currency='currency', digits='currency'),
        'get_crm_totals')

    @classmethod
    def get_crm_totals(cls, sales, names):
        totals = {n: {} for n in names}
        for sale in sales:
            lines = sale.crm_line_values()
            values = {
                'crm_subtotal': sum((l['amount'] for l in lines
                        if l['type'] == 'line' and not l['crm_charge']),
                    Decimal(0)),
                'crm_discount_total': sum((l['amount'] for l in lines
                        if l['crm_charge'] == 'discount'), Decimal(0)),
                }
            for name in names:
                totals[name][sale.id] = values[name]
        return totals

    def crm_line_values(self):
        """The lines' id, type, charge, sequence, taxes and amount, in
        order, read in SQL (a 200-line quote: two queries instead of the
        ORM's read of each line and its taxes, which doubled the time of
        its totals)."""
        pool = Pool()
        Line = pool.get('sale.line')
        LineTax = pool.get('sale.line-account.tax')
        line, line_tax = Line.__table__(), LineTax.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.select(line.id, line.type, line.crm_charge,
                line.sequence, line.quantity, line.unit_price,
                line.description, where=line.sale == self.id))
        lines = {id_: {
                'id': id_, 'type': type_, 'crm_charge': charge,
                'sequence': sequence, 'taxes': [], 'quantity': quantity,
                'unit_price': Decimal(str(unit_price))
                if unit_price is not None else None,
                'description': description,
                # (the host's amount of a line: quantity x unit price,
                # rounded in the currency)
                'amount': self.currency.round(
                    Decimal(str(quantity or 0)) * Decimal(str(unit_price or 0)))
                if type_ == 'line' else Decimal(0),
                } for (id_, type_, charge, sequence, quantity, unit_price,
                description) in cursor}
        for sub_ids in grouped_slice(list(lines), 1000):
            cursor.execute(*line_tax.select(line_tax.line, line_tax.tax,
                    where=line_tax.line.in_(list(sub_ids))))
            for line_id, tax_id in cursor:
                lines[line_id]['taxes'].append(tax_id)
        return sorted(lines.values(), key=lambda l: (
                l['sequence'] is not None, l['sequence'] or 0, l['id']))

    @classmethod
    def validate_fields(cls, sales, field_names):
        super().validate_fields(sales, field_names)
        if not field_names or field_names & {
                'crm_discount_rate', 'crm_discount_amount'}:
            cls.check_crm_discount(sales)

    @classmethod
    def check_crm_discount(cls, sales):
        "Refuse a global discount rate outside 0-100 % or a negative amount."
        for sale in sales:
            rate, amount = sale.crm_discount_rate, sale.crm_discount_amount
            if rate is not None and not (0 <= rate <= 1):
                raise SaleValidationError(gettext(
                        'crm_sales.msg_sale_discount_rate',
                        sale=sale.rec_name, rate=rate * 100))
            if amount is not None and amount < 0:
                raise SaleValidationError(gettext(
                        'crm_sales.msg_sale_discount_negative',
                        sale=sale.rec_name, amount=amount))

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if Transaction().context.get(APPLYING):
            return
        if mode == 'create' or (
                mode == 'write' and (field_names or set()) & CHARGE_FIELDS):
            cls.crm_apply_charges(sales)

    @classmethod
    def crm_apply_charges(cls, sales):
        """Rewrite the charge lines of the draft sales from their global
        discount and adjustment."""
        pool = Pool()
        Line = pool.get('sale.line')
        to_create, to_write, to_delete = [], [], []
        with without_check_access():
            for sub_ids in grouped_slice([int(s) for s in sales], 1000):
                for sale in cls.browse(cls.search([
                                ('id', 'in', list(sub_ids)),
                                ('state', '=', 'draft'),
                                ])):
                    create, write, delete = sale.crm_charge_changes()
                    to_create.extend(create)
                    to_write.extend(write)
                    to_delete.extend(delete)
            with Transaction().set_context(**{APPLYING: True}):
                if to_delete:
                    Line.delete(to_delete)
                if to_write:
                    Line.write(*to_write)
                if to_create:
                    Line.create(to_create)

    def crm_charge_changes(self):
        """Return the values of the charge lines to create, the write
        arguments of those to change and the lines to delete."""
        Line = Pool().get('sale.line')
        lines = self.crm_line_values()
        wanted = self.crm_wanted_charges(lines)
        existing = [l for l in lines if l['crm_charge']]
        create, write = [], []
        for values, line in zip(wanted, existing):
            changed = {k: v for k, v in values.items()
                if k != 'taxes' and line[k] != v}
            taxes, wanted_taxes = set(line['taxes']), set(values['taxes'])
            if taxes != wanted_taxes:
                changed['taxes'] = [
                    ('remove', sorted(taxes - wanted_taxes)),
                    ('add', sorted(wanted_taxes - taxes))]
            if changed:
                write.extend((Line.browse([line['id']]), changed))
        for values in wanted[len(existing):]:
            create.append({**values, 'sale': self.id, 'type': 'line',
                    'taxes': [('add', values['taxes'])]})
        return create, write, Line.browse(
            [l['id'] for l in existing[len(wanted):]])

    def crm_discount_value(self, subtotal):
        "Return the global discount in the sale's currency."
        if self.crm_discount_type == 'percentage':
            discount = max(subtotal, 0) * (self.crm_discount_rate or 0)
        elif self.crm_discount_type == 'amount':
            discount = self.crm_discount_amount or Decimal(0)
        else:
            return Decimal(0)
        discount = self.currency.round(discount)
        if discount > max(subtotal, 0):
            raise SaleValidationError(gettext(
                    'crm_sales.msg_sale_discount_above_subtotal',
                    sale=self.rec_name, discount=discount,
                    subtotal=subtotal))
        return discount

    def crm_wanted_charges(self, lines):
        """Return the values of the charge lines the sale needs, in
        order: the discount lines by set of taxes, then the adjustment;
        lines: crm_line_values()."""
        Lang = Pool().get('ir.lang')
        by_taxes = defaultdict(Decimal)
        for line in lines:
            if line['type'] == 'line' and not line['crm_charge']:
                by_taxes[tuple(sorted(line['taxes']))] += line['amount']
        subtotal = sum(by_taxes.values(), Decimal(0))
        discount = self.crm_discount_value(subtotal)
        sequence = max((l['sequence'] or 0 for l in lines
                if not l['crm_charge']), default=0) + 1
        charges = []
        if discount:
            if self.crm_discount_type == 'percentage':
                lang = Lang.get()
                description = gettext(
                    'crm_sales.msg_sale_charge_discount_rate',
                    rate=lang.format('%.2f', self.crm_discount_rate * 100)
                    .rstrip('0').rstrip(lang.decimal_point))
            else:
                description = gettext('crm_sales.msg_sale_charge_discount')
            groups = sorted(k for k, v in by_taxes.items() if v)
            left = discount
            for i, taxes in enumerate(groups):
                if i == len(groups) - 1:
                    share = left
                else:
                    share = self.currency.round(
                        discount * by_taxes[taxes] / subtotal)
                left -= share
                charges.append({
                        'crm_charge': 'discount',
                        'taxes': list(taxes),
                        'unit_price': -share,
                        })
        if self.crm_adjustment:
            charges.append({
                    'crm_charge': 'adjustment',
                    'taxes': [],
                    'unit_price': self.crm_adjustment,
                    })
        for i, values in enumerate(charges):
            values.update({
                    'quantity': 1.0,
                    'sequence': sequence + i,
                    'description': (description
                        if values['crm_charge'] == 'discount'
                        else gettext('crm_sales.msg_sale_charge_adjustment')),
                    })
        return charges


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    crm_charge = fields.Selection(
        CHARGES, "Charge", readonly=True,
        help="A line the sale writes from its global discount or "
        "adjustment.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # (the charge lines are the sale's: typed on the sale, not here)
        for name in ['type', 'product', 'quantity', 'unit', 'unit_price',
                'taxes', 'description']:
            field = getattr(cls, name)
            field.states = {
                **field.states,
                'readonly': (field.states.get('readonly', False)
                    | Bool(Eval('crm_charge'))),
                }

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode in {'create', 'write'}:
            cls.crm_reapply_charges(lines)

    @classmethod
    def on_delete(cls, lines):
        callbacks = super().on_delete(lines)
        sales = {l.sale for l in lines if l.sale}
        if sales and not Transaction().context.get(APPLYING):
            Sale = Pool().get('sale.sale')
            callbacks.append(lambda: Sale.crm_apply_charges(
                    Sale.search([('id', 'in', [s.id for s in sales])])))
        return callbacks

    @classmethod
    def crm_reapply_charges(cls, lines):
        "Rewrite the charges of the sales of the lines."
        Sale = Pool().get('sale.sale')
        if Transaction().context.get(APPLYING):
            return
        sales = {l.sale for l in lines if l.sale}
        if sales:
            Sale.crm_apply_charges(list(sales))
