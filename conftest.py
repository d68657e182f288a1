# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Pytest set-up of the whole repository.

- Scenario doctests: a Tryton module declares its scenarios
  (tests/scenario_*.rst) through the unittest ``load_tests`` protocol in
  tests/test_scenario.py, which pytest ignores.  This collects each
  scenario of such a file as a pytest item; they run with all CRM modules
  active, on the database every CRM test case shares.
- Parallel runs (pytest-xdist): each worker gets its own DB_NAME.
- The marker ``backend_independent`` is put on the tests whose outcome does
  not depend on the database backend (see BACKEND_INDEPENDENT_FILES and
  the checks ModuleTestCase inherits from Tryton); the PostgreSQL pass of
  the CI leaves them out (docs/ci.md).
- SQLite in memory: trytond's cache clean-up (every ``clean_timeout``
  seconds, at the start of a transaction) takes the database's connection
  in autocommit mode, which in memory is the test's own: the test then
  commits what it writes and leaves it to the tests after it.  The clean-up
  serves processes sharing a database, which a database in memory never
  is, so it is put off for the run (test_memory_database.py).
- Test-only modules (tests/modules, e.g. crm_test): never installed, they
  are put on sys.path and PYTHONPATH here, for this process and the
  trytond processes the tests start (tests/modules/README.rst)."""
import importlib
import inspect
import os
import sys
import unittest
from unittest import mock

import pytest

#: The folder of the test-only modules and of their dist-info folders
TEST_MODULES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'tests', 'modules')


def add_test_modules():
    """Make the test-only modules importable and declared as Tryton modules
    (by their dist-info folders), here and in the subprocesses started
    later.  Before trytond reads the entry points: it keeps its answer."""
    if TEST_MODULES not in sys.path:
        sys.path.append(TEST_MODULES)
    paths = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
        if p]
    if TEST_MODULES not in paths:
        os.environ['PYTHONPATH'] = os.pathsep.join([*paths, TEST_MODULES])


add_test_modules()

#: Test files whose outcome does not depend on the backend, run once (on
#: SQLite): the host's own scenarios and unit tests beside the CRM, the
#: packaging, browser and demo loader tests, the HTTP handling of web-to-lead
#: (parsing, limits, answers; its lead is an ORM create checked on
#: PostgreSQL by the other lead tests).
BACKEND_INDEPENDENT_FILES = {
    'tests/test_host_scenarios.py',
    'tests/test_host_unit.py',
    'tests/test_packaging.py',
    'tests/test_browser.py',
    'tests/test_demo_data.py',
    'tests/test_browser_forms_rep.py',
    'tests/test_browser_forms_manager.py',
    'tests/test_browser_forms_support.py',
    'tests/test_browser_pipeline_board.py',
    'tests/test_browser_reports.py',
    'addons/crm_sales/tests/test_web_to_lead.py',
    }


#: The clean timeout of trytond's cache on SQLite in memory (seconds)
MEMORY_CACHE_CLEAN_TIMEOUT = 10 ** 9


def pytest_configure(config):
    worker = getattr(config, 'workerinput', {}).get('workerid')
    db_name = os.environ.get('DB_NAME')
    if db_name == ':memory:':
        from trytond import config as trytond_config
        trytond_config.set(
            'cache', 'clean_timeout', str(MEMORY_CACHE_CLEAN_TIMEOUT))
    if worker and db_name and db_name != ':memory:':
        # Before trytond.tests.test_tryton reads it, at collection
        os.environ['DB_NAME'] = f'{db_name}_{worker}'


def _is_host_check(item):
    "A test method a CRM test case inherits from Tryton's test classes"
    cls = getattr(item, 'cls', None)
    if cls is None or not issubclass(cls, unittest.TestCase):
        return False
    name = getattr(item, 'originalname', None) or item.name
    for klass in inspect.getmro(cls):
        if name in vars(klass):
            return klass.__module__.startswith('trytond.')
    return False


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        try:
            path = item.path.relative_to(root).as_posix()
        except ValueError:
            continue
        if path in BACKEND_INDEPENDENT_FILES or (
                path.startswith('addons/') and _is_host_check(item)):
            item.add_marker(pytest.mark.backend_independent)
    if getattr(config.option, 'dist', 'no') == 'loadscope':
        items[:] = _interleave_scopes(items)


#: The session fixtures that build a database (each its own DB_CACHE entry)
_DATABASE_FIXTURES = ('crm_db', 'pg_crm_db')
#: The fixtures of the longest scopes: the attack suite's shards
#: (tests/test_attack_surface.py), the browser tests
_LONG_FIXTURES = ('attack', 'browser')


def _interleave_scopes(items):
    """Order the scopes of pytest-xdist's loadscope (a test case class or a
    test file) so that consecutive scopes need different databases.

    Each process takes the next scope in this order (scripts/test.sh turns
    off xdist's reordering): the first processes then build the shared
    databases side by side instead of waiting for the same one.  The
    longest scopes (the attack suite's shards, the browser files: minutes
    each) alternate with the others from the start."""
    scopes = {}
    for item in items:
        scopes.setdefault(item.nodeid.rsplit('::', 1)[0], []).append(item)
    kinds = {}
    for scope_items in scopes.values():
        names = set(getattr(scope_items[0], 'fixturenames', ()))
        kind = next((f for f in _DATABASE_FIXTURES if f in names), 'trytond')
        if names & set(_LONG_FIXTURES):
            kind = 'long'
        kinds.setdefault(kind, []).append(scope_items)
    # The long scopes take minutes each: started first, beside the
    # others, they do not end the run alone on one process
    long_scopes = kinds.pop('long', [])
    interleaved = []
    queues = list(kinds.values())
    while queues:
        for queue in queues:
            interleaved.append(queue.pop(0))
        queues = [q for q in queues if q]
    ordered = []
    while long_scopes or interleaved:
        for queue in [long_scopes, interleaved]:
            if queue:
                ordered.extend(queue.pop(0))
    return ordered


def pytest_collect_file(file_path, parent):
    if (file_path.name == 'test_scenario.py'
            and file_path.parent.name == 'tests'
            and file_path.parent.parent.parent.name == 'addons'):
        return ScenarioFile.from_parent(parent, path=file_path)


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _flatten(test)
        else:
            yield test


class ScenarioFile(pytest.File):

    def collect(self):
        module = importlib.import_module(
            f'{self.path.parent.parent.name}.tests.test_scenario')
        suite = module.load_tests(
            unittest.TestLoader(), unittest.TestSuite(), None)
        seen = set()
        for test in _flatten(suite):
            name = os.path.basename(getattr(
                getattr(test, '_dt_test', None), 'filename', test.id()))
            base, index = name, 1
            while name in seen:
                index += 1
                name = f'{base}[{index}]'
            seen.add(name)
            yield ScenarioItem.from_parent(self, name=name, test=test)


class ScenarioFailure(Exception):
    pass


class ScenarioItem(pytest.Item):

    def __init__(self, *, test, **kwargs):
        super().__init__(**kwargs)
        self.test = test

    def runtest(self):
        from crm_core.tests.activation import activate_modules_with_crm
        from trytond.tests import tools

        result = unittest.TestResult()
        with mock.patch.object(
                tools, 'activate_modules', activate_modules_with_crm):
            self.test.run(result)
        problems = result.errors + result.failures
        if problems:
            raise ScenarioFailure('\n'.join(text for _, text in problems))
        if result.skipped:
            pytest.skip('; '.join(reason for _, reason in result.skipped))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f'scenario {self.name}'
