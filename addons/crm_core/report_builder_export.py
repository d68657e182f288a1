# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The exports of a saved report: CSV, Excel (XLSX) and PDF.

*Export* (:class:`ExportReport`, the report's button and form action) runs
the report as the user (:func:`report_builder_run.compute`: only what the
user may read) and gives a file to download: the headings, every row (at
most :data:`MAX_EXPORT_ROWS`, :data:`MAX_PDF_ROWS` for a PDF, with a line
saying so when there are more) and, for a summary report, its group, the
subtotal of each group after its rows and the total.

CSV is UTF-8 with a byte order mark, comma separated, its numbers and
dates raw (``1234.50``, ``2026-05-13``); XLSX has typed cells and bold
headings and subtotals; the PDF (``crm.report.print``, an
``ir.action.report`` on ``report_export.fodt``) is the host's rendering by
relatorio converted by LibreOffice, its values formatted in the user's
language.  A text of a CSV or XLSX cell that a spreadsheet would take for
a formula is neutralised (:func:`neutralise`).
"""
import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.report import Report as BaseReport
from trytond.tools import slugify
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .report_builder import shown_columns
from .report_builder_run import compute, subtotal_value, text

#: The most rows an export holds (and a PDF, whose conversion is slower)
MAX_EXPORT_ROWS = 100_000
MAX_PDF_ROWS = 5_000
#: The starts of a text that spreadsheets read as a formula
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
FORMATS = {'csv', 'xlsx', 'pdf'}


class ReportExportError(UserError):
    pass


def neutralise(value):
    """Return value, a text starting as a formula prefixed with a quote
    (numbers, negative ones too, and dates stay as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_table(report, user_id, limit=MAX_EXPORT_ROWS):
    """Return (headings, lines, note) of report run by user_id: lines are
    (kind, raw values), the rows and, for a summary report, each group's
    rows (the group first) then its subtotal, and the total (the count
    last); note tells the rows left out beyond limit."""
    data = compute(report, user_id, limit=limit)
    note = None
    if data.count > len(data.rows):
        note = gettext('crm_core.msg_report_export_capped',
            rows=len(data.rows), count=data.count)
    if data.groups is None:
        return data.headings, [('row', r) for r in data.rows], note
    columns = shown_columns(report, user_id)

    def subtotal(group, kind, label):
        return (kind, [label] + [
                subtotal_value(c, group.subtotals.get(i))
                for i, c in enumerate(columns)] + [group.count])
    headings = [report.group_by.string] + data.headings + [
        gettext('crm_core.msg_report_records')]
    rows_of = {}
    for row, key in zip(data.rows, data.row_groups):
        rows_of.setdefault(key, []).append(row)
    lines = []
    for group in data.groups:
        lines.extend(('row', [group.label] + row + [None])
            for row in rows_of.get(group.key, []))
        lines.append(subtotal(group, 'subtotal', gettext(
                    'crm_core.msg_report_export_subtotal',
                    group=group.label)))
    lines.append(subtotal(data.total, 'total', data.total.label))
    return headings, lines, note


def csv_value(value):
    value = neutralise(value)
    if value is None:
        return ''
    if isinstance(value, dt.datetime):
        return value.isoformat(' ', 'seconds')
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_content(headings, lines, note):
    "Return the CSV file: UTF-8 with a byte order mark, comma separated."
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_value(h) for h in headings])
    writer.writerows([csv_value(v) for v in values] for _, values in lines)
    if note:
        writer.writerow([csv_value(note)])
    return out.getvalue().encode('utf-8-sig')


def xlsx_content(title, headings, lines, note):
    """Return the XLSX file: a sheet of typed cells, the headings and
    subtotals bold, every text a text cell (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(''.join(
            c for c in title if c not in '[]:*?/\\')[:31].strip("'")
        or 'Report')
    bold = Font(bold=True)

    def cells(values, font=None):
        row = []
        for value in values:
            value = neutralise(value)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub('', value)[:32767]
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = 's'
            if font:
                cell.font = font
            row.append(cell)
        return row
    sheet.append(cells(headings, bold))
    for kind, values in lines:
        sheet.append(cells(values, bold if kind != 'row' else None))
    if note:
        sheet.append(cells([note]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_content(report):
    "Return (extension, content) of the printed report (PDF)."
    Print = Pool().get('crm.report.print', type='report')
    extension, content, _, _ = Print.execute([report.id], {})
    return extension, bytes(content)


def export_file(report, format):
    "Return the values of the result of report exported as format."
    user_id = Transaction().user
    name = slugify(report.rec_name) or 'report'
    if format == 'pdf':
        extension, content = pdf_content(report)
        return {'file': content, 'filename': '%s.%s' % (name, extension)}
    headings, lines, note = export_table(report, user_id)
    if format == 'csv':
        content = csv_content(headings, lines, note)
    else:
        content = xlsx_content(report.rec_name, headings, lines, note)
    return {'file': content, 'filename': '%s.%s' % (name, format),
        'note': note}


class Report(metaclass=PoolMeta):
    __name__ = 'crm.report'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'export': {'icon': 'tryton-save', 'depends': ['id']},
                })

    @classmethod
    @ModelView.button_action('crm_core.wizard_report_export')
    def export(cls, reports):
        pass


class ExportStart(ModelView):
    "Choose the format of a report's export"
    __name__ = 'crm.report.export.start'
    __string__ = "Export Report"
    format = fields.Selection([
            (None, ""),
            ('csv', "CSV"),
            ('xlsx', "Excel (XLSX)"),
            ('pdf', "PDF"),
            ], "Format", required=True, sort=False)

    @staticmethod
    def default_format():
        return 'xlsx'


class ExportResult(ModelView):
    "The file of a report's export"
    __name__ = 'crm.report.export.result'
    __string__ = "Exported Report"
    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)
    note = fields.Char("Note", readonly=True)


class ExportReport(Wizard):
    "Export a saved report as CSV, Excel or PDF"
    __name__ = 'crm.report.export'
    start = StateView('crm.report.export.start',
        'crm_core.report_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    result = StateView('crm.report.export.result',
        'crm_core.report_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_export(self):
        if self.model is None or self.model.__name__ != 'crm.report' or (
                self.record is None):
            raise ReportExportError(gettext(
                    'crm_core.msg_report_export_no_report'))
        if self.start.format not in FORMATS:
            raise ReportExportError(gettext(
                    'crm_core.msg_report_export_format',
                    report=self.record.rec_name))
        self._file = export_file(self.record, self.start.format)
        return 'result'

    def default_result(self, fields):
        return getattr(self, '_file', {})


class ReportPrint(BaseReport):
    "A saved report printed: its name, run date, rows and subtotals"
    __name__ = 'crm.report.print'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Lang = pool.get('ir.lang')
        SavedReport = pool.get('crm.report')
        context = super().get_context(records, header, data)
        lang = Lang.get()
        date = cls.format_datetime(dt.datetime.now(), lang,
            lang.date + ' %H:%M', Transaction().context.get('timezone'))
        user_id = Transaction().user
        documents = []
        for record in records:
            report = SavedReport(record.id)
            headings, lines, note = export_table(
                report, user_id, limit=MAX_PDF_ROWS)
            documents.append(SimpleNamespace(
                    name=report.rec_name, date=date, note=note,
                    headings=headings, lines=[
                        SimpleNamespace(bold=kind != 'row', cells=[
                                SimpleNamespace(text=text(v),
                                    right=isinstance(
                                        v, (int, float, Decimal)))
                                for v in values])
                        for kind, values in lines]))
        context['documents'] = documents
        return context
