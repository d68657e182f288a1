"""Enumeration, arguments and verdicts of the generated attack suite.

``tests/test_attack_surface.py`` builds a world (a victim and an attacker,
both sales reps, every ``crm.sharing`` set to private, hidden records of
every shared model filled with SECRET markers) and runs :class:`Attack`:

* the models come from the server: the shared ones from ``crm.sharing``,
  the ones pointing to them from ``ir.model.field`` (Many2One, One2Many,
  Many2Many to a shared model, every Reference field) and the models of
  the records found pointing to a hidden record (children: addresses,
  contact mechanisms, attachments, notes, chat channels and messages,
  notifications, change log ...);
* the methods from ``system.listMethods`` (``__rpc__``, buttons included:
  they are told apart by the models' ``_buttons``), the wizards (``ir.action.keyword`` form_action and
  ``ir.action.wizard``), the reports (``ir.action.report``) and the routes
  of the WSGI application (read in this process after the pool is loaded);
* every call is made over JSON-RPC or HTTP as the attacker with the hidden
  id (or a domain or a value naming it) in each position that takes one,
  and judged: refused, empty (nothing of the hidden record), not
  applicable (the call failed for an unrelated reason) or leak;
* the SQL reports (every ModelSQL overriding ``table_query``: no field of
  theirs points to the records they sum) are read whole by the attacker,
  with the defaults of the context model of each action opening them and
  without context, before and after the admin gives the victim new hidden
  records in their default period (category ``aggregate``): any change of
  the attacker's answer is a leak.

Nothing here names a CRM model but the set-up hints (WORLD_HINTS: the
kinds of party.party, accounts and contacts; the periods of crm.quota, one
quota per owner and quarter not over) and of the contact mechanisms
(CHILD_HINTS: an e-mail and a phone number): models and methods of later
modules are picked up as they come.  A shared model the world cannot create
is listed in the report (world_skipped) and test_world warns.
"""
import base64
import datetime
import decimal
import inspect
import io
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections import Counter, defaultdict

from crm_testing import RpcError, _decode, _encode

MARK = 'ZQX-SECRET'
SECRET_NUMERIC = decimal.Decimal('987654.32')
SECRET_INTEGER = 9876543
SECRET_NUMBER_STRINGS = ['987654.32', '987,654.32', '9876543', '9,876,543']

LOW, HIGH = 'AAA-OWN', 'zzz-OWN'
LOW_NUMBER, HIGH_NUMBER = 1, 99999999

# Records of a shared model are created with each of these base values in
# turn (the first that the server accepts is kept).  Placeholders:
# '$company' is the company of the world.
WORLD_HINTS = {
    'party.party': [
        {'crm_type': 'account', 'crm_company': '$company'},
        {'crm_type': 'contact', 'crm_company': '$company'},
        ],
    # One quota per owner and quarter, of a quarter not over, a valid year
    'crm.quota': [
        {'year': datetime.date.today().year + 1, 'quarter': str(quarter)}
        for quarter in range(1, 5)],
    }
# Children created on each hidden record through a One2Many (by target
# model): several value sets give several children.
CHILD_HINTS = {
    'party.contact_mechanism': [
        {'type': 'email', 'value': '$email'},
        {'type': 'phone', 'value': '$phone'},
        ],
    }
# Fields never filled with markers (bookkeeping, or values the server
# computes)
SKIP_FILL = {
    'id', 'rec_name', 'xml_id', 'create_uid', 'create_date', 'write_uid',
    'write_date', 'last_modified_at', 'assigned_user', 'assigned_team',
    'active', 'sequence', 'crm_type', 'crm_company', 'company',
    }
RELATION_TYPES = {'many2one', 'one2many', 'many2many'}
TEXT_TYPES = {'char', 'text'}
NUMBER_TYPES = {'numeric', 'float', 'integer'}
STANDARD_READ = {
    'read', 'search', 'search_count', 'search_read', 'export_data',
    'export_data_domain', 'resources', 'history_revisions', 'on_change',
    'on_change_with', 'on_change_notify', 'pre_validate', 'autocomplete',
    'default_get', 'on_scan_code',
    }
NO_ID_METHODS = {'fields_get', 'fields_view_get', 'view_toolbar_get'}
MUTATING_STANDARD = {'create', 'write', 'delete', 'copy', 'import_data'}
# Methods of a model the attacker may not call at all are refused with
# one of these (model access, record rules, profiles)
ACCESS_WORDS = (
    'not allowed', 'does not allow', 'access', 'permission', 'denied',
    'not permitted', 'forbidden')

CATEGORIES = [
    'read', 'search', 'oracle', 'order', 'export', 'on_change', 'rpc', 'chat',
    'create', 'copy', 'import', 'write', 'button', 'wizard', 'report',
    'route', 'delete', 'aggregate', 'side_effect',
    ]


# ---------------------------------------------------------------------------
# In-process introspection (the pool of the test process)

def introspect(crm_db):
    """Signatures of the RPC methods, rec_name fields, ChatMixin models and
    the routes of the WSGI application, read from the pool of crm_db."""
    from trytond.config import config
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    if crm_db.path:
        config.set('database', 'path', str(crm_db.path))
    Pool(crm_db.name).init()
    pool = Pool(crm_db.name)
    with Transaction().start(crm_db.name, 0, readonly=True) as transaction:
        try:
            data = _introspect_pool(pool)
        finally:
            transaction.rollback()
    data['routes'] = _routes()
    return data


def _params(func):
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = []
    for param in signature.parameters.values():
        if param.name in {'self', 'cls'}:
            continue
        if param.kind in {param.VAR_POSITIONAL, param.VAR_KEYWORD}:
            continue
        params.append((param.name, param.default is not param.empty))
    return params


def _introspect_pool(pool):
    from trytond.model import (
        ChatMixin, ModelSQL, ModelStorage, ModelView, fields)
    from trytond.tools import is_instance_method

    models = {}
    for name, Model in pool.iterobject():
        rpc = {}
        for method, spec in Model.__rpc__.items():
            func = getattr(Model, method, None)
            instantiate = spec.instantiate
            if isinstance(instantiate, slice):
                instantiate = 'slice'
            rpc[method] = {
                'readonly': bool(spec.readonly),
                'instantiate': instantiate,
                'check_access': bool(spec.check_access),
                'instance': bool(func and is_instance_method(Model, method)),
                'params': _params(func) if func else None,
                'depends': sorted({
                        d.split('.')[0].replace('_parent_', '')
                        for d in getattr(func, 'depends', None) or ()}),
                }
        models[name] = {
            'storage': issubclass(Model, ModelStorage),
            'view': issubclass(Model, ModelView),
            'sql': issubclass(Model, ModelSQL),
            'history': bool(getattr(Model, '_history', False)),
            'table_query': callable(getattr(Model, 'table_query', None)),
            'chat': issubclass(Model, ChatMixin),
            'owned': any(
                c.__name__ == 'OwnedMixin' for c in Model.__mro__),
            'rec_name': getattr(Model, '_rec_name', 'name'),
            'buttons': sorted(getattr(Model, '_buttons', {}) or {}),
            'rpc': rpc,
            # Function fields without setter: computed, never written
            'computed': sorted(
                n for n, f in Model._fields.items()
                if isinstance(f, fields.Function) and not f.setter),
            'functions': sorted(
                n for n, f in Model._fields.items()
                if isinstance(f, fields.Function)),
            }
    wizards = {}
    for name, Wizard in pool.iterobject(type='wizard'):
        wizards[name] = {
            'start': Wizard.start_state, 'end': Wizard.end_state,
            'readonly': bool(getattr(Wizard, '_readonly', False)),
            }
    reports = sorted(name for name, _ in pool.iterobject(type='report'))
    # SQL views and reports: no field points from them to the records they
    # aggregate, only their figures can tell a hidden record
    aggregates = sorted(name for name, Model in pool.iterobject()
        if issubclass(Model, ModelSQL) and Model._is_table_query())
    return {'models': models, 'wizards': wizards, 'reports': reports,
        'aggregates': aggregates}


def _routes():
    "The routes of trytond's WSGI application (modules already loaded)"
    import trytond.bus  # noqa: F401
    import trytond.protocols.dispatcher  # noqa: F401
    import trytond.protocols.rest  # noqa: F401
    from trytond.wsgi import app

    routes = []
    for rule in app.url_map.iter_rules():
        converters = {
            name: type(converter).__name__
            for name, converter in getattr(rule, '_converters', {}).items()}
        endpoint = rule.endpoint
        routes.append({
                'rule': rule.rule,
                'methods': sorted(
                    (rule.methods or set()) - {'HEAD', 'OPTIONS'}),
                'converters': converters,
                'endpoint': '%s.%s' % (
                    getattr(endpoint, '__module__', '?'),
                    getattr(endpoint, '__name__', '?')),
                })
    return routes


# ---------------------------------------------------------------------------
# Markers

class Secrets:
    "The marker values of the hidden records and where they live"

    def __init__(self):
        self.strings = {}   # lower-case marker -> (model, id, field)
        self._regex = None
        self._count = itertools.count(1)

    def tag(self):
        return 'h%d' % next(self._count)

    @staticmethod
    def value(tag, field):
        return f'{MARK}-{tag}-{field}'

    def add(self, marker, where):
        marker = marker.lower()
        if marker not in self.strings:
            self.strings[marker] = where
            self._regex = None

    def register(self, model, record_id, values):
        "Register the markers found in values (a record read by the admin)"
        for field, value in values.items():
            if isinstance(value, bytes):
                value = value.decode('latin-1')
            if isinstance(value, str):
                for found in re.findall(
                        re.escape(MARK.lower()) + r'-h[\dc]+-[\w.@-]*[\w]',
                        value.lower()):
                    self.add(found, (model, record_id, field))
                if value.lower().startswith(MARK.lower()):
                    self.add(value, (model, record_id, field))

    @property
    def regex(self):
        if self._regex is None:
            names = sorted(self.strings, key=len, reverse=True)
            alternatives = [re.escape(n) for n in names] + [
                re.escape(n) for n in SECRET_NUMBER_STRINGS]
            self._regex = re.compile('|'.join(alternatives))
        return self._regex

    def scan(self, obj, supplied=''):
        """Return the markers (and secret numbers) found in obj that the
        caller did not supply itself (supplied: lower-case text)"""
        found = set()
        regex = self.regex

        def text(value):
            for match in regex.findall(value.lower()):
                if match not in supplied:
                    found.add(match)

        def walk(value, depth=0):
            if depth > 50:
                return
            if isinstance(value, str):
                text(value)
            elif isinstance(value, bytes):
                if value[:4] == b'PK\x03\x04':
                    try:
                        with zipfile.ZipFile(io.BytesIO(value)) as archive:
                            for member in archive.namelist():
                                text(archive.read(member).decode(
                                        'utf-8', 'replace'))
                        return
                    except zipfile.BadZipFile:
                        pass
                text(value.decode('latin-1'))
            elif isinstance(value, bool):
                return
            elif isinstance(value, (int, float, decimal.Decimal)):
                if value in (SECRET_NUMERIC, SECRET_INTEGER) and (
                        str(value) not in supplied):
                    found.add(str(value))
            elif isinstance(value, dict):
                for key, item in value.items():
                    walk(key, depth + 1)
                    walk(item, depth + 1)
            elif isinstance(value, (list, tuple, set)):
                for item in value:
                    walk(item, depth + 1)
        walk(obj)
        return sorted(found)

    def where(self, marker):
        where = self.strings.get(marker)
        if where:
            return '%s %s.%s' % (where[0], where[1], where[2])
        return 'secret number'


def supplied_text(args):
    "The lower-case text of what the caller sends"
    try:
        return json.dumps(args, default=_encode).lower()
    except TypeError:
        return repr(args).lower()


# ---------------------------------------------------------------------------
# Calls

class Outcome:
    __slots__ = ('status', 'value', 'error', 'http', 'warning')

    def __init__(self, status, value=None, error=None, http=None,
            warning=None):
        self.status = status    # 'ok', 'refused' or 'na'
        self.value = value
        self.error = error      # text of the error
        self.http = http
        self.warning = warning  # text of a warning confirmed before

    def signature(self, supplied_strings=(), values=True):
        "What an observer learns from the outcome (for oracle pairs)"
        supplied = sorted(
            {str(s) for s in supplied_strings if s}, key=len, reverse=True)

        def clean(text):
            text = str(text)
            for value in supplied:
                text = text.replace(value, '<supplied>')
            text = re.sub(r'\bATK-\d+\b', 'ATK-n', text)
            # the id a refused record got: PostgreSQL does not roll back
            # its sequences, so two refused creations name different ids
            return re.sub(r'"\[\d+\]"', '"[n]"', text)
        warning = clean(self.warning) if self.warning else None
        if self.status == 'ok':
            value = clean(json.dumps(
                    self.value, default=_encode, sort_keys=True)) if (
                values) else ''
            return ('ok', warning, value)
        return (self.status, warning, clean(self.error))


def classify_error(error):
    "('refused' or 'na', text) of an RpcError"
    if error.status is not None:
        text = f'HTTP {error.status}: {str(error.error)[:300]}'
        if error.status == 422 or error.status >= 500:
            return 'na', text
        return 'refused', text
    payload = error.error
    if isinstance(payload, (list, tuple)) and payload:
        kind = payload[0]
        if kind in {'UserError', 'UserWarning', 'ConcurrencyException',
                'LoginException'}:
            details = payload[1] if len(payload) > 1 else ''
            if isinstance(details, (list, tuple)):
                if kind == 'UserWarning':
                    details = ' - '.join(str(d) for d in details[1:3])
                else:
                    details = ' - '.join(str(d) for d in details[:2])
            return 'refused', f'{kind}: {details}'
        return 'na', ' | '.join(str(p) for p in payload)
    return 'na', str(payload)


class Client:
    "JSON-RPC and HTTP calls of one user"

    def __init__(self, rpc, rest_key=None, timeout=30):
        self.rpc = rpc
        self.rest_key = rest_key
        self.rpc.timeout = timeout

    def call(self, method, args, context=None):
        """Call method as a client does: a warning is confirmed (skipped)
        and the call made again"""
        context = {**self.rpc.context, **(context or {})}
        warning = None
        for _ in range(3):
            try:
                return Outcome('ok', self.rpc.call(method, *args, context),
                    warning=warning)
            except RpcError as error:
                status, text = classify_error(error)
                payload = error.error
                if (error.status is None and isinstance(payload, list)
                        and payload and payload[0] == 'UserWarning'
                        and warning is None):
                    warning = text
                    try:
                        self.rpc.call('model.res.user.warning.skip',
                            payload[1][0], False, context)
                        continue
                    except RpcError:
                        pass
                return Outcome(status, error=text, http=error.status,
                    warning=warning)
            except (OSError, ValueError) as error:
                return Outcome('na', error=f'{type(error).__name__}: {error}',
                    warning=warning)

    def http(self, method, path, query=None, body=None, auth='session',
            form=None):
        url = self.rpc.url + path
        if query:
            url += '?' + urllib.parse.urlencode(query, doseq=True)
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        elif body is not None:
            data = json.dumps(body, default=_encode).encode()
            headers['Content-Type'] = 'application/json'
        if auth == 'session' and self.rpc.session:
            headers['Authorization'] = f'Session {self.rpc.session}'
        elif auth == 'rest' and self.rest_key:
            headers['Authorization'] = f'Bearer {self.rest_key}'
        request = urllib.request.Request(
            url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                content = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            content = error.read()
            status = error.code
        except (OSError, ValueError) as error:
            return Outcome('na', error=f'{type(error).__name__}: {error}')
        if status >= 400:
            text = content.decode('utf-8', 'replace')[:2000]
            if status == 422 or status >= 500:
                return Outcome('na', error=f'HTTP {status}: {text}',
                    http=status)
            return Outcome('refused', error=f'HTTP {status}: {text}',
                http=status)
        value = content
        try:
            value = json.loads(content, object_hook=_decode)
        except ValueError:
            pass
        return Outcome('ok', value, http=status)


def _ids_of(value):
    "Record ids in a search, read or search_read result"
    ids = set()
    if isinstance(value, list):
        for item in value:
            if isinstance(item, bool):
                continue
            if isinstance(item, int):
                ids.add(item)
            elif isinstance(item, dict) and isinstance(item.get('id'), int):
                ids.add(item['id'])
    return ids


class Attempt:
    "One call and its judgement"
    __slots__ = ('category', 'model', 'method', 'path', 'args', 'context',
        'checks', 'mutating', 'outcome', 'verdict', 'details', 'http',
        'pair', 'truth', 'auth', 'query', 'body', 'form')

    def __init__(self, category, model, method, path, args=(), context=None,
            checks=(), mutating=False, pair=None, truth=None, http=None,
            auth='session', query=None, body=None, form=None):
        self.category = category
        self.model = model
        self.method = method
        self.path = path
        self.args = list(args)
        self.context = context or {}
        self.checks = list(checks)
        self.mutating = mutating
        self.pair = pair
        self.truth = truth
        self.http = http    # HTTP method for routes
        self.auth = auth
        self.query = query
        self.body = body
        self.form = form
        self.outcome = None
        self.verdict = None
        self.details = []

    def describe(self):
        if self.http:
            query = ('?' + urllib.parse.urlencode(self.query, doseq=True)
                if self.query else '')
            body = f' body={self.body!r}' if self.body is not None else ''
            return f'{self.http} {self.path}{query}{body} [auth={self.auth}]'
        args = json.dumps(self.args, default=_encode)
        if len(args) > 600:
            args = args[:600] + '...'
        context = {k: v for k, v in self.context.items()
            if k.startswith('active') or k in {'action_id'}}
        text = f'{self.path}({args[1:-1]})'
        if context:
            text += f' context={context}'
        return text


# ---------------------------------------------------------------------------
# The world

class World:
    """Users, hidden and visible records, built by the admin over RPC.

    hidden[model]: ids of the records the attacker must not reach: the
    victim's records of the shared models and every record pointing to one
    of them (children); own[model]: the attacker's records; bridges: the
    attacker's records of a shared model pointing to a hidden one."""

    def __init__(self, admin, attacker, users, company, meta):
        self.admin = admin
        self.attacker = attacker
        self.users = users
        self.company = company
        self.meta = meta
        self.secrets = Secrets()
        self.shared = []
        self.fields = {}
        self.atk_fields = {}
        self.links = []         # (model, field, ttype, target)
        self.hidden = defaultdict(list)
        self.hidden_base = defaultdict(list)
        self.variant_of = {}    # (model, id) -> variant index
        self.own = defaultdict(list)
        self.own_variant = {}   # (model, variant) -> (low id, high id)
        self.bridges = {}       # (model, field) -> {...}
        self.bridge_ids = defaultdict(set)
        self.reverse = defaultdict(list)    # (model, field) -> [(h, own)]
        self.snapshot = {}
        self.skipped = []       # (model, reason)
        self.created_by_admin = defaultdict(list)
        self._unique = itertools.count(1)
        self._phones = itertools.count(1000001)

    # --- helpers

    def sample(self, model, size=3):
        "The hidden records of model attacked one by one"
        if self.hidden_base.get(model):
            return list(self.hidden_base[model])
        return list(self.hidden.get(model, []))[:size]

    def unique(self, prefix='ATK'):
        return f'{prefix}-{next(self._unique)}'

    def model_meta(self, model):
        return self.meta['models'].get(model, {})

    def fields_of(self, model):
        if model not in self.fields:
            try:
                self.fields[model] = self.admin.model(
                    model, 'fields_get', None)
            except RpcError:
                self.fields[model] = {}
        return self.fields[model]

    def attacker_fields(self, model):
        if model not in self.atk_fields:
            try:
                self.atk_fields[model] = self.attacker.model(
                    model, 'fields_get', None)
            except RpcError:
                self.atk_fields[model] = None
        return self.atk_fields[model]

    def rec_name_field(self, model):
        name = self.model_meta(model).get('rec_name') or 'name'
        if name in self.fields_of(model):
            return name
        return None

    def secret_fields(self, model, limit=3):
        """Fields of model holding markers: the rec_name field, a number
        and a text, searchable"""
        fields = self.fields_of(model)
        chosen = []
        rec_name = self.rec_name_field(model)
        if rec_name and fields[rec_name].get('searchable', True):
            chosen.append(rec_name)

        # (the values a set-up hint gives are no markers)
        hinted = {k for hint in WORLD_HINTS.get(model, []) for k in hint}

        def fillable(name, field):
            return (name not in SKIP_FILL and name not in chosen
                and name not in hinted
                and field.get('searchable', True)
                and self._fillable(model, name, field))
        for types in [NUMBER_TYPES - {'integer'}, {'integer'}, {'text'},
                {'char'}]:
            for name, field in sorted(fields.items()):
                if field['type'] in types and fillable(name, field):
                    chosen.append(name)
                    break
        return chosen[:limit]

    def computed(self, model):
        return set(self.model_meta(model).get('computed') or [])

    def _fillable(self, model, name, field):
        if name in SKIP_FILL or field.get('readonly'):
            return False
        if name in self.computed(model):
            return False
        return field['type'] in TEXT_TYPES | NUMBER_TYPES

    # --- creation

    def fill(self, model, kind, tag=None):
        """Values for every fillable Char, Text and number field of model:
        markers (kind 'secret'), or low or high values of the attacker
        (unique, sorting below and above the markers)"""
        values = {}
        suffix = next(self._unique)
        for name, field in self.fields_of(model).items():
            if not self._fillable(model, name, field):
                continue
            ftype = field['type']
            if ftype in TEXT_TYPES:
                if field.get('size'):
                    continue
                if kind == 'secret':
                    value = Secrets.value(tag, name)
                else:
                    value = (
                        f'{LOW if kind == "low" else HIGH}-{name}-{suffix}')
                values[name] = self.formatted(name, value, tag, kind)
            elif ftype == 'numeric':
                values[name] = {
                    'secret': SECRET_NUMERIC,
                    'low': decimal.Decimal(LOW_NUMBER),
                    'high': decimal.Decimal(HIGH_NUMBER)}[kind]
            elif ftype == 'float':
                values[name] = float({
                        'secret': SECRET_NUMERIC, 'low': LOW_NUMBER,
                        'high': HIGH_NUMBER}[kind])
            elif ftype == 'integer':
                values[name] = {
                    'secret': SECRET_INTEGER, 'low': LOW_NUMBER,
                    'high': HIGH_NUMBER}[kind]
        return values

    def formatted(self, name, value, tag, kind):
        """value in the format a field of that name expects (e-mail, URL,
        phone number); the phone numbers of hidden records are markers"""
        lower = name.lower()
        if 'email' in lower:
            return f'{value}@example.com'.lower().replace('_', '-')
        if 'website' in lower or lower.endswith('url'):
            return 'https://%s.example.com' % value.lower().replace('_', '-')
        if lower in {'phone', 'mobile', 'fax'} or lower.endswith('_phone'):
            number = ('+3247%07d' if kind == 'secret' else '+3249%07d') % (
                next(self._phones))
            if kind == 'secret':
                self.secrets.add(number, ('phone', tag, name))
            return number
        return value

    def defaults(self, model, client=None):
        "The default values of the stored fields of model"
        client = client or self.admin
        fields = self.fields_of(model)
        try:
            defaults = client.model(model, 'default_get', list(fields), False)
        except RpcError:
            defaults = {}
        computed = self.computed(model)
        return {k: v for k, v in defaults.items()
            if k in fields and v is not None and k not in computed
            and not k.endswith('.')
            and fields[k]['type'] not in {'one2many', 'many2many'}}

    def required_values(self, model, client=None, exclude=()):
        "Values for the required fields without a default"
        client = client or self.admin
        fields = self.fields_of(model)
        computed = self.computed(model)
        values = self.defaults(model, client)
        for name, field in fields.items():
            if name in exclude or name in values or name in computed:
                continue
            ftype = field['type']
            if ftype == 'many2one' and field.get('relation') == (
                    'company.company'):
                values[name] = self.company
                continue
            if not field.get('required') or field.get('readonly'):
                continue
            if ftype in TEXT_TYPES:
                values[name] = self.unique('REQ')
            elif ftype in NUMBER_TYPES:
                values[name] = 1
            elif ftype == 'boolean':
                values[name] = False
            elif ftype == 'date':
                values[name] = datetime.date.today()
            elif ftype == 'datetime':
                values[name] = datetime.datetime.now().replace(microsecond=0)
            elif ftype == 'selection':
                options = [s[0] for s in field.get('selection') or []
                    if isinstance(s, (list, tuple)) and s[0]]
                if options:
                    values[name] = options[0]
            elif ftype == 'many2one':
                found = self.visible_record(field['relation'], client)
                if found:
                    values[name] = found
        return values

    def visible_record(self, relation, client=None, create=False):
        """A record of relation to link to, never a hidden one (the
        world's own links are known); create: one made by the admin when
        there is none"""
        if self.own.get(relation):
            return self.own[relation][0]
        try:
            found = (client or self.admin).model(relation, 'search', [
                    ('id', 'not in', self.hidden.get(relation, [])),
                    ], 0, 1, None)
        except RpcError:
            found = []
        if not found and create:
            record_id, _, _ = self.admin_create(
                relation, [self.required_values(relation)])
            found = [record_id] if record_id else []
        return found[0] if found else None

    def hidden_link(self, model, name):
        """A hidden record for the Many2One name of model to a shared
        model, in the field's domain when the admin can tell"""
        from trytond.pyson import PYSONDecoder

        field = self.fields_of(model)[name]
        ids = self.hidden_base.get(field['relation'], [])
        try:
            domain = PYSONDecoder({}).decode(field.get('domain') or '[]')
            found = self.admin.model(field['relation'], 'search',
                [('id', 'in', ids), domain], 0, 1, None)
        except Exception:
            found = []
        return found[0] if found else (ids[0] if ids else None)

    def expand(self, values, extra=None):
        result = {}
        for key, value in values.items():
            if value == '$company':
                value = self.company
            elif value in {'$email', '$phone'}:
                tag = (extra or {}).get('tag', 'h0')
                value = self.formatted(
                    value[1:], Secrets.value(tag, f'child-{key}-{value[1:]}'),
                    tag, 'secret')
            result[key] = value
        return result

    def admin_create(self, model, candidates):
        "Create with the first of candidates the server accepts"
        errors = []
        for values in candidates:
            try:
                record_id, = self.admin.model(model, 'create', [values])
                self.created_by_admin[model].append(record_id)
                return record_id, values, None
            except RpcError as error:
                errors.append(classify_error(error)[1][:300])
        return None, None, '; '.join(errors)

    def hints_for(self, model, field):
        """The set-up hints of model, those showing field (by its states)
        first"""
        from trytond.pyson import PYSONDecoder

        hints = WORLD_HINTS.get(model) or [{}]
        states = self.fields_of(model).get(field, {}).get('states')

        def hidden(hint):
            if not states:
                return False
            try:
                record = {k: v for k, v in hint.items()
                    if not str(v).startswith('$')}
                values = PYSONDecoder({**record, 'id': -1}).decode(states)
            except Exception:
                return False
            return bool(values.get('invisible') or values.get('readonly'))
        return sorted(hints, key=hidden)

    def owned_values(self, model, user_id):
        fields = self.fields_of(model)
        values = {}
        if 'assigned_user' in fields:
            values['assigned_user'] = user_id
        return values

    def create_record(self, model, kind, owner, tag=None, extra=None,
            variants=None, keep_defaults=False):
        """Create a record of a shared model owned by owner; return
        (id, variant index, error).  keep_defaults: the fields with a
        default keep it (a year, a quarter: the current period)"""
        hints = variants if variants is not None else (
            WORLD_HINTS.get(model) or [{}])
        base_fill = self.fill(model, kind, tag)
        if keep_defaults:
            defaults = self.defaults(model)
            base_fill = {k: v for k, v in base_fill.items()
                if k not in defaults}
        candidates = []
        for index, hint in enumerate(hints):
            hint = self.expand(hint, {'tag': tag})
            required = self.required_values(model, exclude=set(hint))
            common = {**required, **hint, **self.owned_values(model, owner),
                **(extra or {})}
            # (a hint's values win over the markers: a year, a quarter)
            candidates.append((index, {**common, **base_fill, **hint}))
            # without the fields that may not hold any text (formats)
            minimal = {k: v for k, v in base_fill.items()
                if self.fields_of(model)[k]['type'] in {'char', 'text'}}
            candidates.append((index, {**common, **minimal, **hint}))
        errors = []
        for index, values in candidates:
            record_id, _, error = self.admin_create(model, [values])
            if record_id:
                return record_id, index, None
            errors.append(error)
        return None, None, '; '.join(errors)

    def create_in_period(self, model):
        """Hidden records of model for the reports of the current period:
        owned by the victim, markers and secret numbers in the fields
        without a default, today in every date field without one, a
        hidden record in every Many2One to another shared model, one
        record per value of the workflow state (Tryton's ``state``: the
        reports count some states only).  Return the ids created."""
        fields = self.fields_of(model)
        defaults = self.defaults(model)
        today = datetime.date.today()
        now = datetime.datetime.now().replace(microsecond=0)
        dated = {}
        for name, field in fields.items():
            if name in SKIP_FILL or name in defaults or (
                    name in self.computed(model)):
                continue
            relation = field.get('relation')
            if field['type'] == 'date':
                dated[name] = today
            elif field['type'] == 'datetime':
                dated[name] = now
            elif field['type'] != 'many2one' or relation == model:
                continue
            elif relation in self.shared:
                dated[name] = self.hidden_link(model, name)
            elif 'required' in str(field.get('states') or ''):
                # required in some state only (an employee once won)
                dated[name] = self.visible_record(relation, create=True)
        dated = {k: v for k, v in dated.items() if v is not None}
        amounts = self.secret_amounts(model, defaults)
        states = [None]
        if fields.get('state', {}).get('type') == 'selection':
            states = [s[0] for s in fields['state'].get('selection') or []
                if isinstance(s, (list, tuple)) and s[0]]
        ids = []
        for state in states:
            tag = self.secrets.tag()
            extra = {} if state is None else {'state': state}
            record_id = None
            errors = []
            for values in [{**dated, **amounts}, amounts, {}]:
                record_id, _, error = self.create_record(
                    model, 'secret', self.users['victim'], tag=tag,
                    extra={**values, **extra}, keep_defaults=True)
                if record_id:
                    break
                errors.append(error)
            if record_id:
                ids.append(record_id)
                for row in self.read_admin(model, [record_id]):
                    self.secrets.register(model, record_id, row)
            else:
                self.skipped.append((model,
                        f'no hidden record in state {state} for the '
                        f'reports: {"; ".join(errors)[:600]}'))
        return ids

    def secret_amounts(self, model, defaults):
        """The secret number in every numeric field without a default: the
        sums change by it (and not by a format's bound)"""
        return {name: SECRET_NUMERIC
            for name, field in self.fields_of(model).items()
            if field['type'] == 'numeric' and name not in defaults
            and self._fillable(model, name, field)}

    def change_in_period(self, model):
        """The secret amounts on the world's hidden records of model, for
        a model that takes no more of them (one per owner and period);
        return {id: the values before}"""
        amounts = self.secret_amounts(model, self.defaults(model))
        changed = {}
        for record_id in self.hidden_base.get(model, []):
            before = self.snapshot.get((model, record_id), {})
            if not amounts or not all(n in before for n in amounts):
                continue
            try:
                self.admin.model(model, 'write', [record_id], amounts)
            except RpcError:
                continue
            changed[record_id] = {n: before[n] for n in amounts}
        return changed

    def restore_values(self, model, changed):
        "Write back the values change_in_period changed"
        for record_id, values in changed.items():
            try:
                self.admin.model(model, 'write', [record_id], values)
            except RpcError:
                continue
            # the write date moved: the snapshot of the unchanged record
            for row in self.read_admin(
                    model, [record_id], self.stored_fields(model)):
                self.snapshot[model, record_id] = row

    def delete_records(self, model, ids):
        """Delete records created by the admin, through each state when
        the model refuses to delete them in theirs (best effort)"""
        states = [None] + [s[0] for s in
            self.fields_of(model).get('state', {}).get('selection') or []
            if isinstance(s, (list, tuple)) and s[0]]
        for record_id in ids:
            for state in states:
                try:
                    if state is not None:
                        self.admin.model(
                            model, 'write', [record_id], {'state': state})
                    self.admin.model(model, 'delete', [record_id])
                except RpcError:
                    continue
                if record_id in self.created_by_admin.get(model, []):
                    self.created_by_admin[model].remove(record_id)
                break

    def read_admin(self, model, ids, fields=None):
        "The records as the admin reads them ([] when it cannot)"
        fields = fields or self.stored_fields(model)
        try:
            return self.admin.model(model, 'read', list(ids), fields)
        except RpcError:
            # some computed field needs a context: the stored values
            computed = self.computed(model)
            fields = [n for n in fields if n not in computed]
            try:
                return self.admin.model(model, 'read', list(ids), fields)
            except RpcError:
                return []

    def stored_fields(self, model):
        """The fields read to compare the records (snapshots, new records):
        the stored ones"""
        functions = set(self.model_meta(model).get('functions') or [])
        return sorted(
            name for name, field in self.fields_of(model).items()
            if field['type'] not in {'one2many', 'many2many'}
            and name not in functions
            and name not in {'rec_name', 'xml_id', 'last_modified_at'})


def build_world(admin, attacker, users, company, meta):
    world = World(admin, attacker, users, company, meta)
    victim, attacker_id = users['victim'], users['attacker']

    sharings = admin.model(
        'crm.sharing', 'search_read', [], 0, None, None, ['model', 'access'])
    world.shared = sorted(s['model'] for s in sharings)

    # Links to the shared models
    fields = admin.model(
        'ir.model.field', 'search_read', ['OR',
            [('ttype', 'in', sorted(RELATION_TYPES)),
                ('relation', 'in', world.shared)],
            [('ttype', '=', 'reference')]],
        0, None, None, ['model', 'name', 'ttype', 'relation'])
    for field in fields:
        model = field['model']
        if isinstance(model, int):      # older schemas: Many2One to ir.model
            continue
        if model not in world.meta['models']:
            continue
        if field['ttype'] == 'reference':
            for target in world.shared:
                world.links.append((model, field['name'], 'reference', target))
        else:
            world.links.append(
                (model, field['name'], field['ttype'], field['relation']))
    world.links.sort()

    # The attacker's records (low and high) of every shared model, per
    # variant of the set-up hints
    for model in world.shared:
        hints = WORLD_HINTS.get(model) or [{}]
        for index, hint in enumerate(hints):
            pair = []
            for kind in ['low', 'high']:
                record_id, _, error = world.create_record(
                    model, kind, attacker_id, variants=[hint])
                if record_id:
                    pair.append(record_id)
                    world.own[model].append(record_id)
            if len(pair) == 2:
                world.own_variant[model, index] = tuple(pair)

    # The hidden records: one per variant, owned by the victim
    for model in world.shared:
        hints = WORLD_HINTS.get(model) or [{}]
        for index, hint in enumerate(hints):
            tag = world.secrets.tag()
            record_id, _, error = world.create_record(
                model, 'secret', victim, tag=tag, variants=[hint])
            if record_id:
                world.hidden[model].append(record_id)
                world.hidden_base[model].append(record_id)
                world.variant_of[model, record_id] = index
                _create_children(world, model, record_id, tag)
            else:
                world.skipped.append((model, f'cannot create: {error}'))

    # Hidden records pointing to the attacker's (reverse bridges) and the
    # attacker's records pointing to hidden ones (bridges)
    for model, field, ttype, target in world.links:
        if model not in world.shared or ttype != 'many2one':
            continue
        if target not in world.shared:
            continue
        hints = world.hints_for(model, field)
        owns = [(v, ids) for (m, v), ids in world.own_variant.items()
            if m == target]
        for variant, (low, high) in owns:
            tag = world.secrets.tag()
            record_id, _, _ = world.create_record(
                model, 'secret', victim, tag=tag, extra={field: low},
                variants=hints)
            if record_id:
                world.hidden[model].append(record_id)
                world.reverse[model, field].append((record_id, low))
                break
        bridge = {'hidden': [], 'low': None, 'high': None}
        for hidden_id in world.hidden_base.get(target, []):
            variant = world.variant_of.get((target, hidden_id))
            record_id, _, _ = world.create_record(
                model, 'low', attacker_id, extra={field: hidden_id},
                variants=hints)
            if not record_id:
                continue
            world.own[model].append(record_id)
            bridge['hidden'].append((record_id, hidden_id))
            if (target, variant) in world.own_variant and not bridge['low']:
                low, high = world.own_variant[target, variant]
                ends = []
                for end in [low, high]:
                    end_id, _, _ = world.create_record(
                        model, 'low', attacker_id, extra={field: end},
                        variants=hints)
                    ends.append(end_id)
                if all(ends):
                    bridge['low'], bridge['high'] = ends
                    bridge['order_hidden'] = record_id
                    world.own[model].extend(ends)
        if bridge['hidden']:
            world.bridges[model, field] = bridge
            world.bridge_ids[model].update(b for b, _ in bridge['hidden'])

    # Records pointing to a hidden one are hidden too (children)
    _discover_children(world)
    _take_snapshot(world)
    return world


def clean_world(world, models):
    """Delete what the world and the attacker left (best effort): the
    records the attacker created, then the admin's in reverse order"""
    admin, attacker = world.admin, world.users['attacker']
    for model in models:
        if not world.model_meta(model).get('storage'):
            continue
        try:
            found = admin.model(model, 'search',
                [('create_uid', '=', attacker)], 0, None, None)
            if found:
                admin.model(model, 'delete', found)
        except RpcError:
            pass
    for model, ids in reversed(list(world.created_by_admin.items())):
        for record_id in reversed(ids):
            try:
                admin.model(model, 'delete', [record_id])
            except RpcError:
                pass


def _create_children(world, model, record_id, tag):
    "Children with markers on a hidden record: One2Many, notes, chat ..."
    admin = world.admin
    resource = f'{model},{record_id}'
    fields = world.fields_of(model)
    counter = itertools.count(1)

    def child_tag():
        return f'{tag}c{next(counter)}'
    for field in (f for _, f in sorted(fields.items())):
        if field['type'] != 'one2many' or field.get('readonly'):
            continue
        target = field.get('relation')
        reverse = field.get('relation_field')
        if not target or not reverse or target in world.shared:
            continue
        if not world.model_meta(target).get('view'):
            continue
        for hint in CHILD_HINTS.get(target, [{}]):
            ctag = child_tag()
            values = {**world.required_values(target, exclude={reverse}),
                **world.fill(target, 'secret', ctag),
                **world.expand(hint, {'tag': ctag}), reverse: record_id}
            child, _, error = world.admin_create(target, [values])
            if not child:
                world.skipped.append(
                    (target, f'child of {resource}: {error}'))
    # Attachment, note and chat comment: any model may have them
    tag = child_tag()
    for target, values in [
            ('ir.attachment', {
                    'name': Secrets.value(tag, 'attachment_name'),
                    'description': Secrets.value(
                        tag, 'attachment_description'),
                    'type': 'data',
                    'data': Secrets.value(tag, 'attachment_data').encode(),
                    'resource': resource}),
            ('ir.note', {
                    'message': Secrets.value(tag, 'note_message'),
                    'resource': resource}),
            ]:
        child, _, error = world.admin_create(target, [values])
        if not child:
            world.skipped.append((target, f'on {resource}: {error}'))
    if world.model_meta(model).get('chat'):
        try:
            admin.call('model.ir.chat.channel.post', resource,
                Secrets.value(tag, 'chat_comment'), 'internal', admin.context)
        except RpcError as error:
            world.skipped.append(
                ('ir.chat.channel', f'post on {resource}: {error.error}'))
    owner = world.users['victim']
    child, _, error = world.admin_create('res.notification', [{
                'user': owner,
                'label': Secrets.value(tag, 'notification_label'),
                'description': Secrets.value(tag, 'notification_description'),
                'model': model,
                'records': str([record_id]),
                }])
    if not child:
        world.skipped.append(('res.notification', f'on {resource}: {error}'))


def _discover_children(world):
    """Add to hidden every record of a non-shared model pointing to a hidden
    record (found by the admin), then the records pointing to those through
    a Many2One to a model holding a Reference (chat messages, followers)."""
    admin = world.admin
    reference_holders = set()
    for model, field, ttype, target in world.links:
        if model in world.shared:
            continue
        ids = world.hidden.get(target)
        if not ids:
            continue
        if ttype == 'reference':
            value = [f'{target},{i}' for i in ids]
            domain = [(field, 'in', value)]
        elif ttype == 'many2one':
            domain = [(field, 'in', ids)]
        else:
            continue
        try:
            found = admin.model(model, 'search', domain, 0, None, None)
        except RpcError:
            continue
        if found:
            world.hidden[model] = sorted(set(world.hidden[model]) | set(found))
            if ttype == 'reference':
                reference_holders.add(model)
    # Notifications name their records in Char fields
    for model in world.shared:
        for record_id in world.hidden.get(model, []):
            try:
                found = admin.model('res.notification', 'search', [
                        ('model', '=', model),
                        ('records', '=', str([record_id])),
                        ], 0, None, None)
            except RpcError:
                found = []
            if found:
                world.hidden['res.notification'] = sorted(
                    set(world.hidden['res.notification']) | set(found))
    # Second level: Many2One to a reference holder with hidden records
    if reference_holders:
        fields = admin.model(
            'ir.model.field', 'search_read', [
                ('ttype', '=', 'many2one'),
                ('relation', 'in', sorted(reference_holders)),
                ], 0, None, None, ['model', 'name', 'relation'])
        for field in fields:
            model, target = field['model'], field['relation']
            if model not in world.meta['models']:
                continue
            world.links.append((model, field['name'], 'many2one', target))
            try:
                found = admin.model(model, 'search', [
                        (field['name'], 'in', world.hidden[target])],
                    0, None, None)
            except RpcError:
                continue
            if found:
                world.hidden[model] = sorted(
                    set(world.hidden[model]) | set(found))
        world.links.sort()


def _take_snapshot(world):
    world.snapshot = {}
    # the shared models first: a marker is told by its first owner
    for model, ids in sorted(world.hidden.items(),
            key=lambda i: (i[0] not in world.shared, i[0])):
        if not ids:
            continue
        stored = set(world.stored_fields(model))
        every = sorted(name for name, field in world.fields_of(model).items()
            if field['type'] not in {'one2many', 'many2many'})
        rows = world.read_admin(model, ids, every)
        for row in rows:
            # the markers of every field (computed ones too), the stored
            # values to compare
            world.secrets.register(model, row['id'], row)
            world.snapshot[model, row['id']] = {
                k: v for k, v in row.items() if k in stored or k == 'id'}


# ---------------------------------------------------------------------------
# The attack

class Attack:
    """Generate the calls, run them as the attacker and judge them."""

    def __init__(self, world, attacker_client, anonymous_client, meta,
            database, rpc_methods):
        self.world = world
        self.client = attacker_client
        self.anonymous = anonymous_client
        self.meta = meta
        self.database = database
        self.rpc_methods = rpc_methods
        self.attempts = []
        self.leaks = []
        self.tally = defaultdict(Counter)   # (category, model, method)
        self.not_applicable = defaultdict(Counter)
        self.skipped = []   # (model, method, reason)
        self.pairs = defaultdict(dict)
        self.seconds = Counter()
        self.started = time.monotonic()
        self.targets = []
        # the SQL reports whose answer to the admin the hidden records
        # changed: the attacker's answer tells something there
        self.aggregates_seen = set()

    # --- models and methods

    def methods_of(self, model, kind='model'):
        prefix = f'{kind}.{model}.'
        return sorted(m[len(prefix):] for m in self.rpc_methods
            if m.startswith(prefix) and '.' not in m[len(prefix):])

    def compute_targets(self):
        world = self.world
        targets = set(world.shared)
        targets.update(m for m, _, _, _ in world.links)
        targets.update(m for m, ids in world.hidden.items() if ids)
        self.targets = sorted(targets)
        return self.targets

    def links_of(self, model, searchable=False):
        fields = self.world.fields_of(model)
        return [(f, t, target) for m, f, t, target in self.world.links
            if m == model and (not searchable
                or fields.get(f, {}).get('searchable', True))]

    # --- running

    def run(self, attempt):
        started = time.monotonic()
        try:
            return self.judge(attempt, self.fetch(attempt))
        finally:
            self.seconds[attempt.category] += time.monotonic() - started

    def run_all(self, calls):
        """Run the calls of a generator one after the other: a generator
        reads the outcome of the calls it yielded (the server is one process
        on one database: calls at once would not be faster)"""
        for attempt in calls:
            self.run(attempt)

    def fetch(self, attempt):
        if attempt.http:
            client = self.client if attempt.auth else self.anonymous
            return client.http(
                attempt.http, attempt.path, attempt.query, attempt.body,
                auth=attempt.auth, form=attempt.form)
        return self.client.call(attempt.path, attempt.args, attempt.context)

    def judge(self, attempt, outcome):
        world = self.world
        attempt.outcome = outcome
        supplied = supplied_text(
            [attempt.args, attempt.query, attempt.body, attempt.form,
                attempt.path])
        leaks = []
        payload = outcome.value if outcome.status == 'ok' else outcome.error
        markers = world.secrets.scan([payload, outcome.warning], supplied)
        if markers:
            leaks.append('hidden values in the %s: %s' % (
                    'result' if outcome.status == 'ok' else 'error',
                    ', '.join(f'{m!r} ({world.secrets.where(m)})'
                        for m in markers[:6])))
        if outcome.status == 'ok':
            for check in attempt.checks:
                leaks.extend(self.check(check, attempt, outcome))
        if attempt.mutating and outcome.status == 'ok':
            leaks.extend(self.check_mutation(attempt))
        if leaks:
            attempt.verdict = 'leak'
        elif outcome.status == 'refused':
            attempt.verdict = 'refused'
        elif outcome.status == 'na':
            attempt.verdict = 'na'
        else:
            attempt.verdict = 'empty'
        attempt.details = leaks
        self.record(attempt)
        if attempt.pair:
            self.pairs[attempt.pair][attempt.truth] = attempt
            if len(self.pairs[attempt.pair]) == 2:
                self.judge_pair(attempt.pair)
        return attempt

    def record(self, attempt):
        key = (attempt.category, attempt.model, attempt.method)
        self.tally[key]['attempted'] += 1
        self.tally[key][attempt.verdict] += 1
        if attempt.verdict == 'leak':
            self.leaks.append(attempt)
        elif attempt.verdict == 'na':
            first = (attempt.outcome.error or '').splitlines()[0][:160] \
                if attempt.outcome.error else ''
            self.not_applicable[key][first] += 1
        self.attempts.append(attempt)

    def judge_pair(self, key):
        pair = self.pairs.pop(key)
        true, false = pair.get(True), pair.get(False)
        if not true or not false:
            return
        supplied = [s for s in _strings(true.args) + _strings(false.args)
            if len(s) > 3]
        # the values a message may quote without their model name
        supplied += [s.split(',', 1)[1] for s in supplied
            if ',' in s and '.' in s.split(',', 1)[0]]
        # the short values that tell the two calls apart (an id "3"
        # against "~"), where a message quotes them
        probes = set(_strings(true.args)) ^ set(_strings(false.args))
        supplied += [quote % s for s in probes if 0 < len(s) <= 3
            for quote in ["'%s'", '"%s"']]
        # new records have new ids: compare what happened, not the ids
        signature_true = true.outcome.signature(
            supplied, values=not true.mutating)
        signature_false = false.outcome.signature(
            supplied, values=not false.mutating)
        if true.outcome.status == 'na' or false.outcome.status == 'na':
            return
        if signature_true != signature_false:
            self.flag(true, 'the answer depends on a hidden value: with the '
                'hidden value %s, with another %s' % (
                    _short(signature_true), _short(signature_false)))
            true.details.append('compared with: ' + false.describe())

    # --- checks of a successful call

    def check(self, check, attempt, outcome):
        world = self.world
        kind = check[0]
        value = outcome.value
        if kind == 'ids':
            model = check[1]
            hidden = set(world.hidden.get(model, []))
            found = _ids_of(value) & hidden
            if found:
                return [f'returned hidden {model} ids {sorted(found)}']
        elif kind == 'nonempty':
            if value:
                return [f'answered {_short(value)} for the hidden record']
        elif kind == 'counts':
            rows = value if isinstance(value, list) else [value]
            numbers = [v for row in rows if isinstance(row, dict)
                for v in row.values()
                if isinstance(v, int) and not isinstance(v, bool)]
            if any(numbers):
                return [f'counted what the hidden record has: {value}']
        elif kind == 'created':
            return self.check_created(check[1], value, attempt)
        return []

    def check_created(self, model, value, attempt):
        "A create or copy succeeded: does a new record link to hidden?"
        world = self.world
        ids = sorted(_ids_of(value if isinstance(value, list) else [value])
            - set(world.hidden.get(model, [])) - set(world.own.get(model, [])))
        leaks = []
        if not ids:
            return leaks
        rows = world.read_admin(model, ids)
        for row in rows:
            markers = world.secrets.scan(row, supplied_text(attempt.args))
            if markers:
                leaks.append(f'created {model} {row["id"]} holding hidden '
                    f'values {markers[:4]}')
            for name, target in self._hidden_links(model, row):
                leaks.append(f'created {model} {row["id"]} with {name} = '
                    f'hidden {target}')
        self.cleanup(model, ids)
        return leaks

    def _hidden_links(self, model, row):
        world = self.world
        for field, ttype, target in self.links_of(model):
            value = row.get(field)
            hidden = set(world.hidden.get(target, []))
            if ttype == 'reference' and isinstance(value, str):
                name, _, rid = value.partition(',')
                if name == target and rid.lstrip('-').isdigit() and (
                        int(rid) in hidden):
                    yield field, value
            elif ttype == 'many2one' and value in hidden:
                yield field, f'{target},{value}'

    def cleanup(self, model, ids):
        try:
            self.world.admin.model(model, 'delete', ids)
        except RpcError:
            pass

    def check_mutation(self, attempt):
        "After a mutating call answered: compare the hidden records"
        world = self.world
        models = {attempt.model}
        if attempt.category in {'wizard', 'button', 'rpc', 'chat'}:
            # may act on any record
            models = {m for m, ids in world.hidden.items() if ids}
        leaks = self.check_snapshots(models)
        leaks.extend(self.check_links(self.nearby({attempt.model})))
        return leaks

    def check_snapshots(self, models):
        "Compare the hidden records of models with their snapshots"
        world = self.world
        leaks = []
        for model in sorted(models):
            ids = world.hidden.get(model)
            if not ids:
                continue
            rows = world.read_admin(model, ids, world.stored_fields(model))
            by_id = {r['id']: r for r in rows}
            for record_id in ids:
                before = world.snapshot.get((model, record_id))
                if before is None:
                    continue
                after = by_id.get(record_id)
                if after is None:
                    leaks.append(f'hidden {model} {record_id} was deleted')
                    world.snapshot.pop((model, record_id), None)
                    continue
                changed = sorted(k for k in before
                    if k in after and _norm(before[k]) != _norm(after[k]))
                if changed:
                    leaks.append(f'hidden {model} {record_id} was changed: '
                        + ', '.join(f'{k}: {_short(before[k])} -> '
                            f'{_short(after[k])}' for k in changed[:6]))
                    self.restore(model, record_id, before, changed)
        return leaks

    def nearby(self, models):
        "The models and the models pointing to them"
        result = set(models)
        for model, _, _, target in self.world.links:
            if target in models:
                result.add(model)
        return result

    def restore(self, model, record_id, before, changed):
        world = self.world
        values = {k: before[k] for k in changed
            if k not in {'write_uid', 'write_date', 'create_uid',
                'create_date', 'id'}
            and not world.fields_of(model).get(k, {}).get('readonly')}
        if values:
            try:
                world.admin.model(model, 'write', [record_id], values)
            except RpcError:
                pass
        rows = world.read_admin(
            model, [record_id], world.stored_fields(model))
        if rows:
            world.snapshot[model, record_id] = rows[0]

    def link_domain(self, model):
        world = self.world
        clauses = []
        for field, ttype, target in self.links_of(model):
            ids = world.hidden.get(target)
            if not ids:
                continue
            if ttype == 'reference':
                clauses.append(
                    (field, 'in', [f'{target},{i}' for i in ids]))
            elif ttype == 'many2one':
                clauses.append((field, 'in', ids))
        if not clauses:
            return None
        attacker = world.users['attacker']
        return [['OR', ('create_uid', '=', attacker),
                ('write_uid', '=', attacker)],
            ['OR', *clauses]]

    def check_links(self, models):
        """Records made or changed by the attacker that point to a hidden
        record (the bridges of the world point to them by design)"""
        world = self.world
        leaks = []
        attacker = world.users['attacker']
        for model in sorted(models):
            domain = self.link_domain(model)
            if domain is None or not world.model_meta(model).get('storage'):
                continue
            try:
                found = world.admin.model(model, 'search', domain, 0, None,
                    None)
            except RpcError:
                continue
            found = [i for i in found if i not in world.hidden.get(model, [])
                and i not in world.bridge_ids.get(model, ())]
            if not found:
                continue
            rows = world.read_admin(model, found)
            created = []
            for row in rows:
                links = list(self._hidden_links(model, row))
                if not links:
                    continue
                made = row.get('create_uid') == attacker
                leaks.append(f'the attacker {"made" if made else "changed"} '
                    f'{model} {row["id"]} to point to the hidden record ('
                    + ', '.join(f'{f}={v}' for f, v in links) + ')')
                if made:
                    created.append(row['id'])
                else:
                    self.unlink(model, row['id'], [f for f, _ in links])
            if created:
                self.cleanup(model, created)
        return leaks

    def unlink(self, model, record_id, fields):
        "Undo a link the attacker set on a record of the world"
        try:
            self.world.admin.model(model, 'write', [record_id],
                dict.fromkeys(fields, None))
        except RpcError:
            pass

    # --- generation helpers

    def ctx_for(self, model, record_id):
        return {'active_model': model, 'active_id': record_id,
            'active_ids': [record_id]}

    def readable_fields(self, model):
        fields = self.world.attacker_fields(model)
        if not fields:
            return None
        return sorted(n for n, f in fields.items()
            if f['type'] not in {'binary'} and n != 'rec_name') + [
                'rec_name']

    def relation_value(self, ttype, target, record_id):
        if ttype == 'reference':
            return f'{target},{record_id}'
        if ttype in {'one2many', 'many2many'}:
            return [record_id]
        return record_id

    def probe_targets(self, model, field, ttype, target):
        """Hidden records of target worth a probe through model.field: on
        a shared model, those a record of the attacker points to (bridge) or
        that point to a record of the attacker (One2Many)"""
        world = self.world
        if model in world.shared:
            probes = []
            if ttype == 'many2one':
                probes = [h for _, h in world.bridges.get(
                        (model, field), {}).get('hidden', [])]
            elif ttype == 'one2many':
                inverse = world.fields_of(model)[field].get('relation_field')
                probes = [h for h, _ in world.reverse.get(
                        (target, inverse), [])]
            if probes:
                return sorted(set(probes))
            return world.sample(target)[:1]
        hidden = list(world.hidden_base.get(target) or world.hidden.get(
                target, []))
        reverse = [h for h, _ in world.reverse.get((model, field), [])]
        if ttype in {'one2many', 'many2many'}:
            # the hidden records pointing back to the attacker's
            extra = []
            for (m, _), pairs in world.reverse.items():
                if m == target:
                    extra.extend(h for h, _ in pairs)
            hidden = sorted(set(hidden) | set(extra))
        return sorted(set(hidden) | set(reverse))

    def gen(self, *args, **kwargs):
        return Attempt(*args, **kwargs)

    # --- phase 1: read-only calls

    def phase_read(self):
        world = self.world
        for model in self.targets:
            methods = set(self.methods_of(model))
            if not methods:
                self.skipped.append((model, '*', 'no RPC method'))
                continue
            hidden = world.sample(model)
            fields = self.readable_fields(model)
            path = f'model.{model}.'
            # read
            if 'read' in methods:
                singles = [[g] for g in world.secret_fields(model)]
                for h in hidden:
                    # all at once, then one by one: a field the attacker
                    # may not read refuses the whole call
                    for names in [fields, ['rec_name'], ['id']] + singles:
                        if names is None:
                            continue
                        yield self.gen('read', model, 'read', path + 'read',
                            [[h], names])
                for (m, f), bridge in world.bridges.items():
                    if m != model:
                        continue
                    target = world.fields_of(model)[f]['relation']
                    nested = [f'{f}.rec_name'] + [f'{f}.{g}'
                        for g in world.secret_fields(target)]
                    for b, _ in bridge['hidden']:
                        yield self.gen('read', model, 'read', path + 'read',
                            [[b], ['rec_name'] + nested])
                        for name in nested:
                            yield self.gen('read', model, 'read',
                                path + 'read', [[b], [name]])
                        if fields:
                            yield self.gen('read', model, 'read',
                                path + 'read', [[b], fields])
            # searches
            for domain in self.domains(model):
                # a count is a search: once per hidden record is enough
                simple = all(isinstance(c, tuple) and c[1] == '='
                    and '.' not in c[0] for c in domain)
                for method, args in [
                        ('search', [domain, 0, None, None]),
                        ('search_count', [domain]),
                        ('search_read', [domain, 0, None, None,
                                ['rec_name'] + self.nested_names(model)]),
                        ]:
                    if method == 'search_count' and not simple:
                        continue
                    if method in methods:
                        yield self.gen('search', model, method,
                            path + method, args, checks=[('ids', model)])
            if 'search_count' in methods:
                yield from self.oracle_searches(model)
            if 'search' in methods:
                yield from self.order_oracles(model)
            # exports
            if 'export_data' in methods:
                for h in hidden:
                    for names in [['id', 'rec_name'] + self.nested_names(
                                model), fields]:
                        if names:
                            yield self.gen('export', model, 'export_data',
                                path + 'export_data', [[h], names])
            if 'export_data_domain' in methods:
                # rows for a domain on the hidden id: the search found it
                for domain in self.domains(model)[:4]:
                    yield self.gen('export', model, 'export_data_domain',
                        path + 'export_data_domain',
                        [domain, ['id', 'rec_name'], 0, None, None],
                        checks=[('nonempty',)] if any(
                            c[0] == 'id' for c in domain if isinstance(
                                c, tuple)) else [])
            if 'resources' in methods:
                for h in hidden:
                    for records in [h, [h]]:
                        yield self.gen('read', model, 'resources',
                            path + 'resources', [records],
                            checks=[('counts',)])
            if 'history_revisions' in methods and not world.model_meta(
                    model).get('history'):
                self.skipped.append((model, 'history_revisions',
                        'the model keeps no history'))
            elif 'history_revisions' in methods:
                for h in hidden:
                    yield self.gen('read', model, 'history_revisions',
                        path + 'history_revisions', [[h]],
                        checks=[('nonempty',)])
            yield from self.on_changes(model, methods)
            if 'autocomplete' in methods:
                yield from self.autocompletes(model)
            if 'default_get' in methods:
                for target, h in self.hidden_pairs(model):
                    yield self.gen('on_change', model, 'default_get',
                        path + 'default_get', [None, True],
                        context=self.ctx_for(target, h))
            yield from self.other_methods(model, methods, readonly=True)
        yield from self.reports()
        yield from self.routes(mutating=False)

    def hidden_pairs(self, model):
        "(model, id) of the hidden records an active context may name"
        world = self.world
        pairs = [(model, h) for h in world.sample(model)]
        for _, _, target in self.links_of(model):
            for h in world.hidden_base.get(target, [])[:1]:
                if (target, h) not in pairs:
                    pairs.append((target, h))
        return pairs

    def nested_names(self, model):
        names = []
        for field, ttype, target in self.links_of(model):
            if ttype == 'many2one' and target in self.world.shared:
                names.append(f'{field}.rec_name')
                names.extend(f'{field}.{g}'
                    for g in self.world.secret_fields(target)[:2])
        return names[:12]

    def domains(self, model):
        world = self.world
        domains = []
        for h in world.sample(model):
            domains.append([('id', '=', h)])
            domains.append([('id', 'in', [h])])
        if model in world.shared:
            for h in world.sample(model):
                for g in world.secret_fields(model)[:1]:
                    value = world.snapshot.get((model, h), {}).get(g)
                    if value is not None:
                        domains.append([(g, '=', value)])
        if model == 'res.notification':
            for target in world.shared:
                for h in world.hidden_base.get(target, []):
                    domains.append([('model', '=', target),
                            ('records', 'like', f'%{h}%')])
        for field, ttype, target in self.links_of(model, searchable=True):
            for h in self.probe_targets(model, field, ttype, target)[:2]:
                if ttype == 'reference':
                    value = f'{target},{h}'
                    domains.append([(field, '=', value)])
                    domains.append([(field, 'in', [value])])
                    domains.append(
                        [(f'{field}.id', '=', h, target)])
                else:
                    domains.append([(field, '=', h)])
                    domains.append([(field, 'in', [h])])
                    if ttype == 'many2one':
                        domains.append([(f'{field}.id', '=', h)])
            if ttype == 'reference':
                domains.append([(f'{field}.rec_name', 'ilike', '%', target)])
            else:
                domains.append([(f'{field}.rec_name', 'ilike', '%')])
        return domains

    def oracle_searches(self, model):
        """search_count through a link with the true hidden value and with a
        false one: the counts must be equal"""
        world = self.world
        path = f'model.{model}.search_count'
        # Only the attacker's records of a shared model may point to a hidden
        # record (bridges): elsewhere the records pointing to one are hidden
        # themselves and the searches by id catch them; one probe suffices.
        full = model in world.shared
        for field, ttype, target in self.links_of(model, searchable=True):
            probes = self.probe_targets(model, field, ttype, target)
            if not full:
                probes = probes[:1]
            for h in probes:
                values = world.snapshot.get((target, h))
                if not values:
                    continue
                names = world.secret_fields(target) + ['rec_name']
                if not full:
                    names = names[:1]
                for g in names:
                    if g == 'rec_name':
                        true = world.snapshot[target, h].get(
                            world.rec_name_field(target) or 'id')
                        if not isinstance(true, str):
                            continue
                        if _is_marker(true):
                            cases = [('ilike', true[:-2] + '%',
                                    true[:-2] + 'x%')]
                        else:
                            cases = [('=', true, true + 'x')]
                    else:
                        true = values.get(g)
                        if true is None:
                            continue
                        cases = _cases(true)
                    if not full:
                        cases = cases[:1]
                    for operator, value_true, value_false in cases:
                        key = ('oracle', model, field, h, g, operator)
                        for truth, value in [(True, value_true),
                                (False, value_false)]:
                            clause = (f'{field}.{g}', operator, value)
                            if ttype == 'reference':
                                clause = clause + (target,)
                            domain = [clause]
                            yield self.gen('oracle', model, 'search_count',
                                path, [domain], pair=key, truth=truth,
                                checks=[('ids', model)])
        # the model's own fields
        if model in world.shared:
            for h in world.sample(model):
                values = world.snapshot.get((model, h), {})
                for g in world.secret_fields(model):
                    if values.get(g) is None:
                        continue
                    for operator, value_true, value_false in _cases(
                            values[g]):
                        key = ('oracle', model, 'self', h, g, operator)
                        for truth, value in [(True, value_true),
                                (False, value_false)]:
                            yield self.gen('oracle', model, 'search_count',
                                path, [[(g, operator, value)]], pair=key,
                                truth=truth)

    def order_oracles(self, model):
        """Order the attacker's records pointing to a low, a hidden and a
        high value: the hidden one must not sort between the two"""
        world = self.world
        for (m, field), bridge in sorted(world.bridges.items()):
            if m != model or not bridge.get('low'):
                continue
            target = world.fields_of(model)[field]['relation']
            ids = [bridge['low'], bridge['order_hidden'], bridge['high']]
            for g in [None] + world.secret_fields(target):
                name = field if g is None else f'{field}.{g}'
                results = []
                for direction in ['ASC', 'DESC']:
                    attempt = self.gen('order', model, 'search',
                        f'model.{model}.search',
                        [[('id', 'in', ids)], 0, None, [[name, direction]]])
                    yield attempt
                    results.append(attempt)
                asc, desc = (r.outcome.value if r.outcome and
                    r.outcome.status == 'ok' else None for r in results)
                if asc == ids and desc == ids[::-1]:
                    self.flag(results[0], f'ordered by {name}, the '
                        'record pointing to the hidden one sorts between '
                        'those pointing to a low and a high value of the '
                        f'attacker (ASC {asc}, DESC {desc}; low, hidden, '
                        f'high = {ids})')

    def flag(self, attempt, detail):
        "Turn a judged attempt into a leak"
        if attempt.verdict != 'leak':
            tally = self.tally[attempt.category, attempt.model, attempt.method]
            tally[attempt.verdict] -= 1
            tally['leak'] += 1
            attempt.verdict = 'leak'
            self.leaks.append(attempt)
        attempt.details.append(detail)

    def value_variants(self, model):
        """Values of a record of model naming hidden records: its own id,
        or a relation field"""
        world = self.world
        variants = [{'id': h} for h in world.sample(model)]
        new = self.new_values(model)
        for field, ttype, target in self.links_of(model):
            if ttype not in {'many2one', 'reference', 'one2many',
                    'many2many'}:
                continue
            size = 2 if model in world.shared else 1
            for h in (world.hidden_base.get(target)
                    or world.hidden.get(target, []))[:size]:
                variants.append({**new,
                        'id': -1,
                        field: self.relation_value(ttype, target, h)})
        return variants

    def new_values(self, model):
        """The values a client sends for a new record: the defaults and
        empty lists"""
        fields = self.world.attacker_fields(model) or {}
        try:
            values = self.world.attacker.model(
                model, 'default_get', sorted(fields), False)
        except RpcError:
            values = {}
        for name, field in fields.items():
            if field['type'] in {'one2many', 'many2many'}:
                values.setdefault(name, [])
        return {k: v for k, v in values.items() if '.' not in k}

    def on_changes(self, model, methods):
        world = self.world
        path = f'model.{model}.'
        variants = self.value_variants(model)
        on_change = sorted(m[len('on_change_'):] for m in methods
            if m.startswith('on_change_') and not m.startswith(
                'on_change_with_')
            and m not in {'on_change_notify', 'on_change_with'})
        on_change_with = sorted(m[len('on_change_with_'):] for m in methods
            if m.startswith('on_change_with_'))
        rpc = world.model_meta(model).get('rpc', {})

        def concerned(method, values):
            "The method reads the record (id) or depends on the field"
            if values.get('id', -1) >= 0:
                return True
            depends = set((rpc.get(method) or {}).get('depends') or [])
            return not depends or bool(depends & set(values))
        for values in variants:
            if 'on_change' in methods and on_change:
                yield self.gen('on_change', model, 'on_change',
                    path + 'on_change', [values, on_change])
            if 'on_change_with' in methods and on_change_with:
                yield self.gen('on_change', model, 'on_change_with',
                    path + 'on_change_with', [values, on_change_with])
            for method in ['on_change_notify', 'pre_validate']:
                if method in methods:
                    yield self.gen('on_change', model, method,
                        path + method, [values])
            if 'on_scan_code' in methods:
                yield self.gen('on_change', model, 'on_scan_code',
                    path + 'on_scan_code', [values, 'ATK'])
            for name in on_change:
                method = f'on_change_{name}'
                if concerned(method, values):
                    yield self.gen('on_change', model, method,
                        path + method, [values])
            for name in on_change_with:
                method = f'on_change_with_{name}'
                if concerned(method, values):
                    yield self.gen('on_change', model, method,
                        path + method, [values])
        # wildcards in the values that look for duplicates
        if 'on_change_notify' in methods and model in world.shared:
            yield from self.wildcard_pairs(model, 'on_change_notify',
                lambda values: [values])

    def wildcard_pairs(self, model, method, build, category='oracle',
            mutating=False):
        """The method called with a char field holding a LIKE pattern of a
        hidden value and one of another value: same answer expected"""
        world = self.world
        path = f'model.{model}.{method}'
        hints = WORLD_HINTS.get(model) or [{}]
        fields = self.world.attacker_fields(model) or {}
        for h in world.hidden_base.get(model, []):
            variant = world.variant_of.get((model, h), 0)
            hint = world.expand(hints[variant] if variant < len(hints)
                else {})
            values = world.snapshot.get((model, h), {})
            rec_name = world.rec_name_field(model)
            names = [rec_name] + [g for g in world.secret_fields(model, 6)
                if g != rec_name]
            for g in names:
                true = values.get(g)
                if (not isinstance(true, str) or MARK.lower() not in
                        true.lower() or g not in fields
                        or fields[g].get('readonly')
                        or fields[g]['type'] not in TEXT_TYPES):
                    continue
                for wildcard in (['%', '_'] if g == rec_name else ['%']):
                    cut = 2 if wildcard == '%' else 1
                    key = (category, model, method, h, g, wildcard)
                    for truth, pattern in [
                            (True, true[:-cut] + wildcard),
                            (False, true[:-cut - 1] + '~' + wildcard)]:
                        record = {**hint, g: pattern}
                        if g != (world.rec_name_field(model) or 'name') and (
                                'name' in fields):
                            record.setdefault('name', world.unique())
                        yield self.gen(category, model, method, path,
                            build(record), pair=key, truth=truth,
                            mutating=mutating,
                            checks=[('created', model)] if mutating else [])

    def autocompletes(self, model):
        world = self.world
        path = f'model.{model}.autocomplete'
        for h in world.sample(model):
            yield self.gen('on_change', model, 'autocomplete', path,
                ['', [('id', '=', h)], 10, None], checks=[('ids', model)])
            rec = world.snapshot.get((model, h), {}).get(
                world.rec_name_field(model) or 'name')
            # (a prefix of a name that is not a marker, such as a number
            # of a sequence, also completes the attacker's own records)
            if isinstance(rec, str) and _is_marker(rec):
                key = ('oracle', model, 'autocomplete', h)
                for truth, text in [(True, rec[:-2]), (False, rec[:-3] + '~')]:
                    yield self.gen('oracle', model, 'autocomplete', path,
                        [text, [], 10, None], pair=key, truth=truth,
                        checks=[('ids', model)])

    # --- other RPC methods (buttons and model specific), by signature

    def other_methods(self, model, methods, readonly):
        world = self.world
        meta = world.model_meta(model).get('rpc', {})
        buttons = set(world.model_meta(model).get('buttons', []))
        for method in methods:
            if method in STANDARD_READ or method in MUTATING_STANDARD:
                continue
            if method in NO_ID_METHODS or method.startswith('on_change'):
                continue
            info = meta.get(method)
            if info is None:
                continue
            if info['readonly'] != readonly:
                continue
            category = 'button' if method in buttons else 'rpc'
            produced = False
            for args, context in self.arguments(model, method, info):
                produced = True
                if any(isinstance(a, str) and ',' in a for a in args):
                    category = 'chat' if 'chat' in model else 'rpc'
                yield self.gen(category, model, method,
                    f'model.{model}.{method}', args, context=context,
                    mutating=not info['readonly'],
                    checks=[('ids', model)])
            if not produced:
                self.skipped.append((model, method,
                        'no argument takes an id, a domain or a resource '
                        'or no hidden record of this model'))

    def arguments(self, model, method, info):
        """Argument lists putting a hidden record in each position that
        takes one (by the signature of the method)"""
        world = self.world
        params = info['params']
        hidden = world.sample(model)
        resources = [f'{t},{h}' for t in world.shared
            for h in world.hidden_base.get(t, [])
            if not world.model_meta(model).get('chat')
            or world.model_meta(t).get('chat')]
        if params is None:
            # unknown signature: generic shapes
            for h in hidden:
                for args in [[[h]], [[h], {}], [{'id': h}]]:
                    yield args, {}
            return
        first_instance = info['instantiate'] == 0
        shapes = []
        if first_instance:
            if not hidden:
                return
            for h in hidden:
                first = h if info['instance'] else [h]
                shapes.append(([first], h))
            params = params[1:]
        else:
            shapes.append(([], None))
        for prefix, h in shapes:
            variants = [prefix]
            positional = []
            has_target = h is not None
            for name, optional in params:
                lower = name.lower()
                if lower == 'resource':
                    positional.append(('resource', None))
                    has_target = True
                elif lower in {'ids', 'records'} or lower.endswith('_ids'):
                    positional.append(('ids', None))
                    has_target = has_target or bool(hidden)
                elif lower == 'domain':
                    positional.append(('domain', None))
                    has_target = has_target or bool(hidden)
                elif optional:
                    break
                else:
                    positional.append((lower, None))
            if not has_target:
                continue
            resource_values = resources or [None]
            for resource in resource_values:
                args = list(prefix)
                for kind, _ in positional:
                    if kind == 'resource':
                        args.append(resource)
                    elif kind == 'ids':
                        args.append(hidden[:1] or [])
                    elif kind == 'domain':
                        args.append([('id', 'in', hidden)])
                    elif kind in {'email'}:
                        args.append('attacker-follow@example.com')
                    elif kind in {'text', 'content', 'message', 'body'}:
                        args.append('ATK text')
                    elif kind in {'username', 'login'}:
                        args.append(None)
                    elif kind in {'values', 'vals', 'data', 'default'}:
                        args.append({})
                    elif kind in {'fields_names', 'fields', 'names'}:
                        args.append(['id', 'rec_name'])
                    elif kind in {'limit'}:
                        args.append(10)
                    else:
                        args.append(None)
                variants.append(args)
                if not any(k == 'resource' for k, _ in positional):
                    break
            for args in variants[1:]:
                yield args, {}

    # --- reports

    def reports(self):
        world = self.world
        models = [m for m, ids in world.hidden.items() if ids]
        try:
            reports = world.admin.model('ir.action.report', 'search_read',
                [('model', 'in', models)], 0, None, None,
                ['report_name', 'model'])
        except RpcError:
            reports = []
        for report in sorted(reports, key=lambda r: r['report_name']):
            # not only the reports of listMethods: the server makes a generic
            # report for an action without a class of its own
            name, model = report['report_name'], report['model']
            # the hidden records, and the attacker's pointing to them
            bridges = sorted({b for (m, _), bridge in world.bridges.items()
                    if m == model for b, _ in bridge['hidden']})
            for h in world.sample(model) + bridges:
                yield self.gen('report', model, f'report {name}',
                    f'report.{name}.execute', [[h], {}],
                    context=self.ctx_for(model, h))

    # --- phase 2: create, copy, import

    def writable_methods(self, model):
        "The RPC methods of model, without writes on a table_query model"
        methods = set(self.methods_of(model))
        if self.world.model_meta(model).get('table_query'):
            methods -= MUTATING_STANDARD
        return methods

    def phase_create(self):
        world = self.world
        for model in self.targets:
            methods = self.writable_methods(model)
            path = f'model.{model}.'
            if 'copy' in methods:
                for h in world.sample(model):
                    defaults = [{}]
                    if 'assigned_user' in world.fields_of(model):
                        defaults.append(
                            {'assigned_user': world.users['attacker']})
                    for default in defaults:
                        yield self.gen('copy', model, 'copy', path + 'copy',
                            [[h], default], mutating=True,
                            checks=[('created', model)])
            if 'create' in methods:
                yield from self.creates(model)
                if model in world.shared:
                    yield from self.wildcard_pairs(model, 'create',
                        lambda values: [[values]], category='oracle',
                        mutating=True)
            if 'import_data' in methods:
                yield from self.imports(model)

    def base_values(self, model, client_fields):
        "Values the attacker gives to create a record of model"
        world = self.world
        hints = WORLD_HINTS.get(model) or [{}]
        values = world.expand(hints[0])
        required = {}
        for name, field in client_fields.items():
            if name in values or not field.get('required') or field.get(
                    'readonly'):
                continue
            ftype = field['type']
            if ftype in TEXT_TYPES:
                required[name] = world.unique()
            elif ftype in NUMBER_TYPES:
                required[name] = 1
            elif ftype == 'selection':
                options = [s[0] for s in field.get('selection') or []
                    if isinstance(s, (list, tuple)) and s[0]]
                if options:
                    required[name] = options[0]
            elif ftype == 'date':
                required[name] = datetime.date.today()
            elif ftype == 'many2one':
                relation = field.get('relation')
                own = world.own.get(relation)
                if own:
                    required[name] = own[0]
                    continue
                try:
                    found = world.attacker.model(
                        relation, 'search', [], 0, 1, None)
                except RpcError:
                    found = []
                if found:
                    required[name] = found[0]
        rec_name = world.rec_name_field(model)
        if rec_name and rec_name in client_fields and (
                client_fields[rec_name]['type'] in TEXT_TYPES):
            required[rec_name] = world.unique()
        return {**required, **values}

    def own_target(self, model, field, ttype, target):
        "A record of target the attacker may link to"
        world = self.world
        own = world.own.get(target, [])
        for record_id in own:
            yield self.relation_value(ttype, target, record_id)

    def creates(self, model):
        """Create records of model linking to a hidden record; a control
        creation links to the attacker's own record first"""
        world = self.world
        fields = world.attacker_fields(model)
        path = f'model.{model}.create'
        if not fields:
            for field, ttype, target in self.links_of(model):
                for h in world.hidden_base.get(target, [])[:1]:
                    yield self.gen('create', model, 'create', path,
                        [[{field: self.relation_value(ttype, target, h)}]],
                        mutating=True, checks=[('created', model)])
            return
        for field, ttype, target in self.links_of(model):
            if field not in fields or fields[field].get('readonly'):
                continue
            if ttype in {'one2many', 'many2many'}:
                # a record of the model holding a hidden child (through the
                # inverse of a One2Many) or a hidden linked record
                for h in world.hidden.get(target, [])[:2]:
                    yield self.gen('create', model, 'create', path,
                        [[{**self.base_values(model, fields),
                                    field: [('add', [h])]}]],
                        mutating=True, checks=[('created', model)])
                continue
            control = None
            for value in self.own_target(model, field, ttype, target):
                attempt = self.gen('create', model, 'create (control)', path,
                    [[{**self.base_values(model, fields), field: value}]])
                yield attempt
                if attempt.outcome.status == 'ok':
                    control = attempt
                    world.own[model].extend(_ids_of(attempt.outcome.value))
                    break
            for h in self.probe_targets(model, field, ttype, target)[:3]:
                value = self.relation_value(ttype, target, h)
                yield self.gen('create', model, 'create', path,
                    [[{**self.base_values(model, fields), field: value}]],
                    mutating=True, checks=[('created', model)])
            if control is None:
                self.skipped.append((model, f'create ({field})',
                    'no control creation succeeded: a refusal may come '
                    'from the other values'))

    def imports(self, model):
        "import_data naming a hidden record by its rec_name"
        world = self.world
        fields = world.attacker_fields(model) or {}
        path = f'model.{model}.import_data'
        base = self.base_values(model, fields)
        base = {k: v for k, v in base.items() if isinstance(v, str)}
        for field, ttype, target in self.links_of(model):
            if field not in fields or ttype not in {'many2one', 'reference'}:
                continue
            for h in world.hidden_base.get(target, [])[:1]:
                rec = world.snapshot.get((target, h), {}).get(
                    world.rec_name_field(target) or 'name')
                if not isinstance(rec, str):
                    continue
                key = ('import', model, field, h)
                for truth, name in [(True, rec), (False, rec[:-1] + '~')]:
                    value = name if ttype == 'many2one' else (
                        f'{target},{name}')
                    names = sorted(base) + [field]
                    row = [str(base[k]) for k in sorted(base)] + [value]
                    yield self.gen('import', model, 'import_data', path,
                        [names, [row]], pair=key, truth=truth,
                        mutating=True)
        for h in world.sample(model):
            for name in ['id']:
                yield self.gen('import', model, 'import_data', path,
                    [[name, 'rec_name'], [[str(h), 'ATK']]], mutating=True)

    # --- phase 3: write

    def phase_write(self):
        world = self.world
        for model in self.targets:
            methods = self.writable_methods(model)
            if 'write' not in methods:
                continue
            path = f'model.{model}.write'
            fields = world.attacker_fields(model) or world.fields_of(model)
            writable = [n for n, f in sorted(fields.items())
                if f['type'] in TEXT_TYPES and not f.get('readonly')
                and n not in SKIP_FILL]
            for h in world.sample(model):
                values = {writable[0]: 'ATK-written'} if writable else {}
                yield self.gen('write', model, 'write', path,
                    [[h], values], mutating=True)
                if 'assigned_user' in fields:
                    yield self.gen('write', model, 'write', path,
                        [[h], {'assigned_user': world.users['attacker']}],
                        mutating=True)
            own = [i for i in world.own.get(model, [])
                if i not in world.hidden.get(model, [])]
            if not own:
                if self.links_of(model):
                    self.skipped.append((model, 'write (links)',
                        'the attacker has no record of this model'))
                continue
            for field, ttype, target in self.links_of(model):
                if field not in fields or fields[field].get('readonly'):
                    continue
                for h in self.probe_targets(model, field, ttype, target)[:3]:
                    if ttype in {'one2many', 'many2many'}:
                        value = [('add', [h])]
                    else:
                        value = self.relation_value(ttype, target, h)
                    yield self.gen('write', model, 'write', path,
                        [[own[0]], {field: value}], mutating=True)
            # steal hidden children through a One2Many of an own record
            for name, field in sorted(fields.items()):
                if field['type'] not in {'one2many', 'many2many'}:
                    continue
                relation = field.get('relation')
                if relation in world.shared or field.get('readonly'):
                    continue
                for h in world.hidden.get(relation, [])[:2]:
                    yield self.gen('write', model, 'write', path,
                        [[own[0]], {name: [('add', [h])]}], mutating=True)

    # --- phase 4: buttons, wizards, model specific mutations, routes

    def phase_actions(self):
        for model in self.targets:
            methods = set(self.methods_of(model))
            yield from self.other_methods(model, methods, readonly=False)
        yield from self.wizards()
        yield from self.routes(mutating=True)

    def wizards(self):
        world = self.world
        models = sorted(m for m, ids in world.hidden.items() if ids)
        try:
            keywords = world.admin.model('ir.action.keyword', 'search_read',
                [('keyword', '=', 'form_action'),
                    ('model', 'in', [f'{m},-1' for m in models])],
                0, None, None, ['model', 'action'])
            action_ids = sorted({k['action'] for k in keywords})
            wizards = world.admin.model('ir.action.wizard', 'search_read',
                ['OR', ('action', 'in', action_ids), ('model', 'in', models)],
                0, None, None, ['wiz_name', 'model', 'action'])
        except RpcError as error:
            self.skipped.append(('*', 'wizards', str(error.error)))
            return
        by_action = defaultdict(set)
        for keyword in keywords:
            by_action[keyword['action']].add(keyword['model'].split(',')[0])
        seen = set()
        for wizard in sorted(wizards, key=lambda w: w['wiz_name']):
            name = wizard['wiz_name']
            targets = set(by_action.get(wizard['action'], set()))
            if wizard.get('model'):
                targets.add(wizard['model'])
            for model in sorted(targets & set(models)):
                if (name, model) in seen:
                    continue
                seen.add((name, model))
                yield from self.wizard_flow(name, model, wizard['action'])

    def wizard_flow(self, name, model, action_id):
        """Start the wizard on a hidden record; then on the attacker's record
        with the hidden record in every relation field of its views"""
        world = self.world
        info = self.meta['wizards'].get(name)
        if not info or f'wizard.{name}.create' not in self.rpc_methods:
            return
        label = f'wizard {name}'
        runs = [(h, None) for h in world.sample(model)]
        own = [i for i in world.own.get(model, [])
            if i not in world.hidden.get(model, [])]
        if own:
            runs.append((own[0], 'inject'))
        for active, mode in runs:
            context = {**self.ctx_for(model, active), 'action_id': action_id}
            create = self.gen('wizard', model, label,
                f'wizard.{name}.create', [], context=context,
                mutating=True)
            yield create
            if create.outcome.status != 'ok':
                continue
            session, start, end = create.outcome.value
            execute = self.gen('wizard', model, label,
                f'wizard.{name}.execute', [session, {}, start],
                context=context, mutating=True)
            yield execute
            view = (execute.outcome.value or {}).get('view') if (
                execute.outcome.status == 'ok') else None
            if view:
                data = dict(view.get('defaults') or {})
                data.update(view.get('values') or {})
                if mode == 'inject':
                    data.update(self.inject(view))
                for button in view.get('buttons') or []:
                    state = button.get('state')
                    if not state or state == end:
                        continue
                    yield self.gen('wizard', model, label,
                        f'wizard.{name}.execute',
                        [session, {view.get('state', start): data}, state],
                        context=context, mutating=True)
            yield self.gen('wizard', model, label, f'wizard.{name}.delete',
                [session], context=context, mutating=True)

    def inject(self, view):
        "Values of a wizard view naming hidden records in its relations"
        world = self.world
        values = {}
        fields = (view.get('fields_view') or {}).get('fields') or {}
        for name, field in fields.items():
            relation = field.get('relation')
            hidden = world.hidden_base.get(relation) or world.hidden.get(
                relation)
            if not hidden:
                continue
            if field['type'] == 'many2one':
                values[name] = hidden[0]
            elif field['type'] in {'one2many', 'many2many'}:
                values[name] = list(hidden[:1])
        return values

    # --- phase 5: delete

    def phase_delete(self):
        world = self.world
        for model in self.targets:
            if 'delete' not in self.writable_methods(model):
                continue
            for h in world.sample(model):
                yield self.gen('delete', model, 'delete',
                    f'model.{model}.delete', [[h]], mutating=True)
        yield from self.routes(mutating=True, delete=True)

    # --- routes

    def routes(self, mutating, delete=False):
        """Every route under /<database_name>/ taking a record id, a model
        or a resource, with the hidden ids, without and with the attacker's
        credentials (session, or REST key for /rest/)"""
        db = self.database
        for route in self.meta['routes']:
            rule = route['rule']
            converters = route['converters']
            first = rule.split('/')[1] if rule.count('/') > 1 else ''
            if 'database_name' not in first or not first.startswith('<'):
                if not mutating and not delete:
                    self.skipped.append(('*', f'route {rule}',
                            'not under /<database_name>/'))
                continue
            ints = [n for n, c in converters.items()
                if c == 'IntegerConverter']
            names = set(converters) - {'database_name'}
            if rule.endswith('/rpc/'):
                continue    # JSON-RPC: the calls above
            for method in route['methods']:
                is_mutating = method in {'POST', 'PUT', 'DELETE', 'PATCH'}
                if delete != (method == 'DELETE'):
                    continue
                if not delete and is_mutating != mutating:
                    continue
                label = f'{method} {rule}'
                produced = False
                for path, query, body, form, model in self.route_calls(
                        rule, converters, ints, names, method, db):
                    auths = ['rest' if '/rest/' in rule else 'session']
                    if not produced:
                        auths.insert(0, None)
                    produced = True
                    checks = [('ids', model)]
                    changes = is_mutating
                    if '<action>' in rule:
                        action = path.rstrip('/').rsplit('/', 1)[-1]
                        info = self.world.model_meta(model).get(
                            'rpc', {}).get(action, {})
                        changes = not info.get('readonly', False)
                    if method == 'POST' and changes:
                        checks.append(('created', model))
                    for auth in auths:
                        yield self.gen('route', model, label, path,
                            http=method, auth=auth, query=query, body=body,
                            form=form, mutating=changes, checks=checks)
                if not produced:
                    self.skipped.append(('*', label,
                            'no argument takes a record id, a model or a '
                            'resource'))

    def route_calls(self, rule, converters, ints, names, method, db):
        world = self.world
        if rule.endswith('/bus'):
            for model in world.shared:
                for h in world.hidden_base.get(model, []):
                    yield (f'/{db}/bus', None, {
                            'last_message': None,
                            'channels': [f'chat:{model},{h}'],
                            }, None, model)
            return
        if not names or not (names & {'model', 'name', 'record', 'id'}
                or ints):
            return
        models = [m for m in self.targets if world.hidden.get(m)]
        report_rule = 'report' in rule
        reports = {}
        if report_rule:
            try:
                for r in world.admin.model('ir.action.report', 'search_read',
                        [('model', 'in', models)], 0, None, None,
                        ['report_name', 'model']):
                    reports.setdefault(r['model'], []).append(
                        r['report_name'])
            except RpcError:
                pass
        for model in models:
            hidden = world.hidden[model][:2]
            model_names = reports.get(model, []) if report_rule else [model]
            methods = self.methods_of(model)
            for model_name in model_names:
                fields = [None]
                if 'field' in names:
                    fields = world.secret_fields(model)
                    fields = [n for n in fields
                        if world.fields_of(model)[n]['type'] in TEXT_TYPES
                        ][:2] or [n for n, f in sorted(
                            world.fields_of(model).items())
                        if f['type'] in TEXT_TYPES][:2]
                    if method == 'POST':
                        hidden = hidden[:1]
                actions = [None]
                if 'action' in names:
                    if ints:
                        buttons = world.model_meta(model).get('buttons', [])
                        actions = [m for m in methods
                            if m in buttons or m in {
                                'copy', 'resources', 'export_data',
                                'history_revisions', 'on_change_notify'}
                            or (m not in STANDARD_READ
                                and m not in MUTATING_STANDARD
                                and m not in NO_ID_METHODS
                                and not m.startswith('on_change'))]
                        if method == 'POST':
                            hidden = hidden[:1]
                    else:
                        actions = [m for m in methods if m in {
                                'search', 'search_read', 'search_count'}]
                for h in (hidden if ints else [None]):
                    for field in fields:
                        for action in actions:
                            values = {'database_name': db}
                            for name in names:
                                if name in ints:
                                    values[name] = h
                                elif name in {'model', 'name'}:
                                    values[name] = model_name
                                elif name == 'field':
                                    values[name] = field
                                elif name == 'action':
                                    values[name] = action
                            if any(v is None for v in values.values()):
                                continue
                            path = rule
                            for name, value in values.items():
                                path = re.sub(
                                    r'<(?:[^:<>]+:)?%s>' % re.escape(name),
                                    urllib.parse.quote(str(value)), path)
                            if '<' in path:
                                continue
                            yield from self.route_variants(
                                path, method, model, h, rule, action)

    def route_variants(self, path, method, model, h, rule, action=None):
        "Query strings and bodies of a route (data export, REST search)"
        world = self.world
        fields = ['rec_name'] + world.secret_fields(model)
        if h is None:
            domains = self.domains(model)[:6]
            if method == 'POST' and action:
                for domain in domains[:3]:
                    yield path, None, {'domain': domain}, None, model
                return
            if method == 'POST':
                fields = world.attacker_fields(model) or {}
                for field, ttype, target in self.links_of(model):
                    if field not in fields or ttype not in {
                            'many2one', 'reference'}:
                        continue
                    for hh in world.sample(target)[:1]:
                        yield path, None, {**self.base_values(model, fields),
                            field: self.relation_value(ttype, target, hh)
                            }, None, model
                return
            for domain in domains:
                if '/rest/' in rule:
                    encoded = base64.urlsafe_b64encode(json.dumps(
                            domain, default=_encode).encode()).decode()
                    yield path, {'d': encoded}, None, None, model
                else:
                    yield path, {'d': json.dumps(domain, default=_encode),
                        'f': fields}, None, None, model
            if '/rest/' not in rule:
                for hh in world.hidden.get(model, [])[:2]:
                    yield path, {'d': json.dumps([hh]), 'f': fields}, \
                        None, None, model
            return
        if method == 'GET':
            yield path, None, None, None, model
        elif method == 'POST' and '/ir/html/' in rule:
            yield path, None, None, {
                'text': 'ATK-html', '_csrf_token': '0'}, model
        elif method == 'PUT':
            yield path, None, {'rec_name': 'ATK'}, None, model
        elif method == 'POST':
            yield path, None, {}, None, model
        elif method == 'DELETE':
            yield path, None, None, None, model

    # --- aggregates: SQL reports over the shared records

    def aggregate_reads(self):
        """(model, label, context, fields) of the reads of every SQL report
        the attacker may search: with the defaults of each context model
        of the actions opening it (as the client opens it), and without"""
        world = self.world
        models = [m for m in self.meta.get('aggregates', [])
            if 'search_read' in self.methods_of(m)]
        try:
            actions = world.admin.model('ir.action.act_window', 'search_read',
                [('res_model', 'in', models)], 0, None, None,
                ['res_model', 'context_model'])
        except RpcError:
            actions = []
        kinds = NUMBER_TYPES | TEXT_TYPES | {'selection', 'many2one', 'date'}
        reads = []
        for model in models:
            fields = world.attacker_fields(model)
            if not fields:
                self.skipped.append(
                    (model, 'search_read', 'the attacker may not read it'))
                continue
            names = sorted(n for n, f in fields.items()
                if f['type'] in kinds)
            reads.append((model, 'no context', {}, names))
            for context_model in sorted({a['context_model'] for a in actions
                        if a['res_model'] == model and a['context_model']}):
                defaults = self.context_defaults(context_model)
                if defaults is None:
                    self.skipped.append((model, f'search_read {context_model}',
                            'no default of the context model'))
                    continue
                reads.append((model, context_model, defaults, names))
        return reads

    def context_defaults(self, model):
        "The defaults of a context model, as the attacker's client gets them"
        world = self.world
        for client in [world.attacker, world.admin]:
            try:
                fields = client.model(model, 'fields_get', None)
                return client.model(model, 'default_get', list(fields), False)
            except RpcError:
                continue
        return None

    def run_aggregates(self):
        """Read every SQL report as the attacker (and the admin) before and
        after the victim gets hidden records in its period (new ones, or
        secret amounts on the world's when the model takes no more): the
        attacker's answer must not change (the admin's must: else the
        report does not see the hidden records and the read proves
        nothing, listed in skipped).  One read per report and context
        before and after; the records are removed or restored at once."""
        world = self.world
        reads = self.aggregate_reads()
        if not reads:
            return

        def admin_read(model, context, names):
            try:
                return world.admin.model(model, 'search_read', [], 0, None,
                    None, names, context=context)
            except RpcError as error:
                return classify_error(error)[1]
        before = []
        for model, label, context, names in reads:
            attempt = self.run(self.gen('aggregate', model,
                    f'search_read {label}', f'model.{model}.search_read',
                    [[], 0, None, None, names], context=context))
            before.append((attempt, admin_read(model, context, names)))
        added, changed = {}, {}
        try:
            for model in world.shared:
                if world.hidden_base.get(model):
                    added[model] = world.create_in_period(model)
                    if not added[model]:
                        changed[model] = world.change_in_period(model)
            for (model, label, context, names), (first, admin) in zip(
                    reads, before):
                attempt = self.run(self.gen('aggregate', model,
                        f'search_read {label}', f'model.{model}.search_read',
                        [[], 0, None, None, names], context=context))
                if {first.outcome.status, attempt.outcome.status} & {'na'}:
                    continue
                seen, now = (_figures(a.outcome) for a in [first, attempt])
                if seen != now:
                    self.flag(attempt, 'the answer changed when the victim '
                        'got hidden records (%s): before %s, after %s' % (
                            ', '.join(f'{m} {sorted(ids)}' for m, ids in
                                [*added.items(), *changed.items()] if ids),
                            _short(seen, 400), _short(now, 400)))
                if _figures(admin) != _figures(
                        admin_read(model, context, names)):
                    self.aggregates_seen.add(model)
                else:
                    self.skipped.append((model, f'search_read {label}',
                            'the hidden records do not enter the report '
                            '(the admin\'s answer is unchanged)'))
        finally:
            for model, ids in added.items():
                world.delete_records(model, ids)
            for model, values in changed.items():
                world.restore_values(model, values)

    # --- the whole run

    def execute(self):
        self.compute_targets()
        self.run_aggregates()
        for phase in [self.phase_read, self.phase_create, self.phase_write,
                self.phase_actions, self.phase_delete]:
            # one call at a time: a change is told by the call that made it
            self.run_all(phase())
            # what a call of the phase may have left behind
            side = Attempt('side_effect', '*', phase.__name__, '')
            leaks = self.check_snapshots(
                {m for m, ids in self.world.hidden.items() if ids})
            leaks += self.check_links(set(self.targets))
            if leaks:
                side.outcome = Outcome('ok')
                side.verdict = 'leak'
                side.details = leaks
                tally = self.tally['side_effect', '*', phase.__name__]
                tally['attempted'] += 1
                tally['leak'] += 1
                self.leaks.append(side)
        self.elapsed = time.monotonic() - self.started
        return self

    # --- report

    def write_log(self, path):
        "Every call made, its verdict and the start of its answer"
        with open(path, 'w') as file:
            for attempt in self.attempts:
                outcome = attempt.outcome
                answer = (outcome.value if outcome.status == 'ok'
                    else outcome.error) if outcome else None
                file.write(f'{attempt.verdict:8} [{attempt.category}] '
                    f'{attempt.describe()}\n         => {_short(answer, 300)}'
                    '\n')
                for detail in attempt.details:
                    file.write(f'         !! {detail}\n')

    def leak_messages(self):
        messages = []
        for attempt in self.leaks:
            messages.append(
                f'[{attempt.category}] {attempt.model} {attempt.method}: '
                f'{attempt.describe()}\n    -> ' + '\n    -> '.join(
                    attempt.details))
        return messages

    def report(self):
        world = self.world
        models = defaultdict(dict)
        for (category, model, method), counts in sorted(self.tally.items()):
            entry = models[model].setdefault(method, {
                    'category': category, 'attempted': 0, 'refused': 0,
                    'empty': 0, 'not_applicable': 0, 'leaks': 0})
            entry['attempted'] += counts['attempted']
            entry['refused'] += counts['refused']
            entry['empty'] += counts['empty']
            entry['not_applicable'] += counts['na']
            entry['leaks'] += counts['leak']
            na = self.not_applicable.get((category, model, method))
            if na:
                entry.setdefault('not_applicable_reasons', {}).update(
                    dict(na.most_common(5)))
        return {
            'elapsed_seconds': round(getattr(self, 'elapsed', 0), 1),
            'totals': self.totals(),
            'by_category': self.by_category(),
            'shared_models': world.shared,
            'target_models': self.targets,
            'hidden_records': {m: ids for m, ids in sorted(
                    world.hidden.items()) if ids},
            'bridges': {f'{m}.{f}': b for (m, f), b in sorted(
                    world.bridges.items())},
            'world_skipped': [
                {'model': m, 'reason': r} for m, r in world.skipped],
            'skipped': [{'model': m, 'method': me, 'reason': r}
                for m, me, r in self.skipped],
            'leaks': [{
                    'category': a.category, 'model': a.model,
                    'method': a.method, 'call': a.describe(),
                    'details': a.details} for a in self.leaks],
            'models': models,
            }

    def totals(self):
        total = Counter()
        for counts in self.tally.values():
            total.update(counts)
        return {'attempted': total['attempted'], 'refused': total['refused'],
            'empty': total['empty'], 'not_applicable': total['na'],
            'leaks': total['leak']}

    def by_category(self):
        result = {}
        for category in CATEGORIES:
            total = Counter()
            for (c, _, _), counts in self.tally.items():
                if c == category:
                    total.update(counts)
            if total:
                result[category] = {'attempted': total['attempted'],
                    'refused': total['refused'], 'empty': total['empty'],
                    'not_applicable': total['na'], 'leaks': total['leak']}
        return result

    def summary(self, detail='method'):
        """The table of the calls: per model and method ('method'), or per
        model for the shared models and those with leaks ('short'), then per
        category"""
        lines = []
        header = '%-34s %-34s %6s %6s %6s %6s %6s' % (
            'model', 'method' if detail == 'method' else '', 'tried',
            'refus', 'empty', 'n/a', 'LEAK')
        lines.append(header)
        lines.append('-' * len(header))
        grouped = defaultdict(Counter)
        for (category, model, method), counts in self.tally.items():
            grouped[model, method if detail == 'method' else ''].update(
                counts)
        others = Counter()
        for (model, method), c in sorted(grouped.items()):
            if detail != 'method' and not c['leak'] and (
                    model not in self.world.shared):
                others.update(c)
                others['models'] += 1
                continue
            lines.append('%-34s %-34s %6d %6d %6d %6d %6s' % (
                    model[:34], method[:34], c['attempted'], c['refused'],
                    c['empty'], c['na'], c['leak'] or ''))
        if others:
            lines.append('%-34s %-34s %6d %6d %6d %6d %6s' % (
                    f'({others["models"]} other models)', '',
                    others['attempted'], others['refused'], others['empty'],
                    others['na'], ''))
        lines.append('-' * len(header))
        reasons = Counter()
        for counts in self.not_applicable.values():
            reasons.update(counts)
        if reasons:
            lines.append('not applicable (first reasons):')
            for reason, count in reasons.most_common(6):
                lines.append(f'  {count:5d} {reason[:100]}')
        lines.append('by category:')
        for category, c in self.by_category().items():
            lines.append('  %-12s tried %5d  refused %5d  empty %5d  n/a %5d'
                '  LEAKS %4d  %5.1fs' % (category, c['attempted'],
                    c['refused'], c['empty'], c['not_applicable'],
                    c['leaks'], self.seconds.get(category, 0)))
        t = self.totals()
        lines.append(f'total: {t["attempted"]} calls on '
            f'{len(self.targets)} models, {t["refused"]} refused, '
            f'{t["empty"]} empty, {t["not_applicable"]} not applicable, '
            f'{t["leaks"]} leaks in {getattr(self, "elapsed", 0):.0f}s')
        return '\n'.join(lines)


def _figures(answer):
    """What a report's answer tells, to compare two reads: the floats
    rounded (an average of days until now moves between two reads)"""
    if isinstance(answer, Outcome):
        answer = answer.value if answer.status == 'ok' else (
            answer.status, answer.error)
    if isinstance(answer, float):
        return round(answer, 3)
    if isinstance(answer, dict):
        return {k: _figures(v) for k, v in answer.items()}
    if isinstance(answer, (list, tuple)):
        return [_figures(v) for v in answer]
    return answer


def _cases(true):
    "(operator, true value, false value) comparisons of a hidden value"
    if isinstance(true, bool):
        return []
    if isinstance(true, str):
        cases = [('=', true, true[:-1] + '~')]
        # A prefix singles out the hidden record only when the value is a
        # marker: the prefix of a number of a sequence ("3" gives "%")
        # matches the attacker's own records too
        if _is_marker(true):
            cases.append(('ilike', true[:-2] + '%', true[:-3] + '~%'))
        return cases
    if isinstance(true, decimal.Decimal):
        step = decimal.Decimal('0.01')
        return [('=', true, true + 1), ('>', true - step, true + step)]
    if isinstance(true, float):
        return [('=', true, true + 1), ('>', true - 0.01, true + 0.01)]
    if isinstance(true, int):
        return [('=', true, true + 1), ('>', true - 1, true)]
    return []


def _is_marker(value):
    "Tell if the string value holds a marker of the hidden records."
    return MARK.lower() in value.lower()


def _strings(value):
    found = []
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(_strings(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(_strings(item))
    return found


def _norm(value):
    if isinstance(value, float):
        return round(value, 6)
    return value


def _short(value, size=160):
    text = repr(value)
    return text if len(text) <= size else text[:size] + '...'
