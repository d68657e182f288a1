# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Terms and conditions of quotes, sales orders and invoices.

Each company keeps its texts per document type, one of them the default
(vtiger's and Second CRM's "Terms and Conditions").  A document takes the
default of its type and company when it is created and keeps its own copy
of the text, which the user may choose from another entry or edit.  The
text is plain: nothing in it is evaluated.

A quote is a sale in draft or quotation and a sales order a confirmed
sale: a sale whose quote terms were left as they came gets the default of
sales orders when it is confirmed.  An invoice takes the default of
invoices, also when a sale generates it.
"""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

DOCUMENTS = [
    ('quote', "Quote"),
    ('sales_order', "Sales Order"),
    ('invoice', "Invoice"),
    ]


class Terms(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Terms and conditions printed on a type of document of a company."
    __name__ = 'crm.terms'
    __string__ = "Terms and Conditions"
    name = fields.Char("Name", required=True, translate=True)
    document = fields.Selection(DOCUMENTS, "Document", required=True)
    document_string = document.translated('document')
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    default = fields.Boolean(
        "Default",
        help="New documents of this type of the company take these terms.")
    text = fields.Text("Text", required=True, translate=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_default(cls):
        return False

    @classmethod
    def validate_fields(cls, terms, field_names):
        super().validate_fields(terms, field_names)
        if field_names & {'default', 'document', 'company', 'active'}:
            cls.check_one_default(terms)

    @classmethod
    def check_one_default(cls, terms):
        "Refuse a second active default of a document type and company."
        for record in terms:
            if not (record.default and record.active):
                continue
            others = cls.search([
                    ('id', '!=', record.id),
                    ('document', '=', record.document),
                    ('company', '=', record.company.id),
                    ('default', '=', True),
                    ], limit=1)
            if others:
                other, = others
                raise ValidationError(gettext(
                        'crm_sales.msg_terms_one_default',
                        terms=record.rec_name, other=other.rec_name,
                        document=record.document_string))

    @classmethod
    def find_default(cls, document, company):
        "Return the default terms of the document type of company, or None."
        if company is None or (isinstance(company, int) and company < 0):
            return None
        found = cls.search([
                ('document', '=', document),
                ('company', '=', int(company)),
                ('default', '=', True),
                ], limit=1)
        return found[0] if found else None


class TermsDocumentMixin:
    """Terms chosen from crm.terms, the text copied on the document.

    ``crm_terms_document()`` gives the type of document the record is
    (None when it takes no terms)."""
    __slots__ = ()
    crm_terms = fields.Many2One(
        'crm.terms', "Terms and Conditions", ondelete='SET NULL',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            })
    terms_text = fields.Text(
        "Terms and Conditions Text",
        states={
            'readonly': Eval('state') != 'draft',
            })

    def crm_terms_document(self):
        raise NotImplementedError

    @fields.depends('crm_terms')
    def on_change_crm_terms(self):
        if self.crm_terms:
            self.terms_text = self.crm_terms.text

    @fields.depends(methods=['crm_set_default_terms'])
    def on_change_company(self):
        super().on_change_company()
        self.crm_set_default_terms()

    @fields.depends(
        'company', 'crm_terms', 'terms_text',
        methods=['crm_terms_document'])
    def crm_set_default_terms(self, document=None, replace=False):
        """Take the default terms of the document type (the record's by
        default) and company when the record has none, or with replace
        when it has terms of another type whose text was not edited."""
        Terms = Pool().get('crm.terms')
        document = document or self.crm_terms_document()
        if document is None or not self.company:
            return
        if self.crm_terms:
            if not replace or self.crm_terms.document == document:
                return
            if (self.terms_text or '') != (self.crm_terms.text or ''):
                return
        elif self.terms_text:
            return
        terms = Terms.find_default(document, self.company)
        if terms:
            self.crm_terms = terms
            self.terms_text = terms.text

    @classmethod
    def crm_default_terms_values(cls, values, document):
        "Fill the terms of the values of a record created without them."
        Terms = Pool().get('crm.terms')
        # (before the defaults of the record are added)
        company = values.get('company', Transaction().context.get('company'))
        if (document is None or values.get('crm_terms')
                or values.get('terms_text') or not company):
            return values
        terms = Terms.find_default(document, company)
        if terms:
            values = values.copy()
            values['crm_terms'] = terms.id
            values['terms_text'] = terms.text
        return values


class Sale(TermsDocumentMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @fields.depends('state')
    def crm_terms_document(self):
        return ('quote' if self.state in {None, 'draft', 'quotation'}
            else 'sales_order')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values = cls.crm_default_terms_values(values, 'quote')
        return values

    @classmethod
    def confirm(cls, sales):
        # (before the transition: the quotes become sales orders)
        quotes = [s for s in sales if s.state == 'quotation']
        for sale in quotes:
            sale.crm_set_default_terms('sales_order', replace=True)
        cls.save(quotes)
        super().confirm(sales)

    def _get_invoice(self):
        invoice = super()._get_invoice()
        invoice.crm_terms = None
        invoice.terms_text = None
        invoice.crm_set_default_terms()
        return invoice


class Invoice(TermsDocumentMixin, metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in ['crm_terms', 'terms_text']:
            field = getattr(cls, name)
            field.states = field.states.copy()
            field.states['invisible'] = Eval('type') != 'out'

    @fields.depends('type')
    def crm_terms_document(self):
        return 'invoice' if self.type == 'out' else None

    @fields.depends(methods=['crm_set_default_terms'])
    def on_change_type(self):
        super().on_change_type()
        self.crm_set_default_terms()

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            type_ = values.get('type')
            values = cls.crm_default_terms_values(
                values, 'invoice' if type_ == 'out' else None)
        return values
