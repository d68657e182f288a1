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

As the user (``pipeline_board_data.py``)
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
import secrets
import string
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    HTTPStatus, Response, exceptions, redirect, set_max_request_size,
    with_pool, with_transaction)
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import StateAction, Wizard
from trytond.wsgi import app

from .pipeline_board_data import (
    SCOPES, Refused, _next_quarter, as_user, board_data, move,
    quarter_code)
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
#: A move is a small JSON object
MAX_BODY_SIZE = 4096
#: What the page's script and style are
ASSETS = {
    'board.js': 'text/javascript; charset=utf-8',
    'board.css': 'text/css; charset=utf-8',
    }
ASSET_DIR = Path(__file__).resolve().parent / 'pipeline_board'
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


def _session_model(pool):
    "The session model, or 404 (crm_sales not activated)."
    try:
        return pool.get('crm.pipeline_board.session')
    except KeyError:
        raise exceptions.NotFound()


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
