# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The host's own scenarios keep passing with all six CRM modules active.

Each scenario below is Tryton's own doctest, run unchanged except that its
``activate_modules`` call activates the CRM modules (which bring the host
modules the scenarios ask for): whatever the CRM adds to parties, users or
sales must not break the host's flows.  They all start from the database
every CRM test case shares (one activation per run); the scenarios of sale
and sale_opportunity share their set-up (company and chart) too.  Run once,
on SQLite: the PostgreSQL pass of the CI leaves them out (docs/ci.md)."""
import doctest
import importlib
import os
import unittest
from unittest import mock

import pytest
from crm_core.tests.activation import (
    activate_modules_with_crm, modules_with_crm)

from crm_testing import MODULES

HOST_SCENARIOS = [
    ('party', 'scenario_party_replace.rst'),
    ('party', 'scenario_party_erase.rst'),
    ('party', 'scenario_party_contact_mechanism_notifications.rst'),
    ('sale_opportunity', 'scenario_sale_opportunity.rst'),
    ('sale_opportunity', 'scenario_sale_opportunity_reporting.rst'),
    ('sale', 'scenario_sale.rst'),
    ]


def _with_crm(activated):
    "activate_modules with the CRM modules too, recording what is activated"
    def activate(modules, *setup):
        activated.extend(modules_with_crm(modules))
        return activate_modules_with_crm(modules, *setup)
    return activate


@pytest.mark.parametrize('module, scenario', HOST_SCENARIOS)
def test_host_scenario(module, scenario):
    from trytond.tests import test_tryton, tools

    package = importlib.import_module(f'trytond.modules.{module}.tests')
    directory = os.path.dirname(package.__file__)
    assert os.path.exists(os.path.join(directory, scenario))
    suite = doctest.DocFileSuite(
        scenario, package=package,
        setUp=test_tryton.doctest_setup,
        tearDown=test_tryton.doctest_teardown,
        encoding='utf-8',
        checker=test_tryton.doctest_checker,
        optionflags=(
            doctest.REPORT_ONLY_FIRST_FAILURE | doctest.ELLIPSIS
            | doctest.IGNORE_EXCEPTION_DETAIL))
    activated = []
    with mock.patch.object(tools, 'activate_modules', _with_crm(activated)):
        result = unittest.TextTestRunner(verbosity=0).run(suite)
    assert result.testsRun == 1
    assert set(MODULES) <= set(activated)
    assert not result.failures and not result.errors, (
        result.failures + result.errors)[0][1]
