# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The test servers on SQLite keep their database connections (a pool).

trytond's SQLite backend opens a connection for each transaction, and a
server starts two or more per RPC call (the session check, the call).
The first statement of a connection reads the database's schema (about
600 tables and indexes with every CRM module): 2.4 ms each time, a third
of the server's time in the attack suite (py-spy, SQLite pass).  The
PostgreSQL backend keeps a pool of connections; this gives the SQLite
backend of a test server one: a connection is made usable by any thread
(werkzeug serves each request in a thread of its own), handed back to
the pool when its transaction ends (rolled back if still open) and taken
by the next transaction of the same database.

Installed by the test servers (``tests/serve.py``, ``tests/trace_server.py``)
once trytond is configured; never by the product.
"""
import sqlite3
import threading

_installed = False


class _AnyThread:
    "The sqlite3 module whose connections any thread may use"

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def connect(self, *args, **kwargs):
        kwargs['check_same_thread'] = False
        return self._module.connect(*args, **kwargs)


def install():
    "Pool the connections of trytond's SQLite backend (files, not memory)"
    global _installed
    from trytond.config import config
    if _installed or not config.get('database', 'uri', default='').startswith(
            'sqlite'):
        return
    from trytond.backend.sqlite import database as backend
    _installed = True
    lock = threading.Lock()
    idle = {}   # database name: connections
    Database = backend.Database
    connect, put_connection = Database.connect, Database.put_connection
    backend.sqlite = _AnyThread(sqlite3)

    def pooled(database):
        return database.name != ':memory:'

    def pooled_connect(self):
        if self._conn is None and pooled(self):
            with lock:
                connections = idle.get(self.name)
                if connections:
                    self._conn = connections.pop()
                    return self
        return connect(self)

    def pooled_put_connection(self, connection=None):
        put_connection(self, connection)
        if (pooled(self) and connection is not None
                and connection is self._conn):
            if connection.in_transaction:
                connection.rollback()
            self._conn = None
            with lock:
                idle.setdefault(self.name, []).append(connection)

    Database.connect = pooled_connect
    Database.put_connection = pooled_put_connection
