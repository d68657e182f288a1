# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Categories oracle and order: answers depending on a hidden value.

The same call is made with a hidden value and with another one (pairs,
judged by ``Attack.judge_pair``): search_count through a link or on the
model's own fields, LIKE patterns of a hidden value in the values a method
checks for duplicates (``wildcard_pairs``).  ``order_oracles`` orders the
attacker's records pointing to a low, a hidden and a high value.
"""
import decimal

from .markers import MARK, _is_marker
from .world import TEXT_TYPES, WORLD_HINTS


class OracleMixin:
    "Pairs of calls and orders telling a hidden value"

    def oracle_searches(self, model):
        """search_count through a link with the true hidden value and with a
        false one: the counts must be equal"""
        world = self.world
        path = f'model.{model}.search_count'
        # Only the attacker's records of a shared model may point to a hidden
        # record (bridges): elsewhere the records pointing to one are hidden
        # themselves and the searches by id catch them; one probe suffices.
        full = model in world.shared
        for field, ttype, target in self.links_of(model, searchable=True):
            probes = self.probe_targets(model, field, ttype, target)
            if not full:
                probes = probes[:1]
            for h in probes:
                values = world.snapshot.get((target, h))
                if not values:
                    continue
                names = world.secret_fields(target) + ['rec_name']
                if not full:
                    names = names[:1]
                for g in names:
                    if g == 'rec_name':
                        true = world.snapshot[target, h].get(
                            world.rec_name_field(target) or 'id')
                        if not isinstance(true, str):
                            continue
                        if _is_marker(true):
                            cases = [('ilike', true[:-2] + '%',
                                    true[:-2] + 'x%')]
                        else:
                            cases = [('=', true, true + 'x')]
                    else:
                        true = values.get(g)
                        if true is None:
                            continue
                        cases = _cases(true)
                    if not full:
                        cases = cases[:1]
                    for operator, value_true, value_false in cases:
                        key = ('oracle', model, field, h, g, operator)
                        for truth, value in [(True, value_true),
                                (False, value_false)]:
                            clause = (f'{field}.{g}', operator, value)
                            if ttype == 'reference':
                                clause = clause + (target,)
                            domain = [clause]
                            yield self.gen('oracle', model, 'search_count',
                                path, [domain], pair=key, truth=truth,
                                checks=[('ids', model)])
        # the model's own fields
        if model in world.shared:
            for h in world.sample(model):
                values = world.snapshot.get((model, h), {})
                for g in world.secret_fields(model):
                    if values.get(g) is None:
                        continue
                    for operator, value_true, value_false in _cases(
                            values[g]):
                        key = ('oracle', model, 'self', h, g, operator)
                        for truth, value in [(True, value_true),
                                (False, value_false)]:
                            yield self.gen('oracle', model, 'search_count',
                                path, [[(g, operator, value)]], pair=key,
                                truth=truth)

    def order_oracles(self, model):
        """Order the attacker's records pointing to a low, a hidden and a
        high value: the hidden one must not sort between the two"""
        world = self.world
        for (m, field), bridge in sorted(world.bridges.items()):
            if m != model or not bridge.get('low'):
                continue
            target = world.fields_of(model)[field]['relation']
            ids = [bridge['low'], bridge['order_hidden'], bridge['high']]
            for g in [None] + world.secret_fields(target):
                name = field if g is None else f'{field}.{g}'
                results = []
                for direction in ['ASC', 'DESC']:
                    attempt = self.gen('order', model, 'search',
                        f'model.{model}.search',
                        [[('id', 'in', ids)], 0, None, [[name, direction]]])
                    yield attempt
                    results.append(attempt)
                asc, desc = (r.outcome.value if r.outcome and
                    r.outcome.status == 'ok' else None for r in results)
                if asc == ids and desc == ids[::-1]:
                    self.flag(results[0], f'ordered by {name}, the '
                        'record pointing to the hidden one sorts between '
                        'those pointing to a low and a high value of the '
                        f'attacker (ASC {asc}, DESC {desc}; low, hidden, '
                        f'high = {ids})')

    def wildcard_pairs(self, model, method, build, category='oracle',
            mutating=False):
        """The method called with a char field holding a LIKE pattern of a
        hidden value and one of another value: same answer expected"""
        world = self.world
        path = f'model.{model}.{method}'
        hints = WORLD_HINTS.get(model) or [{}]
        fields = self.world.attacker_fields(model) or {}
        for h in world.hidden_base.get(model, []):
            variant = world.variant_of.get((model, h), 0)
            hint = world.expand(hints[variant] if variant < len(hints)
                else {})
            values = world.snapshot.get((model, h), {})
            rec_name = world.rec_name_field(model)
            names = [rec_name] + [g for g in world.secret_fields(model, 6)
                if g != rec_name]
            for g in names:
                true = values.get(g)
                if (not isinstance(true, str) or MARK.lower() not in
                        true.lower() or g not in fields
                        or fields[g].get('readonly')
                        or fields[g]['type'] not in TEXT_TYPES):
                    continue
                for wildcard in (['%', '_'] if g == rec_name else ['%']):
                    cut = 2 if wildcard == '%' else 1
                    key = (category, model, method, h, g, wildcard)
                    for truth, pattern in [
                            (True, true[:-cut] + wildcard),
                            (False, true[:-cut - 1] + '~' + wildcard)]:
                        record = {**hint, g: pattern}
                        if g != (world.rec_name_field(model) or 'name') and (
                                'name' in fields):
                            record.setdefault('name', world.unique())
                        yield self.gen(category, model, method, path,
                            build(record), pair=key, truth=truth,
                            mutating=mutating,
                            checks=[('created', model)] if mutating else [])


def _cases(true):
    "(operator, true value, false value) comparisons of a hidden value"
    if isinstance(true, bool):
        return []
    if isinstance(true, str):
        cases = [('=', true, true[:-1] + '~')]
        # A prefix singles out the hidden record only when the value is a
        # marker: the prefix of a number of a sequence ("3" gives "%")
        # matches the attacker's own records too
        if _is_marker(true):
            cases.append(('ilike', true[:-2] + '%', true[:-3] + '~%'))
        return cases
    if isinstance(true, decimal.Decimal):
        step = decimal.Decimal('0.01')
        return [('=', true, true + 1), ('>', true - step, true + step)]
    if isinstance(true, float):
        return [('=', true, true + 1), ('>', true - 0.01, true + 0.01)]
    if isinstance(true, int):
        return [('=', true, true + 1), ('>', true - 1, true)]
    return []
