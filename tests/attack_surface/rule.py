# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category rule: the records shared with the attacker read only.

Run after the other phases: the admin shares the victim's records of
every shared model with hidden records with the attacker by a read-only
sharing rule (``crm.sharing.rule``) and checks that the attacker reads
them.  Then every door that would change such a record must be refused
or change nothing: a write of each writable field, import_data naming
it by id, the model's buttons, the wizards of its form actions (driven
with the attacker's values in their empty fields), an x2many of the
attacker's records adding it (its reverse field is on the record), the
children that follow it (its One2Many, attachments, notes: each after a
control creation on the attacker's own record), a copy (it would be the
attacker's) and delete last.  The hidden records are compared with their
snapshots, their x2many fields with what they held, and the records the
attacker made are searched for links to them; answers are not searched
for markers (the attacker reads these records).  Posting a chat comment
on a record one reads is allowed by the host: not attacked.  The rules
are removed at the end.
"""
import datetime
import decimal
import time

from crm_testing import RpcError

from .calls import Outcome, _ids_of
from .markers import LOW_NUMBER, _norm
from .world import CHILD_HINTS, SKIP_FILL

# Fields a write never sets (bookkeeping)
BOOKKEEPING = {'id', 'rec_name', 'xml_id', 'create_uid', 'create_date',
    'write_uid', 'write_date', 'last_modified_at'}
# The children of any record whose access follows it (host's
# ResourceAccessMixin); the values of one
RESOURCE_CHILDREN = {
    'ir.attachment': {'name': 'ATK-rule-attachment', 'type': 'data',
        'data': b'ATK'},
    'ir.note': {'message': 'ATK-rule-note'},
    }
CHILD_VALUES = {'$email': 'atk-rule@example.com', '$phone': '+32470000042'}


class RuleMixin:
    "The records the attacker reads through a read-only sharing rule"

    def run_rules(self):
        world = self.world
        self.rule_models = [
            m for m in world.shared if world.hidden_base.get(m)]
        self.rule_readable = {}
        self.rule_reported = set()
        rules = self.share_read_only(self.rule_models)
        try:
            self.check_rule_reads()
            self.rule_x2many = self.x2many_state()
            for attempt in self.rule_calls():
                self.run_rule(attempt)
        finally:
            for rule_id in rules:
                try:
                    world.admin.model('crm.sharing.rule', 'delete', [rule_id])
                except RpcError as error:
                    self.skipped.append(('crm.sharing.rule', 'delete',
                            str(error.error)))
        # what a call may have left behind
        leaks = self.check_snapshots(
            {m for m, ids in world.hidden.items() if ids})
        leaks += self.check_links(set(self.targets))
        if leaks:
            side = self.gen('rule', '*', 'after the rules', '')
            side.outcome, side.verdict, side.details = (
                Outcome('ok'), 'leak', leaks)
            self.record(side)

    def share_read_only(self, models):
        "Share the victim's records of models with the attacker, read only"
        world = self.world
        sharings = world.admin.model('crm.sharing', 'search_read',
            [('model', 'in', models)], 0, None, None, ['model'])
        rules = []
        for sharing in sharings:
            rules += world.admin.model('crm.sharing.rule', 'create', [{
                        'sharing': sharing['id'],
                        'owner_kind': 'user',
                        'owner_user': world.users['victim'],
                        'with_kind': 'user',
                        'with_user': world.users['attacker'],
                        'access': 'read',
                        }])
        return rules

    def check_rule_reads(self):
        "The attacker reads the shared records (their markers)"
        world = self.world
        for model in self.rule_models:
            names = world.secret_fields(model)
            ids = world.hidden_base[model]
            try:
                rows = world.attacker.model(model, 'read', ids, names)
            except RpcError as error:
                self.skipped.append((model, 'rule',
                        f'the attacker does not read the shared records: '
                        f'{error.error}'))
                continue
            self.rule_readable[model] = sorted(
                r['id'] for r in rows if world.secrets.scan(r))

    def x2many_state(self):
        "The ids of the x2many fields of the shared records (admin)"
        world = self.world
        state = {}
        for model in self.rule_models:
            names = [n for n, f in world.fields_of(model).items()
                if f['type'] in {'one2many', 'many2many'}
                and n not in world.computed(model)]
            if not names:
                continue
            for row in world.read_admin(
                    model, world.hidden_base[model], names):
                for name in names:
                    state[model, row['id'], name] = sorted(row[name] or [])
        return state

    def run_rule(self, attempt):
        """Run attempt and judge what it changed (its answer may show the
        shared records: it is not searched for markers)"""
        started = time.monotonic()
        attempt.outcome = outcome = self.fetch(attempt)
        leaks = []
        if outcome.status == 'ok':
            for check in attempt.checks:
                if check[0] == 'copied':
                    leaks.extend(self.check_copied(check[1], outcome))
                else:
                    leaks.extend(self.check(check, attempt, outcome))
            if attempt.mutating:
                leaks.extend(self.check_rule_mutation())
        attempt.details = leaks
        attempt.verdict = 'leak' if leaks else {
            'refused': 'refused', 'na': 'na'}.get(outcome.status, 'empty')
        self.record(attempt)
        self.seconds['rule'] += time.monotonic() - started
        return attempt

    def check_copied(self, model, outcome):
        "A copy of a read-only record is the attacker's: none may be made"
        world = self.world
        value = outcome.value
        ids = sorted(_ids_of(value if isinstance(value, list) else [value])
            - set(world.hidden.get(model, [])))
        if not ids:
            return []
        self.cleanup(model, ids)
        return [f'copied the read-only {model} as {ids}']

    def check_rule_mutation(self):
        world = self.world
        leaks = self.check_snapshots(
            {m for m, ids in world.hidden.items() if ids})
        # (a record the admin cannot delete, a change log, is told once)
        links = self.check_links(self.nearby(set(self.rule_models)))
        leaks.extend(link for link in links if link not in self.rule_reported)
        self.rule_reported.update(links)
        now = self.x2many_state()
        for key, before in sorted(self.rule_x2many.items()):
            after = now.get(key)
            if after is None or after == before:
                continue
            model, record_id, name = key
            added = sorted(set(after) - set(before))
            leaks.append(f'the x2many {name} of {model} {record_id} changed: '
                f'{before} -> {after}')
            relation = world.fields_of(model)[name]
            if relation['type'] == 'many2many':
                values = {name: [('remove', added)]} if added else {}
            else:
                values = {name: [('delete', added)]} if added else {}
            if values:
                try:
                    world.admin.model(model, 'write', [record_id], values)
                except RpcError:
                    pass
        self.rule_x2many = self.x2many_state()
        return leaks

    # --- the calls

    def rule_calls(self):
        world = self.world
        for model in self.rule_models:
            methods = self.writable_methods(model)
            path = f'model.{model}.'
            if 'write' in methods:
                for h in world.hidden_base[model]:
                    for name, value in self.rule_values(model, h):
                        yield self.gen('rule', model, f'write {name}',
                            path + 'write', [[h], {name: value}],
                            mutating=True)
            if 'import_data' in methods:
                text = self.rule_text_field(model)
                for h in world.hidden_base[model] if text else []:
                    yield self.gen('rule', model, 'import_data (id)',
                        path + 'import_data',
                        [['id', text], [[str(h), 'ATK-rule-import']]],
                        mutating=True)
            buttons = set(world.model_meta(model).get('buttons') or [])
            for button in sorted(buttons & methods):
                for h in world.hidden_base[model]:
                    yield self.gen('rule', model, f'{button} (button)',
                        path + button,
                        [[h]], mutating=True)
            yield from self.rule_children(model)
        yield from self.rule_links()
        yield from self.rule_wizards()
        for model in self.rule_models:
            methods = self.writable_methods(model)
            path = f'model.{model}.'
            if 'copy' in methods:
                for h in world.hidden_base[model]:
                    yield self.gen('rule', model, 'copy (read only)',
                        path + 'copy',
                        [[h], {}], mutating=True,
                        checks=[('copied', model)])
            if 'delete' in methods:
                for h in world.hidden_base[model]:
                    yield self.gen('rule', model, 'delete (read only)',
                        path + 'delete',
                        [[h]], mutating=True)

    def rule_text_field(self, model):
        fields = self.world.attacker_fields(model) or {}
        for name, field in sorted(fields.items()):
            if (field['type'] in {'char', 'text'} and not field.get('readonly')
                    and name not in SKIP_FILL
                    and name not in self.world.computed(model)):
                return name

    def rule_values(self, model, record_id):
        """(field, value) for each writable field of model, a value other
        than the record's"""
        world = self.world
        fields = world.attacker_fields(model) or {}
        current = world.snapshot.get((model, record_id), {})
        computed = world.computed(model)
        for name, field in sorted(fields.items()):
            if (name in BOOKKEEPING or name in computed
                    or field.get('readonly')):
                continue
            ftype = field['type']
            value = None
            if ftype in {'char', 'text'}:
                value = world.formatted(
                    name, f'ATK-rule-{name}', None, 'low')
            elif ftype == 'integer':
                value = LOW_NUMBER
            elif ftype == 'float':
                value = float(LOW_NUMBER)
            elif ftype == 'numeric':
                value = decimal.Decimal(LOW_NUMBER)
            elif ftype == 'boolean':
                value = not current.get(name)
            elif ftype == 'date':
                value = datetime.date.today() - datetime.timedelta(days=1)
            elif ftype == 'datetime':
                value = datetime.datetime(2001, 1, 1, 12)
            elif ftype == 'selection':
                options = [s[0] for s in field.get('selection') or []
                    if isinstance(s, (list, tuple)) and s[0]
                    and s[0] != current.get(name)]
                value = options[0] if options else None
            elif ftype == 'many2one':
                value = self.rule_record(field['relation'], current.get(name))
            elif ftype == 'many2many':
                other = self.rule_record(field['relation'])
                value = [('add', [other])] if other else None
            if value is not None and _norm(value) != _norm(current.get(name)):
                yield name, value

    def rule_record(self, relation, other=None):
        "A record of relation the attacker reads, not other"
        world = self.world
        if relation == 'res.user':
            return world.users['attacker']
        try:
            found = world.attacker.model(relation, 'search', [
                    ('id', 'not in', world.hidden.get(relation, [])
                        + ([other] if other else [])),
                    ], 0, 1, None)
        except RpcError:
            found = []
        return found[0] if found else None

    def rule_children(self, model):
        """The children of the read-only records: their One2Many, an
        attachment, a note; each after a control creation on the
        attacker's own record"""
        world = self.world
        own = [i for i in world.own.get(model, [])
            if i not in world.hidden.get(model, [])]
        kinds = []
        for name, field in sorted(world.fields_of(model).items()):
            target, reverse = field.get('relation'), field.get(
                'relation_field')
            if (field['type'] != 'one2many' or field.get('readonly')
                    or not reverse or target in world.shared
                    or 'create' not in self.writable_methods(target)):
                continue
            fields = world.attacker_fields(target) or {}
            for hint in CHILD_HINTS.get(target, [{}]):
                values = {**self.base_values(target, fields),
                    **{k: CHILD_VALUES.get(v, v) for k, v in hint.items()}}
                values.pop(reverse, None)
                kinds.append((target, reverse, values))
        for target, values in RESOURCE_CHILDREN.items():
            kinds.append((target, 'resource', values))

        def value_of(reverse, record_id):
            return (f'{model},{record_id}' if reverse == 'resource'
                else record_id)
        for target, reverse, values in kinds:
            path = f'model.{target}.create'
            if own:
                control = self.gen('rule', target, 'create (control)', path,
                    [[{**values, reverse: value_of(reverse, own[0])}]])
                yield control
                made = _ids_of(control.outcome.value or []) if (
                    control.outcome.status == 'ok') else set()
                if made:
                    self.cleanup(target, sorted(made))
                else:
                    self.skipped.append((target, f'rule: create ({reverse})',
                            'the control creation failed: a refusal may '
                            'come from the other values'))
            for h in world.hidden_base[model]:
                yield self.gen('rule', target, f'create ({reverse})', path,
                    [[{**values, reverse: value_of(reverse, h)}]],
                    mutating=True,
                    checks=[('created', target)])

    def rule_links(self):
        """The attacker's records adding a read-only record to a One2Many
        (whose reverse field is on the record)"""
        world = self.world
        for model in sorted(world.own):
            own = [i for i in world.own[model]
                if i not in world.hidden.get(model, [])]
            if not own or 'write' not in self.writable_methods(model):
                continue
            fields = world.attacker_fields(model) or {}
            for name, field in sorted(fields.items()):
                relation = field.get('relation')
                if (field['type'] != 'one2many' or field.get('readonly')
                        or relation not in self.rule_models
                        or not field.get('relation_field')):
                    continue
                for h in world.hidden_base[relation]:
                    yield self.gen('rule', model, f'write {name} (add)',
                        f'model.{model}.write',
                        [[own[0]], {name: [('add', [h])]}], mutating=True)

    def rule_wizards(self):
        "The wizards of the form actions, on each read-only record"
        world = self.world
        for name, model, action_id in self.wizard_actions():
            if model not in self.rule_models:
                continue
            runs = [(h, self.rule_wizard_values)
                for h in world.hidden_base[model]]
            yield from self.wizard_flow(
                name, model, action_id, category='rule', runs=runs)

    def rule_wizard_values(self, view, data):
        "Values for the empty fields of a wizard's view: the attacker's"
        values = {}
        fields = (view.get('fields_view') or {}).get('fields') or {}
        for name, field in sorted(fields.items()):
            if data.get(name) not in (None, '', []) or field.get('readonly'):
                continue
            ftype = field['type']
            if ftype == 'many2one':
                value = self.rule_record(field['relation'])
            elif ftype == 'selection':
                options = [s[0] for s in field.get('selection') or []
                    if isinstance(s, (list, tuple)) and s[0]]
                value = options[0] if options else None
            elif ftype in {'char', 'text'}:
                value = 'ATK-rule'
            elif ftype == 'date':
                value = datetime.date.today()
            else:
                value = None
            if value is not None:
                values[name] = value
        return values
