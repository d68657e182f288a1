# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category stored_link: a record of the attacker's points to a hidden one.

For every Many2One and Reference field to a guarded model, the admin
points the field of a record the attacker may read (one of its own: a
record of a shared model, or one the admin makes on its own records:
attachment, contact mechanism, contact role ...) to a hidden record, as
happens when the owner of the linked record changes.  The attacker then
reads the record (every field, the link's ``rec_name`` and the hidden
record's marked fields through it; one by one when it is refused whole)
and calls ``on_change``, ``on_change_with`` (every field at once and each
method depending on the link) and ``on_change_notify`` with the record's
id: the server loads the stored link itself.  Nothing of the hidden record
but its placeholder name may come back.  The link is restored after.
"""
from crm_testing import RpcError

from .discovery import STANDARD_READ


class StoredLinkMixin:
    "Stored links of the attacker's records to hidden ones"

    def link_holder(self, model):
        """A record of model the attacker may read and the admin may
        change: its own, or one the admin makes on its own records"""
        holders = self.__dict__.setdefault('_holders', {})
        if model in holders:
            return holders[model]
        world = self.world
        own = [i for i in world.own.get(model, [])
            if i not in world.hidden.get(model, [])
            and i not in world.bridge_ids.get(model, ())]
        holder = own[0] if own else None
        if holder is None and world.model_meta(model).get('storage'):
            values = world.required_values(model)
            computed = world.computed(model)
            for field, ttype, target in self.links_of(model):
                if (field in values or field in computed
                        or ttype not in {'many2one', 'reference'}
                        or not self.allowed(model, field, target)):
                    continue
                record_id = self.visible_id(target) if (
                    target in world.shared) else None
                if record_id:
                    values[field] = self.relation_value(
                        ttype, target, record_id)
            holder, _, error = world.admin_create(model, [values])
            if holder is None:
                self.skipped.append((model, 'stored_link',
                        f'no record of the attacker\'s: {error}'))
        if holder is not None:
            try:
                world.attacker.model(model, 'read', [holder], ['id'])
            except RpcError:
                self.skipped.append((model, 'stored_link',
                        f'the attacker may not read {model} {holder}'))
                holder = None
        holders[model] = holder
        return holder

    def allowed(self, model, field, target):
        "Tell if the field of model may point to target (its selection)"
        selection = self.world.fields_of(model)[field].get('selection')
        if not isinstance(selection, list):
            return True
        return target in {s[0] for s in selection
            if isinstance(s, (list, tuple)) and s}

    def stored_links(self):
        world = self.world
        guarded = set(self.meta.get('guarded') or world.shared)
        for model, field, ttype, target in world.links:
            if ttype not in {'many2one', 'reference'} or (
                    target not in guarded) or not world.sample(target):
                continue
            methods = set(self.methods_of(model))
            fields = world.fields_of(model)
            if ('read' not in methods or field not in fields
                    or field in world.computed(model)
                    or not self.allowed(model, field, target)):
                continue
            holder = self.link_holder(model)
            if holder is None:
                continue
            before = world.read_admin(model, [holder], [field])
            if not before:
                continue
            # (one in the domain of the field when the admin can tell)
            hidden = (world.hidden_link(model, field) if (
                    ttype == 'many2one') else None) or world.sample(target)[0]
            try:
                world.admin.model(model, 'write', [holder], {
                        field: self.relation_value(ttype, target, hidden)})
            except RpcError as error:
                self.skipped.append((model, f'stored_link ({field})',
                        str(error.error)[:200]))
                continue
            try:
                yield from self.stored_link_calls(
                    model, methods, holder, field, target)
            finally:
                try:
                    world.admin.model(model, 'write', [holder],
                        {field: before[0][field]})
                except RpcError as error:
                    # (the link may be written once only: the record now
                    # points to a hidden one by design, as a bridge does)
                    world.bridge_ids[model].add(holder)
                    self.skipped.append((model, f'stored_link ({field})',
                            f'not restored: {str(error.error)[:160]}'))

    def stored_link_calls(self, model, methods, holder, field, target):
        world = self.world
        path = f'model.{model}.'
        names = self.readable_fields(model) or [field, 'rec_name']
        nested = [f'{field}.rec_name'] + [f'{field}.{g}'
            for g in world.secret_fields(target)] if (
            world.fields_of(model)[field]['type'] == 'many2one') else []
        read = self.gen('stored_link', model, 'read', path + 'read',
            [[holder], names + nested])
        yield read
        if read.outcome.status != 'ok':
            # a field refused refuses all: the link's and the computed
            # ones one by one
            computed = set(world.model_meta(model).get('functions') or [])
            for name in [field, *nested, *sorted(computed & set(names))]:
                yield self.gen('stored_link', model, 'read', path + 'read',
                    [[holder], [name]])
        values = {'id': holder}
        on_change = sorted(m[len('on_change_'):] for m in methods
            if m.startswith('on_change_')
            and not m.startswith('on_change_with')
            and m != 'on_change_notify')
        on_change_with = sorted(m[len('on_change_with_'):] for m in methods
            if m.startswith('on_change_with_'))
        if 'on_change' in methods and on_change:
            yield self.gen('stored_link', model, 'on_change',
                path + 'on_change', [values, on_change])
        if 'on_change_with' in methods and on_change_with:
            yield self.gen('stored_link', model, 'on_change_with',
                path + 'on_change_with', [values, on_change_with])
        if 'on_change_notify' in methods:
            yield self.gen('stored_link', model, 'on_change_notify',
                path + 'on_change_notify', [values])
        rpc = world.model_meta(model).get('rpc', {})
        for method in sorted(methods - STANDARD_READ):
            if not method.startswith('on_change_') or (
                    method == 'on_change_notify'):
                continue
            if field in ((rpc.get(method) or {}).get('depends') or []):
                yield self.gen('stored_link', model, method,
                    path + method, [values])
