# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The printed quote, sales order and invoice: the host's reports in the
CRM's layout, their PDF by LibreOffice, the totals equal to the
document's."""
import datetime
import io
import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest
import zipfile
from decimal import Decimal

from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .quote_fixtures import QuoteFixtures

ROOT = pathlib.Path(__file__).resolve().parents[3]
#: Where a page of each rendered document is kept (PNG)
ARTEFACTS = pathlib.Path(os.environ.get(
        'CRM_SCREENSHOTS', ROOT / 'screenshots'))


def pdf_text(pdf):
    "The text of the PDF (poppler's pdftotext), its layout kept"
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory, 'document.pdf')
        path.write_bytes(pdf)
        return subprocess.run(['pdftotext', '-layout', str(path), '-'],
            check=True, capture_output=True, text=True).stdout


def keep_first_page(pdf, name):
    "Keep the first page of the PDF as ARTEFACTS/name.png (pdftoppm)"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory, 'document.pdf')
        path.write_bytes(pdf)
        subprocess.run(['pdftoppm', '-png', '-r', '70', '-f', '1', '-l', '1',
                '-singlefile', str(path), str(ARTEFACTS / name)], check=True)


class CrmDocumentReportTestCase(QuoteFixtures, unittest.TestCase):
    "Quote, sales order and invoice printed with sections and totals"

    def _print(self, report_name, record, extension):
        "Execute the host's report of record as a PDF or an ODT"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Report = pool.get(report_name, type='report')
        action, = ActionReport.search([('report_name', '=', report_name)])
        # ('' prints in the template's format)
        action.extension = '' if extension == action.template_extension \
            else extension
        action.save()
        ext, content, _, name = Report.execute([record.id], {})
        self.assertEqual(ext, extension)
        return bytes(content)

    def _document(self):
        "A quote with a section, three taxes, a discount and an adjustment"
        pool = Pool()
        Terms = pool.get('crm.terms')
        company, users, potential = self._world()
        with set_company(company):
            Terms.create([{'name': "Quote terms", 'document': document,
                        'default': True, 'company': company.id,
                        'text': text} for document, text in [
                        ('quote', "Prices hold for 30 days.\nDelivery "
                            "within two weeks."),
                        ('invoice', "Payment within 30 days."),
                        ]])
            company.footer = ("Initech Supplies Ltd · Registered in "
                "Springfield · DBS Bank Ltd 072-123456-7")
            company.save()
            self._company_details(company)
            sale = self._quote(company, potential, self._taxes(company),
                crm_discount_type='percentage',
                crm_discount_rate=Decimal('0.1'),
                crm_adjustment=Decimal('-0.40'),
                crm_carrier='ups',
                quotation_validity=datetime.timedelta(days=30))
        return company, users, sale

    def _company_details(self, company):
        "The company's address and tax identifier"
        pool = Pool()
        Party = pool.get('party.party')
        party = company.party
        Party.write([party], {
                'addresses': [('write', [a.id for a in party.addresses], {
                                'street': "80 Robinson Road",
                                'postal_code': "068898",
                                'city': "Singapore"})],
                'identifiers': [('create', [{
                                'type': 'sg_vat', 'code': '199901234D'}])],
                })

    @with_transaction()
    def test_quote_layout_in_odt(self):
        """Without LibreOffice the layout renders the quote's values: the
        section, the lines but not the charges, the totals"""
        company, users, sale = self._document()
        with set_company(company):
            with zipfile.ZipFile(io.BytesIO(
                        self._print('sale.sale', sale, 'odt'))) as odt:
                odt = ''.join(odt.read(name).decode('utf-8')
                    for name in ['content.xml', 'styles.xml'])
        for text in ["Quote", "Hardware", "Laser printer", "Installation",
                "80 Robinson Road", "199901234D", "DBS Bank Ltd 072-123456-7",
                "Prices hold for 30 days.", "Page ", "UPS",
                "Registered in Springfield", "Valid Till"]:
            self.assertIn(text, odt)
        self.assertNotIn("Quotation Expire", odt)
        self.assertNotIn("Global discount (10 %)", odt)
        self.assertNotIn("&lt;", odt)

    @unittest.skipUnless(shutil.which('soffice') and shutil.which('pdftotext'),
        "LibreOffice and poppler-utils are installed by scripts/test.sh")
    @with_transaction()
    def test_quote_order_and_invoice_pdf(self):
        """The quote, its sales order and its invoice print as PDFs whose
        totals are the documents' to the cent, with the terms and page
        numbers; a page of each is kept"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Report = pool.get('sale.sale', type='report')
        company, users, sale = self._document()
        lang = sale.party.lang

        def money(amount):
            return Report.format_currency(amount, lang, sale.currency)
        with set_company(company):
            pdf = self._print('sale.sale', sale, 'pdf')
            keep_first_page(pdf, 'document-quote')
            text = pdf_text(pdf)
            self.assertIn("Quote", text)
            self.assertIn("Page 1 of 1", text)
            self.assertIn("Prices hold for 30 days.", text)
            for amount in [sale.crm_subtotal, sale.crm_discount_total,
                    Decimal('-0.40'), sale.untaxed_amount, sale.total_amount]:
                self.assertIn(money(amount), text)
            self.assertEqual(text.count("Hardware"), 1)
            Sale.crm_create_invoice([sale])
            sale = Sale(sale.id)
            order_text = pdf_text(self._print('sale.sale', sale, 'pdf'))
            self.assertIn("Sales Order %s" % sale.number, order_text)
            invoice, = sale.invoices
            pdf = self._print('account.invoice', invoice, 'pdf')
            keep_first_page(pdf, 'document-invoice')
            text = pdf_text(pdf)
            self.assertIn("Pro Forma Invoice", text)
            self.assertEqual(text.count("Hardware"), 1)
            self.assertIn("Payment within 30 days.", text)
            self.assertIn(money(invoice.total_amount), text)
            self.assertEqual(invoice.total_amount, sale.total_amount)
