# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The printed quote, sales order and invoice.

The host's report classes stay (``sale.sale`` and ``account.invoice``: their
access checks, languages, and the invoice's copy kept once posted); the CRM
gives both one layout, ``document.fodt`` (the actions' template, set in
``document_report.xml``), fed by ``CrmDocument``: the company's logo,
address, tax identifier and bank account, the customer's addresses, the
facts of the document (number, dates, valid till, payment term, carrier,
owner), the lines with their sections, discounts and taxes, the totals
(sub-total, global discount, taxes, adjustment, total, each equal to the
document's fields) and its terms and conditions; the page numbers are in
the footer.  Everything is formatted here, in the customer's language: the
template only lays the values out.  The PDF is the host's conversion by
LibreOffice (the action's output format).
"""
from decimal import Decimal
from functools import cached_property
from types import SimpleNamespace

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class CrmDocument:
    "The values the layout prints of a sale or an invoice."

    def __init__(self, record, report):
        self.record = record
        self.report = report
        self.lang = record.party.lang if record.party else None
        self.company = record.company

    def _format(self, amount):
        "amount in the document's currency and the customer's language"
        return self.report.format_currency(
            amount, self.lang, self.record.currency)

    def set_lang(self):
        self.record.set_lang(self.lang)
        return ''

    def _labels(self, *names):
        "The translated labels of the record's fields"
        definitions = self.record.__class__.fields_get(list(names))
        return [definitions[n]['string'] for n in names]

    @cached_property
    def footer(self):
        return company_footer(self.company)

    @cached_property
    def company_lines(self):
        party = self.company.party
        lines = []
        address = party.address_get()
        if address:
            lines.extend(l for l in address.full_address.splitlines()[1:]
                if l.strip())
        for identifier in party.identifiers:
            if identifier.code:
                lines.append('%s: %s' % (
                        identifier.type_string, identifier.code)
                    if identifier.type else identifier.code)
                break
        for mechanism in party.contact_mechanisms:
            if mechanism.type in {'phone', 'email', 'website'}:
                lines.append(mechanism.value)
        for account in getattr(party, 'bank_accounts', []):
            number = account.numbers[0] if account.numbers else None
            if number:
                bank = account.bank.rec_name if account.bank else ''
                lines.append(' '.join(filter(None, [bank, number.number])))
        return lines

    @staticmethod
    def _address_lines(address, party):
        if not address:
            return [party.full_name] if party else []
        lines = [l for l in address.full_address.splitlines() if l.strip()]
        if party and (not lines or lines[0] != party.full_name):
            lines.insert(0, party.full_name)
        return lines

    @cached_property
    def customer_lines(self):
        record = self.record
        lines = self._address_lines(record.invoice_address, record.party)
        identifier = getattr(record, 'party_tax_identifier', None) or (
            record.party.tax_identifier if record.party else None)
        if identifier:
            lines.append('%s: %s' % (identifier.type_string, identifier.code))
        return lines

    @cached_property
    def delivery_lines(self):
        record = self.record
        if record.__name__ != 'sale.sale':
            return []
        if (record.shipment_address
                and record.shipment_address != record.invoice_address):
            return self._address_lines(
                record.shipment_address, record.shipment_party or record.party)
        return []

    @property
    def is_sale(self):
        return self.record.__name__ == 'sale.sale'

    @cached_property
    def title(self):
        record = self.record
        if self.is_sale:
            if record.state in {'draft', 'quotation'}:
                kind = gettext('crm_sales.msg_document_quote')
            else:
                kind = gettext('crm_sales.msg_document_sales_order')
        elif record.type == 'out' and record.total_amount < 0:
            kind = gettext('crm_sales.msg_document_credit_note')
        elif record.state in {'draft', 'validated'}:
            kind = gettext('crm_sales.msg_document_pro_forma')
        else:
            kind = gettext('crm_sales.msg_document_invoice')
        return ' '.join(filter(None, [kind, self.number]))

    @cached_property
    def number(self):
        record = self.record
        if self.is_sale:
            return record.full_number or ''
        return record.number or ''

    @cached_property
    def facts(self):
        record = self.record
        report, lang = self.report, self.lang
        facts = []

        def add(name, value, label=None):
            if value:
                if label is None:
                    label, = self._labels(name)
                facts.append((label, value))
        if self.is_sale:
            quote = record.state in {'draft', 'quotation'}
            add('quotation_date' if quote else 'sale_date',
                report.format_date(
                    (record.quotation_date if quote else record.sale_date)
                    or self._today(), lang))
            if quote and record.quotation_expire:
                # (vtiger's label, as the quotes list's column)
                add('quotation_expire',
                    report.format_date(record.quotation_expire, lang),
                    gettext('crm_sales.msg_document_valid_till'))
            add('reference', record.reference)
            add('crm_carrier', record.crm_carrier_string)
            add('crm_shipping', record.crm_shipping)
        else:
            add('invoice_date', record.invoice_date
                and report.format_date(record.invoice_date, lang))
            add('reference', record.reference)
        add('payment_term', record.payment_term
            and record.payment_term.rec_name)
        add('assigned_user', record.assigned_user
            and record.assigned_user.rec_name)
        return facts

    def _today(self):
        Date = Pool().get('ir.date')
        with Transaction().set_context(company=self.company.id):
            return Date.today()

    def _charge(self, line):
        "The global discount or adjustment a line of the document is"
        if self.is_sale:
            return line.crm_charge
        return getattr(line.origin, 'crm_charge', None)

    @cached_property
    def lines(self):
        printed = []
        record = self.record
        for line in record.lines:
            if line.type == 'line' and self._charge(line):
                continue
            values = SimpleNamespace(kind=line.type,
                description=line.description or '', quantity='',
                unit_price='', discount='', taxes='', amount='')
            if line.type == 'line':
                values.description = '\n'.join(filter(None, [
                            line.product.rec_name if line.product else None,
                            line.description]))
                values.quantity = (self.report.format_number_symbol(
                        line.quantity, self.lang, line.unit,
                        digits=line.unit.digits) if line.unit
                    else self.report.format_number(
                        line.quantity, self.lang, digits=0
                        if float(line.quantity).is_integer() else 2))
                values.unit_price = self._format(line.unit_price)
                values.discount = getattr(line, 'discount', None) or ''
                values.taxes = ', '.join(
                    t.description or t.name for t in line.taxes)
                values.amount = self._format(line.amount)
            elif line.type == 'subtotal':
                values.description = (line.description
                    or gettext('crm_sales.msg_document_subtotal'))
                values.amount = self._format(line.amount)
            printed.append(values)
        return printed

    @cached_property
    def totals(self):
        "(label, amount) of the totals, the grand total last"
        record = self.record
        goods, discount, adjustment = Decimal(0), Decimal(0), Decimal(0)
        for line in record.lines:
            if line.type != 'line':
                continue
            charge = self._charge(line)
            if charge == 'discount':
                discount += line.amount
            elif charge == 'adjustment':
                adjustment += line.amount
            else:
                goods += line.amount
        Sale = Pool().get('sale.sale')
        subtotal_label, discount_label, adjustment_label = (
            Sale.fields_get(['crm_subtotal', 'crm_discount_total',
                    'crm_adjustment'])[n]['string'] for n in [
                'crm_subtotal', 'crm_discount_total', 'crm_adjustment'])
        untaxed_label, total_label = self._labels(
            'untaxed_amount', 'total_amount')
        totals = []
        if discount or adjustment:
            totals.append((subtotal_label, self._format(goods)))
        if discount:
            totals.append((discount_label, self._format(discount)))
        if adjustment:
            totals.append((adjustment_label, self._format(adjustment)))
        taxes = self._taxes()
        untaxed, tax, total = self._amounts(taxes)
        totals.append((untaxed_label, self._format(untaxed)))
        for label, base, amount in taxes:
            totals.append(('%s (%s)' % (label, self._format(base)),
                    self._format(amount)))
        totals.append((total_label, self._format(total)))
        return totals

    def _amounts(self, taxes):
        """The document's untaxed, tax and total amounts: its fields, but
        for a sale whose amounts are not cached yet: the host's sums,
        from the taxes computed once for the printed taxes."""
        record = self.record
        if self.is_sale and record.state not in record._states_cached:
            untaxed = sum((l.amount for l in record.line_lines), Decimal(0))
            tax = sum((t[2] for t in taxes), Decimal(0))
            return untaxed, tax, untaxed + tax
        return record.untaxed_amount, record.tax_amount, record.total_amount

    def _taxes(self):
        "(label, base, amount) of each tax of the document"
        record = self.record
        if self.is_sale:
            taxes = record._get_taxes().values()
        else:
            taxes = record.taxes
        by_tax = {}
        for line in taxes:
            base, amount = by_tax.get(line.tax, (Decimal(0), Decimal(0)))
            by_tax[line.tax] = (base + line.base, amount + line.amount)
        return [(tax.description or tax.name if tax else '', base, amount)
            for tax, (base, amount) in by_tax.items()]

    @cached_property
    def terms(self):
        return [l for l in (self.record.terms_text or '').splitlines()]


def company_footer(company):
    "The lines of the company's footer on one line, or ''"
    if not company:
        return ''
    return ' · '.join(filter(None, (company.footer_used or '').splitlines()))


class DocumentReportMixin:
    "Give the layout its documents."
    __slots__ = ()

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['documents'] = [CrmDocument(r, cls) for r in records]
        company = header.get('company') or (
            records[0].company if records else None)
        # (the page footer is laid out outside the loop of the documents)
        context['doc'] = SimpleNamespace(footer=company_footer(company))
        return context


class SaleReport(DocumentReportMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'


class InvoiceReport(DocumentReportMixin, metaclass=PoolMeta):
    __name__ = 'account.invoice'
