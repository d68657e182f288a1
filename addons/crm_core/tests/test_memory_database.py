# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The test runs on SQLite in memory roll back what each test wrote.

trytond's cache clean-up (``Cache.sync``, at the start of a transaction
once ``[cache] clean_timeout`` seconds have passed) asks the backend for a
connection in autocommit mode; on SQLite in memory every transaction of the
process shares one connection, so the test that started then committed
all it wrote, and a later test counted its records (the host's
test_party_distance found a "Party 1" of test_party_code).  The repository's
conftest.py puts the clean-up off on SQLite in memory."""
import datetime
import unittest

from crm_core.tests.activation import activate_with_crm
from trytond.cache import Cache
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

NAME = "Memory database check"


class MemoryDatabaseTestCase(unittest.TestCase):
    "What a test writes is rolled back, whenever it starts"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if DB_NAME != ':memory:':
            raise unittest.SkipTest("SQLite in memory only")
        activate_with_crm('crm_core')

    def _parties(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                return Pool().get('party.party').search(
                    [('name', '=', NAME)], count=True)
            finally:
                transaction.rollback()

    def test_rollback_once_the_cache_clean_timeout_passed(self):
        "A transaction started when a clean-up is due still rolls back"
        saved = Cache._clean_last
        Cache._clean_last = datetime.datetime.now() - datetime.timedelta(
            days=1)
        try:
            with Transaction().start(DB_NAME, 1) as transaction:
                Pool().get('party.party').create([{'name': NAME}])
                transaction.rollback()
            self.assertEqual(self._parties(), 0)
        finally:
            Cache._clean_last = saved
            with Transaction().start(DB_NAME, 0):
                Party = Pool().get('party.party')
                Party.delete(Party.search([('name', '=', NAME)]))
