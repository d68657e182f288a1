# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category lookup: server code reading hidden records for the attacker.

The server runs under ``tests/trace_server.py``, which appends a line to
the trace file for every read of records of a guarded model that the user
of the RPC call may not read, made with the access checks off and not
declared (``crm_core.guard.declared``), and for every record a call
changed.  The calls are made one after the other: the lines written
during a call are its own.  Each call whose lines show a hidden read is a
leak of category lookup (its other calls count as the call was judged);
the lines of the suite's own set-up calls made as the attacker (fields,
defaults) are judged as they come.  The changed models tell the checks
after a mutating call which models to compare.
"""
import json
import os

from .calls import Attempt, Outcome


class TraceReader:
    "The lines a traced server appended to its file since the last read"

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.skip()

    def skip(self):
        "Forget what was written so far"
        try:
            self.offset = os.path.getsize(self.path)
        except OSError:
            self.offset = 0

    def read(self):
        try:
            with open(self.path, 'rb') as file:
                file.seek(self.offset)
                data = file.read()
        except OSError:
            return []
        end = data.rfind(b'\n') + 1     # complete lines only
        self.offset += end
        return [json.loads(line) for line in data[:end].splitlines()
            if line.strip()]


class LookupMixin:
    "The reads and changes the server's tracer saw for each call"

    def attacker_lines(self):
        "The new lines of the attacker's calls"
        if self.tracer is None:
            return []
        attacker = self.world.users['attacker']
        return [line for line in self.tracer.read()
            if line.get('user') == attacker]

    def before_call(self):
        "Judge the lines of the suite's calls made since the last one"
        lines = self.attacker_lines()
        reads = [line for line in lines if 'changed' not in line]
        by_request = {}
        for line in reads:
            by_request.setdefault(line.get('request', '?'), []).append(line)
        for request, found in sorted(by_request.items()):
            model, _, method = request.partition('.')[2].rpartition('.')
            attempt = Attempt('lookup', model, f'{method} (set-up call)',
                request)
            attempt.outcome = Outcome('ok')
            attempt.trace = found
            self.judge_lookup(attempt, attempt)

    def after_call(self, attempt):
        "Keep the lines of the call made for attempt"
        attempt.trace = self.attacker_lines()

    def changed_models(self, attempt):
        """The models whose records the call of attempt changed (None
        without a tracer)"""
        if self.tracer is None:
            return None
        return {line['changed'] for line in attempt.trace
            if 'changed' in line}

    def hidden_reads(self, attempt):
        return [line for line in attempt.trace if 'changed' not in line]

    def judge_lookup(self, attempt, source=None):
        """Count the call of attempt in category lookup: a leak when the
        server read hidden records for it"""
        if self.tracer is None:
            return
        reads = self.hidden_reads(source or attempt)
        lookup = Attempt('lookup', attempt.model, attempt.method,
            attempt.path, attempt.args, context=attempt.context,
            http=attempt.http, auth=attempt.auth, query=attempt.query,
            body=attempt.body, form=attempt.form)
        lookup.outcome = attempt.outcome
        lookup.trace = reads
        seen = set()
        for line in reads:
            if 'tracer_error' in line:
                # (the tracer could not tell: not a leak)
                self.skipped.append((line['model'], 'lookup',
                        f'tracer error: {line["tracer_error"]}'))
                continue
            detail = (f'read hidden {line["model"]} {line["ids"]} '
                f'({", ".join(line.get("fields") or [])}) during '
                f'{line["request"]} at ' + ' < '.join(
                    reversed(line.get('stack') or ['?'])))
            if detail not in seen:
                seen.add(detail)
                lookup.details.append(detail)
        if lookup.details:
            lookup.verdict = 'leak'
        else:
            status = attempt.outcome.status if attempt.outcome else 'na'
            lookup.verdict = {'ok': 'empty'}.get(status, status)
        key = (lookup.category, lookup.model, lookup.method)
        self.tally[key]['attempted'] += 1
        self.tally[key][lookup.verdict] += 1
        if lookup.verdict == 'leak':
            self.leaks.append(lookup)
            self.attempts.append(lookup)
