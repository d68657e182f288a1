# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Run trytond with a tracer of the hidden records read for a user.

    python tests/trace_server.py <trytond arguments>

(``crm_testing.Server(..., wrapper=...)``).  While the server serves a
user's RPC call, each ``ModelSQL.read`` (the ``read`` of a client and the
loads of ``ModelStorage.__getattr__``, which call it) that runs with the
access checks off, outside a block declared with crm_core's
``declared(reason)``, of a guarded model (``crm_core.guard.guarded``) and
of ids that the user of the call may not read (``guard.readable_ids``)
appends a JSON line to ``$CRM_TRACE_FILE``: the user, the RPC method, the
model, ids and fields read and the frames of the CRM and host modules
that led there.  The tracer's own checks are not traced.  As every test
server (``serve.py``), it pools its SQLite connections.

The records that a user's call creates, writes or deletes are written
too (``changed``: model, mode, ids), so that the tests compare only the
models a call changed.  Without ``$CRM_TRACE_FILE`` nothing is patched.
"""
import json
import os
import sys
import threading
import traceback
from contextvars import ContextVar
from functools import wraps

# The RPC request being served (werkzeug's request: rpc_method, user_id)
_request = ContextVar('crm_trace_request', default=None)
# The tracer is checking: the reads it makes are its own
_busy = ContextVar('crm_trace_busy', default=False)
_lock = threading.Lock()
# Frames worth showing: the CRM's and the host's modules, not the ORM
STACK_PARTS = ('/addons/', '/trytond/modules/', '/trytond/ir/',
    '/trytond/res/', '/trytond/wizard/', '/trytond/report/')
STACK_SIZE = 8


def _write(entry):
    line = json.dumps(entry, default=str, sort_keys=True) + '\n'
    with _lock, open(os.environ['CRM_TRACE_FILE'], 'a') as file:
        file.write(line)


def _stack():
    "The last frames of the modules (of the ORM when none)"
    frames = [f for f in traceback.extract_stack()[:-3]
        if '/trytond/' in f.filename or '/addons/' in f.filename]
    frames = [f for f in frames
        if any(p in f.filename for p in STACK_PARTS)] or frames[-4:]
    return [f'{_short_path(f.filename)}:{f.lineno} {f.name}'
        for f in frames[-STACK_SIZE:]]


def _short_path(path):
    for part in ['/addons/', '/trytond/']:
        if part in path:
            return part.strip('/') + '/' + path.split(part, 1)[1]
    return path


def _declared_reason():
    from crm_core import guard
    reason = getattr(guard, 'declared_reason', None)
    return reason() if reason else None


def _hidden(Model, ids, user):
    "The ids among ids of a guarded Model that user may not read."
    from crm_core import guard
    from trytond.transaction import Transaction

    if not guard.guarded(Model):
        return []
    ids = {int(i) for i in ids
        if isinstance(i, int) and not isinstance(i, bool) and i >= 0}
    if not ids:
        return []
    with Transaction().set_user(user):
        return sorted(ids - guard.readable_ids(Model, ids))


def trace(Model, ids, fields_names):
    "Write a line if the read of ids of Model is a hidden read for a user."
    request = _request.get()
    if request is None or _busy.get():
        return
    from trytond.transaction import Transaction
    transaction = Transaction()
    user = request.__dict__.get('user_id')
    if not user or transaction.check_access:
        return
    token = _busy.set(True)
    try:
        if _declared_reason() is not None:
            return
        hidden = _hidden(Model, ids, user)
        if hidden:
            _write({
                    'user': user,
                    'request': request.rpc_method,
                    'model': Model.__name__,
                    'ids': hidden[:20],
                    'fields': sorted(fields_names or [])[:12],
                    'stack': _stack(),
                    })
    except Exception as error:
        _write({'user': user, 'request': getattr(request, 'rpc_method', ''),
                'model': Model.__name__, 'tracer_error': repr(error),
                'traceback': traceback.format_exc(limit=-6)})
    finally:
        _busy.reset(token)


def changed(Model, mode, records):
    "Write a line for the records a user's call creates, writes, deletes."
    request = _request.get()
    if request is None or _busy.get():
        return
    user = request.__dict__.get('user_id')
    if not user:
        return
    _write({
            'user': user,
            'request': request.rpc_method,
            'changed': Model.__name__,
            'mode': mode,
            'ids': sorted({int(r) for r in records})[:50],
            })


def _patch_modifications(ModelSQL):
    create = ModelSQL.create.__func__
    write = ModelSQL.write.__func__
    delete = ModelSQL.delete.__func__

    @wraps(create)
    def traced_create(cls, vlist):
        records = create(cls, vlist)
        changed(cls, 'create', records)
        return records

    @wraps(write)
    def traced_write(cls, records, values, *args):
        changed(cls, 'write', [r for r in records]
            + [r for group in args[::2] for r in group])
        return write(cls, records, values, *args)

    @wraps(delete)
    def traced_delete(cls, records):
        changed(cls, 'delete', records)
        return delete(cls, records)
    ModelSQL.create = classmethod(traced_create)
    ModelSQL.write = classmethod(traced_write)
    ModelSQL.delete = classmethod(traced_delete)


def install():
    "Patch the dispatcher (the request) and ModelSQL.read (the reads)."
    from trytond.model import ModelSQL
    from trytond.protocols import dispatcher

    dispatch = dispatcher._dispatch

    @wraps(dispatch)
    def traced_dispatch(request, *args, **kwargs):
        token = _request.set(request)
        try:
            return dispatch(request, *args, **kwargs)
        finally:
            _request.reset(token)
    dispatcher._dispatch = traced_dispatch

    read = ModelSQL.read.__func__

    @wraps(read)
    def traced_read(cls, ids, fields_names):
        trace(cls, ids, fields_names)
        return read(cls, ids, fields_names)
    ModelSQL.read = classmethod(traced_read)
    _patch_modifications(ModelSQL)


def main():
    from serve import run
    from sqlite_pool import install as pool_connections
    hooks = [pool_connections]
    if os.environ.get('CRM_TRACE_FILE'):
        hooks.append(install)
    return run(*hooks)


if __name__ == '__main__':
    sys.exit(main())
