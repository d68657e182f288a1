# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The exports of a saved report: the CSV and XLSX hold the rows each user
may read, the subtotals and the total, formulas neutralised; the wizard
over JSON-RPC and its refusals; the printed report (PDF by LibreOffice).

The world is the report builder's (test_report_builder.py): private
accounts, rep1 owns three, rep2 two."""
import csv
import io
import shutil
import subprocess
import tempfile
import unittest
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..report_builder_export import csv_content, export_table, neutralise
from .test_report_builder import ReportBuilderTestMixin, _field
from .tools import acting_as, rpc_call

#: Texts a spreadsheet would take for formulas
FORMULAS = ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\t=1',
    '\r=1']


class ReportExportTestMixin:
    "Exports of saved reports: CSV, XLSX and PDF"

    def _export_world(self):
        "The report builder's world and rep1's report by industry"
        company, users, folder = ReportBuilderTestMixin._report_world(self)
        report = ReportBuilderTestMixin._by_industry(
            self, users['rep1'], company, folder)
        return company, users, folder, report

    def _export(self, user, company, report, format):
        """Export report as user through the wizard over JSON-RPC, as sao
        does: return the result view's values."""
        Export = Pool().get('crm.report.export', type='wizard')
        context = {'active_model': 'crm.report',
            'active_id': report.id, 'active_ids': [report.id]}
        session_id, start, _ = rpc_call(
            user, Export, 'create', company=company)
        view = rpc_call(user, Export, 'execute', session_id, {}, start,
            company=company, context=context)['view']
        self.assertIn('format', view['fields_view']['fields'])
        result = rpc_call(user, Export, 'execute', session_id,
            {start: {'format': format}}, 'export',
            company=company, context=context)
        self.assertEqual(result['view']['state'], 'result')
        return result['view']['defaults']

    def _csv(self, values):
        content = bytes(values['file'])
        self.assertTrue(content.startswith('\ufeff'.encode('utf-8')))
        self.assertTrue(values['filename'].endswith('.csv'))
        return list(csv.reader(io.StringIO(content.decode('utf-8-sig'))))

    def _xlsx(self, values):
        self.assertTrue(values['filename'].endswith('.xlsx'))
        workbook = load_workbook(io.BytesIO(bytes(values['file'])))
        return workbook.active

    @with_transaction()
    def test_report_export_rows_readable(self):
        """The CSV and XLSX of a summary report hold the rows, subtotals
        and total of what each user may read"""
        company, users, folder, report = self._export_world()
        report.shared_roles = [users['rep2'].crm_role.id]
        report.save()

        rows = self._csv(self._export(users['rep1'], company, report, 'csv'))
        self.assertEqual(rows[0],
            ["Industry", "Name", "Annual Revenue", "Records"])
        self.assertEqual(
            [(r[0], r[1], Decimal(r[2]), r[3]) for r in rows[1:]], [
                ("Banking", "Bank One", Decimal(100), ''),
                ("Banking", "Bank Two", Decimal(50), ''),
                ("Subtotal Banking", '', Decimal(150), '2'),
                ("Chemicals", "Chem One", Decimal(7), ''),
                ("Subtotal Chemicals", '', Decimal(7), '1'),
                ("Total", '', Decimal(157), '3'),
                ])
        # rep2 runs rep1's report (shared with its role): its own only
        rows = self._csv(self._export(users['rep2'], company, report, 'csv'))
        self.assertEqual([r[1] for r in rows[1:]],
            ["Bank Three", "Bank Four", '', ''])
        self.assertEqual(Decimal(rows[-1][2]), Decimal(3000))

        sheet = self._xlsx(self._export(users['rep2'], company, report,
                'xlsx'))
        lines = list(sheet.iter_rows())
        self.assertEqual([c.value for c in lines[0]],
            ["Industry", "Name", "Annual Revenue", "Records"])
        self.assertTrue(all(c.font.b for c in lines[0]))
        self.assertEqual([[c.value for c in line] for line in lines[1:]], [
                ["Banking", "Bank Three", 1000, None],
                ["Banking", "Bank Four", 2000, None],
                ["Subtotal Banking", None, 3000, 2],
                ["Total", None, 3000, 2],
                ])
        self.assertEqual(lines[1][2].data_type, 'n')
        self.assertTrue(lines[-1][0].font.b)
        self.assertFalse(lines[1][0].font.b)

        # beyond the cap: the first rows, all the subtotals and a note
        headings, lines, note = export_table(report, users['rep1'].id, 2)
        rows = list(csv.reader(io.StringIO(
                    csv_content(headings, lines, note).decode('utf-8-sig'))))
        self.assertEqual([r[0] for r in rows[1:]], ["Banking", "Banking",
                "Subtotal Banking", "Subtotal Chemicals", "Total",
                "Only the first 2 of the 3 records are exported."])

    @with_transaction()
    def test_report_export_neutralised(self):
        """Texts starting as formulas are prefixed with a quote in CSV and
        XLSX, a negative number stays a number"""
        pool = Pool()
        Party = pool.get('party.party')
        Report = pool.get('crm.report')
        company, users, folder, _ = self._export_world()
        rep1 = users['rep1']
        parties = Party.create([{
                    'name': "Formula %s" % i, 'description': text,
                    'crm_type': 'account', 'crm_company': company.id,
                    'assigned_user': rep1.id,
                    } for i, text in enumerate(FORMULAS)])
        # (a negative revenue is refused at save: one of old data)
        party = Party.__table__()
        Transaction().connection.cursor().execute(*party.update(
                [party.annual_revenue], [Decimal(-5)],
                where=party.id.in_([p.id for p in parties])))
        with acting_as(rep1, company):
            report, = Report.create([{
                        'name': "=Formulas", 'folder': folder.id,
                        'record_type': 'account',
                        'columns': [('create', [{
                                        'field': _field(
                                            'party.party', field),
                                        'order': order,
                                        'sequence': i,
                                        'label': label,
                                        } for i, (field, order, label) in
                                    enumerate([
                                            ('name', 'ASC', None),
                                            ('description', None, '@Note'),
                                            ('annual_revenue', None, None),
                                            ])])],
                        'conditions': [('create', [{
                                        'field': _field(
                                            'party.party', 'name'),
                                        'operator': 'ilike',
                                        'value': 'Formula',
                                        }])],
                        }])
        expected = ["'" + t for t in FORMULAS]

        rows = self._csv(self._export(rep1, company, report, 'csv'))
        self.assertEqual(rows[0], ["Name", "'@Note", "Annual Revenue"])
        self.assertEqual([r[1] for r in rows[1:]], expected)
        self.assertEqual({Decimal(r[2]) for r in rows[1:]}, {Decimal(-5)})

        values = self._export(rep1, company, report, 'xlsx')
        sheet = self._xlsx(values)
        lines = list(sheet.iter_rows())
        self.assertEqual([line[1].value for line in lines[1:]], expected)
        self.assertEqual(lines[0][1].value, "'@Note")
        self.assertEqual({line[2].value for line in lines[1:]}, {-5})
        self.assertEqual({line[2].data_type for line in lines[1:]}, {'n'})
        self.assertNotIn('f', {c.data_type for line in lines for c in line})
        with zipfile.ZipFile(io.BytesIO(bytes(values['file']))) as xlsx:
            sheet_xml = xlsx.read('xl/worksheets/sheet1.xml').decode()
        self.assertNotIn('<f>', sheet_xml)

        self.assertEqual(neutralise(-2), -2)
        self.assertEqual(neutralise(Decimal('-2.5')), Decimal('-2.5'))
        self.assertEqual(neutralise("-2"), "'-2")
        self.assertEqual(neutralise("Bank"), "Bank")
        self.assertIsNone(neutralise(None))

    @with_transaction()
    def test_report_export_refused(self):
        """The wizard refuses a report the user may not read and a missing
        format"""
        company, users, folder, report = self._export_world()
        with self.assertRaises(AccessError):
            self._export(users['rep2'], company, report, 'csv')
        with self.assertRaises(UserError):
            self._export(users['rep1'], company, report, None)

    def _print_action(self, extension):
        "Set the printed report's action to extension ('' the template's)"
        ActionReport = Pool().get('ir.action.report')
        action, = ActionReport.search(
            [('report_name', '=', 'crm.report.print')])
        action.extension = extension
        action.save()

    @with_transaction()
    def test_report_export_print_layout(self):
        """The printed report lays out the name, the headings, the rows the
        user may read, the subtotals and the total (its ODT)"""
        Print = Pool().get('crm.report.print', type='report')
        company, users, folder, report = self._export_world()
        self._print_action('')
        with acting_as(users['rep1'], company):
            ext, content, _, _ = Print.execute([report.id], {})
        self.assertEqual(ext, 'odt')
        with zipfile.ZipFile(io.BytesIO(bytes(content))) as odt:
            odt = odt.read('content.xml').decode('utf-8')
        for text in ["By Industry", "Run on", "Industry", "Annual Revenue",
                "Bank One", "Chem One", "Subtotal Banking", "150.00",
                "157.00", "Total"]:
            self.assertIn(text, odt)
        self.assertNotIn("Bank Three", odt)
        self.assertNotIn("&lt;", odt)

    @unittest.skipUnless(shutil.which('soffice') and shutil.which('pdftotext'),
        "LibreOffice and poppler-utils are installed by scripts/test.sh")
    @with_transaction()
    def test_report_export_pdf(self):
        "The PDF of the wizard lists the user's rows and the total"
        company, users, folder, report = self._export_world()
        self._print_action('pdf')
        values = self._export(users['rep1'], company, report, 'pdf')
        content = bytes(values['file'])
        self.assertTrue(content.startswith(b'%PDF'))
        self.assertTrue(values['filename'].endswith('.pdf'))
        with tempfile.NamedTemporaryFile(suffix='.pdf') as pdf:
            pdf.write(content)
            pdf.flush()
            text = subprocess.run(['pdftotext', '-layout', pdf.name, '-'],
                check=True, capture_output=True, text=True).stdout
        for name in ["By Industry", "Bank One", "Subtotal Banking", "157.00"]:
            self.assertIn(name, text)
        self.assertNotIn("Bank Three", text)
