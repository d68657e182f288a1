# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Build the world over RPC as the admin.

:func:`build_world` reads the shared models (``crm.sharing``) and the
fields pointing to them (``ir.model.field``), creates the attacker's and
the victim's records (hidden, with their children: One2Many, attachment,
note, chat comment, notification), finds every record pointing to a hidden
one and takes the snapshots.  A shared model the world cannot create is
listed in ``world.skipped`` (the report's world_skipped).
"""
import itertools

from crm_testing import RpcError

from .markers import Secrets
from .world import CHILD_HINTS, RELATION_TYPES, WORLD_HINTS, World


def build_world(admin, attacker, users, company, meta, placeholders=None):
    world = World(
        admin, attacker, users, company, meta, placeholders=placeholders)
    victim, attacker_id = users['victim'], users['attacker']

    sharings = admin.model(
        'crm.sharing', 'search_read', [], 0, None, None, ['model', 'access'])
    world.shared = sorted(s['model'] for s in sharings)

    # Links to the shared models
    fields = admin.model(
        'ir.model.field', 'search_read', ['OR',
            [('ttype', 'in', sorted(RELATION_TYPES)),
                ('relation', 'in', world.shared)],
            [('ttype', '=', 'reference')]],
        0, None, None, ['model', 'name', 'ttype', 'relation'])
    for field in fields:
        model = field['model']
        if isinstance(model, int):      # older schemas: Many2One to ir.model
            continue
        if model not in world.meta['models']:
            continue
        if field['ttype'] == 'reference':
            for target in world.shared:
                world.links.append((model, field['name'], 'reference', target))
        else:
            world.links.append(
                (model, field['name'], field['ttype'], field['relation']))
    world.links.sort()

    # The attacker's records (low and high) of every shared model, per
    # variant of the set-up hints
    for model in world.shared:
        hints = WORLD_HINTS.get(model) or [{}]
        for index, hint in enumerate(hints):
            pair = []
            for kind in ['low', 'high']:
                record_id, _, error = world.create_record(
                    model, kind, attacker_id, variants=[hint])
                if record_id:
                    pair.append(record_id)
                    world.own[model].append(record_id)
            if len(pair) == 2:
                world.own_variant[model, index] = tuple(pair)

    # The hidden records: one per variant, owned by the victim
    for model in world.shared:
        hints = WORLD_HINTS.get(model) or [{}]
        for index, hint in enumerate(hints):
            tag = world.secrets.tag()
            record_id, _, error = world.create_record(
                model, 'secret', victim, tag=tag, variants=[hint])
            if record_id:
                world.hidden[model].append(record_id)
                world.hidden_base[model].append(record_id)
                world.variant_of[model, record_id] = index
                _create_children(world, model, record_id, tag)
            else:
                world.skipped.append((model, f'cannot create: {error}'))

    # Hidden records pointing to the attacker's (reverse bridges) and the
    # attacker's records pointing to hidden ones (bridges)
    for model, field, ttype, target in world.links:
        if model not in world.shared or ttype != 'many2one':
            continue
        if target not in world.shared:
            continue
        hints = world.hints_for(model, field)
        owns = [(v, ids) for (m, v), ids in world.own_variant.items()
            if m == target]
        for variant, (low, high) in owns:
            tag = world.secrets.tag()
            record_id, _, _ = world.create_record(
                model, 'secret', victim, tag=tag, extra={field: low},
                variants=hints)
            if record_id:
                world.hidden[model].append(record_id)
                world.reverse[model, field].append((record_id, low))
                break
        bridge = {'hidden': [], 'low': None, 'high': None}
        for hidden_id in world.hidden_base.get(target, []):
            variant = world.variant_of.get((target, hidden_id))
            record_id, _, _ = world.create_record(
                model, 'low', attacker_id, extra={field: hidden_id},
                variants=hints)
            if not record_id:
                continue
            world.own[model].append(record_id)
            bridge['hidden'].append((record_id, hidden_id))
            if (target, variant) in world.own_variant and not bridge['low']:
                low, high = world.own_variant[target, variant]
                ends = []
                for end in [low, high]:
                    end_id, _, _ = world.create_record(
                        model, 'low', attacker_id, extra={field: end},
                        variants=hints)
                    ends.append(end_id)
                if all(ends):
                    bridge['low'], bridge['high'] = ends
                    bridge['order_hidden'] = record_id
                    world.own[model].extend(ends)
        if bridge['hidden']:
            world.bridges[model, field] = bridge
            world.bridge_ids[model].update(b for b, _ in bridge['hidden'])

    # Records pointing to a hidden one are hidden too (children)
    _discover_children(world)
    _take_snapshot(world)
    return world


def _create_children(world, model, record_id, tag):
    "Children with markers on a hidden record: One2Many, notes, chat ..."
    admin = world.admin
    resource = f'{model},{record_id}'
    fields = world.fields_of(model)
    counter = itertools.count(1)

    def child_tag():
        return f'{tag}c{next(counter)}'
    for field in (f for _, f in sorted(fields.items())):
        if field['type'] != 'one2many' or field.get('readonly'):
            continue
        target = field.get('relation')
        reverse = field.get('relation_field')
        if not target or not reverse or target in world.shared:
            continue
        if not world.model_meta(target).get('view'):
            continue
        for hint in CHILD_HINTS.get(target, [{}]):
            ctag = child_tag()
            values = {**world.required_values(target, exclude={reverse}),
                **world.fill(target, 'secret', ctag),
                **world.expand(hint, {'tag': ctag}), reverse: record_id}
            child, _, error = world.admin_create(target, [values])
            if not child:
                world.skipped.append(
                    (target, f'child of {resource}: {error}'))
    # Attachment, note and chat comment: any model may have them
    tag = child_tag()
    for target, values in [
            ('ir.attachment', {
                    'name': Secrets.value(tag, 'attachment_name'),
                    'description': Secrets.value(
                        tag, 'attachment_description'),
                    'type': 'data',
                    'data': Secrets.value(tag, 'attachment_data').encode(),
                    'resource': resource}),
            ('ir.note', {
                    'message': Secrets.value(tag, 'note_message'),
                    'resource': resource}),
            ]:
        child, _, error = world.admin_create(target, [values])
        if not child:
            world.skipped.append((target, f'on {resource}: {error}'))
    if world.model_meta(model).get('chat'):
        try:
            admin.call('model.ir.chat.channel.post', resource,
                Secrets.value(tag, 'chat_comment'), 'internal', admin.context)
        except RpcError as error:
            world.skipped.append(
                ('ir.chat.channel', f'post on {resource}: {error.error}'))
    owner = world.users['victim']
    child, _, error = world.admin_create('res.notification', [{
                'user': owner,
                'label': Secrets.value(tag, 'notification_label'),
                'description': Secrets.value(tag, 'notification_description'),
                'model': model,
                'records': str([record_id]),
                }])
    if not child:
        world.skipped.append(('res.notification', f'on {resource}: {error}'))


def _discover_children(world):
    """Add to hidden every record of a non-shared model pointing to a hidden
    record (found by the admin), then the records pointing to those through
    a Many2One to a model holding a Reference (chat messages, followers)."""
    admin = world.admin
    reference_holders = set()
    for model, field, ttype, target in world.links:
        # (a row of an SQL report is no record of its own: it groups the
        # records the user may read, and a group may name the hidden
        # account of a bridge; the category aggregate checks the reports)
        if model in world.shared or world.model_meta(model).get(
                'table_query'):
            continue
        ids = world.hidden.get(target)
        if not ids:
            continue
        if ttype == 'reference':
            value = [f'{target},{i}' for i in ids]
            domain = [(field, 'in', value)]
        elif ttype == 'many2one':
            domain = [(field, 'in', ids)]
        else:
            continue
        try:
            found = admin.model(model, 'search', domain, 0, None, None)
        except RpcError:
            continue
        if found:
            world.hidden[model] = sorted(set(world.hidden[model]) | set(found))
            if ttype == 'reference':
                reference_holders.add(model)
    # Notifications name their records in Char fields
    for model in world.shared:
        for record_id in world.hidden.get(model, []):
            try:
                found = admin.model('res.notification', 'search', [
                        ('model', '=', model),
                        ('records', '=', str([record_id])),
                        ], 0, None, None)
            except RpcError:
                found = []
            if found:
                world.hidden['res.notification'] = sorted(
                    set(world.hidden['res.notification']) | set(found))
    # Second level: Many2One to a reference holder with hidden records
    if reference_holders:
        fields = admin.model(
            'ir.model.field', 'search_read', [
                ('ttype', '=', 'many2one'),
                ('relation', 'in', sorted(reference_holders)),
                ], 0, None, None, ['model', 'name', 'relation'])
        for field in fields:
            model, target = field['model'], field['relation']
            if model not in world.meta['models']:
                continue
            world.links.append((model, field['name'], 'many2one', target))
            try:
                found = admin.model(model, 'search', [
                        (field['name'], 'in', world.hidden[target])],
                    0, None, None)
            except RpcError:
                continue
            if found:
                world.hidden[model] = sorted(
                    set(world.hidden[model]) | set(found))
        world.links.sort()


def _take_snapshot(world):
    world.snapshot = {}
    # the shared models first: a marker is told by its first owner
    for model, ids in sorted(world.hidden.items(),
            key=lambda i: (i[0] not in world.shared, i[0])):
        if not ids:
            continue
        stored = set(world.stored_fields(model))
        every = sorted(name for name, field in world.fields_of(model).items()
            if field['type'] not in {'one2many', 'many2many'})
        rows = world.read_admin(model, ids, every)
        for row in rows:
            # the markers of every field (computed ones too), the stored
            # values to compare
            world.secrets.register(model, row['id'], row)
            world.snapshot[model, row['id']] = {
                k: v for k, v in row.items() if k in stored or k == 'id'}
