# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Web-to-lead: a public HTTP endpoint that turns a web form into a lead.

``POST /<database_name>/crm/web-to-lead`` takes an HTML form
(``application/x-www-form-urlencoded`` or ``multipart/form-data``) or a
JSON object (``application/json``) and creates a CRM lead
(``sale.opportunity`` in the *lead* state, ``crm_lead``) with the lead
source *Web Site*.

The CRM configuration (page *Web-to-Lead*) enables the endpoint (else it
answers 404) and sets the user who creates and owns the leads (or the team
owning them), the fields a form may fill, the page a form post is
redirected to, the posts allowed per minute from one address and the
number of trusted reverse proxies.

Answers
    A form post: 303 to the redirect URL, or a plain-text thank-you page
    (200).  A JSON caller (``Content-Type`` or ``Accept`` is
    ``application/json``): 201 and ``{"status": "created"}``, never an id.
    Refusals: 400 (unreadable body, unknown or repeated field), 413 (body
    over ``MAX_BODY_SIZE``, refused from its ``Content-Length`` before it
    is read), 415 (other content types), 422 (missing, too long or
    malformed value), 429 (rate limit) and 404 (disabled); as plain text,
    or ``{"error": <message>, "field": <form field or null>}`` for JSON
    callers.  The texts are ``ir.message`` records, in the language the
    caller accepts.  Nothing is written when a post is refused.

What the caller cannot do
    The route runs as root: the lead is created as the configured owner,
    with access checked as over RPC (its profile, the sharing rules), so
    the request never chooses the user.  Only the configured fields are
    read: the owner, company, state, lead source or any other field in the
    body is refused (400), so a form's submit button has no ``name``.

HTML
    Values are stored as text, HTML kept verbatim: nothing is stripped and
    no tag is interpreted (Tryton's clients show Char and Text fields as
    text) and no value is echoed in an answer.  Control characters are
    removed; single-line fields have their runs of white space collapsed.

Honeypot
    A form field ``website_url`` (``HONEYPOT``), hidden from people by the
    form's CSS: a bot that fills it gets the success answer and nothing is
    created.

Rate limit
    A sliding window of one minute per client address (an IPv6 address
    counts by its /64 network), in the memory of the server process.  With
    several worker processes each counts on its own, so an address may get
    up to *workers x limit* posts per minute through, and a restart resets
    the counts: put a limit in the reverse proxy (e.g. nginx
    ``limit_req``) where that matters.  The client address is the peer's,
    or, when the configuration trusts N proxies, the N-th address from the
    right of ``X-Forwarded-For`` (each proxy appends the address it got
    the request from).  Leave it at 0 when trytond's ``[web] num_proxies``
    already rewrites the peer address.

Cross-origin posts
    Browsers send ``Origin`` with a form posted from another site and
    trytond refuses (403) an origin missing from ``[web] cors``: list the
    web site's origin there.
"""
import ipaddress
import json
import logging
import threading
import time
import unicodedata
from collections import deque
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.protocols.wrappers import (
    HTTPStatus, Response, exceptions, redirect, set_max_request_size,
    with_pool, with_transaction)
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, check_access
from trytond.wsgi import app

from crm_core.party import valid_email, valid_url

logger = logging.getLogger(__name__)

#: The lead fields a web form may fill, with the longest value accepted
#: (characters).  The columns are unbounded: the limits keep a post from
#: storing megabytes in a lead.
CAPTURE_FIELDS = {
    'salutation': 10,
    'first_name': 100,
    'last_name': 100,
    'lead_company': 200,
    'job_title': 100,
    'email': 254,
    'phone': 40,
    'mobile': 40,
    'website': 255,
    'street': 500,
    'postal_code': 20,
    'city': 100,
    'country': 3,
    'industry': 30,
    'employees': 9,
    'annual_revenue': 16,
    'description': 200,
    'comment': 4000,
    }
#: A CRM lead needs them (lead.py)
REQUIRED_FIELDS = ('last_name', 'lead_company')
DEFAULT_FIELDS = [
    'salutation', 'first_name', 'last_name', 'lead_company', 'job_title',
    'email', 'phone', 'website', 'city', 'country', 'comment']
#: The hidden form field only bots fill
HONEYPOT = 'website_url'
#: The whole body: the longest values of every field, each character
#: URL-encoded from 3 UTF-8 bytes (9 bytes), fit in 64 KiB
MAX_BODY_SIZE = 64 * 1024
#: More parts than fields: a multipart flood is refused early
MAX_FORM_PARTS = 2 * len(CAPTURE_FIELDS)
RATE_WINDOW = 60
PATH = '/<database_name>/crm/web-to-lead'


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'
    web_to_lead = fields.Boolean(
        "Web-to-Lead",
        help="Accept the leads that web forms post to the endpoint.")
    web_to_lead_url = fields.Function(
        fields.Char(
            "Endpoint",
            help="The path, on this server, web forms post their leads to."),
        'get_web_to_lead_url')
    web_to_lead_user = fields.Many2One(
        'res.user', "Lead Owner",
        states={
            'required': Bool(Eval('web_to_lead')),
            },
        help="The user who creates the posted leads and owns them, unless "
        "a team does; its profile must grant Create on opportunities.")
    web_to_lead_team = fields.Many2One(
        'crm.team', "Lead Team",
        domain=['OR',
            ('members', '=', Eval('web_to_lead_user', -1)),
            ('leader', '=', Eval('web_to_lead_user', -1)),
            ],
        help="The team owning the posted leads instead of the lead owner "
        "(who must belong to the team or lead it).")
    web_to_lead_fields = fields.MultiSelection(
        'get_web_to_lead_fields', "Allowed Fields",
        help="The fields of a lead a web form may fill; any other field "
        "in a post is refused.")
    web_to_lead_redirect = fields.Char(
        "Redirect URL",
        help="The page a visitor is sent to after posting the form; "
        "without it, a short thank-you text.")
    web_to_lead_rate_limit = fields.Integer(
        "Posts per Minute", required=True,
        domain=[('web_to_lead_rate_limit', '>=', 1)],
        help="The posts accepted from one address per minute.")
    web_to_lead_proxies = fields.Integer(
        "Trusted Proxies", required=True,
        domain=[('web_to_lead_proxies', '>=', 0)],
        help="The number of reverse proxies in front of the server whose "
        "X-Forwarded-For header tells the visitor's address (0: none).")

    @classmethod
    def default_web_to_lead(cls):
        return False

    @classmethod
    def default_web_to_lead_fields(cls):
        return list(DEFAULT_FIELDS)

    @classmethod
    def default_web_to_lead_rate_limit(cls):
        return 5

    @classmethod
    def default_web_to_lead_proxies(cls):
        return 0

    @classmethod
    def default_web_to_lead_url(cls):
        # (what the singleton reads before it is first saved)
        return PATH.replace('<database_name>', Transaction().database.name)

    def get_web_to_lead_url(self, name):
        return self.default_web_to_lead_url()

    @classmethod
    def get_web_to_lead_fields(cls):
        Opportunity = Pool().get('sale.opportunity')
        return [(n, Opportunity.__names__(n)['field'])
            for n in CAPTURE_FIELDS]

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        cls.check_web_to_lead(configurations, field_names)

    @classmethod
    def check_web_to_lead(cls, configurations, field_names=None):
        """Refuse allowed fields without the required ones, a redirect
        that is not an http(s) URL and an owner who may not create leads."""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        User = pool.get('res.user')
        for configuration in configurations:
            missing = [n for n in REQUIRED_FIELDS
                if n not in (configuration.web_to_lead_fields or ())]
            if configuration.web_to_lead and missing:
                raise ValidationError(gettext(
                        'crm_sales.msg_web_to_lead_fields_required',
                        fields=', '.join(
                            Opportunity.__names__(n)['field']
                            for n in missing)))
            url = configuration.web_to_lead_redirect
            if url and not _absolute_url(url):
                raise ValidationError(gettext(
                        'crm_sales.msg_web_to_lead_invalid_redirect',
                        url=url))
            owner = configuration.web_to_lead_user
            if configuration.web_to_lead and owner:
                with Transaction().set_user(owner.id):
                    allowed = User.crm_has_permission(
                        'create', 'sale.opportunity')
                if not allowed:
                    raise ValidationError(gettext(
                            'crm_sales.msg_web_to_lead_owner_denied',
                            user=owner.rec_name))


def _absolute_url(url):
    parts = urlsplit(url)
    return (parts.scheme in {'http', 'https'} and bool(parts.netloc)
        and valid_url(url))


class Refused(Exception):
    "A refused post: the HTTP status, the message and the form field."

    def __init__(self, status, message, field=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


class RateLimiter:
    """Count the posts of each key in a sliding window, in the memory of
    the process (shared by its threads)."""

    #: Forget the idle keys every so many posts (bounds the memory)
    sweep_every = 1024

    def __init__(self, window=RATE_WINDOW):
        self.window = window
        self._hits = {}
        self._lock = threading.Lock()
        self._posts = 0

    def allow(self, key, limit, now=None):
        "Tell if key may post once more, and count the post if so."
        now = time.monotonic() if now is None else now
        start = now - self.window
        with self._lock:
            self._posts += 1
            if not self._posts % self.sweep_every:
                self._sweep(start)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def _sweep(self, start):
        for key in [k for k, h in self._hits.items()
                if not h or h[-1] <= start]:
            del self._hits[key]

    def clear(self):
        with self._lock:
            self._hits.clear()


RATE_LIMITER = RateLimiter()


@app.route(PATH, methods=['POST'])
@set_max_request_size(MAX_BODY_SIZE)
@with_pool
@with_transaction()
def web_to_lead(request, pool):
    "Create a lead from the posted form (see the module's docstring)."
    json_caller = _wants_json(request)
    Configuration = _configuration_model(pool)
    with Transaction().set_context(language=_language(request, pool)):
        try:
            configuration = _enabled_configuration(Configuration)
            _check_rate(request, pool, configuration)
            items = _read_items(request)
            if not _is_honeypot(items):
                values = _lead_values(pool, configuration, items)
                _create_lead(pool, configuration, values)
        except Refused as refusal:
            return _refused(refusal, json_caller)
        return _created(configuration, json_caller)


def _wants_json(request):
    return (request.mimetype == 'application/json'
        or any(m == 'application/json'
            for m, _ in request.accept_mimetypes))


def _configuration_model(pool):
    "The CRM configuration with web-to-lead, or 404 (crm_sales inactive)."
    try:
        Configuration = pool.get('crm.configuration')
    except KeyError:
        raise exceptions.NotFound()
    if 'web_to_lead' not in Configuration._fields:
        raise exceptions.NotFound()
    return Configuration


def _enabled_configuration(Configuration):
    configuration = Configuration(1)
    if not configuration.web_to_lead:
        raise Refused(HTTPStatus.NOT_FOUND, gettext(
                'crm_sales.msg_web_to_lead_disabled'))
    return configuration


def _language(request, pool):
    "The translatable language the caller accepts best, or the default."
    Lang = pool.get('ir.lang')
    return (request.accept_languages.best_match(
            Lang.get_translatable_languages())
        or Transaction().language)


def _client_key(request, proxies):
    "The address the rate limit counts: an IPv6 address by its /64."
    address = request.remote_addr or ''
    if proxies:
        forwarded = [a.strip()
            for h in request.headers.getlist('X-Forwarded-For')
            for a in h.split(',') if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f'{ip}/64', strict=False))
    return str(ip)


def _check_rate(request, pool, configuration):
    key = (pool.database_name,
        _client_key(request, configuration.web_to_lead_proxies))
    if not RATE_LIMITER.allow(key, configuration.web_to_lead_rate_limit):
        raise Refused(HTTPStatus.TOO_MANY_REQUESTS, gettext(
                'crm_sales.msg_web_to_lead_rate_limited'))


class _Pairs(list):
    "The members of a JSON object, in order, repeated keys kept."


def _read_items(request):
    """Return the (field, value) pairs of the body: a web form or a JSON
    object.  An oversize body is refused from its declared length, or
    once the limit is read when it comes without one."""
    too_large = Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, gettext(
            'crm_sales.msg_web_to_lead_body_too_large',
            size=MAX_BODY_SIZE))
    unreadable = Refused(HTTPStatus.BAD_REQUEST, gettext(
            'crm_sales.msg_web_to_lead_unreadable'))
    if (request.content_length or 0) > MAX_BODY_SIZE:
        raise too_large
    request.max_content_length = MAX_BODY_SIZE
    request.max_form_memory_size = MAX_BODY_SIZE
    request.max_form_parts = MAX_FORM_PARTS
    try:
        if request.mimetype == 'application/json':
            try:
                body = json.loads(
                    request.get_data(cache=False),
                    object_pairs_hook=_Pairs)
            except (ValueError, RecursionError):
                raise unreadable
            if not isinstance(body, _Pairs):
                raise unreadable
            return list(body)
        elif request.mimetype in {
                'application/x-www-form-urlencoded',
                'multipart/form-data'}:
            for name in request.files:
                raise _unknown_field(name)
            return list(request.form.items(multi=True))
        raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, gettext(
                'crm_sales.msg_web_to_lead_content_type'))
    except exceptions.RequestEntityTooLarge:
        raise too_large
    except exceptions.BadRequest:
        raise unreadable


def _unknown_field(name):
    return Refused(HTTPStatus.BAD_REQUEST, gettext(
            'crm_sales.msg_web_to_lead_unknown_field', field=name[:50]),
        field=name[:50])


def _is_honeypot(items):
    return any(k == HONEYPOT and v is not None and v != ''
        for k, v in items)


def _lead_values(pool, configuration, items):
    "Return the values of the lead, or refuse the first invalid field."
    Opportunity = pool.get('sale.opportunity')
    allowed = set(configuration.web_to_lead_fields or ())
    texts = {}
    for name, value in items:
        if name == HONEYPOT:
            continue
        if name not in allowed:
            raise _unknown_field(name)
        if name in texts:
            raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                    'crm_sales.msg_web_to_lead_repeated_field',
                    field=Opportunity.__names__(name)['field']),
                field=name)
        texts[name] = value
    values = {}
    for name, value in texts.items():
        value = _converted(pool, Opportunity, name, value)
        if value is not None:
            values[name] = value
    for name in REQUIRED_FIELDS:
        if name not in values:
            raise _invalid(Opportunity, name, 'msg_web_to_lead_required')
    return values


def _invalid(Opportunity, name, message, **variables):
    return Refused(HTTPStatus.UNPROCESSABLE_ENTITY, gettext(
            'crm_sales.' + message,
            field=Opportunity.__names__(name)['field'], **variables),
        field=name)


def _clean(value, multiline):
    """value without control characters but tabs and line ends, its line
    ends as \\n when multiline, else its runs of white space as one space."""
    value = value.replace('\r\n', '\n').replace('\r', '\n')
    value = ''.join(c for c in value
        if c in '\t\n' or unicodedata.category(c) not in {'Cc', 'Cs'})
    if multiline:
        return value.strip()
    return ' '.join(value.split())


def _converted(pool, Opportunity, name, value):
    "The value of the lead's field name from the posted value."
    field = Opportunity._fields[name]
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_value')
    value = _clean(value, multiline=field._type == 'text')
    if not value:
        return None
    if len(value) > CAPTURE_FIELDS[name]:
        raise _invalid(Opportunity, name, 'msg_web_to_lead_too_long',
            size=CAPTURE_FIELDS[name])
    if field._type == 'selection':
        if value not in {k for k, _ in field.selection if k}:
            raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_value')
    elif field._type == 'integer':
        if not (value.isascii() and value.isdigit()):
            raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_value')
        value = int(value)
    elif field._type == 'numeric':
        try:
            value = Decimal(value)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_value')
    elif name == 'country':
        value = _country(pool, value)
        if value is None:
            raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_value')
    elif name == 'email' and not valid_email(value):
        raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_email')
    elif name == 'website' and not valid_url(value):
        raise _invalid(Opportunity, name, 'msg_web_to_lead_invalid_website')
    return value


def _country(pool, code):
    "The id of the country of the ISO 3166 code (2 or 3 letters)."
    Country = pool.get('country.country')
    if not code.isascii() or len(code) not in {2, 3}:
        return None
    countries = Country.search([
            ('code' if len(code) == 2 else 'code3', '=', code.upper()),
            ], limit=1)
    return countries[0].id if countries else None


def _create_lead(pool, configuration, values):
    """Create the lead as its owner, with access checked as over RPC.

    A failure (the owner lost its profile or company since) is logged and
    answered 500; the transaction is rolled back."""
    Opportunity = pool.get('sale.opportunity')
    User = pool.get('res.user')
    owner = configuration.web_to_lead_user
    team = configuration.web_to_lead_team
    values = {
        **values,
        'crm_lead': True,
        'lead_source': 'web_site',
        'assigned_user': None if team else owner.id,
        'assigned_team': team.id if team else None,
        }
    transaction = Transaction()
    with transaction.set_user(owner.id):
        # the owner's company and employee; the caller's language stays
        context = User.get_preferences(context_only=True)
    context.pop('language', None)
    try:
        with transaction.set_context(context, crm_lead=True), \
                transaction.set_user(owner.id), check_access():
            Opportunity.create([values])
    except UserError:
        transaction.rollback()
        logger.exception(
            "web-to-lead: no lead created as user %s", owner.id)
        raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR, gettext(
                'crm_sales.msg_web_to_lead_failed'))


_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    }


def _text_response(status, text):
    return Response(
        text, status, headers=_HEADERS,
        content_type='text/plain; charset=utf-8')


def _json_response(status, data):
    return Response(
        json.dumps(data), status, headers=_HEADERS,
        content_type='application/json')


def _created(configuration, json_caller):
    if json_caller:
        return _json_response(HTTPStatus.CREATED, {'status': 'created'})
    if configuration.web_to_lead_redirect:
        response = redirect(
            configuration.web_to_lead_redirect, HTTPStatus.SEE_OTHER,
            Response=Response)
        response.headers.extend(_HEADERS)
        return response
    return _text_response(
        HTTPStatus.OK, gettext('crm_sales.msg_web_to_lead_thanks'))


def _refused(refusal, json_caller):
    if json_caller:
        return _json_response(refusal.status, {
                'error': refusal.message,
                'field': refusal.field,
                })
    return _text_response(refusal.status, refusal.message)
