# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The ranked search of the FAQ: ``('text', 'ilike', words)``.

Every word must be found in the question, the keywords or the answer
(its text: the tags and entities of the formatted answer are not words),
without regard to accents or case; the last word may be the beginning of a
word (the user is still typing it).  Results are ranked: a match in the
question first, then in the keywords, then in the answer only.

Why a module of its own: the old searcher (an ``ilike '%word%'`` of each
word on the three columns; on PostgreSQL the host made the one on the
answer, a Text field, an unindexed full-text match) read every FAQ on
every search, found "resume" not in "résumé" and, on SQLite, "strong" in
``<strong>``, and could not rank.  The
search is SQL on the FAQ's own table (``domain_text``, the host's hook for
a Function field searched in SQL), so it is a condition of the same query
as the action's domain and the user's access rules.

PostgreSQL: full-text search.  The document is ``setweight(question, A) ||
setweight(keywords, B) || setweight(answer without tags, C)`` and the words
make a ``plainto_tsquery`` (the last one a prefix, ``word:*``).  The text
search configuration ``crm_faq`` is the ``simple`` one (no stemming nor
stop words: users write in several languages) with the ``unaccent``
dictionary before it.  Unaccenting in the configuration rather than with
``unaccent()`` around the text keeps ``to_tsvector(regconfig, text)``
IMMUTABLE, so an index may use it, with the plain extension (the host's
``unaccent()`` is STABLE).  ``__register__`` creates the extension when
the database user may, and the configuration; without the extension the
configuration is ``simple`` alone (accents then matter), and without the
right to create it the search uses ``simple`` itself.

The document is stored: a generated column (``crm_search_document``,
``GENERATED ALWAYS AS (...) STORED``: PostgreSQL keeps it, whatever writes
the FAQ, ``COPY`` included) with a GIN index declared with the host's
``Index`` (``FullText`` below: the host has no index usage for a
tsvector).  Measured with bench/bench_faq_search.py on this 2-core
machine: first written with an expression GIN index of the document, the
index found the matches but ts_rank built the document of each again (80
us an answer: tags stripped, unaccented, parsed), 248 ms to rank a word
found in 3,474 of 10,000 FAQ and seconds at 100,000; the stored document
costs ts_rank about 1 us a match.  At 100,000 FAQ the search as sao does
it (search, count, read of the page) takes 16-40 ms for words found in
300 to 6,700 FAQ and 101 ms for a word in a quarter of them (ranking
reads every match), against 160-170 ms without the index (a sequential
scan of the stored documents) and 0.24-1.15 s with the old searcher.

SQLite (tests, demos): the same rules in Python, a function registered on
the connection (``crm_faq_rank``: 0 when a word is missing, else the sum
of the weights of the best field of each word, 1.0 / 0.4 / 0.2 as
PostgreSQL's A / B / C) evaluated for each FAQ the rest of the query
keeps: a full scan, 9 us a FAQ, fine for tests and demos (10,000 FAQ:
0.2 s for the page of a search, bench/README.md).  Words are split alike on both (letters and digits), so
the two backends give the same results, except for PostgreSQL's tokens of
host names, e-mails and versions ("2.5" is one word there).

Ranking: Tryton orders by fields, so ordering by ``text`` ranks by the
search text the context gives under ``crm.faq.text.order`` (the host's
key for ordering a Char or Text field by rank).  sao sends no order when
the user has not sorted the list (the FAQ action has none): ``search``
then orders by rank, then newest first, the results of the ``text``
clauses of the domain (the search bar's "Text: words") without any change
to the client; a click on a column sorts as usual.
"""
import hashlib
import logging
import re
import unicodedata
import weakref
from functools import lru_cache

from sql import Column, Expression, Literal, Table
from sql.conditionals import Coalesce
from sql.functions import Function
from sql.operators import BinaryOperator, Concat, Not

from trytond import backend
from trytond.model import Index
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

#: The text search configuration created for the FAQ (PostgreSQL)
CONFIG = 'crm_faq'
#: The column of the FAQ's stored document (PostgreSQL)
DOCUMENT = 'crm_search_document'
#: The token types that may hold accented letters (the others are ASCII)
_ACCENTED_TOKENS = 'word, hword, hword_part, numword, numhword, hword_numpart'
#: The tags and character references of formatted text (POSIX and Python)
MARKUP = r'<[^>]*>|&#?[0-9A-Za-z]+;'
#: A word: letters and digits (PostgreSQL's parser splits on the rest)
WORD = re.compile(r'[^\W_]+')
_WORD_CHAR = re.compile(r'[^\W_]')
#: A text ending with a whole word, its last: a prefix
_LAST_WORD = re.compile(r'(?:^|\s)([^\W_]+)\s*$')
#: The weights of question, keywords and answer: ts_rank's A, B, C
WEIGHTS = (1.0, 0.4, 0.2)
_MARKUP = re.compile(MARKUP)
_COMBINING = re.compile(r'[\u0300-\u036f]')
#: Letters unaccent maps that NFKD does not decompose
_LETTERS = str.maketrans({
        'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ð': 'd',
        'þ': 'th', 'ı': 'i'})
_LETTER = re.compile('[%s]' % ''.join(map(chr, _LETTERS)))
#: The text search configuration of each database (name -> config)
_CONFIGS = {}
#: The SQLite connections crm_faq_rank is registered on
_SQLITE_CONNECTIONS = weakref.WeakSet()


class FullText(Index.Usage):
    "A tsvector searched with @@ (PostgreSQL: GIN)"
    __slots__ = ()


class _Sql(Expression):
    "A constant written in the SQL (a column's definition has no parameter)"
    __slots__ = ('_sql',)

    def __init__(self, sql):
        self._sql = sql

    def __str__(self):
        return self._sql

    @property
    def params(self):
        return ()


def _constant(value):
    return _Sql("'%s'" % value.replace("'", "''"))




class _RegexpReplace(Function):
    __slots__ = ()
    _function = 'REGEXP_REPLACE'






class _TsqueryAnd(BinaryOperator):
    __slots__ = ()
    _operator = '&&'


class _SqliteRank(Function):
    __slots__ = ()
    _function = 'CRM_FAQ_RANK'


if backend.name == 'postgresql':
    # (the host's own full-text functions; theirs need psycopg)
    from trytond.backend.postgresql.database import (
        Match, PlainToTsQuery, Setweight, ToTsQuery, ToTsvector, TsRank)
    from trytond.backend.postgresql.table import IndexMixin
    from trytond.backend.table import IndexTranslatorInterface

    class FullTextTranslator(IndexMixin, IndexTranslatorInterface):
        "GIN index of the tsvector expressions of FullText usage"
        _type = 'GIN'

        @classmethod
        def score(cls, index):
            if all(isinstance(u, FullText) for _, u in index.expressions):
                return 1000
            return 0


# ------------------------------------------------------------- the words

def split_query(value):
    """Return (text, last) of the value searched: the text (sao's
    wildcards and escapes removed) but its last word when it ends with a
    whole word, that word (a prefix) or None."""
    text = unicodedata.normalize('NFC', value)
    text = text.replace('\\', ' ').replace('%', ' ')
    match = _LAST_WORD.search(text)
    if match:
        return text[:match.start(1)], match.group(1)
    return text, None


def fold(text):
    "Return text without accents nor case, as PostgreSQL's crm_faq does."
    if text.isascii():
        return text.lower()
    text = _COMBINING.sub('', unicodedata.normalize('NFKD', text)).casefold()
    if _LETTER.search(text):
        text = text.translate(_LETTERS)
    return text


# ------------------------------------------------------------ PostgreSQL

def search_config():
    """Return the text search configuration of the database: crm_faq when
    __register__ could create it, else simple."""
    database = Transaction().database
    if database.name not in _CONFIGS:
        cursor = Transaction().connection.cursor()
        cursor.execute(
            'SELECT 1 FROM pg_ts_config '
            'WHERE cfgname = %s AND pg_ts_config_is_visible(oid)', (CONFIG,))
        _CONFIGS[database.name] = CONFIG if cursor.fetchone() else 'simple'
    return _CONFIGS[database.name]


def document(table, config):
    "Return the weighted tsvector of the FAQ of table (constants inline)."
    config = _constant(config)
    answer = _RegexpReplace(
        Coalesce(table.answer, _constant('')), _constant(MARKUP),
        _constant(' '), _constant('g'))
    parts = [
        Setweight(ToTsvector(config, part), _constant(weight))
        for part, weight in [
            (table.question, 'A'),
            (Coalesce(table.keywords, _constant('')), 'B'),
            (answer, 'C')]]
    return Concat(Concat(parts[0], parts[1]), parts[2])


def ts_query(config, value):
    "Return the tsquery of value, None without words."
    text, last = split_query(value)
    query = None
    if WORD.search(text):
        query = PlainToTsQuery(_constant(config), text)
    if last:
        prefix = ToTsQuery(_constant(config), last + ':*')
        query = prefix if query is None else _TsqueryAnd(query, prefix)
    return query


def _execute_or_skip(cursor, sql):
    "Execute sql in a savepoint; return whether it succeeded."
    import psycopg
    cursor.execute('SAVEPOINT crm_faq_search')
    try:
        cursor.execute(sql)
    except psycopg.Error as exception:
        cursor.execute('ROLLBACK TO SAVEPOINT crm_faq_search')
        logger.warning("FAQ search: %s: %s", sql.split('(')[0], exception)
        return False
    cursor.execute('RELEASE SAVEPOINT crm_faq_search')
    return True


def _prepare_config(cursor):
    """Create the crm_faq configuration (with unaccent when the extension
    may be created); return the mapping of the configuration used."""
    _execute_or_skip(cursor, 'CREATE EXTENSION IF NOT EXISTS unaccent')
    _CONFIGS.pop(Transaction().database.name, None)
    if search_config() != CONFIG:
        _CONFIGS.pop(Transaction().database.name)
        if not _execute_or_skip(cursor,
                'CREATE TEXT SEARCH CONFIGURATION %s '
                '(COPY = pg_catalog.simple)' % CONFIG):
            return 'simple'
    cursor.execute(
        'SELECT 1 FROM pg_ts_dict '
        "WHERE dictname = 'unaccent' AND pg_ts_dict_is_visible(oid)")
    if cursor.fetchone():
        cursor.execute(
            'SELECT 1 FROM pg_ts_config_map m '
            'JOIN pg_ts_dict d ON d.oid = m.mapdict '
            "WHERE m.mapcfg = %s::regconfig AND d.dictname = 'unaccent'",
            (CONFIG,))
        if not cursor.fetchone():
            _execute_or_skip(cursor,
                'ALTER TEXT SEARCH CONFIGURATION %s ALTER MAPPING FOR %s '
                'WITH unaccent, simple' % (CONFIG, _ACCENTED_TOKENS))
    cursor.execute(
        'SELECT string_agg(d.dictname, \',\' ORDER BY m.maptokentype, '
        'm.mapseqno) FROM pg_ts_config_map m '
        'JOIN pg_ts_dict d ON d.oid = m.mapdict '
        'WHERE m.mapcfg = %s::regconfig', (CONFIG,))
    mapping, = cursor.fetchone()
    return mapping


def prepare_postgresql(table_name):
    """Create the text search configuration and the stored document of
    the FAQ (DOCUMENT, a generated column), made again when its definition
    or the configuration's mapping changes (the comment of the column
    keeps their hash): the host then builds its index again."""
    cursor = Transaction().connection.cursor()
    mapping = _prepare_config(cursor)
    definition = str(document(Table(table_name), search_config()))
    version = hashlib.sha256(
        f'{definition} {mapping}'.encode()).hexdigest()[:16]
    cursor.execute(
        'SELECT col_description(attrelid, attnum) FROM pg_attribute '
        'WHERE attrelid = %s::regclass AND attname = %s '
        'AND NOT attisdropped', (table_name, DOCUMENT))
    row = cursor.fetchone()
    if row and row[0] == version:
        return
    if row:
        cursor.execute('ALTER TABLE "%s" DROP COLUMN "%s"' % (
                table_name, DOCUMENT))
    cursor.execute(
        'ALTER TABLE "%s" ADD COLUMN "%s" tsvector '
        'GENERATED ALWAYS AS (%s) STORED' % (
            table_name, DOCUMENT, definition))
    cursor.execute('COMMENT ON COLUMN "%s"."%s" IS \'%s\'' % (
            table_name, DOCUMENT, version))


# ---------------------------------------------------------------- SQLite

@lru_cache(maxsize=64)
def _query_patterns(value):
    """Return the patterns of the folded words of value: whole words, the
    last one a prefix when it is one (the beginning of a word: found)."""
    text, last = split_query(value)
    words = [r'%s(?![^\W_])' % re.escape(w) for w in WORD.findall(fold(text))]
    if last:
        words.append(re.escape(fold(last)))
    # (a literal first: the regular expression engine looks for it fast)
    return tuple(map(re.compile, words))


def _found(pattern, text):
    "Return whether pattern is found in text at the beginning of a word."
    for match in pattern.finditer(text):
        start = match.start()
        if not start or not _WORD_CHAR.match(text, start - 1):
            return True
    return False


def sqlite_rank(question, keywords, answer, value):
    """Return the rank of a FAQ for value: 0 when a word is missing, else
    the sum over the words of the weight of the first field having it."""
    patterns = _query_patterns(value)
    if not patterns:
        return 1.0
    texts = [question, keywords, answer]
    folded = [None] * len(texts)
    rank = 0.0
    for pattern in patterns:
        for i, weight in enumerate(WEIGHTS):
            if folded[i] is None:
                text = texts[i] or ''
                if i == 2:
                    text = _MARKUP.sub(' ', text)
                folded[i] = fold(text)
            if _found(pattern, folded[i]):
                rank += weight
                break
        else:
            return 0.0
    return rank


def sqlite_function(table, value):
    "Return the crm_faq_rank of the FAQ of table (registered once)."
    connection = Transaction().connection
    if connection not in _SQLITE_CONNECTIONS:
        connection.create_function(
            'crm_faq_rank', 4, sqlite_rank, deterministic=True)
        _SQLITE_CONNECTIONS.add(connection)
    return _SqliteRank(table.question, table.keywords, table.answer, value)


# ---------------------------------------------------------------- model

def _ranked_text(domain):
    """Return the words of the ('text', 'like' or 'ilike', words) clauses
    that domain ANDs (none under an OR), None without any."""
    if not isinstance(domain, (list, tuple)) or not domain:
        return None
    if isinstance(domain[0], str):
        if domain[0] == 'OR':
            return None
        if domain[0] != 'AND':
            if (domain[0] == 'text' and len(domain) == 3
                    and domain[1] in {'like', 'ilike'}
                    and isinstance(domain[2], str)):
                return domain[2]
            return None
        domain = domain[1:]
    values = [v for v in map(_ranked_text, domain) if v]
    return ' '.join(values) or None


class FaqSearchMixin:
    """The ranked search of the FAQ's ``text`` field (a Function field
    with a getter) over question, keywords and answer."""
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if backend.name == 'postgresql':
            t = cls.__table__()
            cls._sql_indexes.add(
                Index(t, (Column(t, DOCUMENT), FullText())))

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        if backend.name == 'postgresql':
            prepare_postgresql(cls._table)

    @classmethod
    def _text_order_key(cls):
        return '%s.text.order' % cls.__name__

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        if order is None and not count:
            value = _ranked_text(domain)
            if value:
                # (sao's list when the user has not sorted it)
                order = [('text', 'DESC')] + list(cls._order)
                with Transaction().set_context(
                        {cls._text_order_key(): value}):
                    return super().search(
                        domain, offset, limit, order, count, query)
        return super().search(domain, offset, limit, order, count, query)

    @classmethod
    def domain_text(cls, domain, tables):
        table, _ = tables[None]
        name, operator, value = domain
        if (operator not in {'like', 'ilike', 'not like', 'not ilike'}
                or not isinstance(value, str)):
            return cls.question.convert_domain(
                ('question', operator, value), tables, cls)
        if backend.name == 'postgresql':
            config = search_config()
            query = ts_query(config, value)
            expression = (Literal(True) if query is None
                else Match(Column(table, DOCUMENT), query))
        else:
            expression = sqlite_function(table, value) > 0
        if operator.startswith('not'):
            expression = Not(expression)
        return expression

    @classmethod
    def order_text(cls, tables):
        """Order by the rank of the FAQ for the search text of the
        context, by question without."""
        table, _ = tables[None]
        value = Transaction().context.get(cls._text_order_key())
        if not value:
            return [table.question]
        if backend.name == 'postgresql':
            config = search_config()
            query = ts_query(config, value)
            if query is None:
                return []
            return [TsRank(Column(table, DOCUMENT), query)]
        return [sqlite_function(table, value)]
