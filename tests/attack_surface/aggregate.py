# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category aggregate: the SQL reports summing shared records.

Every ``table_query`` model the attacker may search is read whole (with
the defaults of the context model of each action opening it, and without
context) before and after the victim gets hidden records in its period:
the attacker's answer must not change.  So is every saved report of the
report builder the attacker may read (``crm.report``: the standard ones
and those shared with it), run as sao runs it (the wizard *Run*, then its
result's lines read): its rows, counts and subtotals must not change.
"""
from crm_testing import RpcError

from .calls import Outcome, classify_error
from .markers import _short
from .world import NUMBER_TYPES, TEXT_TYPES


class AggregateMixin:
    "The SQL reports read before and after"

    def aggregate_reads(self):
        """(model, label, context, fields) of the reads of every SQL report
        the attacker may search: with the defaults of each context model
        of the actions opening it (as the client opens it), and without"""
        world = self.world
        models = [m for m in self.meta.get('aggregates', [])
            if 'search_read' in self.methods_of(m)]
        try:
            actions = world.admin.model('ir.action.act_window', 'search_read',
                [('res_model', 'in', models)], 0, None, None,
                ['res_model', 'context_model'])
        except RpcError:
            actions = []
        kinds = NUMBER_TYPES | TEXT_TYPES | {'selection', 'many2one', 'date'}
        reads = []
        for model in models:
            fields = world.attacker_fields(model)
            if not fields:
                self.skipped.append(
                    (model, 'search_read', 'the attacker may not read it'))
                continue
            names = sorted(n for n, f in fields.items()
                if f['type'] in kinds)
            reads.append((model, 'no context', {}, names))
            for context_model in sorted({a['context_model'] for a in actions
                        if a['res_model'] == model and a['context_model']}):
                defaults = self.context_defaults(context_model)
                if defaults is None:
                    self.skipped.append((model, f'search_read {context_model}',
                            'no default of the context model'))
                    continue
                reads.append((model, context_model, defaults, names))
        return reads

    def context_defaults(self, model):
        "The defaults of a context model, as the attacker's client gets them"
        world = self.world
        for client in [world.attacker, world.admin]:
            try:
                fields = client.model(model, 'fields_get', None)
                return client.model(model, 'default_get', list(fields), False)
            except RpcError:
                continue
        return None

    def run_aggregates(self):
        """Read every SQL report as the attacker (and the admin) before and
        after the victim gets hidden records in its period (new ones, or
        secret amounts on the world's when the model takes no more): the
        attacker's answer must not change (the admin's must: else the
        report does not see the hidden records and the read proves
        nothing, listed in skipped).  One read per report and context
        before and after; the records are removed or restored at once."""
        world = self.world
        reads = self.aggregate_reads()
        reports = self.saved_reports()
        if not reads and not reports:
            return

        def admin_read(model, context, names):
            try:
                return world.admin.model(model, 'search_read', [], 0, None,
                    None, names, context=context)
            except RpcError as error:
                return classify_error(error)[1]
        before = []
        for model, label, context, names in reads:
            attempt = self.run(self.gen('aggregate', model,
                    f'search_read {label}', f'model.{model}.search_read',
                    [[], 0, None, None, names], context=context))
            before.append((attempt, admin_read(model, context, names)))
        reports_before = {r: self.run_saved_report(r) for r in reports}
        added, changed = {}, {}
        try:
            for model in world.shared:
                if world.hidden_base.get(model):
                    added[model] = world.create_in_period(model)
                    if not added[model]:
                        changed[model] = world.change_in_period(model)
            for (model, label, context, names), (first, admin) in zip(
                    reads, before):
                attempt = self.run(self.gen('aggregate', model,
                        f'search_read {label}', f'model.{model}.search_read',
                        [[], 0, None, None, names], context=context))
                if {first.outcome.status, attempt.outcome.status} & {'na'}:
                    continue
                seen, now = (_figures(a.outcome) for a in [first, attempt])
                if seen != now:
                    self.flag(attempt, 'the answer changed when the victim '
                        'got hidden records (%s): before %s, after %s' % (
                            ', '.join(f'{m} {sorted(ids)}' for m, ids in
                                [*added.items(), *changed.items()] if ids),
                            _short(seen, 400), _short(now, 400)))
                if _figures(admin) != _figures(
                        admin_read(model, context, names)):
                    self.aggregates_seen.add(model)
                else:
                    self.skipped.append((model, f'search_read {label}',
                            'the hidden records do not enter the report '
                            '(the admin\'s answer is unchanged)'))
            for report_id, first in reports_before.items():
                self.compare_saved_report(report_id, first, added, changed)
        finally:
            for model, ids in added.items():
                world.delete_records(model, ids)
            for model, values in changed.items():
                world.restore_values(model, values)

    def saved_reports(self):
        "The ids of the saved reports the attacker may read"
        try:
            return self.world.attacker.model(
                'crm.report', 'search', [], 0, None, None)
        except RpcError:
            return []

    def run_saved_report(self, report_id):
        """Run a saved report as the attacker, as sao does (the wizard
        *Run*), and read its result's lines: return (the last attempt,
        the lines without their ids) or (attempt, None) when refused"""
        label, path = 'wizard crm.report.run', 'wizard.crm.report.run.'
        create = self.run(self.gen('aggregate', 'crm.report', label,
                path + 'create', [], mutating=True))
        if create.outcome.status != 'ok':
            return create, None
        session, state, _ = create.outcome.value
        context = {'active_model': 'crm.report', 'active_id': report_id,
            'active_ids': [report_id]}
        execute = self.run(self.gen('aggregate', 'crm.report', label,
                path + 'execute', [session, {}, state], context=context,
                mutating=True))
        if execute.outcome.status != 'ok':
            return execute, None
        results = self.run(self.gen('aggregate', 'crm.report.result',
                'search_read', 'model.crm.report.result.search_read',
                [[('report', '=', report_id)], 0, 1, [('id', 'DESC')],
                    ['count']]))
        if results.outcome.status != 'ok' or not results.outcome.value:
            return results, None
        result = results.outcome.value[0]
        names = ['kind', 'group', 'count'] + [f'c{i}' for i in range(12)]
        lines = self.run(self.gen('aggregate', 'crm.report.result.line',
                'search_read', 'model.crm.report.result.line.search_read',
                [[('result', '=', result['id'])], 0, None, None, names]))
        if lines.outcome.status != 'ok':
            return lines, None
        return lines, [result['count']] + [
            {k: v for k, v in line.items() if k != 'id'}
            for line in lines.outcome.value]

    def compare_saved_report(self, report_id, first, added, changed):
        "Run the report again: the attacker's figures must not change"
        attempt, seen = first
        again, now = self.run_saved_report(report_id)
        if seen is None or now is None:
            self.skipped.append(('crm.report', f'run {report_id}',
                    'the attacker could not run it'))
            return
        if _figures(seen) != _figures(now):
            self.flag(again, 'the saved report %s changed when the victim '
                'got hidden records (%s): before %s, after %s' % (
                    report_id, ', '.join(f'{m} {sorted(ids)}' for m, ids in
                        [*added.items(), *changed.items()] if ids),
                    _short(seen, 400), _short(now, 400)))
        self.aggregates_seen.add('crm.report')


def _figures(answer):
    """What a report's answer tells, to compare two reads: the floats
    rounded (an average of days until now moves between two reads)"""
    if isinstance(answer, Outcome):
        answer = answer.value if answer.status == 'ok' else (
            answer.status, answer.error)
    if isinstance(answer, float):
        return round(answer, 3)
    if isinstance(answer, dict):
        return {k: _figures(v) for k, v in answer.items()}
    if isinstance(answer, (list, tuple)):
        return [_figures(v) for v in answer]
    return answer
