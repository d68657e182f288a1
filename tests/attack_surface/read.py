# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Categories read, search and export: phase 1, the read-only calls.

``phase_read`` walks the target models: read (all fields, then one by one,
and the hidden fields through the attacker's bridges), search,
search_count and search_read on the domains naming a hidden record,
export_data and export_data_domain, resources and history_revisions.  It
also yields the read-only calls of the other doors: oracles (``oracle.py``),
on_change (``on_change.py``), model specific methods (``rpc.py``), reports
(``report.py``) and the read-only routes (``route.py``).
"""


class ReadMixin:
    "Phase 1: the read-only calls"

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
            yield from self.default_gets(model, methods)
            yield from self.other_methods(model, methods, readonly=True)
        yield from self.reports()
        yield from self.routes(mutating=False)

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
