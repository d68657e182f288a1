# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The addons ship complete in a non-editable install.

The wheels are built offline from the files git tracks (as a fresh clone
has them): every tracked file of a module is in its wheel, and so are the
kinds of files a module adds later (translations, icons, report templates,
views, scenarios), which the package data's patterns must cover.  The
wheels are then installed into a scratch environment, without the editable
installs, and the modules are activated there by trytond-admin."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

from crm_testing import (
    ADMIN_EMAIL, ADMIN_PASSWORD, MODULES, ROOT, clean_env, write_config)

#: Files a module may add later, each of a kind its wheel must carry
LATER_FILES = {
    'locale/fr.po': 'msgid ""\nmsgstr ""\n',
    'locale/override/fr.po': 'msgid ""\nmsgstr ""\n',
    'icons/probe.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'view/probe_form.xml': '<form/>\n',
    'probe.xml': '<?xml version="1.0"?>\n<tryton/>\n',
    'probe.fodt': '<?xml version="1.0"?>\n',
    'probe.fods': '<?xml version="1.0"?>\n',
    'probe.html': '<html></html>\n',
    'probe.txt': 'text\n',
    'report/probe.fodt': '<?xml version="1.0"?>\n',
    'tests/scenario_probe.rst': 'Probe\n=====\n',
    'tests/probe.json': '{}\n',
    }

pytestmark = pytest.mark.skipif(
    not (ROOT / '.git').exists() or not shutil.which('git'),
    reason="needs the git checkout (the tracked files)")


def tracked_files(module):
    "The files of addons/<module> git tracks, relative to the module"
    output = subprocess.run(
        ['git', 'ls-files', '-z', '--', f'addons/{module}'], cwd=ROOT,
        check=True, stdout=subprocess.PIPE).stdout.decode()
    prefix = f'addons/{module}/'
    return sorted(
        name[len(prefix):] for name in output.split('\0')
        if name.startswith(prefix)
        and (ROOT / name).exists())


def copy_sources(module, target, extra=None):
    "Copy the tracked files of module (and extra {path: text}) to target"
    for name in tracked_files(module):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / 'addons' / module / name, destination)
    for name, text in (extra or {}).items():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text)
    return target


def build_wheels(sources, directory):
    "Build the wheels of sources into directory, offline; {module: path}"
    directory.mkdir()
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--quiet',
            '--disable-pip-version-check', '--no-deps', '--no-index',
            '--no-build-isolation', '--wheel-dir', str(directory),
            *map(str, sources)],
        check=True, env=clean_env())
    wheels = {}
    for wheel in directory.glob('*.whl'):
        wheels[wheel.name.split('-')[0]] = wheel
    return wheels


def wheel_names(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope='module')
def wheels(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('packaging')
    sources = [
        copy_sources(m, tmp / 'src' / m) for m in MODULES]
    return build_wheels(sources, tmp / 'wheels')


def test_tracked_files_in_wheels(wheels):
    "Every file a module tracks (but its pyproject.toml) is in its wheel"
    assert set(wheels) == set(MODULES)
    for module in MODULES:
        names = wheel_names(wheels[module])
        expected = {
            f'{module}/{name}' for name in tracked_files(module)
            if name != 'pyproject.toml'}
        assert f'{module}/tryton.cfg' in expected
        missing = sorted(expected - names)
        assert not missing, f"{module}: not in the wheel: {missing}"


def test_later_files_in_wheel(tmp_path):
    "The package data patterns take the files a module adds later"
    module = MODULES[-1]
    source = copy_sources(module, tmp_path / 'src' / module, LATER_FILES)
    wheel = build_wheels([source], tmp_path / 'wheels')[module]
    names = wheel_names(wheel)
    missing = sorted(
        name for name in LATER_FILES if f'{module}/{name}' not in names)
    assert not missing, f"not in the wheel of {module}: {missing}"


def host_packages(target):
    """Link the packages of the test environment into target, but its
    editable installs (the addons)."""
    purelib = Path(sysconfig.get_paths()['purelib'])
    target.mkdir()
    for entry in purelib.iterdir():
        if entry.name.startswith('__editable__') or entry.suffix == '.pth':
            continue
        direct_url = entry / 'direct_url.json'
        if entry.name.endswith('.dist-info') and direct_url.exists():
            if json.loads(direct_url.read_text()).get(
                    'dir_info', {}).get('editable'):
                continue
        (target / entry.name).symlink_to(entry)
    return target


#: Run in the scratch environment: check that the CRM modules are imported
#: from it, then run trytond-admin with the arguments given.
ADMIN = textwrap.dedent('''\
    import importlib, sys
    scratch, modules, *argv = sys.argv[1:]
    for module in modules.split(','):
        path = importlib.import_module(module).__file__
        assert path.startswith(scratch), f"{module} imported from {path}"
    from trytond.cli.admin import main
    sys.argv = ['trytond-admin', *argv]
    sys.exit(main())
    ''')


def test_activate_from_wheels(wheels, tmp_path):
    "The modules installed from their wheels activate on a new database"
    scratch = tmp_path / 'venv'
    subprocess.run(
        [sys.executable, '-m', 'venv', '--without-pip', str(scratch)],
        check=True)
    python = scratch / 'bin' / 'python'
    site = Path(subprocess.run(
            [str(python), '-c',
                'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
            check=True, stdout=subprocess.PIPE, text=True).stdout.strip())
    subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--quiet',
            '--disable-pip-version-check', '--no-deps', '--no-index',
            '--target', str(site), *map(str, wheels.values())],
        check=True, env=clean_env())
    # Tryton and the host modules come from the test environment
    (site / 'zz_host.pth').write_text(
        str(host_packages(tmp_path / 'host')) + '\n')

    db_path = tmp_path / 'db'
    db_path.mkdir()
    (db_path / 'crm_pkg.sqlite').touch()
    config = write_config(tmp_path / 'trytond.conf', 'sqlite://', db_path)
    passfile = tmp_path / 'password'
    passfile.write_text(ADMIN_PASSWORD)
    driver = tmp_path / 'admin.py'
    driver.write_text(ADMIN)

    def admin(*args):
        result = subprocess.run(
            [str(python), str(driver), str(site), ','.join(MODULES),
                '-c', config, '-d', 'crm_pkg', *args],
            cwd=tmp_path, env=clean_env(TRYTONPASSFILE=str(passfile)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert not result.returncode, result.stdout[-3000:]
    admin('--all', '--email', ADMIN_EMAIL)
    admin('-u', *MODULES, '--activate-dependencies')

    with sqlite3.connect(db_path / 'crm_pkg.sqlite') as connection:
        states = dict(connection.execute(
                'SELECT name, state FROM ir_module WHERE name IN (%s)'
                % ','.join('?' * len(MODULES)), MODULES))
    assert states == {m: 'activated' for m in MODULES}


#: Run without the tests' path: the Tryton modules and the distributions
#: of the environment, and whether each name given is importable.
PROBE = textwrap.dedent('''\
    import importlib.metadata, importlib.util, json, sys
    print(json.dumps({
        'modules': sorted(ep.name for ep in importlib.metadata.entry_points(
                group='trytond.modules')),
        'distributions': sorted(
            (d.metadata['Name'] or '').lower()
            for d in importlib.metadata.distributions()),
        'importable': [
            n for n in sys.argv[1:] if importlib.util.find_spec(n)],
        }))
    ''')


def test_test_modules_not_installed(tmp_path):
    "The test-only modules are seen by the tests only, not by the venv"
    from trytond.modules import get_modules
    modules_dir = ROOT / 'tests' / 'modules'
    test_modules = sorted(
        p.name for p in modules_dir.iterdir()
        if p.is_dir() and (p / 'tryton.cfg').exists())
    assert 'crm_test' in test_modules
    # The tests (and the trytond processes they start) see them
    assert set(test_modules) <= get_modules()
    env = clean_env()
    assert str(modules_dir) in env['PYTHONPATH'].split(os.pathsep)

    # The environment itself, as the demo's trytond runs, does not
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in env['PYTHONPATH'].split(os.pathsep)
        if p and Path(p).resolve() != modules_dir.resolve())
    result = subprocess.run(
        [sys.executable, '-c', PROBE, *test_modules], cwd=tmp_path, env=env,
        check=True, stdout=subprocess.PIPE, text=True)
    seen = json.loads(result.stdout)
    assert set(MODULES) <= set(seen['modules'])
    assert not set(test_modules) & set(seen['modules'])
    assert not set(test_modules) & set(seen['distributions'])
    assert not seen['importable']
