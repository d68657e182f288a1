# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""What a client may call, read from the pool in this process.

The signatures of the RPC methods (``__rpc__``: parameters, their
defaults, those instantiated), the buttons, the wizards (their views and
the profile actions their modules check), the reports, the SQL reports
(``table_query``), the context keys the default methods read, the models
guarded by CRM sharing, the owner fields and the routes of the WSGI
application: :func:`introspect` is run once on the database before the
server is attacked.  The sets below tell the standard methods apart from
the model specific ones (attacked by signature, see ``rpc.py``).
"""
import importlib
import inspect
import re

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


# A profile action checked by code: crm_check_permission('code')
PROFILE_CHECK = re.compile(
    r"""crm_check_(?:permission|profile)\(\s*['"](\w+)['"]""")
# A context key read by a default method: context.get('key'), context['key']
CONTEXT_KEY = re.compile(
    r"""context\.get\(\s*['"](\w+)['"]|context\[\s*['"](\w+)['"]\s*\]""")


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


def _defaults(func):
    """The default values of the parameters of func that a client could
    send (None, booleans, numbers, strings)"""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in signature.parameters.values()
        if p.default is not p.empty and (p.default is None
            or isinstance(p.default, (bool, int, float, str)))}


def _instantiated(spec, params, instance):
    """The names of the parameters RPC makes instances of ('self' for the
    instance of an instance method)"""
    instantiate = spec.instantiate
    names = (['self'] if instance else []) + [n for n, _ in params or []]
    if instantiate is None:
        return []
    if isinstance(instantiate, slice):
        return names[instantiate]
    return names[instantiate:instantiate + 1]


def _context_defaults(Model):
    """{field: [context keys]} read by the default_<field> methods of
    Model and of the classes it extends"""
    found = {}
    for name in Model._fields:
        method = 'default_' + name
        for cls in Model.__mro__:
            if method not in cls.__dict__:
                continue
            try:
                source = inspect.getsource(getattr(cls, method))
            except (OSError, TypeError):
                continue
            for match in CONTEXT_KEY.findall(source):
                key = match[0] or match[1]
                if key not in found.get(name, []):
                    found.setdefault(name, []).append(key)
    return found


def _profile_checks(Wizard):
    """The profile actions (crm.profile.action codes) checked in the
    source files of the classes of Wizard"""
    codes = set()
    for cls in Wizard.__mro__:
        try:
            source = inspect.getsource(inspect.getmodule(cls))
        except (OSError, TypeError):
            continue
        codes.update(PROFILE_CHECK.findall(source))
    return sorted(codes)


def _guarded(pool):
    "The models whose access follows CRM sharing (crm_core.guard.guarded)"
    try:
        from crm_core.guard import guarded
    except ImportError:
        return []
    return sorted(name for name, Model in pool.iterobject() if guarded(Model))


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
            params = _params(func) if func else None
            instance = bool(func and is_instance_method(Model, method))
            rpc[method] = {
                'readonly': bool(spec.readonly),
                'instantiate': instantiate,
                'check_access': bool(spec.check_access),
                'instance': instance,
                'params': params,
                'defaults': _defaults(func) if func else {},
                'instantiated': _instantiated(spec, params, instance),
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
            'context_defaults': _context_defaults(Model),
            }
    from trytond.wizard import StateView

    wizards = {}
    for name, Wizard in pool.iterobject(type='wizard'):
        wizards[name] = {
            'start': Wizard.start_state, 'end': Wizard.end_state,
            'readonly': bool(getattr(Wizard, '_readonly', False)),
            # the model of each view state
            'views': {n: s.model_name for n, s in Wizard.states.items()
                if isinstance(s, StateView)},
            'profile_checks': _profile_checks(Wizard),
            }
    reports = sorted(name for name, _ in pool.iterobject(type='report'))
    # SQL views and reports: no field points from them to the records they
    # aggregate, only their figures can tell a hidden record
    aggregates = sorted(name for name, Model in pool.iterobject()
        if issubclass(Model, ModelSQL) and Model._is_table_query())
    return {'models': models, 'wizards': wizards, 'reports': reports,
        'aggregates': aggregates, 'guarded': _guarded(pool),
        'owners': _owner_fields(pool)}


def _owner_fields(pool):
    """{field: relation} of the Many2One fields that the owned models'
    mixin (OwnedMixin: who a record is assigned to) declares"""
    from trytond.model import fields

    for _, Model in pool.iterobject():
        for cls in Model.__mro__:
            if cls.__name__ == 'OwnedMixin':
                return {n: f.model_name for n, f in vars(cls).items()
                    if isinstance(f, fields.Many2One)}
    return {}


def _routes():
    "The routes of trytond's WSGI application (modules already loaded)"
    # the modules adding their routes to the application
    for module in ['trytond.bus', 'trytond.protocols.dispatcher',
            'trytond.protocols.rest']:
        importlib.import_module(module)
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
