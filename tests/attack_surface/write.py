# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category write: phase 3, writes.

write on a hidden record (a text, the assigned user), and on the
attacker's record linking it to a hidden one or adding hidden children to
its One2Many.
"""
from .world import SKIP_FILL, TEXT_TYPES


class WriteMixin:
    "Phase 3: write"

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
