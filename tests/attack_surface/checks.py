# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The verdicts of a call that answered: what it returned or changed.

``check`` judges the answer (hidden ids, a count, an answer for a hidden
record, a record created linking to one); after a mutating call the hidden
records are compared with their snapshots (and restored) and the records
the attacker made or changed are searched for links to hidden ones (and
undone): those of the models the call changed when the server's tracer
tells them (lookup.py).  ``check_mail`` searches what the server mailed
during the call for hidden values.
"""
from crm_testing import RpcError

from .calls import _ids_of
from .markers import _norm, _short, supplied_text

# The categories whose calls may act on any record
ANYWHERE = {'wizard', 'button', 'rpc', 'chat', 'arguments', 'context',
    'wizard_rpc'}


class ChecksMixin:
    "The checks of a successful call"

    def check(self, check, attempt, outcome):
        world = self.world
        kind = check[0]
        value = outcome.value
        if kind == 'ids':
            model = check[1]
            hidden = set(world.hidden.get(model, []))
            found = _ids_of(value) & hidden
            if found:
                return [f'returned hidden {model} ids {sorted(found)}']
        elif kind == 'board_ids':
            # the pipeline board's data: cards in columns
            hidden = set(world.hidden.get(check[1], []))
            cards = [card for column in (value or {}).get('stages', [])
                for card in column.get('cards', [])] if isinstance(
                    value, dict) else []
            found = {c.get('id') for c in cards} & hidden
            if found:
                return [f'showed hidden {check[1]} ids {sorted(found)}']
        elif kind == 'nonempty':
            if value:
                return [f'answered {_short(value)} for the hidden record']
        elif kind == 'answered':
            # the call must be refused
            return [f'answered {_short(value)} instead of refusing']
        elif kind == 'counts':
            rows = value if isinstance(value, list) else [value]
            numbers = [v for row in rows if isinstance(row, dict)
                for v in row.values()
                if isinstance(v, int) and not isinstance(v, bool)]
            if any(numbers):
                return [f'counted what the hidden record has: {value}']
        elif kind == 'created':
            return self.check_created(check[1], value, attempt)
        return []

    def check_created(self, model, value, attempt):
        "A create or copy succeeded: does a new record link to hidden?"
        world = self.world
        ids = sorted(_ids_of(value if isinstance(value, list) else [value])
            - set(world.hidden.get(model, [])) - set(world.own.get(model, [])))
        leaks = []
        if not ids:
            return leaks
        rows = world.read_admin(model, ids)
        for row in rows:
            markers = world.secrets.scan(row, supplied_text(attempt.args))
            if markers:
                leaks.append(f'created {model} {row["id"]} holding hidden '
                    f'values {markers[:4]}')
            for name, target in self._hidden_links(model, row):
                leaks.append(f'created {model} {row["id"]} with {name} = '
                    f'hidden {target}')
        self.cleanup(model, ids)
        return leaks

    def _hidden_links(self, model, row):
        world = self.world
        for field, ttype, target in self.links_of(model):
            value = row.get(field)
            hidden = set(world.hidden.get(target, []))
            if ttype == 'reference' and isinstance(value, str):
                name, _, rid = value.partition(',')
                if name == target and rid.lstrip('-').isdigit() and (
                        int(rid) in hidden):
                    yield field, value
            elif ttype == 'many2one' and value in hidden:
                yield field, f'{target},{value}'

    def cleanup(self, model, ids):
        try:
            self.world.admin.model(model, 'delete', ids)
        except RpcError:
            pass

    def check_mutation(self, attempt):
        "After a mutating call answered: compare the hidden records"
        world = self.world
        models = {attempt.model}
        nearby = self.nearby({attempt.model})
        changed = self.changed_models(attempt)
        if changed is not None and attempt.category in ANYWHERE:
            # the tracer tells the models changed
            models = nearby = changed | {attempt.model}
        elif attempt.category in ANYWHERE:
            # may act on any record
            models = {m for m, ids in world.hidden.items() if ids}
        leaks = self.check_snapshots(models)
        leaks.extend(self.check_links(nearby))
        return leaks

    def check_mail(self, attempt):
        "The messages the server sent during the call holding hidden values"
        if self.sink is None or self.mail_mark is None:
            return []
        leaks = []
        supplied = supplied_text(attempt.args)
        for recipients, _, message in self.sink.since(self.mail_mark):
            markers = self.world.secrets.scan(
                [str(message), self.sink.text_of(message)], supplied)
            if markers:
                leaks.append(f'mailed hidden values to {recipients}: '
                    + ', '.join(f'{m!r} ({self.world.secrets.where(m)})'
                        for m in markers[:4]))
        return leaks

    def check_snapshots(self, models):
        "Compare the hidden records of models with their snapshots"
        world = self.world
        leaks = []
        for model in sorted(models):
            ids = world.hidden.get(model)
            if not ids:
                continue
            rows = world.read_admin(model, ids, world.stored_fields(model))
            by_id = {r['id']: r for r in rows}
            for record_id in ids:
                before = world.snapshot.get((model, record_id))
                if before is None:
                    continue
                after = by_id.get(record_id)
                if after is None:
                    leaks.append(f'hidden {model} {record_id} was deleted')
                    world.snapshot.pop((model, record_id), None)
                    continue
                changed = sorted(k for k in before
                    if k in after and _norm(before[k]) != _norm(after[k]))
                if changed:
                    leaks.append(f'hidden {model} {record_id} was changed: '
                        + ', '.join(f'{k}: {_short(before[k])} -> '
                            f'{_short(after[k])}' for k in changed[:6]))
                    self.restore(model, record_id, before, changed)
        return leaks

    def nearby(self, models):
        "The models and the models pointing to them"
        result = set(models)
        for model, _, _, target in self.world.links:
            if target in models:
                result.add(model)
        return result

    def restore(self, model, record_id, before, changed):
        world = self.world
        values = {k: before[k] for k in changed
            if k not in {'write_uid', 'write_date', 'create_uid',
                'create_date', 'id'}
            and not world.fields_of(model).get(k, {}).get('readonly')}
        if values:
            try:
                world.admin.model(model, 'write', [record_id], values)
            except RpcError:
                pass
        rows = world.read_admin(
            model, [record_id], world.stored_fields(model))
        if rows:
            world.snapshot[model, record_id] = rows[0]

    def link_domain(self, model):
        world = self.world
        clauses = []
        for field, ttype, target in self.links_of(model):
            ids = world.hidden.get(target)
            if not ids:
                continue
            if ttype == 'reference':
                clauses.append(
                    (field, 'in', [f'{target},{i}' for i in ids]))
            elif ttype == 'many2one':
                clauses.append((field, 'in', ids))
        if not clauses:
            return None
        attacker = world.users['attacker']
        return [['OR', ('create_uid', '=', attacker),
                ('write_uid', '=', attacker)],
            ['OR', *clauses]]

    def check_links(self, models):
        """Records made or changed by the attacker that point to a hidden
        record (the bridges of the world point to them by design)"""
        world = self.world
        leaks = []
        attacker = world.users['attacker']
        for model in sorted(models):
            domain = self.link_domain(model)
            if domain is None or not world.model_meta(model).get('storage'):
                continue
            try:
                found = world.admin.model(model, 'search', domain, 0, None,
                    None)
            except RpcError:
                continue
            found = [i for i in found if i not in world.hidden.get(model, [])
                and i not in world.bridge_ids.get(model, ())]
            if not found:
                continue
            rows = world.read_admin(model, found)
            created = []
            for row in rows:
                links = list(self._hidden_links(model, row))
                if not links:
                    continue
                made = row.get('create_uid') == attacker
                leaks.append(f'the attacker {"made" if made else "changed"} '
                    f'{model} {row["id"]} to point to the hidden record ('
                    + ', '.join(f'{f}={v}' for f, v in links) + ')')
                if made:
                    created.append(row['id'])
                else:
                    self.unlink(model, row['id'], [f for f, _ in links])
            if created:
                self.cleanup(model, created)
        return leaks

    def unlink(self, model, record_id, fields):
        "Undo a link the attacker set on a record of the world"
        try:
            self.world.admin.model(model, 'write', [record_id],
                dict.fromkeys(fields, None))
        except RpcError:
            pass
