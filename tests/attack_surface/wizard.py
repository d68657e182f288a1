# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category wizard: the wizards acting on hidden records.

The wizards of the form actions of the models with hidden records are
started on a hidden record, then on the attacker's record with hidden
records in every relation field of their views, through every button.
"""
from collections import defaultdict

from crm_testing import RpcError


class WizardMixin:
    "The wizards run on hidden records"

    def wizards(self):
        for name, model, action_id in self.wizard_actions():
            yield from self.wizard_flow(name, model, action_id)

    def wizard_actions(self):
        """The (wizard, model, action) of the form actions of the models
        with hidden records"""
        world = self.world
        models = sorted(m for m, ids in world.hidden.items() if ids)
        try:
            keywords = world.admin.model('ir.action.keyword', 'search_read',
                [('keyword', '=', 'form_action'),
                    ('model', 'in', [f'{m},-1' for m in models])],
                0, None, None, ['model', 'action'])
            action_ids = sorted({k['action'] for k in keywords})
            wizards = world.admin.model('ir.action.wizard', 'search_read',
                ['OR', ('action', 'in', action_ids), ('model', 'in', models)],
                0, None, None, ['wiz_name', 'model', 'action'])
        except RpcError as error:
            self.skipped.append(('*', 'wizards', str(error.error)))
            return
        by_action = defaultdict(set)
        for keyword in keywords:
            by_action[keyword['action']].add(keyword['model'].split(',')[0])
        seen = set()
        for wizard in sorted(wizards, key=lambda w: w['wiz_name']):
            name = wizard['wiz_name']
            targets = set(by_action.get(wizard['action'], set()))
            if wizard.get('model'):
                targets.add(wizard['model'])
            for model in sorted(targets & set(models)):
                if (name, model) in seen:
                    continue
                seen.add((name, model))
                yield name, model, wizard['action']

    def wizard_flow(self, name, model, action_id, category='wizard',
            runs=None):
        """Start the wizard on a hidden record; then on the attacker's record
        with the hidden record in every relation field of its views.
        runs: the (active id, mode) to start it on instead; a mode may be a
        function of the view and its data giving values to add"""
        world = self.world
        info = self.meta['wizards'].get(name)
        if not info or f'wizard.{name}.create' not in self.rpc_methods:
            return
        label = f'wizard {name}'
        if runs is None:
            runs = [(h, None) for h in world.sample(model)]
            own = [i for i in world.own.get(model, [])
                if i not in world.hidden.get(model, [])]
            if own:
                runs.append((own[0], 'inject'))
        for active, mode in runs:
            context = {**self.ctx_for(model, active), 'action_id': action_id}
            create = self.gen(category, model, label,
                f'wizard.{name}.create', [], context=context,
                mutating=True)
            yield create
            if create.outcome.status != 'ok':
                continue
            session, start, end = create.outcome.value
            execute = self.gen(category, model, label,
                f'wizard.{name}.execute', [session, {}, start],
                context=context, mutating=True)
            yield execute
            view = (execute.outcome.value or {}).get('view') if (
                execute.outcome.status == 'ok') else None
            if view:
                data = dict(view.get('defaults') or {})
                data.update(view.get('values') or {})
                if mode == 'inject':
                    data.update(self.inject(view))
                elif callable(mode):
                    data.update(mode(view, data))
                for button in view.get('buttons') or []:
                    state = button.get('state')
                    if not state or state == end:
                        continue
                    yield self.gen(category, model, label,
                        f'wizard.{name}.execute',
                        [session, {view.get('state', start): data}, state],
                        context=context, mutating=True)
            yield self.gen(category, model, label, f'wizard.{name}.delete',
                [session], context=context, mutating=True)

    def inject(self, view):
        "Values of a wizard view naming hidden records in its relations"
        world = self.world
        values = {}
        fields = (view.get('fields_view') or {}).get('fields') or {}
        for name, field in fields.items():
            relation = field.get('relation')
            hidden = world.hidden_base.get(relation) or world.hidden.get(
                relation)
            if not hidden:
                continue
            if field['type'] == 'many2one':
                values[name] = hidden[0]
            elif field['type'] in {'one2many', 'many2many'}:
                values[name] = list(hidden[:1])
        return values
