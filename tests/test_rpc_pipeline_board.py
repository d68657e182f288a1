"""The pipeline board through a running server: the menu's wizard over
JSON-RPC as sao runs it, the launch code exchanged for a cookie, the data
and a move over HTTP, checked over JSON-RPC by the administrator; hostile
ids and requests without the page's token change nothing."""
import http.client
import json
from urllib.parse import urlsplit

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, setup_people)

PASSWORD = 'Rpc-board-Pass-42'
COOKIE = 'crm_pipeline_session'


@pytest.fixture(scope='module')
def board_world(crm_server):
    "Two reps, an account and a potential of each, their clients"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Board Company", EURO, admin=True),
            users=tuple(
                CrmUser(login, "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD)
                for login in ['board.rpc1', 'board.rpc2'])))
    sharing_id, = admin.model('crm.sharing', 'search',
        [('model', '=', 'sale.opportunity')], 0, 1, None)
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})
    stages = {s['name']: s['id'] for s in admin.model(
            'crm.sales_stage', 'search_read', [], 0, None, None, ['name'])}
    potentials = {}
    for login in world.users:
        account, = admin.model('party.party', 'create', [{
                    'name': f"Board RPC account of {login}",
                    'crm_type': 'account', 'crm_company': world.company,
                    'assigned_user': world.users[login],
                    }])
        potentials[login], = admin.model('sale.opportunity', 'create', [{
                    'description': f"Board RPC deal of {login}",
                    'party': account,
                    'assigned_user': world.users[login],
                    'sales_stage': stages['Qualification'],
                    'amount': 1200,
                    }], context={
                'crm_lead': True, 'crm_opportunity_form': 'potential'})
    clients = {}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    return {
        'server': crm_server, 'admin': admin, 'clients': clients,
        'users': world.users, 'stages': stages, 'potentials': potentials,
        }


def _request(server, method, path, body=None, headers=None):
    "One HTTP request (no redirect followed): (status, headers, body)."
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _open_board(world, login):
    """Run the menu's wizard as sao does, exchange its code; return the
    session cookie and the page's CSRF token."""
    rpc = world['clients'][login]
    wizard = 'crm.pipeline_board.open'
    session, start, _ = rpc.call(f'wizard.{wizard}.create', rpc.context)
    result = rpc.call(
        f'wizard.{wizard}.execute', session, {}, start, rpc.context)
    rpc.call(f'wizard.{wizard}.delete', session, rpc.context)
    (action, _), = result['actions']
    assert action['type'] == 'ir.action.url'
    url = action['url']
    server = world['server']
    assert url.startswith(f'/{server.database}/crm/pipeline/board?code=')
    status, headers, _ = _request(server, 'GET', url)
    assert status == 303
    cookie = headers['Set-Cookie'].split(';')[0]
    assert cookie.startswith(COOKIE + '=')
    # the code served once
    assert _request(server, 'GET', url)[0] == 404
    status, headers, page = _request(server, 'GET', headers['Location'],
        headers={'Cookie': cookie})
    assert status == 200
    assert headers['X-Frame-Options'] == 'DENY'
    page = page.decode()
    token = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
    return cookie, token


def _data(world, cookie, **query):
    path = f"/{world['server'].database}/crm/pipeline/data"
    if query:
        path += '?' + '&'.join(f'{k}={v}' for k, v in query.items())
    status, _, body = _request(
        world['server'], 'GET', path, headers={'Cookie': cookie})
    return status, json.loads(body)


def _move(world, cookie, token, body, **headers):
    server = world['server']
    return _request(server, 'POST', f'/{server.database}/crm/pipeline/move',
        body=json.dumps(body), headers={
            'Cookie': cookie, 'Content-Type': 'application/json',
            'X-CSRF-Token': token, **headers})


def _state(world, potential):
    admin = world['admin']
    [row] = admin.model('sale.opportunity', 'read', [potential],
        ['sales_stage', 'conversion_probability', 'write_date'])
    history = admin.model('crm.opportunity.stage_history', 'search_read',
        [('opportunity', '=', potential)], 0, None, [('id', 'ASC')],
        ['stage', 'user'])
    return row, [(h['stage'], h['user']) for h in history]


def test_board_moves_a_card(board_world):
    """A rep's board holds its potential, not the other rep's; a move
    writes the stage, its probability and a stage history row"""
    world = board_world
    cookie, token = _open_board(world, 'board.rpc1')
    mine = world['potentials']['board.rpc1']
    other = world['potentials']['board.rpc2']
    status, data = _data(world, cookie)
    assert status == 200
    cards = {c['id']: c for s in data['stages'] for c in s['cards']}
    assert mine in cards and other not in cards
    proposal = world['stages']['Proposal/Price Quote']

    status, _, body = _move(
        world, cookie, token, {'potential': mine, 'stage': proposal})

    assert status == 200, body
    answer = json.loads(body)
    assert answer['card']['stage'] == proposal
    row, history = _state(world, mine)
    assert row['sales_stage'] == proposal
    assert row['conversion_probability'] == 0.65
    assert history[-1] == (proposal, world['users']['board.rpc1'])
    _, data = _data(world, cookie)
    column, = [s for s in data['stages'] if s['id'] == proposal]
    assert answer['totals'][str(proposal)]['count'] == column['count']
    assert mine in {c['id'] for c in column['cards']}


def test_board_hostile_requests(board_world):
    """Another rep's potential answers as a missing one; no token, a wrong
    one, a form or a foreign origin are refused; nothing is written"""
    world = board_world
    cookie, token = _open_board(world, 'board.rpc1')
    other = world['potentials']['board.rpc2']
    mine = world['potentials']['board.rpc1']
    stage = world['stages']['Negotiation/Review']
    before = [_state(world, p) for p in [other, mine]]

    hidden = _move(world, cookie, token, {'potential': other, 'stage': stage})
    missing = _move(
        world, cookie, token, {'potential': other + 100000, 'stage': stage})
    assert hidden[0] == missing[0] == 404
    assert hidden[2] == missing[2]
    body = {'potential': mine, 'stage': stage}
    for label, (status, _, answer) in [
            ('no token', _move(world, cookie, '', body)),
            ('wrong token', _move(world, cookie, 'x' * 43, body)),
            ('form', _request(world['server'], 'POST',
                    f"/{world['server'].database}/crm/pipeline/move",
                    body=f'potential={mine}&stage={stage}', headers={
                        'Cookie': cookie, 'X-CSRF-Token': token,
                        'Content-Type':
                        'application/x-www-form-urlencoded'})),
            ('foreign origin', _move(world, cookie, token, body,
                    Origin='https://evil.example')),
            ('no cookie', _move(world, '', token, body)),
            ('bad stage', _move(world, cookie, token,
                    {'potential': mine, 'stage': 'Proposal'})),
            ]:
        # (trytond refuses an origin out of [web] cors before any route,
        # raising out of its application: its server answers 500)
        refused = {500} if label == 'foreign origin' else {400, 403, 415}
        assert status in refused, (label, status, answer)
    assert [_state(world, p) for p in [other, mine]] == before
