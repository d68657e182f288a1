# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category on_change: the methods of a form being edited.

on_change, on_change_with (and each ``on_change_<field>`` and
``on_change_with_<field>``), on_change_notify, pre_validate, on_scan_code
with the values of a hidden record (its id, or a relation to one),
autocomplete (and its oracle pairs on a prefix of a hidden name) and
default_get with a hidden record as the active one.
"""
from crm_testing import RpcError

from .markers import _is_marker


class OnChangeMixin:
    "The calls of a form being edited"

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

    def hidden_pairs(self, model):
        "(model, id) of the hidden records an active context may name"
        world = self.world
        pairs = [(model, h) for h in world.sample(model)]
        for _, _, target in self.links_of(model):
            for h in world.hidden_base.get(target, [])[:1]:
                if (target, h) not in pairs:
                    pairs.append((target, h))
        return pairs

    def default_gets(self, model, methods):
        "default_get with a hidden record (or one it links to) as active"
        if 'default_get' not in methods:
            return
        for target, h in self.hidden_pairs(model):
            yield self.gen('on_change', model, 'default_get',
                f'model.{model}.default_get', [None, True],
                context=self.ctx_for(target, h))
