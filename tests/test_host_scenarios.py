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
import importlib
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
    ('sale', 'scenario_sale_manual_invoice.rst'),
    ('sale_discount', 'scenario_sale_discount.rst'),
    ('sale_history', 'scenario_sale_history.rst'),
    ('account_invoice', 'scenario_invoice.rst'),
    ('account_invoice', 'scenario_credit_note.rst'),
    ('account_invoice', 'scenario_invoice_alternate_currency.rst'),
    ]


def _with_crm(activated):
    "activate_modules with the CRM modules too, recording what is activated"
    def activate(modules, *setup):
        activated.extend(modules_with_crm(modules))
        return activate_modules_with_crm(modules, *setup)
    return activate


def _host_suite(module, scenario):
    """The scenario's suite as the host's own test_scenario builds it.

    The host's loader sets the option flags of its backend: on SQLite,
    STRIP_DECIMAL, because a Numeric summed there comes back as a float
    (Decimal('4500.0') where PostgreSQL gives Decimal('4500.00'))."""
    from trytond.tests import test_tryton

    package = importlib.import_module(f'trytond.modules.{module}.tests')
    loader = unittest.TestLoader()
    loader.testNamePatterns = [scenario]
    # The package itself, not its name: doctest imports a name with
    # fromlist ['*'], which party.tests' __all__ of classes refuses.
    return test_tryton.load_doc_tests(
        package, package.__file__, loader, unittest.TestSuite(), None)


@pytest.mark.parametrize('module, scenario', HOST_SCENARIOS)
def test_host_scenario(module, scenario):
    from trytond.tests import tools

    suite = _host_suite(module, scenario)
    assert suite.countTestCases() == 1
    activated = []
    with mock.patch.object(tools, 'activate_modules', _with_crm(activated)):
        result = unittest.TextTestRunner(verbosity=0).run(suite)
    assert result.testsRun == 1
    assert set(MODULES) <= set(activated)
    assert not result.failures and not result.errors, (
        result.failures + result.errors)[0][1]
