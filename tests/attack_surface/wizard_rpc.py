# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category wizard_rpc: the wizards of guarded models driven as sao does.

Over RPC the wizards' transitions run without access checks unless the
module says otherwise: each wizard acting on a guarded model is run on a
record of the attacker's (a fresh one for each run of a shared model) as
sao runs it: ``create``, ``execute`` of the start state, then of each
button of its view with the view's values (defaults and values, the
relations as ids), following the default button of the next views.  The
values name in turn each hidden record a relation field of the view may
take, and the owner fields (``discovery._owner_fields``: the user and team
a record is assigned to) a user and a team whose records the attacker may
not see.  Then, for each action of a profile (``crm.profile.action``), the
action is taken from the attacker's profile and the wizards of its model
are run plainly.

A run leaks if a hidden record changed, a record points to one, the
attacker cannot read a record the run created or changed (it could not
have made it directly), or, without the profile's action, the run changed
anything of the CRM.
"""
from crm_testing import RpcError

MAX_STEPS = 4


class WizardRpcMixin:
    "The wizards of guarded models over JSON-RPC"

    def hidden_owners(self):
        """{relation: id} of an owner of each owner field's relation whose
        records the attacker may not see: the victim, a team without the
        attacker"""
        if getattr(self, '_hidden_owners', None) is None:
            world = self.world
            owners = {}
            for relation in sorted(set(self.meta.get('owners', {}).values())):
                if relation == 'res.user':
                    owners[relation] = world.users['victim']
                    continue
                values = world.required_values(relation)
                name = world.rec_name_field(relation)
                if name:
                    values[name] = world.unique('ATK-hidden-owner')
                record_id, _, _ = world.admin_create(relation, [values])
                if record_id:
                    owners[relation] = record_id
            self._hidden_owners = owners
        return self._hidden_owners

    def view_injections(self, view):
        """The values naming hidden records in a wizard view, one field at
        a time: relation fields to guarded models, owner fields"""
        fields = (view.get('fields_view') or {}).get('fields') or {}
        hidden = self.guarded_hidden()
        owners = self.hidden_owners()
        injections = []
        for name, field in sorted(fields.items()):
            ttype, relation = field.get('type'), field.get('relation')
            if field.get('readonly'):
                continue
            if ttype == 'many2one' and relation in owners:
                injections.append({name: owners[relation]})
            for target, record_id in hidden:
                if ttype == 'reference':
                    injections.append({name: f'{target},{record_id}'})
                elif relation == target and ttype == 'many2one':
                    injections.append({name: record_id})
                elif relation == target and ttype in {
                        'one2many', 'many2many'}:
                    injections.append({name: [record_id]})
        return injections

    @staticmethod
    def client_values(view):
        "The values sao sends for a wizard view: its fields, no names"
        fields = (view.get('fields_view') or {}).get('fields') or {}
        values = {**(view.get('defaults') or {}),
            **(view.get('values') or {})}
        return {k: v for k, v in values.items()
            if k in fields and '.' not in k}

    def fresh_record(self, model):
        """A record of model of the attacker's that a run may change: a
        new one for a shared model"""
        world = self.world
        if model in world.shared:
            record_id, _, _ = world.create_record(
                model, 'low', world.users['attacker'])
            if record_id:
                return record_id
        return self.visible_id(model)

    def sao_run(self, name, model, action_id, inject=None, button=None,
            label_suffix=''):
        """Run wizard name on a fresh record of model as sao does; inject
        values in the first view; press button there (the default one
        when None).  Yield the attempts; return the button states and the
        first view."""
        record_id = self.fresh_record(model)
        if record_id is None:
            return [], None
        context = {**self.ctx_for(model, record_id), 'action_id': action_id}
        label = f'wizard {name}{label_suffix}'
        path = f'wizard.{name}.'
        create = self.gen('wizard_rpc', model, label, path + 'create', [],
            mutating=True)
        yield create
        if create.outcome.status != 'ok':
            return [], None
        session, state, end = create.outcome.value
        data, buttons, first = {}, [], None
        for step in range(MAX_STEPS):
            execute = self.gen('wizard_rpc', model, label, path + 'execute',
                [session, data, state], context=context, mutating=True)
            yield execute
            self.check_could_not(execute)
            if execute.outcome.status != 'ok':
                break
            view = (execute.outcome.value or {}).get('view')
            if not view:
                break
            values = self.client_values(view)
            states = [b['state'] for b in view.get('buttons') or []
                if b.get('state') and b['state'] != end]
            if step == 0:
                buttons, first = states, view
                values.update(inject or {})
                chosen = button
            else:
                chosen = None
            if chosen is None:
                chosen = next((b['state'] for b in view.get('buttons') or []
                        if b.get('default') and b.get('state') != end),
                    states[0] if states else None)
            if chosen is None:
                break
            data = {view['state']: {**values, 'id': -1}}
            state = chosen
        yield self.gen('wizard_rpc', model, label, path + 'delete',
            [session], context=context, mutating=True)
        return buttons, first

    def check_could_not(self, attempt):
        """The records of guarded models a call created or changed that the
        attacker may not read: it could not have made them itself"""
        if attempt.outcome.status != 'ok':
            return
        world = self.world
        # (the records whose access follows the sharing: the others follow
        # the model access alone, as a direct call does)
        guarded = set(self.meta.get('guarded') or world.shared)
        found = {}
        for line in attempt.trace:
            if line.get('changed') in guarded and line['ids'] and line.get(
                    'mode') in {'create', 'write'}:
                found.setdefault(line['changed'], set()).update(line['ids'])
        for model, ids in sorted(found.items()):
            ids = sorted(ids - set(world.hidden.get(model, [])))
            if not ids:
                continue
            try:
                world.attacker.model(model, 'read', ids, ['id'])
            except RpcError as error:
                self.flag(attempt, f'made or changed {model} {ids} that the '
                    f'attacker may not read ({str(error.error)[:120]})')

    def guarded_wizards(self):
        "(wizard, model, action) of the wizards acting on guarded models"
        guarded = set(self.meta.get('guarded') or self.world.shared)
        for name, (model, action_id) in sorted(
                self.wizard_actives().items()):
            if (model in guarded
                    and f'wizard.{name}.create' in self.rpc_methods):
                yield name, model, action_id

    def wizards_rpc(self):
        for name, model, action_id in self.guarded_wizards():
            # a plain run tells the buttons and the first view
            buttons, view = yield from self.sao_run(name, model, action_id)
            for inject in self.view_injections(view) if view else []:
                for button in buttons or [None]:
                    yield from self.sao_run(name, model, action_id,
                        inject=inject, button=button)
        yield from self.profile_runs()

    def profile_runs(self):
        """The wizards checking a profile action (in their source), run
        without the action in the attacker's profile"""
        world, admin = self.world, self.world.admin
        try:
            actions = admin.model('crm.profile.action', 'search_read', [],
                0, None, None, ['model', 'code'])
            groups, = admin.model('res.user', 'read',
                [world.users['attacker']], ['groups'])
            profiles = admin.model('res.group', 'search', [
                    ('id', 'in', groups['groups']),
                    ('crm_profile', '=', True)], 0, None, None)
        except RpcError as error:
            self.skipped.append(('crm.profile.action', 'wizard_rpc',
                    str(error.error)[:200]))
            return
        for action in actions:
            wizards = [(n, m, a) for n, m, a in self.guarded_wizards()
                if m == action['model'] and action['code'] in (
                    self.meta['wizards'][n].get('profile_checks') or [])]
            if not wizards:
                continue
            rows = admin.model('crm.profile.permission', 'search', [
                    ('group', 'in', profiles),
                    ('sharing.model', '=', action['model']),
                    ('actions', '=', action['id']),
                    ], 0, None, None)
            if not rows:
                continue
            admin.model('crm.profile.permission', 'write', rows,
                {'actions': [('remove', [action['id']])]})
            try:
                for name, model, action_id in wizards:
                    mark = len(self.attempts)
                    yield from self.sao_run(name, model, action_id,
                        label_suffix=f' without {action["code"]}')
                    self.check_profile(self.attempts[mark:], action)
            finally:
                admin.model('crm.profile.permission', 'write', rows,
                    {'actions': [('add', [action['id']])]})

    def check_profile(self, attempts, action):
        "A run without the profile's action changed nothing of the CRM"
        targets = set(self.targets) | set(self.world.shared)
        for attempt in attempts:
            if attempt.outcome is None or attempt.outcome.status != 'ok':
                continue
            changed = sorted({f'{line["changed"]} {line["mode"]}'
                    for line in attempt.trace
                    if line.get('changed') in targets and line['ids']})
            if changed:
                self.flag(attempt, f'the profile does not grant '
                    f'{action["code"]} on {action["model"]}, the wizard '
                    'did: ' + ', '.join(changed))
