"""Run the Tryton scenario doctests of the addons under pytest.

A Tryton module declares its scenarios (tests/scenario_*.rst) through the
unittest ``load_tests`` protocol in tests/test_scenario.py, which pytest
ignores.  This collects each scenario of such a file as a pytest item."""
import importlib
import os
import unittest

import pytest


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
        result = unittest.TestResult()
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
