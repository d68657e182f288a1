# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category route: the HTTP routes of the server.

Every route under ``/<database_name>/`` taking a record id, a model, a
resource or a field (data export, REST, HTML editor, reports, bus) is
called with the hidden ids and domains naming them, without and with the
attacker's credentials (session, or REST key for ``/rest/``): the
read-only ones in phase 1, the mutating ones in phase 4, DELETE in phase 5.
"""
import base64
import json
import re
import urllib.parse

from crm_testing import RpcError, _encode

from .discovery import MUTATING_STANDARD, NO_ID_METHODS, STANDARD_READ
from .world import TEXT_TYPES

#: The routes of crm_sales' pipeline board (board_routes)
BOARD_ROUTE = '/crm/pipeline/'
#: An id no record has (the other half of an oracle pair)
MISSING_ID = 10 ** 9 - 7


class RouteMixin:
    "The routes of the WSGI application"

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
            if BOARD_ROUTE in rule:
                yield from self.board_routes(rule, mutating, delete)
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

    def board_routes(self, rule, mutating, delete):
        """The pipeline board (crm_sales): its ids travel in a query and a
        JSON body, behind its own session (a cookie and a CSRF token the
        attacker gets by opening the board as sao does).  Its data must
        hold no hidden potential; moving a hidden potential must change
        nothing and answer as for a missing one."""
        world = self.world
        model = 'sale.opportunity'
        db = self.database
        path = re.sub(r'<database_name>', urllib.parse.quote(db), rule)
        hidden = world.hidden.get(model, [])[:2]
        if delete:
            return
        if rule.endswith('/data') and not mutating:
            for scope in ['all', 'mine', 'team']:
                for auth in [None, 'board']:
                    yield self.gen('route', model, f'GET {rule}', path,
                        http='GET', auth=auth,
                        query={'scope': scope, 'quarter': ''},
                        checks=[('board_ids', model)])
        elif rule.endswith('/move') and mutating:
            try:
                [stage] = world.admin.model('crm.sales_stage', 'search',
                    [], 0, 1, None)
            except (RpcError, ValueError):
                return
            for h in hidden:
                key = ('route', model, 'board move', h)
                for truth, potential in [(True, h), (False, MISSING_ID)]:
                    yield self.gen('route', model, f'POST {rule}', path,
                        http='POST', auth='board',
                        body={'potential': potential, 'stage': stage},
                        mutating=True, pair=key, truth=truth)
                yield self.gen('route', model, f'POST {rule}', path,
                    http='POST', auth=None,
                    body={'potential': h, 'stage': stage}, mutating=True)
        elif not mutating:
            self.skipped.append(('*', f'GET {rule}',
                    'the board\'s page and assets: no record'))

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
