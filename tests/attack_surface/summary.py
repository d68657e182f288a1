# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The results of a run: the report, the log, the summary table.

``report`` gives the JSON report (per model and method: attempted,
refused, empty, not applicable, leaks; the leaks with their calls; what
was skipped and why), ``write_log`` every call with its verdict,
``summary`` the table printed in pytest's terminal summary.
"""
from collections import Counter, defaultdict

from .markers import _short


class SummaryMixin:
    "The results of the run"

    def write_log(self, path):
        "Every call made, its verdict and the start of its answer"
        with open(path, 'w') as file:
            for attempt in self.attempts:
                outcome = attempt.outcome
                answer = (outcome.value if outcome.status == 'ok'
                    else outcome.error) if outcome else None
                file.write(f'{attempt.verdict:8} [{attempt.category}] '
                    f'{attempt.describe()}\n         => {_short(answer, 300)}'
                    '\n')
                for detail in attempt.details:
                    file.write(f'         !! {detail}\n')

    def leak_messages(self):
        messages = []
        for attempt in self.leaks:
            messages.append(
                f'[{attempt.category}] {attempt.model} {attempt.method}: '
                f'{attempt.describe()}\n    -> ' + '\n    -> '.join(
                    attempt.details))
        return messages

    def report(self):
        world = self.world
        models = defaultdict(dict)
        for (category, model, method), counts in sorted(self.tally.items()):
            entry = models[model].setdefault(method, {
                    'category': category, 'attempted': 0, 'refused': 0,
                    'empty': 0, 'not_applicable': 0, 'leaks': 0})
            entry['attempted'] += counts['attempted']
            entry['refused'] += counts['refused']
            entry['empty'] += counts['empty']
            entry['not_applicable'] += counts['na']
            entry['leaks'] += counts['leak']
            na = self.not_applicable.get((category, model, method))
            if na:
                entry.setdefault('not_applicable_reasons', {}).update(
                    dict(na.most_common(5)))
        return {
            'elapsed_seconds': round(getattr(self, 'elapsed', 0), 1),
            'seconds_by_category': {c: round(t, 1)
                for c, t in sorted(self.seconds.items())},
            'totals': self.totals(),
            'by_category': self.by_category(),
            'shared_models': world.shared,
            'target_models': self.targets,
            'hidden_records': {m: ids for m, ids in sorted(
                    world.hidden.items()) if ids},
            'bridges': {f'{m}.{f}': b for (m, f), b in sorted(
                    world.bridges.items())},
            'world_skipped': [
                {'model': m, 'reason': r} for m, r in world.skipped],
            'skipped': [{'model': m, 'method': me, 'reason': r}
                for m, me, r in self.skipped],
            'leaks': [{
                    'category': a.category, 'model': a.model,
                    'method': a.method, 'call': a.describe(),
                    'details': a.details} for a in self.leaks],
            'models': models,
            }

    def totals(self):
        """The totals of the calls (lookup judges the calls of the others:
        only its leaks count)"""
        total = Counter()
        for (category, _, _), counts in self.tally.items():
            if category != 'lookup':
                total.update(counts)
            else:
                total['leak'] += counts['leak']
        return {'attempted': total['attempted'], 'refused': total['refused'],
            'empty': total['empty'], 'not_applicable': total['na'],
            'leaks': total['leak']}

    def by_category(self):
        result = {}
        for category in self.categories:
            total = Counter()
            for (c, _, _), counts in self.tally.items():
                if c == category:
                    total.update(counts)
            if total:
                result[category] = {'attempted': total['attempted'],
                    'refused': total['refused'], 'empty': total['empty'],
                    'not_applicable': total['na'], 'leaks': total['leak']}
        return result

    def summary(self, detail='method'):
        """The table of the calls: per model and method ('method'), or per
        model for the shared models and those with leaks ('short'), then per
        category"""
        lines = []
        header = '%-34s %-34s %6s %6s %6s %6s %6s' % (
            'model', 'method' if detail == 'method' else '', 'tried',
            'refus', 'empty', 'n/a', 'LEAK')
        lines.append(header)
        lines.append('-' * len(header))
        grouped = defaultdict(Counter)
        for (category, model, method), counts in self.tally.items():
            grouped[model, method if detail == 'method' else ''].update(
                counts)
        others = Counter()
        for (model, method), c in sorted(grouped.items()):
            if detail != 'method' and not c['leak'] and (
                    model not in self.world.shared):
                others.update(c)
                others['models'] += 1
                continue
            lines.append('%-34s %-34s %6d %6d %6d %6d %6s' % (
                    model[:34], method[:34], c['attempted'], c['refused'],
                    c['empty'], c['na'], c['leak'] or ''))
        if others:
            lines.append('%-34s %-34s %6d %6d %6d %6d %6s' % (
                    f'({others["models"]} other models)', '',
                    others['attempted'], others['refused'], others['empty'],
                    others['na'], ''))
        lines.append('-' * len(header))
        reasons = Counter()
        for counts in self.not_applicable.values():
            reasons.update(counts)
        if reasons:
            lines.append('not applicable (first reasons):')
            for reason, count in reasons.most_common(6):
                lines.append(f'  {count:5d} {reason[:100]}')
        lines.append('by category:')
        for category, c in self.by_category().items():
            lines.append('  %-12s tried %5d  refused %5d  empty %5d  n/a %5d'
                '  LEAKS %4d  %5.1fs' % (category, c['attempted'],
                    c['refused'], c['empty'], c['not_applicable'],
                    c['leaks'], self.seconds.get(category, 0)))
        t = self.totals()
        lines.append(f'total: {t["attempted"]} calls on '
            f'{len(self.targets)} models, {t["refused"]} refused, '
            f'{t["empty"]} empty, {t["not_applicable"]} not applicable, '
            f'{t["leaks"]} leaks in {getattr(self, "elapsed", 0):.0f}s')
        return '\n'.join(lines)
