# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The attack world built once per run and backend, copied by each shard.

Building the world over RPC (``build.py``) takes 15 to 40 s (SQLite,
PostgreSQL) and every shard of the attack (``attack.SHARDS``) needs the
same one.  :class:`WorldCache` keeps its database in DB_CACHE (SQLite:
the file; PostgreSQL: a ``pg_dump``, as ``crm_testing.Database`` keeps
``crm_db``), the files of its filestore (the data of the attachments:
``.files``) and what the :class:`World` holds in Python (ids, links,
snapshots, markers, counters) with what the shards need to log in
(``.json``).  The first shard builds the entry under ``db_cache_lock``
while the others wait; then each shard copies it to a database of its
own, starts its own server and logs in: nothing but the database, its
files and the JSON passes from the building process to a shard, the
building one included (it copies too).

The key changes with the addons (``addons_hash``), the sources that build
the world (this package, ``test_attack_surface.py``, ``crm_testing.py``,
crm_core's test tools) and the day (the world's records are dated from the
day it is built: events a week ahead, quotas of next year).
"""
import datetime
import decimal
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import time
from collections import defaultdict
from contextlib import closing
from pathlib import Path

from crm_testing import (
    ROOT, _decode, _encode, _pg_execute, addons_hash, tree_hash)

from .markers import Secrets
from .world import World

#: What builds the world besides the addons (whose tests addons_hash
#: leaves out: crm_core's test tools make the users)
WORLD_SOURCES = [
    'tests/attack_surface', 'tests/test_attack_surface.py',
    'tests/crm_testing.py', 'addons/crm_core/tests/tools.py']
#: The attributes of a World that are no state of the world: the clients
#: (each shard logs in on its own server) and the pool's description
#: (introspect, read in each process)
NOT_SAVED = {'admin', 'attacker', 'meta'}
_TAG = '__world__'
_FACTORIES = {list: 'list', set: 'set'}


def world_key(root=ROOT, today=None):
    "The key of the world's cache entry (see the module's docstring)"
    parts = [addons_hash(), (today or datetime.date.today()).isoformat()]
    for source in WORLD_SOURCES:
        path = Path(root, source)
        parts.append(tree_hash(path) if path.is_dir()
            else hashlib.sha256(path.read_bytes()).hexdigest())
    return hashlib.sha256('\n'.join(parts).encode()).hexdigest()[:16]


# --- the World in JSON


def _counter_next(counter):
    "The next value of an itertools.count, without taking it"
    match = re.fullmatch(r'count\((-?\d+)\)', repr(counter))
    assert match, repr(counter)
    return int(match.group(1))


def pack(value):
    """value in JSON types, its Python types kept (tuples, sets,
    defaultdicts, dicts of any keys, counters, the Secrets); the numbers,
    dates and bytes as the JSON-RPC client sends them (crm_testing._encode)
    """
    if isinstance(value, defaultdict):
        return {_TAG: 'defaultdict',
            'factory': _FACTORIES[value.default_factory],
            'items': [[pack(k), pack(v)] for k, v in value.items()]}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not (
                {_TAG, '__class__'} & set(value)):
            return {k: pack(v) for k, v in value.items()}
        return {_TAG: 'dict',
            'items': [[pack(k), pack(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TAG: 'tuple', 'items': [pack(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {_TAG: type(value).__name__,
            'items': [pack(v) for v in value]}
    if isinstance(value, list):
        return [pack(v) for v in value]
    if isinstance(value, itertools.count):
        return {_TAG: 'count', 'next': _counter_next(value)}
    if isinstance(value, Secrets):
        # (its regex is made again from the strings)
        return {_TAG: 'secrets', 'strings': pack(value.strings),
            'count': pack(value._count)}
    if value is None or isinstance(value, (
                str, bool, int, float, decimal.Decimal, datetime.date,
                bytes)):
        return value
    raise TypeError(f"the world cannot save {type(value)}: {value!r}")


def _unpack_hook(dct):
    kind = dct.get(_TAG)
    if kind is None:
        return _decode(dct)
    if kind == 'defaultdict':
        factory = {v: k for k, v in _FACTORIES.items()}[dct['factory']]
        return defaultdict(factory, dct['items'])
    if kind == 'dict':
        return dict(dct['items'])
    if kind == 'tuple':
        return tuple(dct['items'])
    if kind == 'set':
        return set(dct['items'])
    if kind == 'frozenset':
        return frozenset(dct['items'])
    if kind == 'count':
        return itertools.count(dct['next'])
    if kind == 'secrets':
        secrets = Secrets()
        secrets.strings = dct['strings']
        secrets._count = dct['count']
        return secrets
    raise ValueError(f"unknown saved kind {kind!r}")


def dumps(value):
    return json.dumps(pack(value), default=_encode)


def loads(text):
    return json.loads(text, object_hook=_unpack_hook)


def world_state(world):
    "What the World holds, but its clients and the pool's description"
    return {k: v for k, v in vars(world).items() if k not in NOT_SAVED}


def load_world(state, admin, attacker, meta):
    """The World of state (world_state, read back by loads) for the
    clients admin and attacker (logged in on this shard's server)"""
    world = World(admin, attacker, state['users'], state['company'], meta,
        placeholders=state['placeholders'])
    missing = set(vars(world)) - NOT_SAVED - set(state)
    assert not missing, f"the saved world lacks {sorted(missing)}"
    for name, value in state.items():
        setattr(world, name, value)
    return world


def differences(first, second, path='world'):
    """Where first and second differ, their types included (a tuple is no
    list, a defaultdict no dict, a counter is compared by its next value)
    """
    if type(first) is not type(second):
        return [f'{path}: {type(first).__name__} != '
            f'{type(second).__name__}']
    if isinstance(first, defaultdict) and (
            first.default_factory is not second.default_factory):
        return [f'{path}: default factories differ']
    if isinstance(first, dict):
        if list(first) != list(second):
            return [f'{path}: keys {sorted(map(repr, first))[:5]}... != '
                f'{sorted(map(repr, second))[:5]}...']
        return [d for k in first
            for d in differences(first[k], second[k], f'{path}[{k!r}]')]
    if isinstance(first, (list, tuple)):
        if len(first) != len(second):
            return [f'{path}: {len(first)} items != {len(second)}']
        return [d for i, (a, b) in enumerate(zip(first, second))
            for d in differences(a, b, f'{path}[{i}]')]
    if isinstance(first, itertools.count):
        first, second = _counter_next(first), _counter_next(second)
    elif isinstance(first, Secrets):
        return differences(
            {'strings': first.strings, 'count': first._count},
            {'strings': second.strings, 'count': second._count}, path)
    if first != second:
        return [f'{path}: {first!r} != {second!r}']
    return []


# --- the cache entry


def _sqlite_save(source, target):
    """Copy the SQLite database source to target through SQLite (the
    server's last transactions may still be in the write-ahead log)"""
    tmp = f'{target}.{os.getpid()}.tmp'
    with closing(sqlite3.connect(source)) as src, \
            closing(sqlite3.connect(tmp)) as dst:
        src.backup(dst)
    os.replace(tmp, target)


def with_files(database):
    """database with a path of its own: trytond keeps the files of binary
    fields (attachments) in ``<path>/<database name>`` (a SQLite database
    has one; a PostgreSQL one would use the servers' default, ~/db)"""
    if database.path is None:
        database.path = database.workdir / 'files'
        database.path.mkdir(parents=True, exist_ok=True)
    return database


def filestore(database):
    "The directory of database's files (see with_files)"
    return Path(with_files(database).path) / database.name


def _write(path, text):
    tmp = f'{path}.{os.getpid()}.tmp'
    Path(tmp).write_text(text)
    os.replace(tmp, path)


class WorldCache:
    """The attack world's entry of a cache directory (DB_CACHE) for a
    backend: its database, its files and its state (JSON)"""

    def __init__(self, directory, backend):
        self.directory = Path(directory)
        self.backend = backend
        self.prefix = 'attack-world-'
        self.stem = self.directory / (
            f'{self.prefix}{world_key()}-{backend}')
        self.data = self.stem.with_name(self.stem.name + (
                '.sqlite' if backend == 'sqlite' else '.pgdump'))
        self.files = self.stem.with_name(self.stem.name + '.files')
        self.state = self.stem.with_name(self.stem.name + '.json')
        #: The seconds this process spent building the entry (None: copied)
        self.build_seconds = None

    def copy(self, database, build):
        """Create database (a crm_testing.Database not created yet) as a
        copy of the world's database and return the saved state.  When the
        entry is missing, build() builds it: it returns a Database (its
        servers stopped, its path set by with_files before they started),
        the World and the state to save beside it.  One process at a time:
        under pytest-xdist the first shard builds the entry while the
        others wait, then each copies it."""
        from crm_core.tests.activation import db_cache_lock
        self.directory.mkdir(parents=True, exist_ok=True)
        with db_cache_lock(f'{self.prefix}{self.backend}'):
            if not all(p.exists() for p in [
                        self.data, self.files, self.state]):
                started = time.monotonic()
                built, world, state = build()
                try:
                    self._save(built, world, state)
                finally:
                    built.drop()
                self.build_seconds = time.monotonic() - started
            self._restore(database)
            return loads(self.state.read_text())

    def _save(self, database, world, state):
        self._remove_others()
        if database.backend == 'sqlite':
            _sqlite_save(database.path / f'{database.name}.sqlite',
                self.data)
        else:
            tmp = self.data.with_name(f'{self.data.name}.{os.getpid()}.tmp')
            database._pg_dump(tmp)
            os.replace(tmp, self.data)
        tmp = self.files.with_name(f'{self.files.name}.{os.getpid()}.tmp')
        shutil.rmtree(tmp, ignore_errors=True)
        if filestore(database).exists():
            shutil.copytree(filestore(database), tmp)
        else:
            tmp.mkdir()
        shutil.rmtree(self.files, ignore_errors=True)
        os.replace(tmp, self.files)
        state = {**state, 'world': world_state(world)}
        text = dumps(state)
        # What a shard reads back is the world that was built
        found = differences(world_state(world), loads(text)['world'])
        assert not found, "the world does not survive its JSON: " + (
            '; '.join(found[:10]))
        _write(self.state, text)

    def _remove_others(self):
        "The entries of this backend for other keys (under the lock)"
        for path in self.directory.glob(f'{self.prefix}*-{self.backend}.*'):
            if path.name.startswith(self.stem.name + '.'):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _restore(self, database):
        shutil.copytree(self.files, filestore(database))
        if database.backend == 'sqlite':
            shutil.copyfile(
                self.data, database.path / f'{database.name}.sqlite')
        else:
            _pg_execute(database.uri, f'CREATE DATABASE "{database.name}" '
                "TEMPLATE template0 ENCODING 'UTF8'")
            database._pg_restore(self.data)
