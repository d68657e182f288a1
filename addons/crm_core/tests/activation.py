# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""One activated database for every test case beside the CRM.

Every CRM module's ``ModuleTestCase`` (``CrmModulesTestMixin``), the host's
test cases run beside the CRM and every scenario activate the same sorted
list of modules, so that trytond's DB cache holds one database for all of
them (docs/ci.md)."""
import fcntl
import functools
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from trytond.modules import get_module_info
from trytond.tests import test_tryton
from trytond.tests import tools as scenario_tools

_activate_module = test_tryton.activate_module
_activate_modules = scenario_tools.activate_modules


@functools.cache
def crm_modules():
    """The CRM modules: the modules beside crm_core that have a tryton.cfg
    (addons/*/ in the repository, the crm_* packages once installed),
    sorted."""
    addons = Path(__file__).resolve().parent.parent.parent
    return tuple(sorted(
            cfg.parent.name for cfg in addons.glob('*/tryton.cfg')))


@functools.cache
def _dependencies(modules):
    "The modules and all the modules they depend on"
    found, todo = set(), list(modules)
    while todo:
        module = todo.pop()
        if module not in found:
            found.add(module)
            todo.extend(get_module_info(module).get('depends', []))
    return frozenset(found)


def modules_with_crm(modules):
    """The sorted module list to activate for modules with the CRM active.

    It is the CRM modules alone when they already bring modules, so that
    every caller asks for the same list: the DB cache of trytond, keyed by
    the joined names, then holds one database for all of them.  Set
    CRM_TEST_ACTIVATE=alone to activate each test case's own module (and
    extras) only for the CRM's own test cases, as the host does."""
    if isinstance(modules, str):
        modules = [modules]
    crm = crm_modules()
    if (os.environ.get('CRM_TEST_ACTIVATE') == 'alone'
            and set(modules) & set(crm)):
        return list(modules)
    if set(modules) <= _dependencies(crm):
        return list(crm)
    return sorted(set(crm) | set(modules))


@contextmanager
def db_cache_lock(name):
    """Hold an exclusive lock on the DB_CACHE entry of name.

    Parallel test processes (pytest-xdist) share DB_CACHE: the first one
    builds the entry while the others wait, then restore it."""
    cache = os.environ.get('DB_CACHE')
    if not cache or cache.startswith('postgresql://'):
        yield
        return
    os.makedirs(cache, exist_ok=True)
    digest = hashlib.shake_128(name.encode('utf-8')).hexdigest(20)
    with open(os.path.join(cache, f'{digest}.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def activate_with_crm(modules, lang='en'):
    "activate_module of trytond with all CRM modules active (shared cache)"
    modules = modules_with_crm(modules)
    name = '-'.join(modules) + ('' if lang == 'en' else f'--{lang}')
    with db_cache_lock(name):
        _activate_module(modules, lang=lang)


def activate_modules_with_crm(modules, *setup):
    """activate_modules of trytond's scenario tools with all CRM modules
    active (shared cache).

    A set-up (functions run once on the activated database, as
    ``create_company``) starts from the shared database and is cached
    under its own name."""
    modules = sorted(modules_with_crm(modules))
    # A database left by a previous test would make the restore fail on
    # PostgreSQL
    test_tryton.drop_db()
    if not setup:
        with db_cache_lock('-'.join(modules)):
            return _activate_modules(modules)
    name = '-'.join(modules) + '--' + '|'.join(
        scenario_tools._func_name(f) for f in setup)
    with db_cache_lock(name):
        if test_tryton.restore_db_cache(name):
            return scenario_tools._get_config()
        config = activate_modules_with_crm(modules)
        for func in setup:
            func(config=config)
        test_tryton.backup_db_cache(name)
        return config


class CrmModulesTestMixin:
    """Set up a ModuleTestCase with every CRM module active.

    All test cases using it share one activated database (see
    modules_with_crm); the checks of ModuleTestCase still look at the
    test case's ``module`` only."""

    @classmethod
    def setUpClass(cls):
        with mock.patch.object(
                test_tryton, 'activate_module', activate_with_crm):
            super().setUpClass()
