# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category context: hidden records given as defaults in the context.

For every model the attacker may read and each of its relation fields to
a guarded model (a Reference: to each guarded model), the context gets
``default_<field>`` naming a hidden record; so do the context keys that
the model's default methods read (``discovery._context_defaults``:
``resource`` of attachments and notes, ``related_party`` of contact
mechanisms ...), typed by their field.  With each context the attacker
calls ``default_get`` (the answer names the record: ``<field>.rec_name``)
and ``create`` with the values it would give (the record created links
the hidden one), and every wizard whose views have such a field is
created and its start state executed (the view's defaults name it, a
transition links it).
"""
RELATIONS = {'many2one', 'one2many', 'many2many', 'reference'}


class ContextMixin:
    "default_<field> and the context keys of default methods"

    def default_value(self, ttype, target, record_id):
        if ttype == 'reference':
            return f'{target},{record_id}'
        if ttype in {'one2many', 'many2many'}:
            return [record_id]
        return record_id

    def context_variants(self, model):
        """(context, field) naming a hidden record of a guarded model
        through the fields of model"""
        world = self.world
        hidden = self.guarded_hidden()
        keys = world.model_meta(model).get('context_defaults') or {}
        computed = world.computed(model)
        for name, field in sorted(world.fields_of(model).items()):
            ttype = field['type']
            if ttype not in RELATIONS or name in computed:
                continue
            for target, record_id in hidden:
                if ttype != 'reference' and field.get('relation') != target:
                    continue
                value = self.default_value(ttype, target, record_id)
                yield {f'default_{name}': value}, name
                for key in keys.get(name, []):
                    if not key.startswith(('active_', 'default_')):
                        yield {key: value}, name

    def context_calls(self):
        for model in self.callable_models():
            methods = set(self.methods_of(model))
            path = f'model.{model}.'
            variants = list(self.context_variants(model)) if (
                methods & {'default_get', 'create'}) else []
            if not variants:
                continue
            fields = self.world.attacker_fields(model) or {}
            names = sorted(fields)
            creates = 'create' in self.writable_methods(model) and fields
            for context, name in variants:
                if 'default_get' in methods:
                    yield self.gen('context', model, 'default_get',
                        path + 'default_get', [names, True], context=context)
                if creates:
                    values = {k: v for k, v in self.base_values(
                            model, fields).items() if k != name}
                    yield self.gen('context', model, 'create',
                        path + 'create', [[values]], context=context,
                        mutating=True, checks=[('created', model)])
        yield from self.wizard_contexts()

    def wizard_contexts(self):
        """Every wizard with a view field to a guarded model: created and
        its start state executed with the field's default in the context"""
        active = self.wizard_actives()
        for name, info in sorted(self.meta['wizards'].items()):
            if f'wizard.{name}.create' not in self.rpc_methods:
                continue
            variants = []
            for view in sorted(set(info.get('views', {}).values())):
                variants.extend(self.context_variants(view))
            if not variants:
                continue
            model, action_id = active.get(name, (None, None))
            base = {}
            record_id = self.visible_id(model) if model else None
            if record_id:
                base = {**self.ctx_for(model, record_id),
                    'action_id': action_id}
            label = f'wizard {name}'
            for context, field in variants:
                context = {**base, **context}
                create = self.gen('context', model or '*', label,
                    f'wizard.{name}.create', [], context=context,
                    mutating=True)
                yield create
                if create.outcome.status != 'ok':
                    continue
                session, start, _ = create.outcome.value
                yield self.gen('context', model or '*', label,
                    f'wizard.{name}.execute', [session, {}, start],
                    context=context, mutating=True)
                yield self.gen('context', model or '*', label,
                    f'wizard.{name}.delete', [session], context=context,
                    mutating=True)

    def wizard_actives(self):
        """{wizard: (model, action id)}: the model a wizard acts on (its
        action's model, a form action's keyword)"""
        if getattr(self, '_wizard_actives', None) is None:
            admin = self.world.admin
            result = {}
            keywords = admin.model('ir.action.keyword', 'search_read',
                [('keyword', '=', 'form_action')], 0, None, None,
                ['model', 'action'])
            by_action = {}
            for keyword in keywords:
                model = (keyword['model'] or '').split(',')[0]
                if model:
                    by_action.setdefault(keyword['action'], model)
            for wizard in admin.model('ir.action.wizard', 'search_read',
                    [], 0, None, None, ['wiz_name', 'model', 'action']):
                model = wizard.get('model') or by_action.get(
                    wizard['action'])
                if model and wizard['wiz_name'] not in result:
                    result[wizard['wiz_name']] = (model, wizard['action'])
            self._wizard_actives = result
        return self._wizard_actives
