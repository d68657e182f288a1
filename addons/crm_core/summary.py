# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Summaries: counts and sums of a CRM record type per owner and per value
of a few fields, kept up to date as the records change, that the reports
and dashboard blocks read instead of the records themselves.

At a million potentials, grouping every record a manager may read took
0.4 to 3.3 s per report (bench/README.md); the summary of the same
figures holds a few thousand rows.

How a summary is kept:

- it is a ledger: a create adds the rows of the new records, grouped by
  the summary's keys; a write adds the rows of the records as they were
  with the opposite sign, then their rows as they are; a delete adds the
  opposite of their rows.  Readers sum the rows of each key, so that
  concurrent transactions only insert and never wait for each other;
- the whole summary is rebuilt from the records when its module is
  activated or updated, and every night by a scheduled action
  (``crm.summary|rebuild_all``), which folds the ledger into one row per
  key (the rows inserted by transactions the rebuild does not see are
  kept, so that nothing is counted twice nor lost).

A record type gets summaries by adopting :class:`SummarizedMixin`; a
summary is a ``ModelSQL`` with :class:`SummaryMixin` naming its source
type, its keys and its measures.  The keys include the owner fields and
the company, under the names of the record type: the record rules of the
type are converted onto the summary's table (:meth:`readable`), which
works because the CRM rules depend on these fields only; for any other
rule a reader falls back on the records.  Dates are kept by month, so a
period of whole months is read exactly (:meth:`covers_period`).
"""
import calendar
import datetime

from sql import Cast, Literal
from sql.aggregate import Count
from sql.functions import DateTrunc
from sql.operators import Neg

from trytond import backend
from trytond.model import Model, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access

from .report import domain_condition, rules_apply

#: The operators of a domain that a summary of whole months answers
#: exactly on a date kept by month, with the day the value must fall on
#: (first or last of its month)
MONTH_BOUNDS = {'>=': 'first', '<': 'first', '<=': 'last', '>': 'last'}

#: (the field whose SQL type a month is cast to)
MONTH = fields.Date("Month")


def month_start(column):
    "Return the SQL first day of the month of the date column."
    if backend.name == 'postgresql':
        # (date_trunc takes no date: PostgreSQL cannot choose between its
        # timestamp variants)
        column = Cast(column, 'TIMESTAMP')
    return MONTH.sql_cast(DateTrunc('month', column))


def is_month_bound(date, bound):
    "Tell if date is the first (or last) day of its month."
    if bound == 'first':
        return date.day == 1
    return date.day == calendar.monthrange(date.year, date.month)[1]


class SummaryMixin:
    """A summary of the records of _summary_source: one row per value of
    its keys (per key and per transaction until the nightly rebuild),
    with the measures of the records of that key.

    A summary declares its fields (the keys under the names of the
    source's fields, the measures) and:

    - ``_summary_keys``: the source fields kept as they are;
    - ``_summary_months``: the source date fields kept by month;
    - :meth:`summary_measures`: the SQL aggregate of each measure
      (``number``, the count, is every summary's);
    - ``_summary_depends``: the other source fields the measures read (a
      write of none of the summary's fields changes nothing)."""
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", readonly=True)
    assigned_user = fields.Many2One('res.user', "Assigned To", readonly=True)
    assigned_team = fields.Many2One('crm.team', "Assigned Team",
        readonly=True)
    number = fields.Integer("Number", readonly=True)
    _summary_source = None
    _summary_keys = ()
    _summary_months = ()
    _summary_depends = ()

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        cls.rebuild()

    @classmethod
    def summary_key_names(cls):
        "Return the names of the keys: the owner fields, then the others."
        return (['company', 'assigned_user', 'assigned_team']
            + list(cls._summary_keys) + list(cls.summary_computed_keys(None))
            + list(cls._summary_months))

    @classmethod
    def summary_fields(cls):
        "Return the source fields the summary depends on."
        return set(cls.summary_key_names()) | set(cls._summary_depends)

    @classmethod
    def summary_computed_keys(cls, record):
        """Return {key: SQL expression} of the keys computed from the table
        record of the source (record is None to ask for their names)."""
        return {}

    @classmethod
    def summary_measures(cls, record):
        """Return {measure: SQL aggregate} of the rows of the table record
        (of the source) grouped by key."""
        return {'number': Count(Literal(1))}

    @classmethod
    def _summary_select(cls, record, where, sign=1):
        """Return the names of the summary's columns and the select of their
        values from the source records of where (table record), grouped by
        key, the measures with sign."""
        computed = cls.summary_computed_keys(record)
        keys = []
        for name in cls.summary_key_names():
            if name in computed:
                keys.append(computed[name])
            elif name in cls._summary_months:
                keys.append(month_start(getattr(record, name)))
            else:
                keys.append(getattr(record, name))
        # (grouped by the output columns, named apart from the table's:
        # PostgreSQL does not match a key with parameters, date_trunc's, to
        # the same expression in the select list)
        keys = [k.as_('key%s' % i) for i, k in enumerate(keys)]
        measures = cls.summary_measures(record)
        values = [m if sign > 0 else Neg(m) for m in measures.values()]
        names = cls.summary_key_names() + list(measures)
        query = record.select(*keys, *values, where=where, group_by=keys)
        return names, query

    @classmethod
    def summarize(cls, ids, sign=1):
        """Add to the summary the rows of the source records ids as they are
        now, with sign (-1 to take them away)."""
        Source = Pool().get(cls._summary_source)
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        for sub_ids in grouped_slice(ids, 1000):
            record = Source.__table__()
            names, query = cls._summary_select(record,
                fields.SQL_OPERATORS['in'](record.id, list(sub_ids)), sign)
            cursor.execute(*table.insert(
                    [getattr(table, n) for n in names], query))

    @classmethod
    def rebuild(cls):
        """Replace the summary by the rows of every source record (the rows
        added by transactions this one does not see are kept)."""
        Source = Pool().get(cls._summary_source)
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.delete())
        names, query = cls._summary_select(Source.__table__(), Literal(True))
        cursor.execute(*table.insert(
                [getattr(table, n) for n in names], query))

    @classmethod
    def covers_period(cls, start, end):
        """Tell if the summary answers a period from start to end (dates or
        None) exactly: whole months, as its dates are kept."""
        return ((not start or is_month_bound(start, 'first'))
            and (not end or is_month_bound(end, 'last')))

    @classmethod
    def answers(cls, domain):
        """Tell if the summary answers domain (of its source) exactly: every
        leaf on one of its keys, a date kept by month compared to a bound
        of a month."""
        if not domain:
            return True
        if isinstance(domain, str):
            return domain in {'AND', 'OR'}
        if (isinstance(domain, (list, tuple)) and domain
                and isinstance(domain[0], str)
                and domain[0] not in {'AND', 'OR'}):
            return cls._answers_leaf(domain)
        return all(cls.answers(d) for d in domain)

    @classmethod
    def _answers_leaf(cls, leaf):
        if len(leaf) != 3:
            return False
        name, operator, value = leaf
        name = name.split('.', 1)[0]
        if name == 'id':
            # (the rule of a user who may read none: "id = None")
            return operator == '=' and value is None
        if name not in cls.summary_key_names():
            return False
        if name in cls._summary_months and value is not None:
            Source = Pool().get(cls._summary_source)
            # (a time is not answered: its day may end past the bound)
            if Source._fields[name]._type != 'date':
                return False
            bound = MONTH_BOUNDS.get(operator)
            return (bool(bound) and type(value) is datetime.date
                and is_month_bound(value, bound))
        return True

    @classmethod
    def answers_grouping(cls, name, period=None):
        """Tell if the summary answers a grouping by the source field name
        (a date by period: day, week, month, quarter or year)."""
        if name not in cls.summary_key_names():
            return False
        return (name not in cls._summary_months
            or period in {'month', 'quarter', 'year'})

    @classmethod
    def measure_names(cls, aggregate, name):
        """Return the measures giving the aggregate (sum or average) of the
        source field name: [sum] or [sum, count], or None."""
        Source = Pool().get(cls._summary_source)
        measures = cls.summary_measures(Source.__table__())
        wanted = {'sum': [name], 'average': [name, name + '_count']}.get(
            aggregate)
        if wanted and all(m in measures for m in wanted):
            return wanted
        return None

    @classmethod
    def condition(cls, table, domain):
        "Return the SQL condition of domain (answered) on the table."
        _, condition = domain_condition(cls, table, domain)
        return condition

    @classmethod
    def readable(cls, table):
        """Return the SQL condition on table (the summary's) of the rows of
        the records the user may read, or None when the rules of the
        source cannot be applied to the summary."""
        Rule = Pool().get('ir.rule')
        if not rules_apply():
            return Literal(True)
        with check_access():
            domain = Rule.domain_get(cls._summary_source, mode='read')
        if not domain:
            return Literal(True)
        if not cls.answers(domain):
            return None
        return cls.condition(table, domain)


def summaries():
    "Return every summary of the pool."
    return [Model for _, Model in Pool().iterobject()
        if isinstance(Model, type) and issubclass(Model, SummaryMixin)]


def summaries_of(model_name):
    "Return the summaries of the record type model_name."
    return [S for S in summaries() if S._summary_source == model_name]


class SummarizedMixin:
    """A record type with summaries: each create, write of a summarized
    field and delete adds its rows to them (see :class:`SummaryMixin`)."""
    __slots__ = ()

    @classmethod
    def crm_summaries(cls):
        "Return the summaries of the type (memoized on the class)."
        memo = cls.__dict__.get('_crm_summaries_memo')
        if memo is None:
            memo = cls._crm_summaries_memo = summaries_of(cls.__name__)
        return memo

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        if mode == 'create':
            ids = [r.id for r in records]
            for Summary in cls.crm_summaries():
                Summary.summarize(ids)

    @classmethod
    def on_write(cls, records, values):
        callbacks = super().on_write(records, values)
        changed = [S for S in cls.crm_summaries()
            if not S.summary_fields().isdisjoint(values)]
        if changed and records:
            ids = [r.id for r in records]
            for Summary in changed:
                Summary.summarize(ids, -1)

            def summarize():
                for Summary in changed:
                    Summary.summarize(ids)
            callbacks.append(summarize)
        return callbacks

    @classmethod
    def on_delete(cls, records):
        callbacks = super().on_delete(records)
        ids = [r.id for r in records]
        for Summary in cls.crm_summaries():
            Summary.summarize(ids, -1)
        return callbacks


class Summaries(Model):
    "The scheduled rebuild of every summary."
    __name__ = 'crm.summary'

    @classmethod
    def rebuild_all(cls):
        "Rebuild every summary from its records (scheduled every night)."
        for Summary in summaries():
            Summary.rebuild()


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.summary|rebuild_all', "Rebuild the CRM Summaries"))
