"""Sharing rules and profiles seen through JSON-RPC over HTTP.

Three users of a running server: two sales reps and their sales manager.
For each sharing mode the administrator sets over RPC, what each may
read, count, export, write and delete is what the rules say — the API
obeys them, not only the views."""
import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, record_id,
    setup_people)

PASSWORD = 'Rpc-sharing-Pass-42'
ACCOUNT_DOMAIN = [('crm_type', '=', 'account'), ('name', 'like', 'RPC %')]


@pytest.fixture(scope='module')
def sharing_world(crm_server):
    "Company, the three users and one account each, created by the admin"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)

    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Company", EURO, admin=True),
            users=(
                CrmUser('rpc.rep1', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                CrmUser('rpc.rep2', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                CrmUser('rpc.manager', "Sales Manager", "CRM Manager",
                    password=PASSWORD),
                # a rep whose profile may delete: only the rules restrict it
                CrmUser('rpc.rep3', "Sales Rep", "CRM Manager",
                    password=PASSWORD),
                )))
    company_id, users = world.company, world.users
    accounts = {}
    for login in ['rpc.rep1', 'rpc.rep2', 'rpc.manager']:
        user_id = users[login]
        accounts[login], = admin.model('party.party', 'create', [{
                    'name': f"RPC {login}",
                    'crm_type': 'account',
                    'crm_company': company_id,
                    'assigned_user': user_id,
                    }])
    sharing_id, = admin.model(
        'crm.sharing', 'search', [('model', '=', 'party.party')], 0, 1, None)

    clients = {}
    for login in users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    yield {
        'admin': admin, 'clients': clients, 'accounts': accounts,
        'users': users, 'sharing': sharing_id, 'company': company_id,
        }
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})


def _set_access(world, access):
    world['admin'].model(
        'crm.sharing', 'write', [world['sharing']], {'access': access})


def _names(rpc):
    records = rpc.model(
        'party.party', 'search_read', ACCOUNT_DOMAIN, 0, None, None,
        ['name'])
    return {r['name'] for r in records}


def _allowed(rpc, method, account_id):
    try:
        if method == 'write':
            rpc.model(
                'party.party', 'write', [account_id], {'description': "x"})
        elif method == 'read':
            rpc.model('party.party', 'read', [account_id], ['name'])
        else:
            rpc.model('party.party', 'delete', [account_id])
    except RpcError as error:
        assert ('not allowed' in str(error.error)
            or 'does not allow' in str(error.error)), error.error
        return False
    return True


ALL = {"RPC rpc.rep1", "RPC rpc.rep2", "RPC rpc.manager"}


@pytest.mark.parametrize('access, visible', [
        ('private', {
                'rpc.rep1': {"RPC rpc.rep1"},
                'rpc.rep2': {"RPC rpc.rep2"},
                'rpc.manager': ALL,
                }),
        ('public_read', {
                'rpc.rep1': ALL, 'rpc.rep2': ALL, 'rpc.manager': ALL}),
        ('public_read_write', {
                'rpc.rep1': ALL, 'rpc.rep2': ALL, 'rpc.manager': ALL}),
        ])
def test_read_search_count(sharing_world, access, visible):
    "search, search_count and read return what the mode shares"
    _set_access(sharing_world, access)
    for login in visible:
        rpc = sharing_world['clients'][login]
        assert _names(rpc) == visible[login], login
        assert rpc.model(
            'party.party', 'search_count', ACCOUNT_DOMAIN) == len(
            visible[login])
    rep1 = sharing_world['clients']['rpc.rep1']
    other = sharing_world['accounts']['rpc.rep2']
    assert _allowed(rep1, 'read', other) is (access != 'private')


@pytest.mark.parametrize('access, rep1_writes_rep2', [
        ('private', False),
        ('public_read', False),
        ('public_read_write', True),
        ])
def test_write(sharing_world, access, rep1_writes_rep2):
    "Only owners and superiors edit, unless the mode is read-write"
    _set_access(sharing_world, access)
    clients, accounts = sharing_world['clients'], sharing_world['accounts']
    assert _allowed(clients['rpc.rep1'], 'write', accounts['rpc.rep1'])
    assert _allowed(
        clients['rpc.rep1'], 'write', accounts['rpc.rep2']) is rep1_writes_rep2
    assert _allowed(clients['rpc.manager'], 'write', accounts['rpc.rep2'])
    # A rep is below the manager: never edits the manager's record
    # unless everything is public read-write
    assert _allowed(
        clients['rpc.rep2'], 'write',
        accounts['rpc.manager']) is rep1_writes_rep2


def test_staff_cannot_delete_or_export(sharing_world):
    "The Staff profile neither deletes nor exports, even its own records"
    _set_access(sharing_world, 'public_read_write')
    rep1 = sharing_world['clients']['rpc.rep1']
    own = sharing_world['accounts']['rpc.rep1']
    assert not _allowed(rep1, 'delete', own)
    with pytest.raises(RpcError) as info:
        rep1.model('party.party', 'export_data', [own], ['name'])
    assert 'export' in str(info.value.error)
    with pytest.raises(RpcError):
        rep1.model(
            'party.party', 'export_data_domain', ACCOUNT_DOMAIN, ['name'])
    assert rep1.model('party.party', 'read', [own], ['name'])


def test_manager_exports_what_he_sees(sharing_world):
    "Exports obey the rules: a manager exports his and his reps' records"
    _set_access(sharing_world, 'private')
    manager = sharing_world['clients']['rpc.manager']
    rows = manager.model(
        'party.party', 'export_data_domain', ACCOUNT_DOMAIN, ['name'])
    assert {r[0] for r in rows} == ALL


def test_delete_by_superior_only(sharing_world):
    "In private mode a rep cannot delete another's record, the manager can"
    _set_access(sharing_world, 'private')
    admin = sharing_world['admin']
    rep3 = sharing_world['clients']['rpc.rep3']
    manager = sharing_world['clients']['rpc.manager']
    account_id, = admin.model('party.party', 'create', [{
                'name': "RPC to delete", 'crm_type': 'account',
                'crm_company': sharing_world['company'],
                'assigned_user': sharing_world['users']['rpc.rep1'],
                }])
    assert not _allowed(rep3, 'delete', account_id)
    _set_access(sharing_world, 'public_read')
    assert not _allowed(rep3, 'delete', account_id)
    assert _allowed(manager, 'delete', account_id)
    assert admin.model(
        'party.party', 'search', [('id', '=', account_id)], 0, None,
        None) == []


def test_no_mass_assignment_of_roles(sharing_world):
    "A rep cannot raise its role, add groups or change another user"
    rep1 = sharing_world['clients']['rpc.rep1']
    admin = sharing_world['admin']
    manager_role = record_id(admin, 'crm.role', "Sales Manager")
    manager_group = record_id(admin, 'res.group', "CRM Manager")
    me = sharing_world['users']['rpc.rep1']
    for values in [
            {'crm_role': manager_role},
            {'groups': [('add', [manager_group])]}]:
        with pytest.raises(RpcError):
            rep1.model('res.user', 'write', [me], values)
    with pytest.raises(RpcError):
        rep1.model('res.user', 'write', [sharing_world['users']['rpc.rep2']],
            {'name': "Hacked"})
    rep1.call('model.res.user.set_preferences', {
            'crm_role': manager_role,
            'groups': [('add', [manager_group])],
            }, rep1.context)
    user, = admin.model('res.user', 'read', [me], ['crm_role', 'groups'])
    assert user['crm_role'] != manager_role
    assert manager_group not in user['groups']


def test_sharing_not_writable_by_staff(sharing_world):
    "Only CRM administrators change the sharing access"
    rep1 = sharing_world['clients']['rpc.rep1']
    with pytest.raises(RpcError):
        rep1.model('crm.sharing', 'write', [sharing_world['sharing']],
            {'access': 'public_read_write'})


def test_bad_input_refused_and_nothing_written(sharing_world):
    "Invalid values give a clear message and leave the record unchanged"
    _set_access(sharing_world, 'private')
    rep1 = sharing_world['clients']['rpc.rep1']
    own = sharing_world['accounts']['rpc.rep1']
    before, = rep1.model(
        'party.party', 'read', [own], ['employees', 'parent_account'])
    for values, message in [
            ({'employees': -1}, "cannot be negative"),
            ({'annual_revenue': -5}, "cannot be negative"),
            ({'parent_account': own}, None),
            ({'contact_mechanisms': [('create', [{
                                'type': 'website', 'value': 'not a url'}])]},
                "not a valid URL"),
            ({'contact_mechanisms': [('create', [{
                                'type': 'email', 'value': 'bad@'}])]},
                "not a valid address"),
            ]:
        with pytest.raises(RpcError) as info:
            rep1.model('party.party', 'write', [own], values)
        text = str(info.value.error)
        assert 'Traceback' not in text
        if message:
            assert message in text, text
    after, = rep1.model(
        'party.party', 'read', [own],
        ['employees', 'parent_account', 'contact_mechanisms'])
    assert after['employees'] == before['employees']
    assert after['parent_account'] is None
    assert after['contact_mechanisms'] == []


def _rest_key(world, login):
    "A REST API key of login (validated on creation by the administrator)"
    admin = world['admin']
    application_id, = admin.model('res.user.application', 'create', [{
                'user': world['users'][login], 'application': 'rest'}])
    application, = admin.model(
        'res.user.application', 'read', [application_id], ['key'])
    return application['key']


def _rest(server, key, method, path, body=None):
    import json
    import urllib.error
    import urllib.request
    from base64 import urlsafe_b64encode
    url = f'{server.url.rstrip("/")}/{server.database}/rest/{path}'
    if method == 'GET' and body is not None:
        url += '?d=' + urlsafe_b64encode(json.dumps(body).encode()).decode()
        body = None
    request = urllib.request.Request(
        url, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            'Authorization': f'Bearer {key}',
            'Content-Type': 'application/json',
            })
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or 'null')
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors='replace')


def test_rest_api_obeys_sharing(sharing_world, crm_server):
    "The REST API serves a rep only the records the sharing rules allow"
    _set_access(sharing_world, 'private')
    key = _rest_key(sharing_world, 'rpc.rep1')
    accounts = sharing_world['accounts']

    status, records = _rest(
        crm_server, key, 'GET', 'model/party.party',
        [list(d) for d in ACCOUNT_DOMAIN])
    assert status == 200, records
    assert {r['rec_name'] for r in records} == {"RPC rpc.rep1"}

    status, _ = _rest(
        crm_server, key, 'GET', f'model/party.party/{accounts["rpc.rep2"]}')
    assert status in {403, 404}
    status, _ = _rest(
        crm_server, key, 'PUT', f'model/party.party/{accounts["rpc.rep2"]}',
        {'description': "changed over REST"})
    assert status in {400, 403, 404}
    status, _ = _rest(
        crm_server, key, 'DELETE',
        f'model/party.party/{accounts["rpc.rep1"]}')
    assert status in {400, 403}
    description, = sharing_world['admin'].model(
        'party.party', 'read', [accounts['rpc.rep2']], ['description'])
    assert description['description'] != "changed over REST"
    status, _ = _rest(
        crm_server, 'not-a-key', 'GET', 'model/party.party', [])
    assert status == 401
