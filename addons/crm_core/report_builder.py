# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Saved reports: the report builder ("Create New Report").

``crm.report.folder``
    A folder of reports (*Lead Reports*, *Ticket Reports* ...).
``crm.report``
    A saved report on a record type (accounts, contacts, leads,
    potentials, quotes, tickets, activities ...): its columns (fields of the
    type, or of a record it links to, one level away), its filters (a date
    range on a date field, such as *last month*, and conditions matched
    all or any), a grouping with subtotals and a chart (bar, line, pie).
    It belongs to a user (private), may be shared with roles (the users of
    those roles and of the roles below them read and run it, the owner
    alone changes it) or, without owner, is a standard report of the CRM
    every user reads and the CRM administrators keep.
``crm.report.column`` and ``crm.report.condition``
    The report's columns and conditions.

A report is run by the user who runs it, with its rules and field access
(``report_builder_run.py``): each user, and each recipient of a scheduled
report, gets only what it may read.  What cannot be run is refused at
save with a message naming it: a field of another type, a field the owner
may not read, a condition whose value does not parse for its field, an
aggregate of a field that is not a stored number, a chart without grouping.

A module offers its record types by extending :class:`Report`: a key added
to ``record_type``'s selection and to :meth:`Report.crm_report_types`.
"""
import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, In
from trytond.transaction import Transaction, check_access

from .dashboard import active_model, readable_by
from .rule_user import USER_RULE_MODELS

USER_RULE_MODELS.update({'crm.report'})

#: The most columns a report shows (the result lines hold that many)
MAX_COLUMNS = 12
#: The rows a run lists by default, and at most (exports take them all)
DEFAULT_LIMIT = 100
MAX_LIMIT = 5000
NUMBER_TYPES = {'integer', 'float', 'numeric'}
DATE_TYPES = {'date', 'datetime', 'timestamp'}
#: The types a report may group by, and show
GROUP_TYPES = NUMBER_TYPES | DATE_TYPES | {
    'char', 'selection', 'boolean', 'many2one'}
COLUMN_TYPES = GROUP_TYPES | {'text', 'reference'}
CONDITION_TYPES = COLUMN_TYPES - {'reference'}
OPERATORS = [
    ('=', "Equals"),
    ('!=', "Does Not Equal"),
    ('ilike', "Contains"),
    ('not ilike', "Does Not Contain"),
    ('<', "Less Than"),
    ('<=', "Less Than or Equal"),
    ('>', "Greater Than"),
    ('>=', "Greater Than or Equal"),
    ('empty', "Is Empty"),
    ('not empty', "Is Not Empty"),
    ]
DATE_RANGES = [
    (None, ""),
    ('today', "Today"),
    ('yesterday', "Yesterday"),
    ('this_week', "This Week"),
    ('last_week', "Last Week"),
    ('this_month', "This Month"),
    ('last_month', "Last Month"),
    ('this_quarter', "This Quarter"),
    ('last_quarter', "Last Quarter"),
    ('this_year', "This Year"),
    ('last_year', "Last Year"),
    ('last_7_days', "Last 7 Days"),
    ('last_30_days', "Last 30 Days"),
    ('last_12_months', "Last 12 Months"),
    ('next_30_days', "Next 30 Days"),
    ('custom', "Custom"),
    ]


class ReportValidationError(ValidationError):
    pass


def date_range_bounds(key, today, date_from=None, date_to=None):
    """Return the first day and the day after the last of the range key
    around today (``custom``: date_from to date_to, either open)."""
    def month_start(date):
        return date.replace(day=1)

    def quarter_start(date):
        return date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
    week = today - dt.timedelta(days=today.weekday())
    day = dt.timedelta(days=1)
    if key == 'today':
        return today, today + day
    if key == 'yesterday':
        return today - day, today
    if key == 'this_week':
        return week, week + dt.timedelta(days=7)
    if key == 'last_week':
        return week - dt.timedelta(days=7), week
    if key == 'this_month':
        return month_start(today), month_start(today) + relativedelta(months=1)
    if key == 'last_month':
        return month_start(today) - relativedelta(months=1), month_start(today)
    if key == 'this_quarter':
        start = quarter_start(today)
        return start, start + relativedelta(months=3)
    if key == 'last_quarter':
        start = quarter_start(today)
        return start - relativedelta(months=3), start
    if key == 'this_year':
        return today.replace(month=1, day=1), today.replace(
            year=today.year + 1, month=1, day=1)
    if key == 'last_year':
        return today.replace(year=today.year - 1, month=1, day=1), (
            today.replace(month=1, day=1))
    if key == 'last_7_days':
        return today - dt.timedelta(days=6), today + day
    if key == 'last_30_days':
        return today - dt.timedelta(days=29), today + day
    if key == 'last_12_months':
        return today - relativedelta(months=12) + day, today + day
    if key == 'next_30_days':
        return today, today + dt.timedelta(days=30)
    if key == 'custom':
        return date_from, date_to + day if date_to else None
    return None, None


class ReportFolder(DeactivableMixin, ModelSQL, ModelView):
    "A folder of saved reports"
    __name__ = 'crm.report.folder'
    __string__ = "Report Folder"
    name = fields.Char("Name", required=True, translate=True)
    description = fields.Text("Description", translate=True)
    reports = fields.One2Many('crm.report', 'folder', "Reports")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class ModelFieldMixin:
    "What the parts of a report share: the fields of its record type"
    __slots__ = ()

    @staticmethod
    def model_fields(model_name, names=None):
        """Return {name: ir.model.field} of model_name (only names when
        given)."""
        ModelField = Pool().get('ir.model.field')
        domain = [('model', '=', model_name)]
        if names is not None:
            domain.append(('name', 'in', list(names)))
        return {f.name: f for f in ModelField.search(domain)}


class Report(DeactivableMixin, ModelFieldMixin, ModelSQL, ModelView):
    "A saved report: a record type, its columns, filters, grouping and chart"
    __name__ = 'crm.report'
    __string__ = "Report"
    name = fields.Char("Name", required=True, translate=True)
    folder = fields.Many2One(
        'crm.report.folder', "Folder", required=True, ondelete='RESTRICT')
    description = fields.Text("Description", translate=True)
    record_type = fields.Selection([
            ('account', "Accounts"),
            ('contact', "Contacts"),
            ('activity', "Activities"),
            ], "Record Type", required=True, sort=False,
        states={'readonly': Bool(Eval('columns', [0]))
            | Bool(Eval('conditions', [0]))},
        help="The records the report lists (remove its columns and "
        "conditions to change it).")
    model_name = fields.Function(
        fields.Char("Model"), 'on_change_with_model_name')
    user = fields.Many2One(
        'res.user', "Owner", ondelete='CASCADE',
        help="The user who keeps the report; empty for a standard report "
        "of the CRM.")
    shared_roles = fields.Many2Many(
        'crm.report-crm.role', 'report', 'role', "Shared With Roles",
        help="The users of these roles and of the roles below them read "
        "and run the report; empty, it is private.")
    columns = fields.One2Many(
        'crm.report.column', 'report', "Columns",
        size=MAX_COLUMNS)
    match = fields.Selection([
            ('all', "All Conditions"),
            ('any', "Any Condition"),
            ], "Match", required=True)
    conditions = fields.One2Many(
        'crm.report.condition', 'report', "Conditions")
    date_field = fields.Many2One(
        'ir.model.field', "Date Field", ondelete='CASCADE',
        domain=[
            ('model', '=', Eval('model_name', '')),
            ('ttype', 'in', list(DATE_TYPES)),
            ],
        states={'required': Bool(Eval('date_range'))},
        help="The date the range filters on.")
    date_range = fields.Selection(DATE_RANGES, "Date Range", sort=False)
    date_from = fields.Date(
        "From", states={'invisible': Eval('date_range') != 'custom'})
    date_to = fields.Date(
        "To", states={'invisible': Eval('date_range') != 'custom'})
    group_by = fields.Many2One(
        'ir.model.field', "Group By", ondelete='CASCADE',
        domain=[
            ('model', '=', Eval('model_name', '')),
            ('ttype', 'in', list(GROUP_TYPES)),
            ],
        help="A summary report: a subtotal per value of this field.")
    group_period = fields.Selection([
            (None, ""),
            ('day', "Day"),
            ('month', "Month"),
            ('quarter', "Quarter"),
            ('year', "Year"),
            ], "Group Period", sort=False,
        states={
            'invisible': ~Eval('group_by_type', '').in_(list(DATE_TYPES)),
            'required': Eval('group_by_type', '').in_(list(DATE_TYPES)),
            })
    group_by_type = fields.Function(
        fields.Char("Group By Type"), 'on_change_with_group_by_type')
    chart = fields.Selection([
            (None, "No Chart"),
            ('vbar', "Bar"),
            ('line', "Line"),
            ('pie', "Pie"),
            ], "Chart", sort=False,
        states={'invisible': ~Eval('group_by')})
    limit = fields.Integer(
        "Rows Listed", required=True,
        domain=[('limit', '>', 0), ('limit', '<=', MAX_LIMIT)],
        help="The rows a run lists (the exports hold them all).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        cls._buttons.update({
                'run': {'icon': 'tryton-forward', 'depends': ['id']},
                })

    @staticmethod
    def default_user():
        return Transaction().user or None

    @staticmethod
    def default_match():
        return 'all'

    @staticmethod
    def default_limit():
        return DEFAULT_LIMIT

    @classmethod
    def default_folder(cls):
        Folder = Pool().get('crm.report.folder')
        folders = Folder.search([], limit=1)
        if folders:
            return folders[0].id

    @classmethod
    def crm_report_types(cls):
        """Return {record type: (model name, domain)}: the model a record
        type lists and the domain that narrows it to the type."""
        return {
            'account': ('party.party', [('crm_type', '=', 'account')]),
            'contact': ('party.party', [('crm_type', '=', 'contact')]),
            'activity': ('crm.activity', []),
            }

    @fields.depends('record_type')
    def on_change_with_model_name(self, name=None):
        types = self.crm_report_types()
        if self.record_type in types:
            return types[self.record_type][0]

    @fields.depends('group_by')
    def on_change_with_group_by_type(self, name=None):
        if self.group_by:
            return self.group_by.ttype

    @property
    def type_domain(self):
        return self.crm_report_types().get(self.record_type, (None, []))[1]

    @classmethod
    def validate(cls, reports):
        super().validate(reports)
        for report in reports:
            report.check_definition()

    def refuse(self, message, **values):
        raise ReportValidationError(gettext(
                'crm_core.%s' % message, report=self.rec_name, **values))

    def check_definition(self):
        """Refuse what the report could not run: a record type of a module
        not activated, fields of another type or not readable by its owner,
        a date range or grouping or chart that does not fit."""
        if active_model(self.model_name or '') is None:
            self.refuse('msg_report_type_inactive')
        owner = self.user.id if self.user else 0
        if owner and not readable_by(owner, self.model_name):
            self.refuse('msg_report_type_unreadable')
        for field in filter(None, [self.date_field, self.group_by]):
            if field.model != self.model_name:
                self.refuse('msg_report_field_other_type',
                    field=field.string)
        names = [f.name for f in filter(
                None, [self.date_field, self.group_by])]
        self.check_fields_readable(owner, self.model_name, names)
        if self.date_range == 'custom':
            if not (self.date_from or self.date_to):
                self.refuse('msg_report_custom_range_empty')
            if (self.date_from and self.date_to
                    and self.date_from > self.date_to):
                self.refuse('msg_report_custom_range_order')
        if self.group_by and not stored(self.model_name, self.group_by.name):
            self.refuse('msg_report_group_not_stored',
                field=self.group_by.string)
        if self.chart and not self.group_by:
            self.refuse('msg_report_chart_no_group')
        if len([c for c in self.columns if c.chart_measure]) > 1:
            self.refuse('msg_report_chart_measure')

    def check_fields_readable(self, user_id, model_name, names):
        "Refuse names of model_name the user may not read."
        if not user_id or not names:
            return
        Model = Pool().get(model_name)
        unreadable = unreadable_fields(user_id, model_name, names)
        if unreadable:
            self.refuse('msg_report_field_unreadable',
                field=', '.join(sorted(
                        Model._fields[n].string for n in unreadable)))

    @classmethod
    def copy(cls, reports, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('user', Transaction().user or None)
        default.setdefault('shared_roles', None)
        return super().copy(reports, default=default)

    @classmethod
    @ModelView.button_action('crm_core.wizard_report_run')
    def run(cls, reports):
        pass


def stored(model_name, name):
    "Tell if the field name of model_name has a column of its own."
    Model = Pool().get(model_name)
    field = Model._fields.get(name)
    return bool(field is not None
        and not isinstance(field, fields.Function)
        and getattr(field, 'sql_type', None) is not None
        and hasattr(field, 'sql_column'))


def searchable(model_name, name):
    "Tell if the field name of model_name may be searched."
    Model = Pool().get(model_name)
    field = Model._fields.get(name)
    if field is None:
        return False
    if isinstance(field, fields.Function):
        return bool(field.searcher)
    return True


def unreadable_fields(user_id, model_name, names):
    "Return the fields among names user_id may not read."
    FieldAccess = Pool().get('ir.model.field.access')
    with Transaction().set_user(user_id), check_access():
        access = FieldAccess.get_access([model_name]).get(model_name, {})
    return [n for n in names if not access.get(n, {}).get('read', True)]


class ReportRole(ModelSQL):
    "A role a report is shared with"
    __name__ = 'crm.report-crm.role'
    report = fields.Many2One(
        'crm.report', "Report", required=True, ondelete='CASCADE')
    role = fields.Many2One(
        'crm.role', "Role", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('report')


class ReportColumn(sequence_ordered(), ModelFieldMixin, ModelSQL, ModelView):
    "A column of a saved report: a field, or a field of a linked record"
    __name__ = 'crm.report.column'
    __string__ = "Report Column"
    report = fields.Many2One(
        'crm.report', "Report", required=True, ondelete='CASCADE')
    field = fields.Many2One(
        'ir.model.field', "Field", required=True, ondelete='CASCADE',
        domain=[
            ('model', '=', Eval('_parent_report', {}).get('model_name', '')),
            ('ttype', 'in', list(COLUMN_TYPES)),
            ])
    field_type = fields.Function(
        fields.Char("Field Type"), 'on_change_with_field_type')
    related = fields.Many2One(
        'ir.model.field', "Field of the Linked Record", ondelete='CASCADE',
        domain=[
            ('model', '=', Eval('field_relation', '')),
            ('ttype', 'in', list(COLUMN_TYPES)),
            ],
        states={'invisible': Eval('field_type') != 'many2one'},
        help="Show this field of the record the column's field links to.")
    field_relation = fields.Function(
        fields.Char("Linked Model"), 'on_change_with_field_relation')
    label = fields.Char(
        "Label", help="The column's heading; empty, the field's label.")
    aggregate = fields.Selection([
            (None, ""),
            ('sum', "Sum"),
            ('average', "Average"),
            ('minimum', "Minimum"),
            ('maximum', "Maximum"),
            ], "Subtotal", sort=False,
        help="The subtotal of the column in a summary report.")
    chart_measure = fields.Boolean(
        "Chart Measure",
        states={'invisible': ~Eval('aggregate')},
        help="The chart draws this subtotal (else the number of records).")
    order = fields.Selection([
            (None, ""),
            ('ASC', "Ascending"),
            ('DESC', "Descending"),
            ], "Sort", sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('report')

    @fields.depends('field')
    def on_change_with_field_type(self, name=None):
        if self.field:
            return self.field.ttype

    @fields.depends('field')
    def on_change_with_field_relation(self, name=None):
        if self.field and self.field.ttype == 'many2one':
            return self.field.relation

    def get_rec_name(self, name):
        return self.heading

    @property
    def heading(self):
        if self.label:
            return self.label
        heading = self.field.string
        if self.related:
            heading += ' / ' + self.related.string
        return heading

    @property
    def value_field(self):
        "The ir.model.field whose values the column shows."
        return self.related or self.field

    @classmethod
    def validate(cls, columns):
        super().validate(columns)
        for column in columns:
            column.check_column()

    def check_column(self):
        report = self.report
        field = self.field
        if field.model != report.model_name:
            report.refuse('msg_report_field_other_type',
                field=field.string)
        owner = report.user.id if report.user else 0
        report.check_fields_readable(owner, report.model_name, [field.name])
        if self.related:
            if field.ttype != 'many2one' or (
                    self.related.model != field.relation):
                report.refuse('msg_report_related_not_link',
                    field=self.heading)
            if owner and not readable_by(owner, field.relation):
                report.refuse('msg_report_field_unreadable',
                    field=self.heading)
            report.check_fields_readable(
                owner, field.relation, [self.related.name])
        if self.aggregate:
            numeric = field.ttype in NUMBER_TYPES | (
                DATE_TYPES if self.aggregate in {'minimum', 'maximum'}
                else set())
            if (self.related or not numeric
                    or not stored(report.model_name, field.name)):
                report.refuse('msg_report_aggregate_type',
                    field=self.heading)
        if self.chart_measure and (not self.aggregate or len(
                    [c for c in report.columns if c.chart_measure]) > 1):
            report.refuse('msg_report_chart_measure')
        if self.order and (self.related
                or not stored(report.model_name, field.name)):
            report.refuse('msg_report_order_not_stored', field=self.heading)


class ReportCondition(
        sequence_ordered(), ModelFieldMixin, ModelSQL, ModelView):
    "A condition of a saved report: a field, an operator and a value"
    __name__ = 'crm.report.condition'
    __string__ = "Report Condition"
    report = fields.Many2One(
        'crm.report', "Report", required=True, ondelete='CASCADE')
    field = fields.Many2One(
        'ir.model.field', "Field", required=True, ondelete='CASCADE',
        domain=[
            ('model', '=', Eval('_parent_report', {}).get('model_name', '')),
            ('ttype', 'in', list(CONDITION_TYPES)),
            ])
    operator = fields.Selection(OPERATORS, "Operator", required=True,
        sort=False)
    value = fields.Char(
        "Value",
        states={
            'invisible': In(Eval('operator'), ['empty', 'not empty']),
            'required': ~In(Eval('operator'), ['empty', 'not empty']),
            },
        help="Dates as 2026-12-31, numbers with a dot, yes or no, a "
        "choice by its value or label, a linked record by its name.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('report')

    @staticmethod
    def default_operator():
        return '='

    @classmethod
    def validate(cls, conditions):
        super().validate(conditions)
        for condition in conditions:
            condition.clause()

    def refuse_value(self):
        self.report.refuse('msg_report_condition_value',
            field=self.field.string, value=self.value or '')

    def clause(self):
        """Return the domain clause of the condition, refusing a field of
        another type, not searchable or not readable, and a value that does
        not parse for the field."""
        report = self.report
        field = self.field
        if field.model != report.model_name:
            report.refuse('msg_report_field_other_type',
                field=field.string)
        if not searchable(report.model_name, field.name):
            report.refuse('msg_report_condition_not_searchable',
                field=field.string)
        owner = report.user.id if report.user else 0
        report.check_fields_readable(owner, report.model_name, [field.name])
        operator = self.operator
        if operator in {'empty', 'not empty'}:
            return (field.name, '=' if operator == 'empty' else '!=', None)
        ttype = field.ttype
        if operator in {'ilike', 'not ilike'}:
            if ttype not in {'char', 'text', 'many2one', 'selection'}:
                self.refuse_value()
            name = field.name + ('.rec_name' if ttype == 'many2one' else '')
            return (name, operator, '%' + (self.value or '') + '%')
        if (operator not in {'=', '!='} and ttype not in
                NUMBER_TYPES | DATE_TYPES):
            self.refuse_value()
        if ttype == 'many2one':
            return (field.name + '.rec_name', operator, self.value)
        return (field.name, operator, self.parsed_value())

    def parsed_value(self):
        "Return the value typed as the field's values."
        ttype = self.field.ttype
        text = (self.value or '').strip()
        try:
            if ttype == 'integer':
                return int(text)
            if ttype in {'float', 'numeric'}:
                value = Decimal(text)
                if not value.is_finite():
                    raise ValueError(text)
                return float(value) if ttype == 'float' else value
            if ttype == 'date':
                return dt.date.fromisoformat(text)
            if ttype in {'datetime', 'timestamp'}:
                return dt.datetime.fromisoformat(text)
            if ttype == 'boolean':
                lowered = text.lower()
                if lowered in {'1', 'yes', 'true', 'y'}:
                    return True
                if lowered in {'0', 'no', 'false', 'n'}:
                    return False
                raise ValueError(text)
            if ttype == 'selection':
                return self.selection_value(text)
        except (ValueError, InvalidOperation, OverflowError):
            self.refuse_value()
        return text

    def selection_value(self, text):
        "Return the selection value of text, matched by value or label."
        pool = Pool()
        Model = pool.get(self.report.model_name)
        field = Model._fields[self.field.name]
        selection = field.selection
        if isinstance(selection, str):
            selection = getattr(Model, selection)()
        for value, label in selection:
            if value is not None and text == str(value):
                return value
        labels = Model.fields_get([self.field.name])[
            self.field.name].get('selection', [])
        for value, label in labels:
            if label and text.lower() == str(label).lower():
                return value
        raise ValueError(text)


def report_domain(report, today=None):
    """Return the domain of the records the report lists: its type's, its
    date range's and its conditions' (all or any)."""
    Date = Pool().get('ir.date')
    domain = list(report.type_domain)
    if report.date_range and report.date_field:
        start, end = date_range_bounds(
            report.date_range, today or Date.today(),
            report.date_from, report.date_to)
        name = report.date_field.name
        if report.date_field.ttype != 'date':
            start = start and dt.datetime.combine(start, dt.time())
            end = end and dt.datetime.combine(end, dt.time())
        if start:
            domain.append((name, '>=', start))
        if end:
            domain.append((name, '<', end))
    clauses = [c.clause() for c in report.conditions]
    if clauses:
        if report.match == 'any':
            clauses.insert(0, 'OR')
        domain.append(clauses)
    return domain


def shown_columns(report, user_id):
    """Return the columns of the report user_id may read (a recipient of a
    scheduled report may read fewer than its owner)."""
    hidden = set()
    by_model = {}
    for column in report.columns:
        by_model.setdefault(report.model_name, set()).add(column.field.name)
        if column.related:
            by_model.setdefault(column.field.relation, set()).add(
                column.related.name)
    for model_name, names in by_model.items():
        if user_id and not readable_by(user_id, model_name):
            hidden.update((model_name, n) for n in names)
            continue
        if user_id:
            hidden.update((model_name, n)
                for n in unreadable_fields(user_id, model_name, names))
    columns = []
    for column in report.columns:
        if (report.model_name, column.field.name) in hidden:
            continue
        if column.related and (
                column.field.relation, column.related.name) in hidden:
            continue
        columns.append(column)
    return columns

