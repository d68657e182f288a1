# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Quotes, sales orders and invoices sent by e-mail.

The host sends them: the e-mail button of a form (``ir.email.send``) with
a template (``ir.email.template``) renders the subject and body, attaches
the document's report (its PDF) and the files chosen, sends it through the
configured SMTP server and keeps the e-mail on the document
(``ir.email`` whose resource is the document).  The CRM ships the
templates of quotes, sales orders and invoices (``document_email.xml``:
the contact's first name, the account, the number, the total and the
owner), gives them the contact the document is for (``crm_email_contact``:
the sale's contact, else its potential's contact, else the account) and
lists the e-mails of an account's documents on the account's form.
"""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import check_access

from crm_core.guard import is_readable


class EmailContactMixin:
    "The person a document is mailed to."
    __slots__ = ()
    crm_email_contact = fields.Function(fields.Many2One(
            'party.party', "E-mail To",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="Who the document's e-mails are for."),
        'get_crm_email_contact')

    def get_crm_email_contact(self, name):
        contact = self.crm_contact_person()
        return contact.id if contact else None

    @staticmethod
    def crm_readable(record):
        """Tell if the user may read record, a document's link followed for
        its contact (a link to a hidden record is not followed: the
        template would mail its contact)"""
        return bool(record) and is_readable(record.__class__, record.id)

    def crm_contact_person(self):
        "Return the contact person of the document, or its account."
        contact = getattr(self, 'contact', None)
        if contact and contact.party:
            return contact.party
        return self.party


class Sale(EmailContactMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    def crm_contact_person(self):
        potential = self.crm_potential
        if (not self.contact and self.crm_readable(potential)
                and potential.crm_contact):
            return potential.crm_contact
        return super().crm_contact_person()


class Invoice(EmailContactMixin, metaclass=PoolMeta):
    __name__ = 'account.invoice'

    def crm_contact_person(self):
        if self.crm_readable(self.crm_sale):
            return self.crm_sale.crm_contact_person()
        return super().crm_contact_person()


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    crm_invoices = fields.One2Many(
        'account.invoice', 'party', "Invoices", readonly=True,
        help="The invoices of the account.")
    crm_document_emails = fields.Function(fields.Many2Many(
            'ir.email', None, None, "E-mails of Documents",
            help="The e-mails sent with the account's quotes, sales orders "
            "and invoices."),
        'get_crm_document_emails')

    @classmethod
    def get_crm_document_emails(cls, parties, name):
        pool = Pool()
        Email = pool.get('ir.email')
        Sale = pool.get('sale.sale')
        Invoice = pool.get('account.invoice')
        # The user's rules choose the documents, and so the e-mails (a
        # getter runs without access checks: the attack suite found it
        # reading hidden sales)
        documents = {}
        emails = {p.id: [] for p in parties}
        with check_access():
            for Model in [Sale, Invoice]:
                for record in Model.search(
                        [('party', 'in', [p.id for p in parties])]):
                    documents[str(record)] = record.party.id
            if documents:
                for email in Email.search(
                        [('resource', 'in', list(documents))],
                        order=[('create_date', 'DESC'), ('id', 'DESC')]):
                    emails[documents[str(email.resource)]].append(email.id)
        return emails
