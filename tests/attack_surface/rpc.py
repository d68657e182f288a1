# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Categories rpc, chat and button: the model specific RPC methods.

Every method of ``system.listMethods`` that is not a standard one is
called with a hidden record in each position its signature takes one
(the instance, ids, a domain, a resource); the read-only ones in phase 1,
the others in phase 4.  A method of the model's ``_buttons`` is a button,
a call naming a resource on a chat model is chat.
"""
from .discovery import MUTATING_STANDARD, NO_ID_METHODS, STANDARD_READ


class RpcMixin:
    "The model specific methods, by signature"

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
