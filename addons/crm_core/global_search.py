# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Global search: sao's search box over the CRM's record types.

sao's search box (top bar) calls ``ir.model.global_search(text, limit)``,
which returns tuples ``(ratio, model, model_name, id, name, icon)``.  The
host searches each model marked *Global Search* (``ir.model``
``global_search_p``) by ``rec_name ilike '%text%'`` without a limit
(``search_global``), then keeps the ``limit`` best by their similarity
ratio over every model: unusable at a million records, and one type
crowds out the others.

The CRM answers first for its record types, then gives the host's
results (the other models marked *Global Search*, and the menus):

* a record type opts in with :class:`GlobalSearchMixin` and a few lines,
  ``crm_global_search_types``: one :class:`SearchType` per type the model
  holds (accounts and contacts are both parties): its place among the
  types, the window listing it (whose name labels its results: sao names
  the tab it opens so), its domain in the model, its icon, the field of
  its name and its other fields searched;
* each type is searched with the user's access rights and record rules,
  as any search of the user: nothing hidden is found or counted;
* at most ``_crm_global_search_limit`` records a type, found in stages,
  best first: the name equal to the text, beginning with it, one of its
  words beginning with it, containing it, then the text anywhere in the
  type's other fields (by default the whole ``rec_name``: a party's
  e-mails and phones, numbers ...).  A stage asks only for the
  records still missing, without order, so that the database stops as
  soon as it has them (no count, no scan of every match);
* a type's records are ranked by the stage that found them, then by the
  host's similarity ratio; the types follow each other in the order of
  their sequences.

The tuples are the host's: sao opens ``model`` and ``id`` in a tab
named after the type.
"""
import datetime as dt
from collections import namedtuple

from trytond import backend
from trytond.cache import Cache
from trytond.pool import Pool, PoolMeta
from trytond.tools import escape_wildcard
from trytond.tools.string_ import StringMatcher
from trytond.transaction import Transaction

#: A record type of a model as the global search shows it.
#: sequence: the place of its results among the types (accounts 10,
#: contacts 20, leads 30, potentials 40, quotes 50, tickets 60, FAQ 70);
#: action: the XML id of the window listing the type, whose name labels
#: the results; domain: what makes a record of the model one of the type;
#: icon: the icon of its results; name: the field holding its name;
#: others: the fields searched after the name for the text anywhere
#: (numbers, e-mails ...; the rec_name when None)
SearchType = namedtuple(
    'SearchType', ['sequence', 'action', 'domain', 'icon', 'name', 'others'],
    defaults=[(), None, 'rec_name', None])

#: The context key telling the models that the CRM answered for them
_ANSWERED = '_crm_global_search_answered'


def match_clauses(name, text):
    """Return the clauses finding text in the field name, best match
    first: equal, beginning with it, a word beginning with it, containing
    it (wildcards of text are literal)."""
    literal = escape_wildcard(text)
    return [
        (name, 'ilike', literal),
        (name, 'ilike', literal + '%'),
        (name, 'ilike', '% ' + literal + '%'),
        (name, 'ilike', '%' + literal + '%'),
        ]


class GlobalSearchMixin:
    """A model whose record types the global search finds.

    Override ``crm_global_search_types`` (a few lines); the search of a
    type may be changed with ``crm_global_search_records`` (the FAQ's is
    its ranked full-text search) and the name shown with
    ``crm_global_search_name``."""
    __slots__ = ()
    #: The most records of a type the global search gives
    _crm_global_search_limit = 5

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        if cls.crm_global_search_types():
            # Marked Global Search (the host searches only the models
            # marked), again whenever the module is activated or updated
            Model = Pool().get('ir.model')
            model = Model.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*model.update(
                    [model.global_search_p], [True],
                    where=model.name == cls.__name__))

    @classmethod
    def crm_global_search_types(cls):
        "Return the SearchType of each record type of the model."
        return []

    @classmethod
    def crm_global_search(cls, text, limit):
        """Return [(SearchType, [(ratio, record, name)])]: for each type of
        the model, at most limit records matching text, best first, found
        with the user's rules."""
        text = text.strip()
        if not text or limit <= 0:
            return []
        matcher = StringMatcher()
        matcher.set_seq2(text)
        groups = []
        for type_ in cls.crm_global_search_types():
            records = cls.crm_global_search_records(type_, text, limit)
            results = []
            for _, record in records[:limit]:
                name = cls.crm_global_search_name(record)
                matcher.set_seq1(name)
                results.append((matcher.ratio(), record, name))
            ranks = {r.id: rank for rank, r in records}
            if any(rank is not None for rank in ranks.values()):
                results.sort(key=lambda r: (
                        ranks[r[1].id], -r[0], r[2], r[1].id))
            if results:
                groups.append((type_, results))
        return groups

    @classmethod
    def crm_global_search_records(cls, type_, text, limit):
        """Return [(rank, record)] of at most limit records of type_
        matching text: rank orders them (then the similarity ratio of
        their names), None keeps the order given.

        By default the clauses of ``match_clauses`` on the type's name,
        then the text anywhere in its other fields (the whole rec_name
        unless the type names them), each searched for the records still
        missing, without order (``crm_global_search_ids``): the database
        stops at the limit.  The names containing the text are searched
        first: the narrower clauses are not searched when none does, and
        only among them when they are fewer than limit."""
        type_domain = list(type_.domain)
        *narrower, contains = match_clauses(type_.name, text)
        others = type_.others
        if others is None:
            others = [] if type_.name == 'rec_name' else ['rec_name']
        found = {}

        def search(clause, among=None):
            domain = [type_domain, clause]
            if among is not None:
                domain.append(('id', 'in', among))
            if found:
                domain.append(('id', 'not in', list(found)))
            return cls.crm_global_search_ids(domain, limit - len(found))

        def add(rank, ids):
            for id_ in ids:
                if len(found) >= limit:
                    break
                found.setdefault(id_, rank)

        # The names containing the text first: all of them when fewer than
        # limit, and then the narrower clauses need search only among them
        # (none when there are none)
        containing = search(contains)
        if containing:
            among = containing if len(containing) < limit else None
            for rank, clause in enumerate(narrower):
                if len(found) < limit:
                    add(rank, search(clause, among))
            add(len(narrower), containing)
        if others and len(found) < limit:
            add(len(narrower) + 1, search(
                    ['OR'] + [match_clauses(f, text)[-1] for f in others]))
        return [(found[r.id], r) for r in cls.browse(list(found))]

    @classmethod
    def crm_global_search_ids(cls, domain, limit):
        """Return the ids of at most limit records matching domain, in no
        order, searched as the user.

        (A search with a limit orders by id, at least: the database then
        sorts every match, or walks the table in the order of the ids.)"""
        query = cls.search(domain, order=[], query=True)
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            # Planned for every match (a materialized CTE), read only up to
            # the limit (a CTE is read as its rows are asked for): planned
            # for a few rows, a rare match seemed found soon by reading the
            # table in its order, as without statistics of the expression
            # of a new index (bench/: the tickets by title at 150k tickets,
            # 80 ms a clause with a sequential scan, 0.1 ms with the index)
            sql, params = tuple(query)
            cursor.execute(
                'WITH "m" AS MATERIALIZED (%s) SELECT "id" FROM "m" '
                'LIMIT %%s' % sql, tuple(params) + (limit,))
        else:
            cursor.execute(*query.select(query.id, limit=limit))
        return [i for i, in cursor]

    @classmethod
    def crm_global_search_name(cls, record):
        "Return the name showing record in the results."
        return record.rec_name

    @classmethod
    def search_global(cls, text):
        # The host's per-model search of its global search: the CRM types,
        # bounded, unless the CRM answered for them already
        if Transaction().context.get(_ANSWERED):
            return
        if not cls.crm_global_search_types():
            yield from super().search_global(text)
            return
        for type_, results in cls.crm_global_search(
                text, cls._crm_global_search_limit):
            for _, record, name in results:
                yield record, name, type_.icon


class Model(metaclass=PoolMeta):
    __name__ = 'ir.model'
    _crm_type_label_cache = Cache(
        'ir.model.crm_type_label', duration=dt.timedelta(hours=1),
        context=False)

    @classmethod
    def global_search(cls, text, limit, menu='ir.ui.menu'):
        if not limit > 0:
            raise ValueError('limit must be > 0: %r' % (limit,))
        if isinstance(text, bytes):
            text = text.decode('utf-8')
        results = cls.crm_global_search(text, int(limit))
        with Transaction().set_context({_ANSWERED: True}):
            results += super().global_search(text, limit, menu=menu)
        return results[:int(limit)]

    @classmethod
    def crm_global_search(cls, text, limit):
        """Return the host's tuples (ratio, model, label, id, name, icon)
        of the CRM types matching text: grouped by type in the order of
        their sequences, each type's best first, at most its limit (and
        limit in all)."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        classes = {}
        for model in cls.search([('global_search_p', '=', True)]):
            try:
                Model = pool.get(model.name)
            except KeyError:
                continue
            if issubclass(Model, GlobalSearchMixin):
                classes[model.name] = Model
        access = ModelAccess.get_access(list(classes))
        groups = []
        for name, Model in classes.items():
            if not access[name]['read']:
                continue
            type_limit = min(limit, Model._crm_global_search_limit)
            for type_, results in Model.crm_global_search(text, type_limit):
                groups.append((type_, name, results))
        groups.sort(key=lambda g: (g[0].sequence, g[0].action))
        labels = cls._crm_type_labels({g[0].action: g[1] for g in groups})
        return [
            (ratio, name, labels[type_.action], record.id, record_name,
                type_.icon)
            for type_, name, results in groups
            for ratio, record, record_name in results]

    @classmethod
    def _crm_type_labels(cls, actions):
        """Return {action: label} for actions {XML id of a window: model}:
        the name of the window as the user reads it, else the model's."""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        Window = pool.get('ir.action.act_window')
        # (reading them cost 15 of the 90 ms of a search, profiled at 1M
        # records: cached by language and by the groups, which decide
        # whether a window is read)
        key = (tuple(sorted(actions)), Transaction().language,
            User.get_groups())
        labels = cls._crm_type_label_cache.get(key)
        if labels is None:
            ids = {a: ModelData.get_id(*a.split('.', 1)) for a in actions}
            windows = {w.id: w.name for w in Window.search(
                    [('id', 'in', list(ids.values()))])}
            labels = cls._crm_type_label_cache.set(key, {
                    a: windows.get(ids[a])
                    or pool.get(model).__names__()['model']
                    for a, model in actions.items()})
        return labels
