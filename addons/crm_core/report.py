"""What the CRM reports share: the context that filters them, the
condition that keeps in their SQL only the records the user may read, and
the select of the reports that count a record type by one column (the
pipeline reports of crm_sales, the support reports of crm_support)."""
from sql import Literal
from sql.aggregate import Min, Sum

from trytond.model import fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, check_access, inactive_records

#: Set while a report is read with access check: the host reads its rows
#: again without (the time series of the trends, instances loading their
#: fields) and those rows must obey the same rules (a client cannot set a
#: key starting with "_")
RULES_CONTEXT = '_crm_report_rules'


def readable_condition(table, model_name):
    """Return the SQL condition on table (the table of model_name) of the
    records the user may read.

    The rule domain is converted on the report's own table, so that the
    database filters and aggregates in one scan (at 1M potentials a join
    with the ids of ``ir.rule.query_get`` cost 350 ms of the forecast's
    390 ms); a domain that needs other tables becomes a sub-query of
    ``ir.rule.query_get`` with the user's rules."""
    pool = Pool()
    Rule = pool.get('ir.rule')
    Model = pool.get(model_name)
    with check_access():
        domain = Rule.domain_get(model_name, mode='read')
    if not domain:
        return Literal(True)
    tables, condition = domain_condition(Model, table, domain)
    if len(tables) == 1:
        return condition
    with check_access():
        return table.id.in_(Rule.query_get(model_name))


def domain_condition(Model, table, domain):
    """Return the tables and the SQL condition of the (rule) domain on table,
    the table of Model, converted as ``ir.rule.query_get`` does: as root,
    so that the rules do not apply to themselves."""
    with Transaction().set_user(0, set_context=True), inactive_records():
        return Model.search_domain(
            domain, active_test=False, tables={None: (table, None)})


def rules_apply():
    """Tell if a report applies the read rules: read with access check, or
    its rows read again for one (RULES_CONTEXT)."""
    transaction = Transaction()
    return bool(transaction.user and (transaction.check_access
            or transaction.context.get(RULES_CONTEXT)))


def report_readable_condition(table, model_name):
    """Return the condition of readable_condition when the rules apply
    (rules_apply), true otherwise."""
    if not rules_apply():
        return Literal(True)
    return readable_condition(table, model_name)


def selection_names(records, model_name, field, name, not_set=None):
    """Return {record id: label} of the values of the selection field of
    model_name held by the records' field name, in the user's language
    (not_set for a missing value)."""
    Model = Pool().get(model_name)
    labels = dict(Model.fields_get([field])[field]['selection'])
    names = {}
    for record in records:
        value = getattr(record, name)
        names[record.id] = labels.get(value, value) or not_set
    return names


class ReportContextMixin:
    """The company, user and team whose records a report shows, by default
    those of the context (the action's or the dashboard's)."""
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", required=True)
    assigned_user = fields.Many2One('res.user', "Assigned To")
    assigned_team = fields.Many2One('crm.team', "Assigned Team")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_assigned_user(cls):
        return Transaction().context.get('assigned_user')

    @classmethod
    def default_assigned_team(cls):
        return Transaction().context.get('assigned_team')


class ReportPeriodMixin:
    """The period of a report, by default the context's (the action's or
    the dashboard's)."""
    __slots__ = ()
    from_date = fields.Date(
        "From Date",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')),
                ()),
            ])
    to_date = fields.Date(
        "To Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ()),
            ])

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date')

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date')


class CountReportMixin:
    """A ``table_query`` report counting the records of _model (its table
    named _table) of the context's company, period, owner and team that
    the user may read, grouped by company.

    A report with a row per value of a column names the column in
    _dimension: it is selected under that name and grouped by.  The
    period applies to _column_date.

    A report that a summary of _model answers (``crm_core.summary``)
    names it in _summary: its table stands for the records' under the
    name _table (with the same columns), and each of its rows for
    :meth:`_rows` records; the records are read when the summary cannot
    answer (a period not of whole months, a rule on other fields)."""
    __slots__ = ()
    company = fields.Many2One('company.company', "Company")
    number = fields.Integer("Number")
    _model = None
    _table = None
    _dimension = None
    _summary = None

    @classmethod
    def table_query(cls):
        from_item, tables = cls._summary_joins() or cls._joins()
        having = None
        if 'summary' in tables:
            # (a key whose records all went keeps rows summing to none)
            having = Sum(cls._rows(tables)) != 0
        return from_item.select(
            *cls._columns(tables),
            where=cls._where(tables),
            group_by=cls._group_by(tables),
            having=having)

    @classmethod
    def _summary_joins(cls):
        """Return the from item and the tables of the report read from its
        summary, or None when the summary does not answer."""
        if not cls._summary:
            return None
        Summary = Pool().get(cls._summary)
        if not Summary.covers_period(*cls._period()):
            return None
        table = Summary.__table__()
        readable = Summary.readable(table)
        if readable is None:
            return None
        return table, {
            cls._table: table, 'summary': table, 'readable': readable}

    @classmethod
    def _rows(cls, tables):
        "Return the SQL number of records a row of the from item stands for."
        summary = tables.get('summary')
        return summary.number if summary is not None else Literal(1)

    @classmethod
    def _joins(cls):
        table = Pool().get(cls._model).__table__()
        return table, {cls._table: table}

    @classmethod
    def _column_id(cls, tables):
        "Return the id of a row: one of the records it groups."
        return Min(tables[cls._table].id)

    @classmethod
    def _column_dimension(cls, tables):
        "Return the column named _dimension, of the record by default."
        return getattr(tables[cls._table], cls._dimension)

    @classmethod
    def _columns(cls, tables):
        columns = [
            cls._column_id(tables).as_('id'),
            tables[cls._table].company.as_('company'),
            Sum(cls._rows(tables)).as_('number'),
            ]
        if cls._dimension:
            columns.append(
                cls._column_dimension(tables).as_(cls._dimension))
        return columns

    @classmethod
    def _group_by(cls, tables):
        group_by = [tables[cls._table].company]
        if cls._dimension:
            group_by.append(cls._column_dimension(tables))
        return group_by

    @classmethod
    def _column_date(cls, tables):
        "Return the date the period of the context applies to."
        raise NotImplementedError

    @classmethod
    def _period(cls):
        "Return the first and last day of the context's period (or None)."
        context = Transaction().context
        return context.get('from_date'), context.get('to_date')

    @classmethod
    def _where(cls, tables):
        context = Transaction().context
        record = tables[cls._table]
        where = record.company == context.get('company')
        date = cls._column_date(tables)
        start, end = cls._period()
        if start:
            where &= date >= start
        if end:
            where &= date <= end
        if context.get('assigned_user'):
            where &= record.assigned_user == context['assigned_user']
        if context.get('assigned_team'):
            where &= record.assigned_team == context['assigned_team']
        readable = tables.get('readable')
        if readable is None:
            readable = report_readable_condition(record, cls._model)
        return where & readable
