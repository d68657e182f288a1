# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category arguments: hidden ids given as plain arguments.

Every RPC method of the models the attacker may read (``get_access``)
but the standard ones (their arguments are the other doors') gets in each
parameter that RPC does not instantiate, for a hidden record of each
guarded model (``discovery._guarded``: the shared models, attachments,
notes, addresses ...), a ``[model, id]`` reference, a ``"model,id"``
string, a list of ids and an id (a parameter whose default is a string
gets the string only, one whose default is a boolean or a number
nothing).  The other parameters keep their default, a string default
becomes an address of the attacker's (``to``, ``cc`` ...), a required
one gets the name of the guarded model, and one that takes a reference
(a control call with the attacker's own record succeeded) gets the
attacker's own record: ``ir.email.send(to, ..., record=<own>,
attachments=[<hidden attachment>])``.  A shape that fails the same way
(not applicable) for two guarded models in a row is not tried for the
others.

A call leaks if its answer holds a marker, if the server mailed a marker
(the SMTP sink) or, for a method that changes data, if a hidden record
changed or a record now points to one (an e-mail filed on a hidden
record).
"""
import json
import re

from crm_testing import RpcError, _encode

from .discovery import MUTATING_STANDARD, NO_ID_METHODS, STANDARD_READ

SPY = 'attacker-spy@example.com'


def _same_failure(previous, outcome, target):
    """(error, count) of the calls of a shape failing the same way in a
    row (the ids and the model named left out)"""
    if outcome.status != 'na':
        return None, 0
    error = (outcome.error or '').replace(target, 'M')
    error = re.sub(r'[\w.]*\d[\w.,]*', 'n', error)
    if previous and previous[0] == error:
        return error, previous[1] + 1
    return error, 1


class ArgumentsMixin:
    "Hidden ids and references in the plain arguments of RPC methods"

    def callable_models(self):
        "The models the attacker may read, whose methods it may call"
        if getattr(self, '_callable', None) is None:
            models = sorted(self.meta['models'])
            try:
                access = self.world.attacker.model(
                    'ir.model.access', 'get_access', models)
            except RpcError:
                access = {m: {'read': True} for m in models}
            self._callable = [m for m in models
                if (access.get(m) or {}).get('read')]
        return self._callable

    def guarded_hidden(self):
        "(model, id) of a hidden record of each guarded model"
        world = self.world
        guarded = self.meta.get('guarded') or world.shared
        return [(m, world.sample(m)[0]) for m in sorted(guarded)
            if world.sample(m)]

    def visible_id(self, model):
        "A record of model the attacker may read (None if none)"
        cache = self.__dict__.setdefault('_visible', {})
        if model not in cache:
            world = self.world
            own = [i for i in world.own.get(model, [])
                if i not in world.hidden.get(model, [])
                and i not in world.bridge_ids.get(model, ())]
            cache[model] = own[0] if own else world.visible_record(
                model, client=world.attacker)
        return cache[model]

    def own_reference(self):
        "[model, id] of a record of the attacker's of a shared model"
        for model in self.world.shared:
            record_id = self.visible_id(model)
            if record_id:
                return [model, record_id]

    def argument_methods(self):
        "(model, method, info, names) of the methods to attack"
        skip = STANDARD_READ | MUTATING_STANDARD | NO_ID_METHODS
        for model in self.callable_models():
            rpc = self.world.model_meta(model).get('rpc', {})
            for method in self.methods_of(model):
                info = rpc.get(method)
                if (method in skip or method.startswith('on_change')
                        or not info or info['params'] is None):
                    continue
                names = (['self'] if info['instance'] else []) + [
                    n for n, _ in info['params']]
                if set(names) - set(info['instantiated']):
                    yield model, method, info, names

    @staticmethod
    def shapes(info, name, target, record_id):
        "The values naming the hidden record for the parameter name"
        defaults = info['defaults']
        if name in defaults and isinstance(defaults[name], str):
            return [f'{target},{record_id}']
        if name in defaults and defaults[name] is not None:
            return []   # a boolean or a number
        return [[target, record_id], f'{target},{record_id}', [record_id],
            record_id]

    def argument_fill(self, info, name, target, references):
        "The value of a parameter not attacked"
        defaults = info['defaults']
        if name in references:
            return self.own_reference()
        if name not in defaults:
            return target
        if isinstance(defaults[name], str):
            return SPY
        return defaults[name]

    def argument_list(self, model, info, names, values):
        """The arguments: values by name, the instantiated ones the
        attacker's record of model, up to the last one given or required
        (None when the attacker has no record to instantiate)"""
        optional = {n for n, o in info['params'] if o}
        last = max(i for i, n in enumerate(names)
            if n in values or n not in optional)
        args = []
        for name in names[:last + 1]:
            if name in info['instantiated']:
                own = self.visible_id(model)
                if own is None:
                    return None
                # (an instance, the instances of a slice, the records)
                single = name == 'self' or info['instantiate'] == 'slice'
                args.append(own if single else [own])
            else:
                args.append(values[name])
        return args

    def references_of(self, model, method, info, names):
        """The parameters taking a reference: a control call with the
        attacker's own record there succeeds"""
        own = self.own_reference()
        found = set()
        if own is None:
            return found
        free = [n for n in names if n not in info['instantiated']]
        for name in free:
            if info['defaults'].get(name, None) is not None:
                continue
            values = {n: self.argument_fill(info, n, own[0], set())
                for n in free}
            values[name] = own
            args = self.argument_list(model, info, names, values)
            if args is None:
                continue
            control = self.gen('arguments', model, f'{method} (control)',
                f'model.{model}.{method}', args)
            yield control
            if control.outcome.status == 'ok':
                found.add(name)
        self._references[model, method] = found

    def plain_arguments(self):
        self._references = {}
        seen = set()
        hidden = self.guarded_hidden()
        for model, method, info, names in self.argument_methods():
            yield from self.references_of(model, method, info, names)
            references = self._references[model, method]
            free = [n for n in names if n not in info['instantiated']]
            path = f'model.{model}.{method}'
            for name in free:
                # the error a shape gave for any record: the shape does
                # not fit the parameter, whatever the model
                failed = {}
                for target, record_id in hidden:
                    shapes = self.shapes(info, name, target, record_id)
                    for kind, value in enumerate(shapes):
                        if failed.get(kind, (None, 0))[1] >= 2:
                            continue
                        values = {n: self.argument_fill(info, n, target,
                                references - {name}) for n in free}
                        values[name] = value
                        args = self.argument_list(model, info, names, values)
                        if args is None:
                            continue
                        key = (path, json.dumps(args, default=_encode))
                        if key in seen:
                            continue
                        seen.add(key)
                        attempt = self.gen('arguments', model, method, path,
                            args, mutating=not info['readonly'])
                        yield attempt
                        failed[kind] = _same_failure(
                            failed.get(kind), attempt.outcome, target)
