# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""What a client may call, read from the pool in this process.

The signatures of the RPC methods (``__rpc__``), the buttons, the wizards,
the reports, the SQL reports (``table_query``) and the routes of the WSGI
application: :func:`introspect` is run once on the database before the
server is attacked.  The sets below tell the standard methods apart from
the model specific ones (attacked by signature, see ``rpc.py``).
"""
import importlib
import inspect

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
