# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Invoices of quotes and sales orders.

An invoice made from a sale keeps the sale (``crm_sale``) and is an owned
CRM record (record type *Invoice*) whose owner follows the sale's: it
takes the sale's owner when it is made and again when the sale is
re-assigned, so a CRM user sees the invoices of the sales it sees, under
the sharing of invoices.  Invoices made without a sale (the accountants'
own, supplier invoices) are outside CRM sharing for host users.  Accountants who hold no
CRM profile keep working on every invoice as host users (the sharing's
*Groups Editing All*, ``invoice.xml``).

*Create Invoice* is one click on a quote or a sales order: a quote is
confirmed first (it becomes a sales order, which wins its potential), then
the host invoices what is left to invoice of every line, with the
invoice's own defaults (journal, payment term, terms and conditions) and
its own number when posted.  A sale with nothing left to invoice is
refused with a message rather than silently skipped.
"""
from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.modules.sale.exceptions import SaleValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access

from crm_core.ownership import OwnedMixin

from .sale import QUOTE_STATES

#: The states of a sale from which an invoice is created
INVOICEABLE_STATES = QUOTE_STATES + ['confirmed', 'processing', 'done']


class Invoice(OwnedMixin, metaclass=PoolMeta):
    __name__ = 'account.invoice'

    crm_sale = fields.Many2One(
        'sale.sale', "Sale", readonly=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The quote or sales order the invoice was made from: "
        "CRM users see the invoice when they see the sale.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # (the owner is the CRM's, not the accounts': posted invoices
        # follow their sale to a new owner too)
        cls._check_modify_exclude |= {'assigned_user', 'assigned_team'}
        # The owner of an invoice of a sale is the sale's: changed there
        for name in ['assigned_user', 'assigned_team']:
            field = getattr(cls, name)
            field.states = {
                **field.states,
                'readonly': (field.states.get('readonly', False)
                    | Bool(Eval('crm_sale'))),
                }
        t = cls.__table__()
        cls._sql_indexes.add(
            # (a sale's invoices, the scope of CRM sharing)
            Index(t, (t.crm_sale, Index.Range())))

    @classmethod
    def crm_records(cls, records):
        "The invoices of sales are the CRM's."
        return [r for r in records if r.crm_sale]

    @classmethod
    def crm_import_concerns(cls, fields_names):
        return 'crm_sale' in fields_names

    @classmethod
    def crm_sharing_scope(cls):
        # The invoices without sale are the host users' (accountants,
        # suppliers' invoices); CRM users see those they own
        return If(Bool(Eval('crm_host_user', False)),
            [('crm_sale', '=', None)], [('id', '=', None)])

    def _credit(self, **values):
        # A credit note follows the sale of the invoice it credits
        credit = super()._credit(**values)
        credit.crm_sale = self.crm_sale
        return credit


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'crm_create_invoice': {
                    'invisible': ~Eval('state').in_(INVOICEABLE_STATES),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    def create_invoice(self):
        invoice = super().create_invoice()
        # (the host's sales of other parties keep the host's invoices)
        if invoice and self.party and self.party.crm_type:
            invoice.lines = self.crm_lines_with_sections(list(invoice.lines))
        return invoice

    def crm_lines_with_sections(self, invoice_lines):
        """Return invoice_lines with the sale's titles, comments and
        subtotals where they stand on the sale (the host invoices lines
        only): a title or comment comes before the next line invoiced, a
        subtotal after a line invoiced since the last title."""
        InvoiceLine = Pool().get('account.invoice.line')
        of_line = {}
        others = []
        for invoice_line in invoice_lines:
            origin = getattr(invoice_line, 'origin', None)
            if origin in self.lines:
                of_line.setdefault(origin, []).append(invoice_line)
            else:
                others.append(invoice_line)
        result, pending, invoiced = [], [], False
        for line in self.lines:
            if line.type == 'line':
                if line in of_line:
                    result.extend(pending)
                    pending = []
                    result.extend(of_line[line])
                    invoiced = True
                continue
            section = InvoiceLine(type=line.type,
                description=line.description, origin=line,
                invoice_type='out', company=self.company,
                currency=self.currency)
            if line.type == 'subtotal':
                if invoiced:
                    result.extend(pending)
                    pending = []
                    result.append(section)
            else:
                if line.type == 'title':
                    invoiced = False
                    # (a title without invoiced line is dropped)
                    pending = [l for l in pending if l.type != 'title']
                pending.append(section)
        return others + result

    def _get_invoice(self):
        invoice = super()._get_invoice()
        invoice.crm_sale = self
        invoice.assigned_user = self.assigned_user
        invoice.assigned_team = self.assigned_team
        return invoice

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if mode == 'write' and (field_names or set()) & {
                'assigned_user', 'assigned_team'}:
            cls.crm_reassign_invoices(sales)

    @classmethod
    def crm_reassign_invoices(cls, sales):
        "Give the invoices of the sales to the sales' owners."
        Invoice = Pool().get('account.invoice')
        with without_check_access():
            invoices = Invoice.search([('crm_sale', 'in', [s.id for s in sales])])
            for sale in cls.browse(sales):
                mine = [i for i in invoices if i.crm_sale == sale
                    and (i.assigned_user, i.assigned_team)
                    != (sale.assigned_user, sale.assigned_team)]
                if mine:
                    Invoice.write(mine, {
                            'assigned_user': sale.assigned_user,
                            'assigned_team': sale.assigned_team,
                            })

    @classmethod
    @ModelView.button_action('crm_sales.act_invoice_of_sale')
    def crm_create_invoice(cls, sales):
        """Invoice what is left to invoice of the sales, confirming the
        quotes first; open the invoices created."""
        sales = [s for s in sales if s.state in INVOICEABLE_STATES]
        drafts = [s for s in sales if s.state == 'draft']
        if drafts:
            cls.quote(drafts)
        quotes = [s for s in sales if s.state == 'quotation']
        if quotes:
            cls.confirm(quotes)
        with Transaction().set_context(_sale_manual_invoice=True):
            for sale in sales:
                if not sale.create_invoice():
                    raise SaleValidationError(gettext(
                            'crm_sales.msg_sale_nothing_to_invoice',
                            sale=sale.rec_name))
            before = {i.id for s in sales for i in s.invoices}
            cls.process(sales)
        created = [i.id for s in cls.browse(sales) for i in s.invoices
            if i.id not in before]
        return {
            'res_id': created,
            }
