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

from sql import Cast, Column, Literal
from sql.aggregate import Count, Max, Min, Sum
from sql.functions import CurrentTimestamp, DateTrunc

from lxml import etree

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.tools import grouped_slice
from trytond.pool import Pool
from trytond.pyson import Eval, If, PYSONEncoder
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import StateAction, Wizard

from .report_builder import (
    DATE_TYPES, MAX_COLUMNS, ReportValidationError, report_domain,
    shown_columns)
from .rule_user import USER_RULE_MODELS
from .summary import summaries_of

USER_RULE_MODELS.update({
        'crm.report.result', 'crm.report.result.line',
        'crm.report.result.point'})
#: The results a user keeps per report (older runs are deleted)
KEPT_RESULTS = 5
#: The groups a result lists at most, the largest (a grouping by account
#: made 100,000 groups at 1M contacts)
MAX_GROUPS = 500
#: The groups up to which the listed rows are searched group by group
#: (grouped_ids); past it, a group of a few rows would cost a search each
LISTED_GROUPS = 25

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


#: What a column reads, taken once from its ir.model.field records
Spec = namedtuple('Spec', [
        'name', 'ttype', 'relation', 'related', 'related_ttype',
        'related_relation'])


def column_spec(column):
    field, related = column.field, column.related
    return Spec(field.name, field.ttype, field.relation,
        related.name if related else None,
        related.ttype if related else None,
        related.relation if related else None)


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
        specs = [column_spec(c) for c in columns]
        group_field = report.group_by.name if report.group_by else None
        if group_field and group_field not in Model._fields:
            group_field = None
        if group_field:
            report.check_fields_readable(
                user_id, report.model_name, [group_field])
        domain = report_domain(report)
        order = [(c.field.name, c.order) for c in columns if c.order]
        groups = total = None
        if group_field:
            groups, total = group_totals(report, Model, domain, columns)
        if group_field and limit and len(groups) <= LISTED_GROUPS and (
                Model._fields[group_field]._type not in DATE_TYPES):
            ids = grouped_ids(Model, domain, group_field, groups, order,
                limit)
        else:
            if group_field:
                order.insert(0, (group_field, 'ASC'))
            ids = searched_ids(Model, domain, order, limit)
        names = sorted({s.name for s in specs} | (
                {group_field} if group_field else set()))
        values = {v['id']: v for v in Model.read(ids, names)} if ids else {}
        rows = Cells(Model, specs, values.values()).rows(
            [values[i] for i in ids])
        row_keys = [group_value(Model, group_field, values[i][group_field],
                report.group_period) for i in ids] if group_field else []
        chart_index = None
        if group_field:
            count = total.count
            chart_index = next(
                (i for i, c in enumerate(columns) if c.chart_measure), None)
        else:
            count = Model.search_count(domain) if (
                limit is not None and len(ids) >= limit) else len(ids)
    return ReportData(
        headings=[c.heading for c in columns],
        types=[s.related_ttype or s.ttype for s in specs],
        rows=rows, row_groups=row_keys, groups=groups, total=total,
        count=count, chart_index=chart_index)


def searched_ids(Model, domain, order, limit):
    "Return the ids of the first limit records of domain in order."
    # (the ids from the search's SQL: instantiating the records cost
    # 200 ms of 550 for 500 rows, bench_report_builder.py at 10k)
    cursor = Transaction().connection.cursor()
    cursor.execute(*Model.search(
            domain, order=order or None, limit=limit, query=True))
    return [i for i, in cursor]


def grouped_ids(Model, domain, name, groups, order, limit):
    """Return the ids of the first limit records of domain, group after
    group as the groups are shown, each in order.

    One search per group rather than one ordered by the grouping: the
    database then reads the first rows of a group from an index of the
    order (Leads by Status at a million leads: 480 ms of sorting every
    lead by status for its first 100 rows, bench_report_builder.py)."""
    # (as the search ordered by the grouping: the ties by id)
    order = order or [('id', 'ASC')]
    ids = []
    for group in groups:
        if len(ids) >= limit:
            break
        ids += searched_ids(Model, [domain, (name, '=', group.key)], order,
            limit - len(ids))
    return ids


class Cells:
    """The cells of the rows of a report, as the user sees them: choices
    by their label, links by the name of the record (empty when the user
    may not read it), the fields of linked records read as the user."""

    def __init__(self, Model, specs, values):
        self.Model = Model
        self.specs = specs
        self.labels = {}
        self.names = {}
        wanted = {}
        for spec in specs:
            if spec.ttype == 'many2one':
                entry = wanted.setdefault(spec.relation, [set(), set()])
                entry[0].update(v[spec.name] for v in values if v[spec.name])
                entry[1].add(spec.related or 'rec_name')
        #: {(relation, id): read values} of the readable linked records
        self.linked = {}
        for relation, (ids, names) in wanted.items():
            for value in self.read_readable(relation, ids, sorted(names)):
                self.linked[(relation, value['id'])] = value

    @staticmethod
    def read_readable(relation, ids, names):
        "Read names of the records ids of relation the user may read."
        Target = Pool().get(relation)
        readable = Target.search([('id', 'in', list(ids))], order=[])
        return Target.read([r.id for r in readable], names)

    def rows(self, values):
        rows = [[self.cell(spec, value) for spec in self.specs]
            for value in values]
        # the names of the records linked by the fields of linked records
        for relation, ids in self.names.items():
            if isinstance(ids, set):
                self.names[relation] = {v['id']: v['rec_name'] for v in
                    self.read_readable(relation, ids, ['rec_name'])}
        for row in rows:
            for index, cell in enumerate(row):
                if isinstance(cell, LinkedName):
                    row[index] = self.names[cell.relation].get(cell.id)
        return rows

    def cell(self, spec, value):
        "Return the value of spec shown for the read value of a record."
        field_value = value[spec.name]
        if spec.ttype != 'many2one':
            return self.shown(self.Model.__name__, spec.name, spec.ttype,
                None, field_value)
        target = self.linked.get((spec.relation, field_value))
        if target is None:
            return None
        if not spec.related:
            return target['rec_name']
        return self.shown(spec.relation, spec.related, spec.related_ttype,
            spec.related_relation, target[spec.related])

    def shown(self, model, name, ttype, relation, value):
        if value is None:
            return None
        if ttype == 'selection':
            if (model, name) not in self.labels:
                Model = Pool().get(model)
                self.labels[(model, name)] = dict(Model.fields_get(
                        [name])[name].get('selection') or [])
            return self.labels[(model, name)].get(value, value)
        if ttype == 'many2one':
            self.names.setdefault(relation, set()).add(value)
            return LinkedName(relation, value)
        if ttype == 'reference':
            return str(value) if value else None
        if ttype == 'boolean':
            return gettext('crm_core.msg_report_yes' if value
                else 'crm_core.msg_report_no')
        return value


#: A record linked by a field of a linked record, named once all are known
LinkedName = namedtuple('LinkedName', ['relation', 'id'])


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
    """Return the groups of the report's records the user may read (count
    and subtotals per value of its grouping, computed by the database)
    and their total."""
    cursor = Transaction().connection.cursor()
    name = report.group_by.name
    ttype = Model._fields[name]._type
    query = (summary_groups(report, Model, domain, columns)
        or record_groups(report, Model, domain, columns))
    cursor.execute(*query)
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
    total = Group(None, gettext('crm_core.msg_report_total'),
        sum(count for count, _ in buckets.values()),
        combine([p for _, parts in buckets.values() for p in parts],
            columns))
    if len(buckets) > MAX_GROUPS:
        # (the largest groups; the total still counts every record)
        kept = sorted(buckets, key=lambda k: buckets[k][0], reverse=True)
        buckets = {k: buckets[k] for k in kept[:MAX_GROUPS]}
    labels = group_labels(Model, name, ttype, buckets, report.group_period)
    groups = [Group(k, labels[k], count, combine(parts, columns))
        for k, (count, parts) in buckets.items()]
    groups.sort(key=lambda g: (g.key is None, str(g.label).lower()
            if ttype in {'many2one', 'selection', 'char', 'boolean'}
            else g.key))
    return groups, total


def group_key(report, Model, table):
    "Return the SQL key of the report's grouping on table."
    name = report.group_by.name
    key = Column(table, name)
    if Model._fields[name]._type in DATE_TYPES:
        if backend.name == 'postgresql':
            # (date_trunc of PostgreSQL takes no date: it could not choose
            # between its timestamp variants)
            key = Cast(key, 'TIMESTAMP')
        key = DateTrunc(
            'month' if report.group_period in {'month', 'quarter'}
            else report.group_period or 'day', key)
    return key


def record_groups(report, Model, domain, columns):
    """Return the query of the key, count and subtotals of each group of
    the records of domain the user may read."""
    table = Model.__table__()
    key = group_key(report, Model, table)
    # (grouped by the column of a sub-query: a key with parameters, such
    # as date_trunc's, would be two expressions for PostgreSQL)
    names = [c.field.name for _, c in aggregate_columns(columns)]
    rows = table.select(key.as_('key'),
        *(Column(table, n).as_('v%s' % i) for i, n in enumerate(names)),
        where=table.id.in_(Model.search(domain, order=[], query=True)))
    selected = [rows.key, Count(Literal(1))]
    for i, (_, column) in enumerate(aggregate_columns(columns)):
        value = Column(rows, 'v%s' % i)
        selected += {
            'sum': [Sum(value)],
            'average': [Sum(value), Count(value)],
            'minimum': [Min(value)],
            'maximum': [Max(value)],
            }[column.aggregate]
    return rows.select(*selected, group_by=[rows.key])


def summary_groups(report, Model, domain, columns):
    """Return the query of record_groups read from a summary of the
    record type (``crm_core.summary``), or None when none answers the
    domain, the grouping, the subtotals and the user's rules."""
    for Summary in summaries_of(Model.__name__):
        if not (Summary.answers_grouping(
                    report.group_by.name, report.group_period)
                and Summary.answers(domain)):
            continue
        measures = [Summary.measure_names(c.aggregate, c.field.name)
            for _, c in aggregate_columns(columns)]
        if None in measures:
            continue
        table = Summary.__table__()
        readable = Summary.readable(table)
        if readable is None:
            continue
        values = [Column(table, m) for names in measures for m in names]
        rows = table.select(group_key(report, Model, table).as_('key'),
            table.number.as_('number'),
            *(v.as_('v%s' % i) for i, v in enumerate(values)),
            where=Summary.condition(table, domain) & readable)
        return rows.select(rows.key, Sum(rows.number),
            *(Sum(Column(rows, 'v%s' % i)) for i in range(len(values))),
            group_by=[rows.key], having=Sum(rows.number) != 0)
    return None


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


def text(value, lang=None):
    "Return value as the list of a result shows it (in lang)."
    if value is None:
        return ''
    if lang is None:
        lang = Pool().get('ir.lang').get()
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
    lang = Pool().get('ir.lang').get()

    def row_line(row, group=''):
        line = {'kind': 'row', 'group': group}
        line.update({'c%s' % i: text(v, lang) for i, v in enumerate(row)})
        return line

    def subtotal_line(group, kind):
        line = {'kind': kind, 'group': str(group.label),
            'count': group.count}
        for index, value in group.subtotals.items():
            line['c%s' % index] = text(
                subtotal_value(columns[index], value), lang)
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
        # (the user reads its results, it does not write them)
        with without_check_access():
            return cls._keep(report, user_id, data, columns)

    @classmethod
    def _keep(cls, report, user_id, data, columns):
        pool = Pool()
        Line = pool.get('crm.report.result.line')
        Point = pool.get('crm.report.result.point')
        result, = cls.create([{
                    'report': report.id,
                    'user': user_id,
                    'headings': '\n'.join(data.headings),
                    'count': data.count,
                    }])
        # (in one INSERT each: the ORM's create of 500 lines took 1.3 s of
        # a run of 2.8 s, bench_report_builder.py at 10k)
        insert_rows(Line, result, result_lines(data, columns))
        insert_rows(Point, result, chart_points(data, columns))
        old = cls.search([
                ('report', '=', report.id),
                ('user', '=', user_id),
                ], order=[('id', 'DESC')], offset=KEPT_RESULTS)
        if old:
            cls.delete(old)
        return result


def insert_rows(Model, result, rows):
    "Insert rows of Model for result in one statement."
    if not rows:
        return
    table = Model.__table__()
    transaction = Transaction()
    names = sorted({k for row in rows for k in row})
    columns = [table.result, table.sequence, table.create_uid,
        table.create_date] + [Column(table, n) for n in names]
    now = CurrentTimestamp()
    values = [[result.id, i, transaction.user, now]
        + [row.get(n) for n in names] for i, row in enumerate(rows)]
    cursor = transaction.connection.cursor()
    for sub_values in grouped_slice(values, 1000):
        cursor.execute(*table.insert(columns, list(sub_values)))


class ResultLine(ModelSQL, ModelView):
    "A line of a report's result: a row, a group's subtotal or the total"
    __name__ = 'crm.report.result.line'
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
        cls.__access__.add('result')
        cls._order = [
            ('result', 'DESC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('kind') == 'total', 'warning',
                    If(Eval('kind') == 'subtotal', 'success', ''))),
            ]

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
    __string__ = "Report Chart Point"
    result = fields.Many2One(
        'crm.report.result', "Result", required=True, ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    label = fields.Char("Group")
    value = fields.Numeric("Value")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('result')
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
        measure = next((c for c in report.columns if c.chart_measure), None)
        graph = etree.fromstring(view['arch'])
        graph.set('type', report.chart or 'vbar')
        for element in graph.iter('field'):
            if element.get('name') == 'value':
                element.set('string', measure.heading if measure
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

