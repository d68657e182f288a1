# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Running a saved report: its rows, subtotals and chart, as the user.

:func:`compute` runs a report for a user: the records of its domain the
user may read (searched with the user's rules), the columns the user may
read (a column of a field or of a linked record the user may not read is
left out; the value of a linked record the user may not read is left
empty), and, for a summary report, the count and subtotals of each group
computed by the database over the same records (``GROUP BY`` on the ids
of the user's search, so that a million records are not read).  The
exports and the scheduled e-mails take this data as it is.

*Run* (:class:`RunReport`) keeps the data as a result of the user
(``crm.report.result``: its lines, its chart points; the user reads its
own only) and opens them: a list whose headings are the report's columns
(``fields_view_get`` of the lines with the result in the context) and,
when the report has a chart, the chart of the subtotals.
"""
import datetime as dt
from collections import namedtuple
from decimal import Decimal

from sql import Column, Literal
from sql.aggregate import Count, Max, Min, Sum
from sql.functions import DateTrunc

from lxml import etree

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction, check_access
from trytond.wizard import StateAction, Wizard

from .report_builder import (
    DATE_TYPES, MAX_COLUMNS, ReportValidationError, report_domain,
    shown_columns)
from .rule_user import USER_RULE_MODELS

USER_RULE_MODELS.update({
        'crm.report.result', 'crm.report.result.line',
        'crm.report.result.point'})
#: The results a user keeps per report (older runs are deleted)
KEPT_RESULTS = 5

#: What a report gives: the columns' headings and types, the listed rows
#: (raw values), the groups (key label, count, {column index: subtotal}),
#: the total and the number of records matched
ReportData = namedtuple('ReportData', [
        'headings', 'types', 'rows', 'row_groups', 'groups', 'total',
        'count', 'chart_index'])
Group = namedtuple('Group', ['key', 'label', 'count', 'subtotals'])


def period_key(value, period):
    "Return the start of the period holding value (a date or datetime)."
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if period == 'month':
        return value.replace(day=1)
    if period == 'quarter':
        return value.replace(month=(value.month - 1) // 3 * 3 + 1, day=1)
    if period == 'year':
        return value.replace(month=1, day=1)
    return value


def period_label(key, period):
    if period == 'month':
        return key.strftime('%Y-%m')
    if period == 'quarter':
        return 'Q%s %s' % ((key.month - 1) // 3 + 1, key.year)
    if period == 'year':
        return str(key.year)
    return key.isoformat()


def compute(report, user_id, limit=None):
    """Return the ReportData of report run by user_id: only what the user
    may read; limit the listed rows (the report's limit by default,
    None for an export: every row)."""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    Model = pool.get(report.model_name)
    transaction = Transaction()
    with transaction.set_user(user_id), check_access():
        ModelAccess.check(Model.__name__, 'read')
        columns = shown_columns(report, user_id)
        group_field = report.group_by.name if report.group_by else None
        if group_field and group_field not in Model._fields:
            group_field = None
        if group_field:
            report.check_fields_readable(
                user_id, report.model_name, [group_field])
        domain = report_domain(report)
        order = [(c.field.name, c.order) for c in columns if c.order]
        if group_field:
            order.insert(0, (group_field, 'ASC'))
        records = Model.search(domain, order=order or None, limit=limit)
        names = sorted({c.field.name for c in columns} | (
                {group_field} if group_field else set()))
        values = {v['id']: v for v in Model.read(
                [r.id for r in records], names)} if records else {}
        linked = linked_values(Model, columns, values.values())
        rows, row_keys = [], []
        for record in records:
            value = values[record.id]
            rows.append([
                    cell(Model, column, value, linked) for column in columns])
            if group_field:
                row_keys.append(group_value(
                        Model, group_field, value[group_field],
                        report.group_period))
        groups = total = chart_index = None
        if group_field:
            groups = group_totals(report, Model, domain, columns)
            total = Group(None, gettext('crm_core.msg_report_total'),
                sum(g.count for g in groups),
                combine([g.subtotals for g in groups], columns))
            count = total.count
            if report.chart_measure and report.chart_measure in columns:
                chart_index = columns.index(report.chart_measure)
        else:
            count = Model.search_count(domain) if (
                limit is not None and len(records) >= limit) else len(records)
    return ReportData(
        headings=[c.heading for c in columns],
        types=[c.value_field.ttype for c in columns],
        rows=rows, row_groups=row_keys, groups=groups, total=total,
        count=count, chart_index=chart_index)


def linked_values(Model, columns, values):
    """Return {(relation, id): {field: value}} of the linked records the
    columns show: their names and the related fields, read as the user
    (a linked record the user may not read is missing)."""
    pool = Pool()
    wanted = {}
    for column in columns:
        if column.field.ttype != 'many2one':
            continue
        relation = column.field.relation
        names = wanted.setdefault(relation, {'ids': set(), 'names': set()})
        names['ids'].update(
            v[column.field.name] for v in values if v[column.field.name])
        names['names'].add(column.related.name if column.related
            else 'rec_name')
    linked = {}
    for relation, wanted_ in wanted.items():
        Target = pool.get(relation)
        readable = Target.search([('id', 'in', list(wanted_['ids']))])
        for value in Target.read(
                [r.id for r in readable], sorted(wanted_['names'])):
            linked[(relation, value['id'])] = value
    return linked


def cell(Model, column, value, linked):
    "Return the raw value of column for the read value of a record."
    field_value = value[column.field.name]
    if column.field.ttype == 'many2one':
        target = linked.get((column.field.relation, field_value))
        if target is None:
            return None
        if column.related:
            Target = Pool().get(column.field.relation)
            return display_value(
                Target, column.related, target[column.related.name])
        return target['rec_name']
    return display_value(Model, column.field, field_value)


def display_value(Model, field, value):
    """Return value as a report shows it: the label of a choice, the name
    of a linked record (read as the user), numbers and dates as they are."""
    pool = Pool()
    if value is None:
        return None
    if field.ttype == 'selection':
        return selection_labels(Model, field.name).get(value, value)
    if field.ttype == 'many2one':
        Target = pool.get(field.relation)
        readable = Target.search([('id', '=', value)])
        return readable[0].rec_name if readable else None
    if field.ttype == 'reference':
        return None if not value else str(value)
    if field.ttype == 'boolean':
        return gettext('crm_core.msg_report_yes' if value
            else 'crm_core.msg_report_no')
    return value


def selection_labels(Model, name):
    "Return {value: label} of the selection field name in the language."
    return dict(Model.fields_get([name])[name].get('selection') or [])


def group_value(Model, name, value, period):
    ttype = Model._fields[name]._type
    if ttype in DATE_TYPES:
        return period_key(value, period)
    return value


def aggregate_columns(columns):
    return [(i, c) for i, c in enumerate(columns) if c.aggregate]


def group_totals(report, Model, domain, columns):
    """Return the groups of the report's records the user may read: count
    and subtotals per value of its grouping, computed by the database."""
    cursor = Transaction().connection.cursor()
    table = Model.__table__()
    name = report.group_by.name
    ttype = Model._fields[name]._type
    key = Column(table, name)
    if ttype in DATE_TYPES:
        key = DateTrunc(
            'month' if report.group_period in {'month', 'quarter'}
            else report.group_period or 'day', key)
    selected = [key, Count(Literal('*'))]
    for _, column in aggregate_columns(columns):
        value = Column(table, column.field.name)
        selected += {
            'sum': [Sum(value)],
            'average': [Sum(value), Count(value)],
            'minimum': [Min(value)],
            'maximum': [Max(value)],
            }[column.aggregate]
    query = Model.search(domain, order=[], query=True)
    cursor.execute(*table.select(*selected,
            where=table.id.in_(query), group_by=[key]))
    buckets = {}
    for row in cursor:
        group_key = row[0]
        if ttype in DATE_TYPES:
            group_key = period_key(group_key, report.group_period)
        count, rest = row[1], list(row[2:])
        subtotals = {}
        for index, column in aggregate_columns(columns):
            if column.aggregate == 'average':
                subtotals[index] = (rest.pop(0), rest.pop(0))
            else:
                subtotals[index] = rest.pop(0)
        bucket = buckets.setdefault(group_key, [0, []])
        bucket[0] += count
        bucket[1].append(subtotals)
    labels = group_labels(Model, name, ttype, buckets, report.group_period)
    groups = [Group(k, labels[k], count, combine(parts, columns))
        for k, (count, parts) in buckets.items()]
    groups.sort(key=lambda g: (g.key is None, str(g.label).lower()
            if ttype in {'many2one', 'selection', 'char', 'boolean'}
            else g.key))
    return groups


def combine(parts, columns):
    "Return the subtotals of several parts of a group (or of the groups)."
    combined = {}
    for index, column in aggregate_columns(columns):
        values = [p[index] for p in parts if p.get(index) is not None]
        if column.aggregate == 'average':
            values = [v for v in values if v[1]]
            total = sum(Decimal(str(v[0])) for v in values)
            count = sum(v[1] for v in values)
            combined[index] = (total, count) if count else None
            continue
        values = [v for v in values if v is not None]
        if not values:
            combined[index] = None
        elif column.aggregate == 'sum':
            combined[index] = sum(values)
        elif column.aggregate == 'minimum':
            combined[index] = min(values)
        else:
            combined[index] = max(values)
    return combined


def subtotal_value(column, value):
    "Return the shown value of a subtotal (an average from sum and count)."
    if column.aggregate == 'average' and value is not None:
        total, count = value
        return (Decimal(str(total)) / count).quantize(Decimal('0.01'))
    return value


def group_labels(Model, name, ttype, buckets, period):
    "Return {group key: label} in the user's language, as the user sees it."
    pool = Pool()
    empty = gettext('crm_core.msg_report_empty_group')
    labels = {None: empty}
    keys = [k for k in buckets if k is not None]
    if ttype == 'many2one':
        Target = pool.get(Model._fields[name].model_name)
        readable = {r.id: r.rec_name
            for r in Target.search([('id', 'in', keys)])}
        restricted = gettext('crm_core.msg_report_restricted_group')
        labels.update({k: readable.get(k, restricted) for k in keys})
    elif ttype == 'selection':
        names = selection_labels(Model, name)
        labels.update({k: names.get(k, k) for k in keys})
    elif ttype in DATE_TYPES:
        labels.update({k: period_label(k, period) for k in keys})
    elif ttype == 'boolean':
        labels.update({k: gettext('crm_core.msg_report_yes' if k
                    else 'crm_core.msg_report_no') for k in keys})
    else:
        labels.update({k: str(k) for k in keys})
    return labels


def text(value):
    "Return value as the list of a result shows it."
    if value is None:
        return ''
    Lang = Pool().get('ir.lang')
    lang = Lang.get()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        digits = 0 if isinstance(value, int) else 2
        return lang.format_number(value, digits)
    if isinstance(value, dt.datetime):
        return lang.strftime(value, lang.date + ' %H:%M')
    if isinstance(value, dt.date):
        return lang.strftime(value)
    return str(value)


def result_lines(data, columns):
    """Return the lines of a result: the rows, each group's after its
    rows followed by its subtotal, and the total."""
    def row_line(row, group=''):
        line = {'kind': 'row', 'group': group}
        line.update({'c%s' % i: text(v) for i, v in enumerate(row)})
        return line

    def subtotal_line(group, kind):
        line = {'kind': kind, 'group': str(group.label),
            'count': group.count}
        for index, value in group.subtotals.items():
            line['c%s' % index] = text(
                subtotal_value(columns[index], value))
        return line
    if data.groups is None:
        return [row_line(r) for r in data.rows]
    lines = []
    rows_of = {}
    for row, key in zip(data.rows, data.row_groups):
        rows_of.setdefault(key, []).append(row)
    for group in data.groups:
        for row in rows_of.get(group.key, []):
            lines.append(row_line(row, str(group.label)))
        lines.append(subtotal_line(group, 'subtotal'))
    lines.append(subtotal_line(data.total, 'total'))
    return lines


def chart_points(data, columns):
    "Return the points of the chart: a value per group."
    points = []
    for group in data.groups or []:
        if data.chart_index is None:
            value = group.count
        else:
            value = subtotal_value(columns[data.chart_index],
                group.subtotals.get(data.chart_index))
        points.append({'label': str(group.label),
                'value': Decimal(str(value or 0))})
    return points


class Result(ModelSQL, ModelView):
    "The result of a run of a saved report, kept for the user who ran it"
    __name__ = 'crm.report.result'
    __string__ = "Report Result"
    report = fields.Many2One(
        'crm.report', "Report", required=True, ondelete='CASCADE',
        readonly=True)
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE',
        readonly=True)
    headings = fields.Text("Headings", readonly=True)
    count = fields.Integer("Records", readonly=True)
    lines = fields.One2Many(
        'crm.report.result.line', 'result', "Lines", readonly=True)
    points = fields.One2Many(
        'crm.report.result.point', 'result', "Chart", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('id', 'DESC'))

    @classmethod
    def run(cls, report):
        """Run report as the transaction's user and keep its result (the
        user's older results of the report beyond KEPT_RESULTS go)."""
        user_id = Transaction().user
        data = compute(report, user_id, limit=report.limit)
        columns = shown_columns(report, user_id)
        result, = cls.create([{
                    'report': report.id,
                    'user': user_id,
                    'headings': '\n'.join(data.headings),
                    'count': data.count,
                    'lines': [('create', [
                                dict(line, sequence=i) for i, line in
                                enumerate(result_lines(data, columns))])],
                    'points': [('create', [
                                dict(point, sequence=i) for i, point in
                                enumerate(chart_points(data, columns))])],
                    }])
        old = cls.search([
                ('report', '=', report.id),
                ('user', '=', user_id),
                ], order=[('id', 'DESC')], offset=KEPT_RESULTS)
        if old:
            cls.delete(old)
        return result


class ResultLine(ModelSQL, ModelView):
    "A line of a report's result: a row, a group's subtotal or the total"
    __name__ = 'crm.report.result.line'
    __access__ = {'result'}
    __string__ = "Report Result Line"
    result = fields.Many2One(
        'crm.report.result', "Result", required=True, ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    kind = fields.Selection([
            ('row', "Row"),
            ('subtotal', "Subtotal"),
            ('total', "Total"),
            ], "Kind")
    group = fields.Char("Group")
    count = fields.Integer("Records")
    locals().update({
            'c%s' % i: fields.Char("Column %s" % (i + 1))
            for i in range(MAX_COLUMNS)})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('result', 'DESC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def fields_view_get(cls, view_id=None, view_type='form', level=None):
        """The list of the result of the context (``crm_report_result``)
        headed by its report's columns."""
        view = super().fields_view_get(view_id, view_type, level)
        headings = result_headings()
        if view_type != 'tree' or headings is None:
            return view
        tree = etree.fromstring(view['arch'])
        for element in tree.iter('field'):
            name = element.get('name')
            if name.startswith('c') and name[1:].isdigit():
                index = int(name[1:])
                if index < len(headings):
                    element.set('string', headings[index])
                else:
                    element.getparent().remove(element)
        return dict(view, arch=etree.tostring(tree, encoding='unicode'))


def result_headings():
    "Return the headings of the result of the context the user may read."
    Result = Pool().get('crm.report.result')
    result_id = Transaction().context.get('crm_report_result')
    if not isinstance(result_id, int):
        return None
    with check_access():
        results = Result.search([('id', '=', result_id)])
    if not results:
        return None
    return (results[0].headings or '').split('\n')


class ResultPoint(ModelSQL, ModelView):
    "A point of a report's chart: a group and its value"
    __name__ = 'crm.report.result.point'
    __access__ = {'result'}
    __string__ = "Report Chart Point"
    result = fields.Many2One(
        'crm.report.result', "Result", required=True, ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    label = fields.Char("Group")
    value = fields.Numeric("Value")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('result', 'DESC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def fields_view_get(cls, view_id=None, view_type='form', level=None):
        "The chart of the context's result, of its report's chart type."
        view = super().fields_view_get(view_id, view_type, level)
        Result = Pool().get('crm.report.result')
        result_id = Transaction().context.get('crm_report_result')
        if view_type != 'graph' or not isinstance(result_id, int):
            return view
        with check_access():
            results = Result.search([('id', '=', result_id)])
        if not results:
            return view
        report = results[0].report
        graph = etree.fromstring(view['arch'])
        graph.set('type', report.chart or 'vbar')
        for element in graph.iter('field'):
            if element.get('name') == 'value':
                element.set('string', report.chart_measure.heading
                    if report.chart_measure
                    else gettext('crm_core.msg_report_records'))
        return dict(view, arch=etree.tostring(graph, encoding='unicode'))


class RunReport(Wizard):
    "Run a saved report: its list, and its chart when it has one"
    __name__ = 'crm.report.run'
    start_state = 'lines'
    lines = StateAction('crm_core.act_report_result_line')
    chart = StateAction('crm_core.act_report_result_point')

    def latest_result(self):
        Result = Pool().get('crm.report.result')
        results = Result.search([
                ('report', '=', self.record.id),
                ('user', '=', Transaction().user),
                ], order=[('id', 'DESC')], limit=1)
        return results[0] if results else None

    def result_action(self, action, result, name):
        action['name'] = name
        action['pyson_domain'] = PYSONEncoder().encode(
            [('result', '=', result.id)])
        action['pyson_context'] = PYSONEncoder().encode(
            {'crm_report_result': result.id})
        return action, {}

    def do_lines(self, action):
        Result = Pool().get('crm.report.result')
        result = Result.run(self.record)
        return self.result_action(action, result, '%s (%s)' % (
                self.record.rec_name, result.count))

    def transition_lines(self):
        return 'chart' if self.record.chart else 'end'

    def do_chart(self, action):
        result = self.latest_result()
        if result is None:
            raise ReportValidationError(gettext(
                    'crm_core.msg_report_not_run', report=self.record.rec_name))
        return self.result_action(action, result, gettext(
                'crm_core.msg_report_chart_name',
                report=self.record.rec_name))

