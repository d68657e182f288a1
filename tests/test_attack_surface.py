"""Generated attack suite: nothing of a hidden record leaks through the API.

For every model registered for sharing (``crm.sharing``) and every model
pointing to one (Many2One, One2Many, Many2Many, Reference fields: contact
mechanisms, addresses, identifiers, attachments, notes, chat channels and
messages, change log, notifications ...), the suite enumerates what a
client may call: the RPC methods (``system.listMethods``, i.e. ``__rpc__``),
the buttons, the wizards acting on it, its reports and the routes of the
server.  It calls each over JSON-RPC or HTTP as a sales rep who may not read
the target record, with the hidden id (or a domain, a value or a resource
naming it) in every argument position that takes one.

The SQL reports (``table_query`` models) summing shared records are read
before and after the victim gets hidden records in their period: the
attacker's figures must not move (category ``aggregate``).

What a request carries besides its records is tried too: hidden ids and
references in every parameter of the model specific methods (category
``arguments``: the server mails to an SMTP sink, a marker mailed is a
leak), ``default_<field>`` and the context keys of default methods
(``context``), the wizards of guarded models driven as sao drives them
(``wizard_rpc``), stored links of the attacker's records to hidden ones
(``stored_link``) and the names of hidden records read directly
(``direct_read``).  The server runs under ``tests/trace_server.py``: a
read of hidden records that server code makes for the attacker without
its rules fails the call in category ``lookup``.

Every call must be refused or answer nothing of the hidden record: no
marker value (``ZQX-SECRET-...``, 987654.32, 9876543), no hidden id in the
ids a search returns, no count or order depending on a hidden value, no
record created, changed or deleted through it.  Calls that fail for an
unrelated reason (argument shapes, missing context, 422) are counted as not
applicable.  The models and methods of later modules are picked up as they
come: nothing below names them.

The report of each shard (per model and method: attempted, refused, empty,
not applicable, leaks; the leaks with their calls; what was skipped and
why) is written to ``$CRM_ATTACK_REPORT`` with the shard's name added
(``report.json``: ``report-records.json``) or to
``attack-report-<shard>.json`` in pytest's temporary directory, every call
with its verdict and the start of its answer beside it (``.log``), and the
totals are printed in pytest's terminal summary (``-s`` prints the table
per model and method).  One test per category of a shard's calls fails
with the leaks of that category.

    make test ARGS="tests/test_attack_surface.py"

The attack runs in two shards (``SHARDS``: the calls on the records, the
calls acting and what a request carries), each a test class on a copy of
the world and a server of its own, so that pytest-xdist runs them side by
side; each shard's tests judge its calls.  The world is built once per
run and backend: its database and what the ``World`` holds are cached in
DB_CACHE (``attack_surface/world_cache.py``); the first shard builds it
while the other waits, then each copies it.  The enumeration and the
verdicts live in the package ``tests/attack_surface/`` (a module per door,
named by its category).
"""
import datetime
import decimal
import json
import os
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from attack_surface import (
    CATEGORIES, PHASES, SHARDS, Attack, Client, build_world, introspect)
from attack_surface.world_cache import WorldCache, load_world, with_files
from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, Database, JsonRpc, RpcError, Server,
    backend_name, database_uri, setup_people)

PASSWORD = 'Attack-surface-Pass-42'
VICTIM, ATTACKER = 'atk.victim', 'atk.attacker'
# Host groups a sales rep really holds (missing ones are skipped) so that
# the host's model access does not hide the doors
HOST_GROUPS = ['Sales', 'Sales Opportunity', 'CRM Sales', 'CRM Support',
    'CRM Marketing']
MIN_ATTEMPTS = 300
SUMMARY = 'crm-attack-surface-summary'
# The doors of what a request carries besides its records
REQUEST_DOORS = ['arguments', 'context', 'wizard_rpc', 'lookup',
    'stored_link', 'direct_read']


class _Summary:
    "Prints the summary table in pytest's terminal summary"

    def __init__(self, text):
        self.text = text

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section('attack surface')
        for line in self.text.splitlines():
            terminalreporter.write_line(line)


def _rest_key(admin, user_id):
    application_id, = admin.model('res.user.application', 'create', [{
                'user': user_id, 'application': 'rest'}])
    application, = admin.model(
        'res.user.application', 'read', [application_id], ['key'])
    return application['key']


def _currency_rate(admin, company_id):
    """A rate of the company's currency when it has none: the host's
    reports convert the amounts and leave out those without a rate."""
    company, = admin.model('company.company', 'read', [company_id],
        ['currency'])
    if admin.model('currency.currency.rate', 'search',
            [('currency', '=', company['currency'])], 0, 1, None):
        return
    admin.model('currency.currency.rate', 'create', [{
                'currency': company['currency'],
                'date': datetime.date(2000, 1, 1),
                'rate': decimal.Decimal(1)}])


def _invoicing(admin, company_id):
    """What customer invoices need (the attack's company has no chart): a
    receivable account and a customer (outside CRM sharing) with an
    address.  Return the placeholders of the world's hints."""
    type_id, = admin.model('account.account.type', 'create', [{
                'name': "Attack Receivable", 'statement': 'balance',
                'assets': True, 'receivable': True, 'company': company_id}])
    account_id, = admin.model('account.account', 'create', [{
                'name': "Attack Receivable", 'code': 'ATK-R',
                'type': type_id, 'party_required': True,
                'company': company_id}])
    customer_id, = admin.model('party.party', 'create', [{
                'name': "Attack Customer",
                'addresses': [('create', [{'street': "1 Attack Street"}])],
                }])
    customer, = admin.model(
        'party.party', 'read', [customer_id], ['addresses'])
    return {
        '$receivable': account_id,
        '$customer': customer_id,
        '$customer_address': customer['addresses'][0],
        }


@pytest.fixture(scope='module')
def surface_meta(crm_db):
    "Signatures, wizards, reports and routes read from the pool in-process"
    return introspect(crm_db)


def _world_cache_dir(tmp_path_factory):
    """DB_CACHE, or a directory of this process (the shards it runs share
    the world)"""
    cache = os.environ.get('DB_CACHE')
    if cache and not cache.startswith('postgresql://'):
        return cache
    return tmp_path_factory.getbasetemp() / 'attack-world-cache'


def _build_world_db(workdir, new_crm_db, meta, smtp_sink):
    """Build the world on a new database like crm_db served by a server of
    its own (stopped at the end): return the database, the World and what
    a shard needs besides (logins, the attacker's REST key, the contexts
    of the clients)"""
    database = with_files(new_crm_db(workdir))
    server = None
    try:
        server = Server(database, workdir, email_uri=smtp_sink.uri)
        admin = JsonRpc(server.url, server.database)
        admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
        from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
        existing = {g['name'] for g in admin.model(
                'res.group', 'search_read', [('name', 'in', HOST_GROUPS)],
                0, None, None, ['name'])}
        host_groups = [g for g in HOST_GROUPS if g in existing]
        people = setup_people(admin, CrmPeople(
                company=CrmCompany("Attack Company", EURO, admin=True),
                users=(
                    CrmUser(VICTIM, "Sales Rep", "CRM Staff",
                        password=PASSWORD),
                    CrmUser(ATTACKER, "Sales Rep", "CRM Staff",
                        groups=tuple(host_groups), password=PASSWORD),
                    )))
        company_id, users = people.company, people.users
        _currency_rate(admin, company_id)
        placeholders = _invoicing(admin, company_id)
        for sharing in admin.model(
                'crm.sharing', 'search_read', [], 0, None, None, ['access']):
            admin.model('crm.sharing', 'write', [sharing['id']],
                {'access': 'private'})
        attacker = JsonRpc(server.url, server.database)
        attacker.login(ATTACKER, PASSWORD)
        world = build_world(admin, attacker, {
                'victim': users[VICTIM], 'attacker': users[ATTACKER],
                }, company_id, meta, placeholders=placeholders)
        state = {
            'host_groups': host_groups,
            'rest_key': _rest_key(admin, users[ATTACKER]),
            'contexts': {'admin': admin.context, 'attacker': attacker.context},
            }
        attacker.logout()
        admin.logout()
    except BaseException:
        if server:
            server.stop()
        database.drop()
        raise
    server.stop()
    return database, world, state


@pytest.fixture(scope='class')
def world_db(new_crm_db, surface_meta, smtp_sink, tmp_path_factory):
    """This shard's copy of the world's database and the state saved
    beside it (attack_surface/world_cache.py: built once per run and
    backend in DB_CACHE, the first shard builds it, the others wait)"""
    workdir = tmp_path_factory.mktemp('attack_world')
    for name in ['shard', 'build']:
        (workdir / name).mkdir()
    cache = WorldCache(_world_cache_dir(tmp_path_factory),
        backend_name(database_uri()))
    database = Database(workdir / 'shard', database_uri())
    started = time.monotonic()
    try:
        state = cache.copy(database, lambda: _build_world_db(
                workdir / 'build', new_crm_db, surface_meta, smtp_sink))
    except BaseException:
        database.drop()
        raise
    yield SimpleNamespace(database=database, state=state, seconds={
            'built': cache.build_seconds,
            'ready': time.monotonic() - started})
    database.drop()


@pytest.fixture(scope='class')
def traced_server(world_db, smtp_sink, tmp_path_factory):
    """A server of the shard's world database run by tests/trace_server.py
    (its trace file is trace_path), mailing to the SMTP sink"""
    workdir = tmp_path_factory.mktemp('traced_server')
    trace_path = workdir / 'trace.jsonl'
    server = Server(world_db.database, workdir, email_uri=smtp_sink.uri,
        wrapper=Path(__file__).with_name('trace_server.py'),
        env={'CRM_TRACE_FILE': str(trace_path)})
    server.trace_path = str(trace_path)
    yield server
    server.stop()


def _login(server, login, password, context):
    "A client logged in on server, with the context it had at the build"
    rpc = JsonRpc(server.url, server.database)
    rpc.login(login, password)
    assert rpc.context == context, (
        f"{login}'s context differs from the world's build: {rpc.context} "
        f"!= {context}")
    return rpc


@pytest.fixture(scope='class')
def attack(traced_server, world_db, smtp_sink, surface_meta, request,
        tmp_path_factory):
    """The shard of the test class run on its copy of the world (its own
    database and server: the shards' calls never meet)"""
    shard = request.cls.shard
    phases, _ = SHARDS[shard]
    state = world_db.state
    crm_server = traced_server
    admin = _login(crm_server, ADMIN_LOGIN, ADMIN_PASSWORD,
        state['contexts']['admin'])
    attacker = _login(crm_server, ATTACKER, PASSWORD,
        state['contexts']['attacker'])
    anonymous = JsonRpc(crm_server.url, crm_server.database)
    try:
        world = load_world(state['world'], admin, attacker, surface_meta)
        rpc_methods = attacker.call('system.listMethods')
        run = Attack(
            world, Client(attacker, state['rest_key']),
            Client(anonymous), surface_meta, crm_server.database,
            rpc_methods, sink=smtp_sink, trace_path=crm_server.trace_path,
            phases=phases)
        run.execute()

        report = run.report()
        report['attacker_groups'] = ['CRM Staff'] + state['host_groups']
        report['shard'] = shard
        report['world_seconds'] = {k: v and round(v, 1)
            for k, v in world_db.seconds.items()}
        path = os.environ.get('CRM_ATTACK_REPORT')
        path = (f'{os.path.splitext(path)[0]}-{shard}.json' if path
            else str(tmp_path_factory.mktemp('attack')
                / f'attack-report-{shard}.json'))
        with open(path, 'w') as file:
            json.dump(report, file, indent=1, sort_keys=True, default=str)
        run.report_path = path
        run.write_log(os.path.splitext(path)[0] + '.log')
        print('\n' + run.summary())
        print(f'report: {path}')
        plugins = request.config.pluginmanager
        name = f'{SUMMARY}-{shard}'
        if plugins.has_plugin(name):
            plugins.unregister(name=name)
        plugins.register(_Summary(
                f'shard {shard} ({", ".join(phases)}):\n'
                + run.summary('short') + f'\nper method: {path}\nevery call: '
                + os.path.splitext(path)[0] + '.log'), name)
        yield run
    finally:
        attacker.logout()
        admin.logout()


def test_shards_cover_the_attack():
    "The shards run every phase once and judge every category"
    phases = [p for phases, _ in SHARDS.values() for p in phases]
    assert sorted(phases) == sorted(PHASES)
    assert {c for _, categories in SHARDS.values() for c in categories} == (
        set(CATEGORIES))


def pytest_generate_tests(metafunc):
    "test_no_leak: one test per category of the shard's calls"
    if 'category' in metafunc.fixturenames:
        _, categories = SHARDS[metafunc.cls.shard]
        metafunc.parametrize('category', categories)


class AttackShard:
    """The tests of a shard of the attack (a subclass per shard: a scope of
    pytest-xdist's loadscope each)"""
    shard = None
    #: Categories every shared model with a hidden record is attacked by
    per_model = set()

    def test_world(self, attack):
        """Every shared model has a hidden record the attacker cannot read
        (models the suite cannot create are listed in the report)"""
        world = attack.world
        covered = [m for m in world.shared if world.hidden_base.get(m)]
        skipped = [m for m in world.shared if m not in covered]
        assert covered, '; '.join(f'{m}: {r}' for m, r in world.skipped)
        if skipped:
            warnings.warn(
                f"no hidden record of the shared models {skipped} "
                "(see world_skipped in the report): WORLD_HINTS of "
                "tests/attack_surface/world.py may help")
        for model in covered:
            names = world.secret_fields(model)
            for record_id in world.hidden_base[model]:
                try:
                    rows = world.attacker.model(
                        model, 'read', [record_id], names)
                except RpcError:
                    continue
                assert not world.secrets.scan(rows), (
                    f"the attacker reads the hidden {model} {record_id}: "
                    f"{rows}")

    def test_no_leak(self, attack, category):
        "No call of the category gives anything of a hidden record away"
        messages = [m for a, m in zip(attack.leaks, attack.leak_messages())
            if a.category == category]
        if messages:
            pytest.fail(f"{len(messages)} leak(s) ({attack.report_path}):\n"
                + '\n'.join(messages), pytrace=False)

    def test_coverage(self, attack):
        """The shard tried enough calls, of its categories only (each
        judged by its test_no_leak), on every shared model and every door
        of its phases"""
        totals = attack.totals()
        assert totals['attempted'] > MIN_ATTEMPTS, totals
        _, categories = SHARDS[self.shard]
        made = {c for (c, _, _), counts in attack.tally.items()
            if counts['attempted']}
        assert made <= set(categories), sorted(made - set(categories))
        tried = {}
        for (category, model, method), counts in attack.tally.items():
            if counts['attempted']:
                tried.setdefault(model, set()).add(category)
        world = attack.world
        for model in world.shared:
            if not world.hidden_base.get(model):
                continue    # test_world warns
            expected = set(self.per_model)
            if not attack.links_of(model):
                # creations are attacked through links to shared records
                expected.discard('create')
            assert expected <= tried.get(model, set()), (
                model, sorted(expected - tried.get(model, set())))
        if 'aggregates' in attack.phases:
            self.check_aggregates(attack)
        if 'requests' in attack.phases:
            # every door of what a request carries was tried
            by_category = attack.by_category()
            untried = [c for c in REQUEST_DOORS
                if not by_category.get(c, {}).get('attempted')]
            assert not untried, untried
        if 'read' in attack.phases:
            # every model pointing to a shared one that has RPC methods
            # was tried
            pointing = {m for m, _, _, _ in world.links}
            untried = sorted(m for m in pointing
                if m not in tried and attack.methods_of(m))
            assert not untried, untried

    def check_aggregates(self, attack):
        """Every SQL report the attacker may search was read before and
        after hidden records entered it, and some saw them"""
        reports = {m for m in attack.meta['aggregates']
            if 'search_read' in attack.methods_of(m)}
        if reports:
            read = {m for (c, m, _), counts in attack.tally.items()
                if c == 'aggregate' and counts['attempted'] >= 2}
            refused = {m for m, _, _ in attack.skipped}
            assert reports <= read | refused, sorted(reports - read - refused)
            assert attack.aggregates_seen, (
                "no SQL report counts the hidden records of the shared "
                "models")


class TestRecordCalls(AttackShard):
    """The SQL reports and the calls on the hidden records themselves:
    reads, searches, oracles, exports, on_change, reports, the methods and
    routes that change nothing, creations, copies, imports, writes and
    deletions"""
    shard = 'records'
    per_model = {'read', 'search', 'oracle', 'on_change', 'route', 'create',
        'copy', 'write', 'delete'}


class TestRequestCalls(AttackShard):
    """The methods, wizards and routes that act, what a request carries
    besides its records (plain arguments, context, stored links, wizards
    as sao runs them) and the records shared read only"""
    shard = 'requests'

    def test_rule_coverage(self, attack):
        """The attacker read the hidden records of every shared model
        through a read-only sharing rule, and category rule tried to change
        each"""
        world = attack.world
        models = [m for m in world.shared if world.hidden_base.get(m)]
        assert models
        assert attack.rule_models == models, attack.rule_models
        for model in models:
            assert attack.rule_readable.get(model) == sorted(
                world.hidden_base[model]), (
                model, attack.rule_readable.get(model))
            tried = {method for (category, m, method), counts
                in attack.tally.items()
                if category == 'rule' and m == model and counts['attempted']}
            for method in ['copy', 'delete']:
                if method in attack.writable_methods(model):
                    assert f'{method} (read only)' in tried, (
                        model, method, sorted(tried))
            assert any(m.startswith('write ') for m in tried), (
                model, sorted(tried))
