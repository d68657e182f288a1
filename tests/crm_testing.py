# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Helpers for the cross-module tests: databases, servers and JSON-RPC.

Databases are built with ``trytond-admin`` in a subprocess and servers run
as ``trytond`` subprocesses, so the tests talk to Tryton the way clients do.
The backend follows ``TRYTOND_DATABASE_URI`` (SQLite when unset).
"""
import base64
import configparser
import datetime
import decimal
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def crm_modules(root=ROOT):
    """The CRM modules (addons/*/tryton.cfg), each after the CRM modules it
    depends on, in alphabetical order within a level (as crm_modules of
    scripts/lib.sh)."""
    depends = {}
    for cfg in sorted(Path(root, 'addons').glob('*/tryton.cfg')):
        parser = configparser.ConfigParser()
        parser.read(cfg)
        depends[cfg.parent.name] = set(
            parser.get('tryton', 'depends', fallback='').split())
    ordered = []
    while len(ordered) < len(depends):
        level = [m for m in sorted(depends) if m not in ordered
            and depends[m] & depends.keys() <= set(ordered)]
        if not level:
            raise ValueError(f"dependency cycle among {sorted(depends)}")
        ordered += level
    return tuple(ordered)


MODULES = crm_modules()
ADMIN_LOGIN = 'admin'
ADMIN_PASSWORD = 'crm-Test-admin-7'
ADMIN_EMAIL = 'admin@example.com'


def database_uri():
    return os.environ.get('TRYTOND_DATABASE_URI') or 'sqlite://'


def backend_name(uri):
    return urlsplit(uri).scheme.split('+')[0] or 'sqlite'


def _hashing():
    "The module scripts/addons_hash.py (scripts/ is no package)"
    spec = importlib.util.spec_from_file_location(
        'crm_addons_hash', ROOT / 'scripts' / 'addons_hash.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def addons_hash():
    "Hash of the addons' sources and Tryton versions (scripts/addons_hash.py)"
    return _hashing().addons_hash(str(ROOT))


def tree_hash(top):
    "Hash of the source files under top, as addons_hash hashes the addons"
    import hashlib
    digest = hashlib.sha256()
    _hashing().hash_tree(digest, str(top))
    return digest.hexdigest()[:16]


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def executable(name):
    "Path of a console script of the running interpreter's environment"
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found")
    return found


def clean_env(**extra):
    "Environment for subprocesses: no TRYTOND_* or test-runner variables"
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_')
        and k not in {'DB_NAME', 'DB_CACHE'}}
    env.update(extra)
    return env


def write_config(path, uri, db_path=None, listen=None, web_root=None,
        email_uri=None):
    lines = ['[database]', f'uri = {uri}']
    if db_path:
        lines.append(f'path = {db_path}')
    if listen or web_root:
        lines += ['', '[web]']
    if listen:
        lines.append(f'listen = {listen}')
    if web_root:
        lines.append(f'root = {web_root}')
    if email_uri:
        lines += ['', '[email]', f'uri = {email_uri}']
    Path(path).write_text('\n'.join(lines) + '\n')
    return str(path)


def _pg_options(uri):
    parts = urlsplit(uri)
    options = []
    if parts.hostname:
        options += ['-h', parts.hostname]
    if parts.port:
        options += ['-p', str(parts.port)]
    if parts.username:
        options += ['-U', parts.username]
    env = clean_env()
    if parts.password:
        env['PGPASSWORD'] = parts.password
    return options, env


def _pg_execute(uri, sql):
    import psycopg
    parts = urlsplit(uri)
    with psycopg.connect(
            host=parts.hostname, port=parts.port, user=parts.username,
            password=parts.password, dbname='postgres',
            autocommit=True) as conn:
        conn.execute(sql)


class Database:
    "A database with all CRM modules activated, built by trytond-admin"

    def __init__(self, workdir, uri, name=None):
        self.workdir = Path(workdir)
        self.uri = uri
        self.backend = backend_name(uri)
        if self.backend == 'sqlite':
            self.name = name or 'crm_test'
            self.path = self.workdir / 'db'
            self.path.mkdir(parents=True, exist_ok=True)
        else:
            self.name = name or f'crm_test_{os.getpid()}_{secrets.token_hex(3)}'
            self.path = None
        self.config = write_config(
            self.workdir / f'{self.name}.conf', uri, db_path=self.path)

    def admin(self, *args):
        "Run trytond-admin on this database"
        passfile = self.workdir / 'admin-password'
        passfile.write_text(ADMIN_PASSWORD)
        result = subprocess.run(
            [executable('trytond-admin'), '-c', self.config,
                '-d', self.name, *args],
            env=clean_env(TRYTONPASSFILE=str(passfile)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode:
            raise RuntimeError(
                f"trytond-admin {' '.join(args)} failed:\n{result.stdout}")

    def build(self, cache_dir=None):
        "Create the database, from the cache when it holds the same sources"
        cache = None
        if cache_dir and not str(cache_dir).startswith('postgresql://'):
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            suffix = 'sqlite' if self.backend == 'sqlite' else 'pgdump'
            cache = Path(cache_dir) / f'crm-all-{addons_hash()}.{suffix}'
        if self.backend == 'sqlite':
            target = self.path / f'{self.name}.sqlite'
            if cache and cache.exists():
                shutil.copyfile(cache, target)
                return self
            target.touch()
        else:
            _pg_execute(
                self.uri, f'CREATE DATABASE "{self.name}" '
                "TEMPLATE template0 ENCODING 'UTF8'")
            if cache and cache.exists():
                self._pg_restore(cache)
                return self
        self.admin('--all', '--email', ADMIN_EMAIL)
        self.admin('-u', *MODULES, '--activate-dependencies')
        if cache:
            tmp = cache.with_name(f'{cache.name}.{os.getpid()}.tmp')
            if self.backend == 'sqlite':
                shutil.copyfile(target, tmp)
            else:
                self._pg_dump(tmp)
            os.replace(tmp, cache)
        return self

    def _pg_dump(self, filename):
        options, env = _pg_options(self.uri)
        subprocess.run(
            ['pg_dump', *options, '-Fc', '-f', str(filename), self.name],
            env=env, check=True)

    def _pg_restore(self, filename):
        options, env = _pg_options(self.uri)
        subprocess.run(
            ['pg_restore', *options, '--no-owner', '-d', self.name,
                str(filename)],
            env=env, check=True)

    def drop(self):
        if self.backend == 'sqlite':
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            _pg_execute(
                self.uri, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Server:
    "A trytond process serving one database on a free port of 127.0.0.1"

    def __init__(self, database, workdir, timeout=90, web_root=None,
            email_uri=None, wrapper=None, env=None):
        """web_root: a directory served at / (e.g. the sao client);
        email_uri: where the server sends e-mail (e.g. an SmtpSink);
        wrapper: a script run by this interpreter with trytond's arguments
        (default tests/serve.py: trytond, its SQLite connections pooled;
        e.g. tests/trace_server.py), env: variables added to the server's
        environment"""
        self.database = database.name
        port = free_port()
        self.url = f'http://127.0.0.1:{port}'
        workdir = Path(workdir)
        config = write_config(
            workdir / f'server-{port}.conf', database.uri,
            db_path=database.path, listen=f'127.0.0.1:{port}',
            web_root=web_root, email_uri=email_uri)
        self.log_path = workdir / f'server-{port}.log'
        self._log = open(self.log_path, 'wb')
        wrapper = wrapper or Path(__file__).with_name('serve.py')
        command = [sys.executable, str(wrapper)]
        self.process = subprocess.Popen(
            [*command, '-c', config, '-d', database.name],
            stdout=self._log, stderr=subprocess.STDOUT,
            env=clean_env(**(env or {})), start_new_session=True)
        try:
            self._wait(timeout)
        except Exception:
            self.stop()
            raise

    def _wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"trytond exited with {self.process.returncode}:\n"
                    + self.log())
            try:
                JsonRpc(self.url, self.database).server_version()
                return
            except (OSError, RpcError):
                time.sleep(0.2)
        raise RuntimeError(f"trytond did not answer:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors='replace')

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class RpcError(Exception):
    "An error answered by the server (JSON-RPC error or HTTP status)"

    def __init__(self, error, status=None):
        super().__init__(error)
        self.error = error
        self.status = status


def _decode(dct):
    kind = dct.get('__class__')
    if kind == 'Decimal':
        return decimal.Decimal(dct['decimal'])
    if kind == 'date':
        return datetime.date(dct['year'], dct['month'], dct['day'])
    if kind == 'datetime':
        return datetime.datetime(
            dct['year'], dct['month'], dct['day'], dct['hour'],
            dct['minute'], dct['second'], dct['microsecond'])
    if kind == 'bytes':
        return base64.decodebytes(dct['base64'].encode())
    return dct


def _encode(obj):
    if isinstance(obj, decimal.Decimal):
        return {'__class__': 'Decimal', 'decimal': str(obj)}
    if isinstance(obj, datetime.datetime):
        return {
            '__class__': 'datetime', 'year': obj.year, 'month': obj.month,
            'day': obj.day, 'hour': obj.hour, 'minute': obj.minute,
            'second': obj.second, 'microsecond': obj.microsecond}
    if isinstance(obj, datetime.date):
        return {
            '__class__': 'date', 'year': obj.year, 'month': obj.month,
            'day': obj.day}
    if isinstance(obj, bytes):
        return {'__class__': 'bytes', 'base64': base64.encodebytes(obj)
            .decode()}
    raise TypeError(f"cannot encode {type(obj)}")


class JsonRpc:
    """Minimal JSON-RPC client of trytond.

    >>> rpc = JsonRpc(server.url, server.database)
    >>> rpc.login('admin', password)
    >>> rpc.model('party.party', 'search_read', [], 0, None, None, ['name'])
    """

    def __init__(self, url, database, timeout=60):
        self.url = url.rstrip('/')
        self.database = database
        self.timeout = timeout
        self.session = None
        self.context = {}
        self._id = 0

    def _post(self, path, method, params):
        self._id += 1
        body = json.dumps(
            {'id': self._id, 'method': method, 'params': list(params)},
            default=_encode).encode()
        request = urllib.request.Request(
            self.url + path, data=body, method='POST',
            headers={'Content-Type': 'application/json'})
        if self.session:
            request.add_header('Authorization', f'Session {self.session}')
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                answer = json.loads(resp.read(), object_hook=_decode)
        except urllib.error.HTTPError as error:
            raise RpcError(
                error.read().decode(errors='replace'), error.code) from None
        if answer.get('error'):
            raise RpcError(answer['error'])
        return answer.get('result')

    def server_version(self):
        return self._post('/rpc/', 'common.server.version', [])

    def login(self, login, password):
        "Open a session; fills self.context with the user's preferences"
        user_id, token, *_ = self._post(
            f'/{self.database}/rpc/', 'common.db.login',
            [login, {'password': password}])
        self.user_id = user_id
        self.session = base64.b64encode(
            f'{login}:{user_id}:{token}'.encode()).decode()
        self.context = self.call('model.res.user.get_preferences', True, {})
        return user_id

    def logout(self):
        if self.session:
            self.call('common.db.logout')
            self.session = None

    def call(self, method, *params):
        "Call a method of the database, e.g. model.party.party.read"
        return self._post(f'/{self.database}/rpc/', method, params)

    def model(self, name, method, *args, context=None):
        "Call model.<name>.<method>(*args, context) with the user's context"
        return self.call(
            f'model.{name}.{method}', *args, {**self.context, **(context or {})})


def refused(call, *args, **kwargs):
    "Tell if the server refuses the call with an access error."
    try:
        call(*args, **kwargs)
    except RpcError as error:
        text = str(error.error)
        assert 'not allowed' in text or 'not shared' in text, text
        return True
    return False


def record_id(rpc, model, name):
    "The id of the record of model named name (roles, groups of the data)"
    found, = rpc.model(model, 'search', [('name', '=', name)], 0, 1, None)
    return found


#: The currency of the companies the RPC tests create
EURO = {'name': "Euro", 'code': 'EUR', 'symbol': "€"}


class RpcModels:
    """The models of a server through a client logged in as admin, for
    setup_crm_people of crm_core/tests/tools.py (roles and groups are
    given by name)."""

    def __init__(self, rpc):
        self.rpc = rpc

    def search(self, model, domain):
        return self.rpc.model(model, 'search', domain, 0, None, None)

    def create(self, model, vlist):
        return self.rpc.model(model, 'create', vlist)

    def write(self, model, ids, values):
        self.rpc.model(model, 'write', ids, values)

    def xml_id(self, module, fs_id):
        # ir.model.data is not served over RPC
        raise LookupError(
            f"{module}.{fs_id}: name roles and groups over JSON-RPC")


def setup_people(admin, people):
    """Create over JSON-RPC what people (a CrmPeople) describes unless it
    exists and return the CrmWorld of ids; the admin client works for the
    company when people.company.admin."""
    from crm_core.tests.tools import setup_crm_people
    world = setup_crm_people(people, models=RpcModels(admin))
    if people.company and people.company.admin:
        admin.context = admin.call('model.res.user.get_preferences', True, {})
    return world
