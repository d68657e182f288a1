# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Session fixtures of the cross-module tests.

ORM level (no server):
  crm_db           database with all CRM modules activated (built once,
                   cached in DB_CACHE by a hash of the addons' sources)
  crm_transaction  a rolled-back transaction on crm_db in this process
  new_crm_db       makes another database like crm_db (the attack suite
                   builds its world on one)
Server level:
  crm_server       a trytond process serving crm_db (url, database)
  admin_rpc        a JsonRpc client logged in as admin on crm_server
  smtp_sink        what the test servers send by e-mail (tests/smtp_sink.py)
PostgreSQL:
  pg_crm_db        crm_db of a PostgreSQL run (the PostgreSQL pass); the
                   tests using it are skipped on SQLite
"""
import os

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, Database, JsonRpc, Server,
    backend_name, database_uri)


def _cache_dir():
    return os.environ.get('DB_CACHE') or None


def _build(database):
    """Build database from DB_CACHE, one process at a time: under
    pytest-xdist the first worker builds the cache, the others copy it."""
    from crm_core.tests.activation import db_cache_lock
    with db_cache_lock(f'crm_testing.Database-{database.backend}'):
        return database.build(_cache_dir())


@pytest.fixture(scope='session')
def crm_db(tmp_path_factory):
    database = _build(
        Database(tmp_path_factory.mktemp('crm_db'), database_uri()))
    yield database
    database.drop()


@pytest.fixture(scope='session')
def new_crm_db():
    """A function making a database like crm_db (a copy of its DB_CACHE
    entry) in a directory; its caller drops it"""
    def new(workdir):
        return _build(Database(workdir, database_uri()))
    return new


@pytest.fixture
def crm_transaction(crm_db):
    """A transaction as root on crm_db, rolled back at the end.

    The backend of this process is the one of TRYTOND_DATABASE_URI, the same
    as crm_db's."""
    from trytond.config import config
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    if crm_db.path:
        config.set('database', 'path', str(crm_db.path))
    Pool(crm_db.name).init()
    with Transaction().start(crm_db.name, 0) as transaction:
        try:
            yield transaction
        finally:
            transaction.rollback()


@pytest.fixture(scope='session')
def crm_server(crm_db, smtp_sink, tmp_path_factory):
    server = Server(crm_db, tmp_path_factory.mktemp('crm_server'),
        email_uri=smtp_sink.uri)
    yield server
    server.stop()


@pytest.fixture(scope='session')
def smtp_sink():
    "What the test servers send by e-mail (tests/smtp_sink.py)"
    from smtp_sink import SmtpSink
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def admin_rpc(crm_server):
    rpc = JsonRpc(crm_server.url, crm_server.database)
    rpc.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    yield rpc
    rpc.logout()


@pytest.fixture(scope='session')
def pg_crm_db(request):
    """crm_db on a PostgreSQL run.  The tests of PostgreSQL itself (several
    processes on one database) run in the PostgreSQL pass of the CI
    (`.ci/run`, `make test DB=postgresql`): on SQLite they are skipped,
    rather than building a PostgreSQL database of their own for one test
    that the PostgreSQL pass runs again (127 s of a SQLite pass's set-up
    in the CI)."""
    if backend_name(database_uri()) != 'postgresql':
        pytest.skip("PostgreSQL only: run by `make test DB=postgresql`")
    return request.getfixturevalue('crm_db')
