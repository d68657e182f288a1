# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The attack: generate the calls, run them as the attacker, judge them.

:class:`Attack` is composed of a mixin per door (category family, one
module each) and of the checks (``checks.py``) and results
(``summary.py``); here are the running and judging of one call, the pairs
of an oracle, the helpers the generators share and the phases
(``execute``).  CATEGORIES lists every category: ``test_no_leak`` is one
test per category.
"""
import time
from collections import Counter, defaultdict

from .aggregate import AggregateMixin
from .arguments import ArgumentsMixin
from .calls import Attempt, Outcome
from .checks import ChecksMixin
from .context import ContextMixin
from .create import CreateMixin
from .delete import DeleteMixin
from .direct_read import DirectReadMixin
from .lookup import LookupMixin, TraceReader
from .markers import _short, _strings, supplied_text
from .on_change import OnChangeMixin
from .oracle import OracleMixin
from .read import ReadMixin
from .report import ReportMixin
from .route import RouteMixin
from .rpc import RpcMixin
from .rule import RuleMixin
from .stored_link import StoredLinkMixin
from .summary import SummaryMixin
from .wizard import WizardMixin
from .wizard_rpc import WizardRpcMixin
from .write import WriteMixin

CATEGORIES = [
    'read', 'search', 'oracle', 'order', 'export', 'on_change', 'rpc', 'chat',
    'create', 'copy', 'import', 'write', 'button', 'wizard', 'report',
    'route', 'arguments', 'context', 'wizard_rpc', 'lookup', 'stored_link',
    'direct_read', 'delete', 'aggregate', 'side_effect', 'rule',
    ]
#: The phases of an attack, in order (Attack.execute)
PHASES = ['aggregates', 'read', 'create', 'write', 'actions', 'requests',
    'delete', 'rules']
#: The attack in two shards of about the same time, each run on its own
#: copy of the world (tests/test_attack_surface.py: pytest-xdist runs them
#: side by side; the world is built once, world_cache.py): their phases
#: and the categories of their calls.  The categories lookup and
#: side_effect judge every call and every phase.  Measured on
#: SQLite (2 cores, calls / seconds of the phases): records 8,100 / 170,
#: requests 4,700 / 160; since the saved reports and the pipeline board
#: (machine loaded by other runs): records 11,600 / 170-240, requests
#: 6,450 / 420-440, of which the category rule 140-180.
SHARDS = {
    # the calls on the hidden records themselves
    'records': (['aggregates', 'read', 'create', 'write', 'delete'], [
            'aggregate', 'read', 'search', 'oracle', 'order', 'export',
            'on_change', 'rpc', 'chat', 'button', 'report', 'route',
            'create', 'copy', 'import', 'write', 'delete', 'lookup',
            'side_effect']),
    # the methods, wizards and routes that act, what a request carries
    # besides its records, the records shared read only
    'requests': (['actions', 'requests', 'rules'], [
            'rpc', 'chat', 'button', 'wizard', 'route', 'direct_read',
            'stored_link', 'arguments', 'context', 'wizard_rpc', 'rule',
            'lookup', 'side_effect']),
    }


class Attack(
        ReadMixin, OracleMixin, OnChangeMixin, RpcMixin, ReportMixin,
        CreateMixin, WriteMixin, WizardMixin, RouteMixin, ArgumentsMixin,
        ContextMixin, WizardRpcMixin, StoredLinkMixin, DirectReadMixin,
        DeleteMixin, AggregateMixin, LookupMixin, RuleMixin, ChecksMixin,
        SummaryMixin):
    """Generate the calls, run them as the attacker and judge them."""
    categories = CATEGORIES

    def __init__(self, world, attacker_client, anonymous_client, meta,
            database, rpc_methods, sink=None, trace_path=None, phases=None):
        """sink: the SMTP sink the server mails to (smtp_sink.py);
        trace_path: the file of the server's tracer (trace_server.py);
        phases: those of PHASES to run (all by default)"""
        self.world = world
        self.phases = list(phases or PHASES)
        assert set(self.phases) <= set(PHASES), self.phases
        self.client = attacker_client
        self.anonymous = anonymous_client
        self.meta = meta
        self.database = database
        self.rpc_methods = rpc_methods
        self.attempts = []
        self.leaks = []
        self.tally = defaultdict(Counter)   # (category, model, method)
        self.not_applicable = defaultdict(Counter)
        self.skipped = []   # (model, method, reason)
        self.pairs = defaultdict(dict)
        self.seconds = Counter()
        self.started = time.monotonic()
        self.targets = []
        # the SQL reports whose answer to the admin the hidden records
        # changed: the attacker's answer tells something there
        self.aggregates_seen = set()
        self.sink = sink
        self.mail_mark = None
        self.tracer = TraceReader(trace_path) if trace_path else None

    def methods_of(self, model, kind='model'):
        prefix = f'{kind}.{model}.'
        return sorted(m[len(prefix):] for m in self.rpc_methods
            if m.startswith(prefix) and '.' not in m[len(prefix):])

    def compute_targets(self):
        world = self.world
        targets = set(world.shared)
        targets.update(m for m, _, _, _ in world.links)
        targets.update(m for m, ids in world.hidden.items() if ids)
        self.targets = sorted(targets)
        return self.targets

    def links_of(self, model, searchable=False):
        fields = self.world.fields_of(model)
        return [(f, t, target) for m, f, t, target in self.world.links
            if m == model and (not searchable
                or fields.get(f, {}).get('searchable', True))]

    def run(self, attempt):
        started = time.monotonic()
        try:
            self.before_call()
            self.mail_mark = self.sink.count() if self.sink else None
            outcome = self.fetch(attempt)
            self.after_call(attempt)
            self.judge(attempt, outcome)
            self.judge_lookup(attempt)
            return attempt
        finally:
            self.seconds[attempt.category] += time.monotonic() - started

    def run_all(self, calls):
        """Run the calls of a generator one after the other: a generator
        reads the outcome of the calls it yielded (the server is one process
        on one database: calls at once would not be faster)"""
        for attempt in calls:
            self.run(attempt)

    def fetch(self, attempt):
        if attempt.http:
            client = self.client if attempt.auth else self.anonymous
            return client.http(
                attempt.http, attempt.path, attempt.query, attempt.body,
                auth=attempt.auth, form=attempt.form)
        return self.client.call(attempt.path, attempt.args, attempt.context)

    def judge(self, attempt, outcome):
        world = self.world
        attempt.outcome = outcome
        supplied = supplied_text(
            [attempt.args, attempt.query, attempt.body, attempt.form,
                attempt.path])
        leaks = []
        payload = outcome.value if outcome.status == 'ok' else outcome.error
        markers = world.secrets.scan([payload, outcome.warning], supplied)
        if markers:
            leaks.append('hidden values in the %s: %s' % (
                    'result' if outcome.status == 'ok' else 'error',
                    ', '.join(f'{m!r} ({world.secrets.where(m)})'
                        for m in markers[:6])))
        if outcome.status == 'ok':
            for check in attempt.checks:
                leaks.extend(self.check(check, attempt, outcome))
        if attempt.mutating and outcome.status == 'ok':
            leaks.extend(self.check_mutation(attempt))
        leaks.extend(self.check_mail(attempt))
        if leaks:
            attempt.verdict = 'leak'
        elif outcome.status == 'refused':
            attempt.verdict = 'refused'
        elif outcome.status == 'na':
            attempt.verdict = 'na'
        else:
            attempt.verdict = 'empty'
        attempt.details = leaks
        self.record(attempt)
        if attempt.pair:
            self.pairs[attempt.pair][attempt.truth] = attempt
            if len(self.pairs[attempt.pair]) == 2:
                self.judge_pair(attempt.pair)
        return attempt

    def record(self, attempt):
        key = (attempt.category, attempt.model, attempt.method)
        self.tally[key]['attempted'] += 1
        self.tally[key][attempt.verdict] += 1
        if attempt.verdict == 'leak':
            self.leaks.append(attempt)
        elif attempt.verdict == 'na':
            first = (attempt.outcome.error or '').splitlines()[0][:160] \
                if attempt.outcome.error else ''
            self.not_applicable[key][first] += 1
        self.attempts.append(attempt)

    def judge_pair(self, key):
        pair = self.pairs.pop(key)
        true, false = pair.get(True), pair.get(False)
        if not true or not false:
            return
        supplied = [s for s in _strings(true.args) + _strings(false.args)
            if len(s) > 3]
        # the values a message may quote without their model name
        supplied += [s.split(',', 1)[1] for s in supplied
            if ',' in s and '.' in s.split(',', 1)[0]]
        # the short values that tell the two calls apart (an id "3"
        # against "~"), where a message quotes them
        probes = set(_strings(true.args)) ^ set(_strings(false.args))
        supplied += [quote % s for s in probes if 0 < len(s) <= 3
            for quote in ["'%s'", '"%s"']]
        # new records have new ids: compare what happened, not the ids
        signature_true = true.outcome.signature(
            supplied, values=not true.mutating)
        signature_false = false.outcome.signature(
            supplied, values=not false.mutating)
        if true.outcome.status == 'na' or false.outcome.status == 'na':
            return
        if signature_true != signature_false:
            self.flag(true, 'the answer depends on a hidden value: with the '
                'hidden value %s, with another %s' % (
                    _short(signature_true), _short(signature_false)))
            true.details.append('compared with: ' + false.describe())

    def flag(self, attempt, detail):
        "Turn a judged attempt into a leak"
        if attempt.verdict != 'leak':
            tally = self.tally[attempt.category, attempt.model, attempt.method]
            tally[attempt.verdict] -= 1
            tally['leak'] += 1
            attempt.verdict = 'leak'
            self.leaks.append(attempt)
        attempt.details.append(detail)

    def ctx_for(self, model, record_id):
        return {'active_model': model, 'active_id': record_id,
            'active_ids': [record_id]}

    def readable_fields(self, model):
        fields = self.world.attacker_fields(model)
        if not fields:
            return None
        return sorted(n for n, f in fields.items()
            if f['type'] not in {'binary'} and n != 'rec_name') + [
                'rec_name']

    def relation_value(self, ttype, target, record_id):
        if ttype == 'reference':
            return f'{target},{record_id}'
        if ttype in {'one2many', 'many2many'}:
            return [record_id]
        return record_id

    def probe_targets(self, model, field, ttype, target):
        """Hidden records of target worth a probe through model.field: on
        a shared model, those a record of the attacker points to (bridge) or
        that point to a record of the attacker (One2Many)"""
        world = self.world
        if model in world.shared:
            probes = []
            if ttype == 'many2one':
                probes = [h for _, h in world.bridges.get(
                        (model, field), {}).get('hidden', [])]
            elif ttype == 'one2many':
                inverse = world.fields_of(model)[field].get('relation_field')
                probes = [h for h, _ in world.reverse.get(
                        (target, inverse), [])]
            if probes:
                return sorted(set(probes))
            return world.sample(target)[:1]
        hidden = list(world.hidden_base.get(target) or world.hidden.get(
                target, []))
        reverse = [h for h, _ in world.reverse.get((model, field), [])]
        if ttype in {'one2many', 'many2many'}:
            # the hidden records pointing back to the attacker's
            extra = []
            for (m, _), pairs in world.reverse.items():
                if m == target:
                    extra.extend(h for h, _ in pairs)
            hidden = sorted(set(hidden) | set(extra))
        return sorted(set(hidden) | set(reverse))

    def gen(self, *args, **kwargs):
        return Attempt(*args, **kwargs)

    def phase_actions(self):
        for model in self.targets:
            methods = set(self.methods_of(model))
            yield from self.other_methods(model, methods, readonly=False)
        yield from self.wizards()
        yield from self.routes(mutating=True)

    def phase_requests(self):
        """What a request carries besides its records: names read
        directly, stored links, plain arguments, context defaults, the
        wizards as sao runs them"""
        yield from self.direct_reads()
        yield from self.stored_links()
        yield from self.plain_arguments()
        yield from self.context_calls()
        yield from self.wizards_rpc()

    def execute(self):
        self.compute_targets()
        if self.tracer is not None:
            self.tracer.skip()     # the world's set-up
        if 'aggregates' in self.phases:
            self.run_aggregates()
        for name in ['read', 'create', 'write', 'actions', 'requests',
                'delete']:
            if name not in self.phases:
                continue
            phase = getattr(self, f'phase_{name}')
            # one call at a time: a change is told by the call that made it
            self.run_all(phase())
            # what a call of the phase may have left behind
            side = Attempt('side_effect', '*', phase.__name__, '')
            leaks = self.check_snapshots(
                {m for m, ids in self.world.hidden.items() if ids})
            leaks += self.check_links(set(self.targets))
            tally = self.tally['side_effect', '*', phase.__name__]
            tally['attempted'] += 1
            if leaks:
                side.outcome = Outcome('ok')
                side.verdict = 'leak'
                side.details = leaks
                tally['leak'] += 1
                self.leaks.append(side)
            else:
                tally['empty'] += 1
        # last: the records shared read only (the attacker reads them)
        if 'rules' in self.phases:
            self.run_rules()
        self.elapsed = time.monotonic() - self.started
        return self
