# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Categories create, copy and import: phase 2, new records.

copy of a hidden record; create of a record linking to a hidden one
(after a control creation linking to the attacker's own record) and the
LIKE pattern pairs of ``wildcard_pairs``; import_data naming a hidden
record by its rec_name (pairs) or its id.
"""
import datetime

from crm_testing import RpcError

from .calls import _ids_of
from .discovery import MUTATING_STANDARD
from .world import NUMBER_TYPES, TEXT_TYPES, WORLD_HINTS


class CreateMixin:
    "Phase 2: create, copy, import"

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
