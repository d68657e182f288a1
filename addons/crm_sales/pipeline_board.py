# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The pipeline board: the open potentials as cards in columns by stage.

sao has no kanban view: the board is a page of its own served by the
server (``pipeline_board/``: the HTML template, its script and style),
opened from CRM > Sales > Pipeline Board in a new tab of the browser.

Opening
    The menu runs the wizard ``crm.pipeline_board.open``, whose action is
    an ``ir.action.url`` to ``/<database>/crm/pipeline/board?code=<code>``
    (sao opens it in a new tab).  The launch code is random, valid 120 s
    and used once: the page exchanges it for a session cookie (HttpOnly,
    ``SameSite=Strict``, path ``/<database>/crm/pipeline/``, ``Secure``
    over https) and redirects (303) to the address without the code.  A
    wrong, expired or used code is answered 404, without saying which.
Sessions (``crm.pipeline_board.session``, no access over RPC)
    The user, the launch code and the session key as SHA-256 hashes (never
    in clear), the CSRF token and the expiry (8 hours).  The expired ones
    are deleted at each launch and each exchange.  Launching the board
    again in the same browser replaces its cookie: the tabs opened before
    are refused and say so.
Routes (the cookie's session; the page lists them)
    ``GET  /<database>/crm/pipeline/board``: the page (CSP ``default-src
    'self'``, no inline script: the CSRF token is in a ``<meta>``, the
    labels and filters in ``data-`` attributes); without a valid session,
    a page saying it ended (403).
    ``GET  /<database>/crm/pipeline/data?scope=mine|team|all&quarter=
    YYYY-Qn``: the columns, their cards and totals (JSON).
    ``POST /<database>/crm/pipeline/move`` ``{"potential": id, "stage":
    id, "scope": ..., "quarter": ...}``: moves a card (JSON, header
    ``X-CSRF-Token``, an ``Origin``, if any, of the server's host).
    ``GET  /<database>/crm/pipeline/static/<asset>``: the script and style.

As the user
    Every search, read and write runs as the session's user with its
    access checked, through the path of a JSON-RPC call
    (:func:`_as_rpc`: the request guard, the rules, the profiles), never
    as root: the cards are what a ``search`` and ``read`` of the user
    give, the totals a grouped query with the user's read rules in its
    WHERE (``crm_core.report``), and a move is the ``write`` of the stage
    that the form makes (probability, stage history, closing, the lost
    reason required).  A potential the user may not read is answered as a
    missing one (404, same message); a bad stage or value 400, a refusal
    of the write 400 with its message; nothing is written then (the
    transaction is rolled back).

Columns
    The active sales stages in their order, the closing ones (Won, Lost)
    included since the form may set them: an open stage holds the open
    potentials in it, a closing stage the potentials closed in it; each
    at most :data:`CARD_LIMIT` cards (the totals count them all).
"""
import datetime as dt
import hashlib
import hmac
import html
import json
import re
import secrets
import string
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    HTTPStatus, Response, exceptions, redirect, set_max_request_size,
    with_pool, with_transaction)
from trytond.tools import is_instance_method
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import StateAction, Wizard
from trytond.wsgi import app

from crm_core.report import report_readable_condition
from crm_core.request_guard import dispatching

from .web_to_lead import _language

BOARD_PATH = '/<database_name>/crm/pipeline/board'
DATA_PATH = '/<database_name>/crm/pipeline/data'
MOVE_PATH = '/<database_name>/crm/pipeline/move'
ASSET_PATH = '/<database_name>/crm/pipeline/static/<asset>'
COOKIE = 'crm_pipeline_session'
#: How long a launch code and a session last
CODE_LIFETIME = dt.timedelta(seconds=120)
SESSION_LIFETIME = dt.timedelta(hours=8)
#: secrets.token_urlsafe(32) is 43 characters
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
#: The cards shown per column (the totals count every potential)
CARD_LIMIT = 200
#: A move is a small JSON object
MAX_BODY_SIZE = 4096
OPEN_STATES = ['opportunity', 'converted']
CLOSED_STATES = ['won', 'lost']
SCOPES = ('mine', 'team', 'all')
QUARTER = re.compile(r'([0-9]{4})-Q([1-4])')
MOVE_KEYS = {'potential', 'stage', 'scope', 'quarter'}
#: What the page's script and style are
ASSETS = {
    'board.js': 'text/javascript; charset=utf-8',
    'board.css': 'text/css; charset=utf-8',
    }
ASSET_DIR = Path(__file__).resolve().parent / 'pipeline_board'
#: The fields of a potential a card shows (read as the user)
CARD_FIELDS = [
    'number', 'description', 'party', 'amount', 'currency',
    'expected_close_date', 'assigned_user.rec_name',
    'assigned_team.rec_name', 'sales_stage', 'state']
#: The labels of the page: {key: message}
LABELS = {
    'title': 'msg_pipeline_board_title',
    'scope': 'msg_pipeline_board_scope',
    'mine': 'msg_pipeline_board_scope_mine',
    'team': 'msg_pipeline_board_scope_team',
    'all': 'msg_pipeline_board_scope_all',
    'quarter': 'msg_pipeline_board_quarter',
    'quarter_all': 'msg_pipeline_board_quarter_all',
    'overdue': 'msg_pipeline_board_overdue',
    'move_to': 'msg_pipeline_board_move_to',
    'more': 'msg_pipeline_board_more',
    'weighted': 'msg_pipeline_board_weighted',
    'empty': 'msg_pipeline_board_empty',
    'loading': 'msg_pipeline_board_loading',
    'closed': 'msg_pipeline_board_closed',
    'no_close_date': 'msg_pipeline_board_no_close_date',
    'moved': 'msg_pipeline_board_moved',
    'unreachable': 'msg_pipeline_board_unreachable',
    'dismiss': 'msg_pipeline_board_dismiss',
    }
_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': (
        "default-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"),
    }


def _now():
    "The current time as the database stores it (naive UTC)."
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _digest(token):
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def _token_shaped(value):
    "Tell if value may be a token of ours (before any look-up)."
    return (isinstance(value, str) and len(value) == TOKEN_LENGTH
        and value.isascii())


class Session(ModelSQL):
    "A session of the pipeline board in a browser"
    __name__ = 'crm.pipeline_board.session'
    __string__ = "Pipeline Board Session"
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    code_hash = fields.Char("Launch Code Hash", strip=False)
    key_hash = fields.Char("Session Key Hash", strip=False)
    csrf_token = fields.Char("CSRF Token", strip=False)
    expires = fields.DateTime("Expires", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.code_hash, Index.Equality())),
                Index(t, (t.key_hash, Index.Equality())),
                Index(t, (t.expires, Index.Range())),
                })

    @classmethod
    def purge(cls):
        "Delete the expired sessions and launch codes."
        with without_check_access():
            cls.delete(cls.search([('expires', '<', _now())], order=[]))

    @classmethod
    def launch(cls, user_id):
        "Return a new launch code of the user's board (valid 120 s)."
        code = secrets.token_urlsafe(TOKEN_BYTES)
        cls.purge()
        with without_check_access():
            cls.create([{
                        'user': user_id,
                        'code_hash': _digest(code),
                        'expires': _now() + CODE_LIFETIME,
                        }])
        return code

    @classmethod
    def exchange(cls, code):
        """Return (session, key) for the launch code, used once, or None:
        the code is deleted and a session of 8 hours opened."""
        if not _token_shaped(code):
            return None
        cls.purge()
        digest = _digest(code)
        with without_check_access():
            sessions = cls.search([
                    ('code_hash', '=', digest),
                    ('key_hash', '=', None),
                    ('expires', '>=', _now()),
                    ], limit=1, order=[])
            if not sessions or not hmac.compare_digest(
                    sessions[0].code_hash, digest):
                return None
            session, = sessions
            key = secrets.token_urlsafe(TOKEN_BYTES)
            cls.write([session], {
                    'code_hash': None,
                    'key_hash': _digest(key),
                    'csrf_token': secrets.token_urlsafe(TOKEN_BYTES),
                    'expires': _now() + SESSION_LIFETIME,
                    })
        return session, key

    @classmethod
    def of_key(cls, key):
        "Return the live session of the key (the cookie) or None."
        if not _token_shaped(key):
            return None
        digest = _digest(key)
        with without_check_access():
            sessions = cls.search([
                    ('key_hash', '=', digest),
                    ('expires', '>=', _now()),
                    ], limit=1, order=[])
            if not sessions or not hmac.compare_digest(
                    sessions[0].key_hash, digest):
                return None
            session, = sessions
            if not session.user.active:
                return None
        return session


class OpenBoard(Wizard):
    "Open the pipeline board in a new tab of the browser"
    __name__ = 'crm.pipeline_board.open'
    start_state = 'open_'
    open_ = StateAction('crm_sales.url_pipeline_board')

    def do_open_(self, action):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Session = pool.get('crm.pipeline_board.session')
        # (run as the user: a user without access to the potentials is
        # told so here rather than by an empty board)
        ModelAccess.check('sale.opportunity', 'read')
        code = Session.launch(Transaction().user)
        action['url'] = board_path(Transaction().database.name) + (
            '?code=' + code)
        return action, {}


def board_path(database, name='board'):
    "Return the path of the board's route name in database."
    return f'/{quote(database, safe="")}/crm/pipeline/{name}'


class Refused(Exception):
    "A refused request: the HTTP status and the message."

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _session_model(pool):
    "The session model, or 404 (crm_sales not activated)."
    try:
        return pool.get('crm.pipeline_board.session')
    except KeyError:
        raise exceptions.NotFound()


def _user_context(user_id):
    "The context of the user's preferences (language, company ...)."
    User = Pool().get('res.user')
    with without_check_access():
        return User._get_preferences(User(user_id), context_only=True)


@contextmanager
def as_user(user_id):
    """Run the block as the user with its preferences and access checked,
    as a JSON-RPC call of the user runs."""
    transaction = Transaction()
    context = _user_context(user_id)
    with transaction.set_user(user_id), \
            transaction.set_context(context, _check_access=True):
        yield


def _as_rpc(Model, method, *args):
    """Call Model.method as the JSON-RPC dispatcher does for the user of
    the transaction: its arguments converted (records instantiated and
    checked), the user's context, the access checks of the method's RPC
    and the request guard around the call."""
    transaction = Transaction()
    rpc = Model.__rpc__[method]
    context = {k: v for k, v in transaction.context.items()
        if not k.startswith('_')}
    with dispatching():
        c_args, c_kwargs, c_context, _ = rpc.convert(Model, *args, context)
        with transaction.reset_context(), \
                transaction.set_context(c_context):
            call = rpc.decorate(getattr(Model, method))
            if (rpc.instantiate is None
                    or not is_instance_method(Model, method)):
                return rpc.result(call(*c_args, **c_kwargs))
            raise NotImplementedError(method)


# ------------------------------------------------------------ the filters

def _scope(value):
    if value in (None, ''):
        return 'all'
    if value not in SCOPES:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_invalid_scope'))
    return value


def _quarter(value):
    "Return (first day, day after) of the quarter YYYY-Qn, None for all."
    if value in (None, '', 'all'):
        return None
    match = QUARTER.fullmatch(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(1)) <= 9998:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_invalid_quarter'))
    year, quarter = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * quarter - 2, 1)
    end = (dt.date(year + 1, 1, 1) if quarter == 4
        else dt.date(year, 3 * quarter + 1, 1))
    return start, end


def quarter_code(date):
    "Return the quarter of date as YYYY-Qn."
    return f'{date.year}-Q{(date.month - 1) // 3 + 1}'


def _next_quarter(date):
    month = (date.month - 1) // 3 * 3 + 4
    if month > 12:
        return dt.date(date.year + 1, 1, 1)
    return dt.date(date.year, month, 1)


def filter_domain(scope, quarter):
    """Return the domain of the potentials of the filters: scope (mine,
    team: the teams the user belongs to or leads, their potentials and
    their members' and leaders'; all) and quarter (of the expected close
    date).  Read rules apply on top of it."""
    pool = Pool()
    Team = pool.get('crm.team')
    user_id = Transaction().user
    domain = []
    if scope == 'mine':
        domain.append(('assigned_user', '=', user_id))
    elif scope == 'team':
        # (the user's own teams, ids only: the rules still decide what
        # of their potentials it reads)
        with without_check_access():
            teams = Team.search(['OR',
                    ('members', '=', user_id),
                    ('leader', '=', user_id),
                    ], order=[])
            members = {user_id}
            for team in teams:
                members.update(m.id for m in team.members)
                if team.leader:
                    members.add(team.leader.id)
        domain.append(['OR',
                ('assigned_team', 'in', [t.id for t in teams]),
                ('assigned_user', 'in', sorted(members)),
                ])
    bounds = _quarter(quarter)
    if bounds:
        domain += [
            ('expected_close_date', '>=', bounds[0]),
            ('expected_close_date', '<', bounds[1]),
            ]
    return domain


def column_domain(stage):
    """The domain of the potentials of the column of stage (a dict with
    id and closing)."""
    states = OPEN_STATES + CLOSED_STATES if stage['closing'] else OPEN_STATES
    return [('sales_stage', '=', stage['id']), ('state', 'in', states)]


def column_order(stage):
    "Open potentials closing soonest first, closed ones latest first."
    if stage['closing']:
        return [('expected_close_date', 'DESC NULLS LAST'), ('id', 'DESC')]
    return [('expected_close_date', 'ASC NULLS LAST'), ('id', 'ASC')]


# -------------------------------------------------------- what is shown

def _stages():
    "The columns: the active sales stages in their order, as the user."
    Stage = Pool().get('crm.sales_stage')
    return _as_rpc(Stage, 'search_read', [], 0, None, None,
        ['name', 'closing'])


class _Formats:
    "The user's formats of amounts and dates."

    def __init__(self):
        pool = Pool()
        self.lang = pool.get('ir.lang').get()
        # (the same amounts and dates come again and again on a board)
        self._currencies, self._amounts, self._dates = {}, {}, {}
        company_id = Transaction().context.get('company')
        self.currency = None
        if company_id:
            with without_check_access():
                company = pool.get('company.company')(company_id)
                self.currency = self.currency_of(company.currency.id)

    def currency_of(self, currency_id):
        if currency_id not in self._currencies:
            Currency = Pool().get('currency.currency')
            with without_check_access():
                self._currencies[currency_id] = Currency(currency_id)
        return self._currencies[currency_id]

    def amount(self, value, currency):
        key = (value, currency.id if currency else None)
        if key not in self._amounts:
            if currency is None:
                self._amounts[key] = self.lang.format_number(
                    value, grouping=True)
            else:
                self._amounts[key] = self.lang.currency(
                    value, currency, grouping=True)
        return self._amounts[key]

    def date(self, value):
        if value and value not in self._dates:
            self._dates[value] = self.lang.strftime(value)
        return self._dates.get(value)


def account_names(party_ids):
    """Return {party id: name} of the accounts of the cards: the name of
    those the user may read (searched with its rules), crm_core's
    placeholder for the others, as a read of ``party.rec_name`` with the
    potentials gives them.

    (Their name, not their CRM rec_name: the rec_name of the 1,450
    accounts of a full board loads every column of each, 300 ms of its
    600 at 100,000 potentials; their names read in 40, bench/README.md.)"""
    Party = Pool().get('party.party')
    party_ids = sorted(set(filter(None, party_ids)))
    readable = Party.search([('id', 'in', party_ids)], order=[])
    names = {r['id']: r['name'] or f"[{r['code']}]" for r in Party.read(
            [p.id for p in readable], ['name', 'code'])}
    placeholder = gettext('crm_core.msg_hidden_record')
    return {i: names.get(i, placeholder) for i in party_ids}


def _cards(rows, overdue, formats):
    "Return the cards of the potentials' rows (read as the user)."
    accounts = account_names(r['party'] for r in rows)
    cards = []
    for row in rows:
        currency = (formats.currency_of(row['currency'])
            if row['currency'] else None)
        owner = ((row.get('assigned_user.') or {}).get('rec_name')
            or (row.get('assigned_team.') or {}).get('rec_name') or '')
        cards.append({
                'id': row['id'],
                'name': row['description'] or row['number'] or '',
                'number': row['number'] or '',
                'account': accounts.get(row['party'], ''),
                'amount': (formats.amount(row['amount'], currency)
                    if row['amount'] is not None else ''),
                'close_date': formats.date(row['expected_close_date']),
                'owner': owner,
                'overdue': row['id'] in overdue,
                'stage': row['sales_stage'],
                'closed': row['state'] not in OPEN_STATES,
                })
    return cards


def overdue_ids(ids):
    """Return the ids among the potentials ids with an open activity past
    due that the user may read.

    (Searched as the user, with its rules, not through _as_rpc: the ids
    are those its own search gave, and the request guard's check of 1,600
    references was 140 of the 160 ms of the search, bench/README.md.)"""
    pool = Pool()
    Activity = pool.get('crm.activity')
    ModelAccess = pool.get('ir.model.access')
    if not ids or not ModelAccess.check(
            'crm.activity', 'read', raise_exception=False):
        return set()
    result = set()
    ids = sorted(ids)
    for start in range(0, len(ids), 1000):
        rows = Activity.search_read([
                ('resource', 'in', [
                        f'sale.opportunity,{i}'
                        for i in ids[start:start + 1000]]),
                ('due', '=', 'overdue'),
                ], order=[], fields_names=['resource'])
        result.update(int(r['resource'].split(',')[1]) for r in rows)
    return result


def totals(domain, stages, formats):
    """Return {stage id: totals} of the columns of stages for the filter
    domain: count, amount and weighted amount (amount x probability) per
    currency, counted in one grouped query with the user's read rules in
    its WHERE (crm_core.report), as the pipeline reports are."""
    pool = Pool()
    Opportunity = pool.get('sale.opportunity')
    ModelAccess = pool.get('ir.model.access')
    ModelAccess.check('sale.opportunity', 'read')
    result = {s['id']: {'count': 0, 'sums': []} for s in stages}
    if stages:
        table = Opportunity.__table__()
        columns = ['OR'] + [column_domain(s) for s in stages]
        tables, condition = Opportunity.search_domain(
            [domain, columns], active_test=False,
            tables={None: (table, None)})
        if len(tables) != 1:
            # (every clause is on the table's own columns)
            raise ValueError("the board's filters joined another table")
        condition &= report_readable_condition(table, 'sale.opportunity')
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.sales_stage, table.currency, Count(table.id),
                Sum(Coalesce(table.amount, 0)),
                Sum(table.amount * table.conversion_probability),
                where=condition,
                group_by=[table.sales_stage, table.currency],
                order_by=[table.sales_stage, table.currency]))
        for stage_id, currency_id, count, amount, weighted in cursor:
            column = result[stage_id]
            column['count'] += count
            currency = formats.currency_of(currency_id)
            quantum = Decimal(10) ** -currency.digits
            column['sums'].append({
                    'currency': currency.code,
                    'amount': Decimal(str(amount or 0)).quantize(quantum),
                    'weighted': Decimal(str(weighted or 0)).quantize(
                        quantum),
                    '_currency': currency,
                    })
    for column in result.values():
        sums = column.pop('sums')
        if not sums:
            column['amount'] = formats.amount(Decimal(0), formats.currency)
            column['weighted'] = column['amount']
        else:
            column['amount'] = ' + '.join(
                formats.amount(s['amount'], s['_currency']) for s in sums)
            column['weighted'] = ' + '.join(
                formats.amount(s['weighted'], s['_currency']) for s in sums)
        column['sums'] = [{
                'currency': s['currency'], 'amount': str(s['amount']),
                'weighted': str(s['weighted'])} for s in sums]
    return result


def board_data(scope, quarter):
    """Return the columns of the board for the filters, searched and read
    as the user of the transaction."""
    Opportunity = Pool().get('sale.opportunity')
    scope = _scope(scope)
    domain = filter_domain(scope, quarter)
    formats = _Formats()
    stages = _stages()
    ids_of, rows = {}, {}
    for stage in stages:
        ids = ids_of[stage['id']] = _as_rpc(Opportunity, 'search',
            [domain, column_domain(stage)], 0, CARD_LIMIT,
            column_order(stage))
        # (a read per column: at most CARD_LIMIT records, as sao reads)
        if ids:
            rows.update((r['id'], r) for r in _as_rpc(
                    Opportunity, 'read', ids, CARD_FIELDS))
    overdue = overdue_ids(list(rows))
    sums = totals(domain, stages, formats)
    cards_of = {c['id']: c for c in _cards(
            list(rows.values()), overdue, formats)}
    columns = []
    for stage in stages:
        cards = [cards_of[i] for i in ids_of[stage['id']]]
        columns.append({
                'id': stage['id'],
                'name': stage['name'],
                'closing': stage['closing'],
                'cards': cards,
                'more': max(sums[stage['id']]['count'] - len(cards), 0),
                **sums[stage['id']],
                })
    return {'scope': scope, 'quarter': quarter or '', 'stages': columns}


def _int_id(value):
    "Return value as a record id, or None."
    if (isinstance(value, int) and not isinstance(value, bool)
            and 0 < value < 2 ** 31):
        return value
    return None


def move(body):
    """Move the potential of body to its stage as the user of the
    transaction, through the write the form makes; return the card and
    the totals of the two columns."""
    Opportunity = Pool().get('sale.opportunity')
    invalid = Refused(HTTPStatus.BAD_REQUEST, gettext(
            'crm_sales.msg_pipeline_board_invalid_request'))
    if not isinstance(body, dict) or set(body) - MOVE_KEYS:
        raise invalid
    potential_id = _int_id(body.get('potential'))
    stage_id = body.get('stage')
    if potential_id is None:
        raise invalid
    scope = _scope(body.get('scope'))
    quarter = body.get('quarter')
    domain = filter_domain(scope, quarter)
    found = _as_rpc(Opportunity, 'search', [
            ('id', '=', potential_id),
            ('state', '!=', 'lead'),
            ], 0, 1, None)
    if not found:
        # A hidden potential is a missing one
        raise Refused(HTTPStatus.NOT_FOUND, gettext(
                'crm_sales.msg_pipeline_board_potential_not_found'))
    stages = {s['id']: s for s in _stages()}
    if _int_id(stage_id) not in stages:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_invalid_stage'))
    before, = _as_rpc(Opportunity, 'read', [potential_id],
        ['state', 'sales_stage', 'rec_name'])
    if before['state'] not in OPEN_STATES:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_potential_closed',
                potential=before['rec_name']))
    _as_rpc(Opportunity, 'write', [potential_id], {'sales_stage': stage_id})
    row, = _as_rpc(Opportunity, 'read', [potential_id], CARD_FIELDS)
    formats = _Formats()
    card, = _cards([row], overdue_ids([potential_id]), formats)
    changed = [stages[i] for i in sorted(
            {before['sales_stage'], stage_id}) if i in stages]
    return {'card': card, 'totals': {
            str(k): v for k, v in totals(domain, changed, formats).items()}}


# ------------------------------------------------------------- responses

def _response(body, status, content_type, headers=None):
    return Response(body, status, content_type=content_type,
        headers={**_HEADERS, **(headers or {})})


def _json_response(status, data):
    return _response(json.dumps(data), status, 'application/json')


def _refused(refusal):
    return _json_response(refusal.status, {'error': refusal.message})


@cache
def _asset(name):
    "Return (bytes, version) of the asset name."
    body = (ASSET_DIR / name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:12]


@cache
def _template():
    return string.Template(
        (ASSET_DIR / 'board.html').read_text(encoding='utf-8'))


def _ended_page(status=HTTPStatus.FORBIDDEN):
    "The page of a board without session (the text of an ir.message)."
    text = html.escape(gettext('crm_sales.msg_pipeline_board_session_ended'))
    title = html.escape(gettext('crm_sales.msg_pipeline_board_title'))
    body = (
        '<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8">'
        '<title>%s</title><link rel="stylesheet" href="static/board.css?v=%s">'
        '</head><body class="crm-board-ended"><main><h1>%s</h1><p>%s</p>'
        '</main></body></html>\n') % (
        html.escape(Transaction().language or 'en'), title,
        _asset('board.css')[1], title, text)
    return _response(body, status, 'text/html; charset=utf-8')


def _page(session):
    "The page of the board for the session's user (as the user)."
    pool = Pool()
    Date = pool.get('ir.date')
    User = pool.get('res.user')
    today = Date.today()
    this, next_ = quarter_code(today), quarter_code(_next_quarter(today))
    labels = {k: gettext(f'crm_sales.{m}') for k, m in LABELS.items()}
    quarters = [
        {'value': this, 'label': gettext(
                'crm_sales.msg_pipeline_board_quarter_this', quarter=this)},
        {'value': next_, 'label': gettext(
                'crm_sales.msg_pipeline_board_quarter_next', quarter=next_)},
        {'value': '', 'label': labels['quarter_all']},
        ]
    with without_check_access():
        user_name = User(session.user.id).rec_name
    values = {
        'lang': Transaction().language or 'en',
        'title': labels['title'],
        'user': user_name,
        'csrf': session.csrf_token,
        'labels': json.dumps(labels),
        'quarters': json.dumps(quarters),
        'scopes': json.dumps([
                {'value': s, 'label': labels[s]} for s in SCOPES]),
        'scope_label': labels['scope'],
        'quarter_label': labels['quarter'],
        'loading': labels['loading'],
        'js': _asset('board.js')[1],
        'css': _asset('board.css')[1],
        }
    body = _template().substitute(
        {k: html.escape(v, quote=True) for k, v in values.items()})
    return _response(body, HTTPStatus.OK, 'text/html; charset=utf-8')


def _session_cookie(request, database, key):
    response = redirect(
        request.script_root + board_path(database), HTTPStatus.SEE_OTHER,
        Response=Response)
    response.headers.extend(_HEADERS)
    response.set_cookie(COOKIE, key,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=request.script_root + board_path(database, ''),
        secure=request.is_secure,
        httponly=True, samesite='Strict')
    return response


def _session(request, Session):
    session = Session.of_key(request.cookies.get(COOKIE))
    if session is None:
        raise Refused(HTTPStatus.FORBIDDEN, gettext(
                'crm_sales.msg_pipeline_board_session_ended'))
    return session


# ---------------------------------------------------------------- routes

@app.route(BOARD_PATH, methods=['GET'])
@with_pool
@with_transaction(readonly=False)
def board(request, pool):
    """Exchange the launch code for a session cookie, or serve the page of
    the cookie's session."""
    Session = _session_model(pool)
    code = request.args.get('code')
    with Transaction().set_context(language=_language(request, pool)):
        if code is not None:
            exchanged = Session.exchange(code)
            if exchanged is None:
                # (answered, not raised: the purge of the exchange stays)
                return exceptions.NotFound().get_response(request.environ)
            _, key = exchanged
            return _session_cookie(request, pool.database_name, key)
        session = Session.of_key(request.cookies.get(COOKIE))
        if session is None:
            return _ended_page()
    with as_user(session.user.id):
        return _page(session)


@app.route(DATA_PATH, methods=['GET'])
@with_pool
@with_transaction()
def data(request, pool):
    "The columns, cards and totals of the board (JSON)."
    Session = _session_model(pool)
    transaction = Transaction()
    try:
        with transaction.set_context(language=_language(request, pool)):
            session = _session(request, Session)
        with as_user(session.user.id):
            try:
                result = board_data(
                    request.args.get('scope'), request.args.get('quarter'))
            except (UserError, UserWarning) as error:
                raise Refused(HTTPStatus.BAD_REQUEST, error.message)
    except Refused as refusal:
        return _refused(refusal)
    return _json_response(HTTPStatus.OK, result)


def _check_post(request, session):
    "Refuse a post that is not the page's: type, CSRF token, origin."
    if request.mimetype != 'application/json':
        raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, gettext(
                'crm_sales.msg_pipeline_board_content_type'))
    forbidden = Refused(HTTPStatus.FORBIDDEN, gettext(
            'crm_sales.msg_pipeline_board_forbidden'))
    token = request.headers.get('X-CSRF-Token', '')
    if not (session.csrf_token and hmac.compare_digest(
                token.encode('utf-8', 'replace'),
                session.csrf_token.encode('utf-8'))):
        raise forbidden
    origin = request.headers.get('Origin')
    if origin is not None and (
            origin == 'null' or urlsplit(origin).netloc != request.host):
        raise forbidden
    if request.headers.get('Sec-Fetch-Site') not in {None, 'same-origin'}:
        raise forbidden


def _read_body(request):
    invalid = Refused(HTTPStatus.BAD_REQUEST, gettext(
            'crm_sales.msg_pipeline_board_invalid_request'))
    if (request.content_length or 0) > MAX_BODY_SIZE:
        raise invalid
    request.max_content_length = MAX_BODY_SIZE
    try:
        return json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError, exceptions.HTTPException):
        raise invalid


@app.route(MOVE_PATH, methods=['POST'])
@set_max_request_size(MAX_BODY_SIZE)
@with_pool
@with_transaction()
def move_card(request, pool):
    "Move a card to another stage (JSON); nothing written when refused."
    Session = _session_model(pool)
    transaction = Transaction()
    try:
        with transaction.set_context(language=_language(request, pool)):
            session = _session(request, Session)
        with as_user(session.user.id):
            _check_post(request, session)
            body = _read_body(request)
            try:
                result = move(body)
            except (UserError, UserWarning) as error:
                raise Refused(HTTPStatus.BAD_REQUEST, error.message)
    except Refused as refusal:
        transaction.rollback()
        transaction.tasks.clear()
        return _refused(refusal)
    return _json_response(HTTPStatus.OK, result)


@app.route(ASSET_PATH, methods=['GET'])
def asset(request, database_name, asset):
    "The script and style of the page (no data in them)."
    if asset not in ASSETS:
        raise exceptions.NotFound()
    body, _ = _asset(asset)
    return Response(body, HTTPStatus.OK, content_type=ASSETS[asset],
        headers={
            'Cache-Control': 'public, max-age=86400',
            'X-Content-Type-Options': 'nosniff',
            })
