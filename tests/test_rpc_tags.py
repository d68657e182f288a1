# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tags over JSON-RPC, as sao uses them.

Two sales reps of a running server; accounts are private: rep1 owns two
accounts, rep2 one that rep1 may not read.  rep1 finds *Add Tags* in the
actions of its account (``ir.action.keyword.get_keyword``), runs it on a
list selection of its two accounts, and reads the tags and the tag cloud;
the hidden account is refused to the wizard, to a link and to the look-up
of its actions, and nothing is written."""
import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, refused, setup_people)

PASSWORD = 'Rpc-tags-Pass-42'


@pytest.fixture(scope='module')
def tags_world(crm_server):
    "The company, the two reps and their accounts, created by the admin"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)

    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Tags Company", EURO, admin=True),
            users=(
                CrmUser('tags.rep1', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                CrmUser('tags.rep2', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                )))
    sharing_id, = admin.model(
        'crm.sharing', 'search', [('model', '=', 'party.party')], 0, 1, None)
    access = admin.model(
        'crm.sharing', 'read', [sharing_id], ['access'])[0]['access']
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})
    accounts = {}
    for key, name, login in [
            ('own1', "RPC Tags Own One", 'tags.rep1'),
            ('own2', "RPC Tags Own Two", 'tags.rep1'),
            ('hidden', "RPC Tags Hidden", 'tags.rep2'),
            ]:
        accounts[key], = admin.model('party.party', 'create', [{
                    'name': name, 'crm_type': 'account',
                    'crm_company': world.company,
                    'assigned_user': world.users[login],
                    }])
    clients = {}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    yield {
        'admin': admin, 'rep1': clients['tags.rep1'],
        'rep2': clients['tags.rep2'], 'accounts': accounts,
        'users': world.users,
        }
    admin.model('crm.sharing', 'write', [sharing_id], {'access': access})


def _action(rpc, wiz_name, record_id):
    "The action wiz_name among the actions of the account, as sao lists them"
    actions = rpc.model('ir.action.keyword', 'get_keyword', 'form_action',
        ['party.party', record_id])
    found, = [a for a in actions if a.get('wiz_name') == wiz_name]
    return found


def _run(rpc, action, ids, values):
    """Run the wizard of action on the accounts ids as sao does: create
    the session, read the defaults of its form, send them with values and
    press its last button."""
    name = action['wiz_name']
    context = {**rpc.context, 'active_model': 'party.party',
        'active_ids': ids, 'active_id': ids[0], 'action_id': action['id']}
    session, start, _ = rpc.call(f'wizard.{name}.create', context)
    try:
        result = rpc.call(
            f'wizard.{name}.execute', session, {}, start, context)
        view = result['view']
        defaults = {k: v for k, v in view['defaults'].items()
            if '.' not in k}
        rpc.call(f'wizard.{name}.execute', session,
            {start: {**defaults, **values}}, view['buttons'][-1]['state'],
            context)
    finally:
        rpc.call(f'wizard.{name}.delete', session, context)
    return defaults


def _cloud(rpc, name):
    "The number of the row of the tag name in the user's cloud (None: none)"
    rows = rpc.model('crm.tag.cloud', 'search_read', [('name', '=', name)],
        0, None, None, ['number', 'size'])
    return rows[0]['number'] if rows else None


def _links(world, tag_id):
    "The accounts with the tag tag_id, as the administrator reads them"
    rows = world['admin'].model('crm.tag.link', 'search_read',
        [('tag', '=', tag_id)], 0, None, None, ['resource'])
    return {int(r['resource'].split(',')[1]) for r in rows}


def test_add_tags_on_list_selection(tags_world):
    "A rep tags its selected accounts; the cloud counts what each reads"
    rep1, rep2 = tags_world['rep1'], tags_world['rep2']
    accounts = tags_world['accounts']
    own = [accounts['own1'], accounts['own2']]
    action = _action(rep1, 'crm.tag.add', accounts['own1'])
    assert action['name'] == "Add Tags"
    defaults = _run(rep1, action, own, {
            'new_tags': "RPC Hot, RPC Mine",
            'new_visibility': 'public'})
    assert defaults['records'] == 2
    tags = rep1.model('crm.tag', 'search_read',
        [('name', 'in', ["RPC Hot", "RPC Mine"])], 0, None, None,
        ['name', 'visibility', 'user'])
    assert {(t['name'], t['visibility'], t['user']) for t in tags} == {
        ("RPC Hot", 'public', tags_world['users']['tags.rep1']),
        ("RPC Mine", 'public', tags_world['users']['tags.rep1'])}
    hot = [t['id'] for t in tags if t['name'] == "RPC Hot"][0]
    assert _links(tags_world, hot) == set(own)
    for row in rep1.model('party.party', 'read', own, ['crm_tags']):
        assert hot in row['crm_tags']

    # rep2 puts the public tag on its own account
    _run(rep2, _action(rep2, 'crm.tag.add', accounts['hidden']),
        [accounts['hidden']], {'tags': [hot]})
    assert _links(tags_world, hot) == {*own, accounts['hidden']}
    # each counts the records it reads
    assert _cloud(rep1, "RPC Hot") == 2
    assert _cloud(rep2, "RPC Hot") == 1
    assert _cloud(tags_world['admin'], "RPC Hot") == 3
    # records with this tag: the links each may read
    rows = rep1.model('crm.tag.link', 'search_read', [('tag', '=', hot)],
        0, None, None, ['resource', 'record_type'])
    assert {r['resource'] for r in rows} == {
        f'party.party,{i}' for i in own}
    assert rep1.model('crm.tag.link', 'search_count', [('tag', '=', hot)]) == 2

    # Remove Tags on one of them
    remove = _action(rep1, 'crm.tag.remove', accounts['own2'])
    defaults = _run(rep1, remove, [accounts['own2']], {'tags': [hot]})
    assert hot in defaults['available_tags']
    assert _links(tags_world, hot) == {accounts['own1'], accounts['hidden']}


def test_hidden_account_refused(tags_world):
    "A hidden account is refused to the wizard, to a link and to a look-up"
    rep1, admin = tags_world['rep1'], tags_world['admin']
    accounts = tags_world['accounts']
    hidden = accounts['hidden']
    action = _action(rep1, 'crm.tag.add', accounts['own1'])
    count = admin.model('crm.tag.link', 'search_count',
        [('resource', '=', f'party.party,{hidden}')])
    tags = admin.model('crm.tag', 'search_count', [])

    assert refused(_run, rep1, action, [accounts['own1'], hidden],
        {'new_tags': "RPC Leak", 'new_visibility': 'public'})
    assert refused(_run, rep1, action, [hidden],
        {'new_tags': "RPC Leak", 'new_visibility': 'public'})
    tag_id, = rep1.model('crm.tag', 'create', [{'name': "RPC Private"}])
    assert refused(rep1.model, 'crm.tag.link', 'create', [{
                'tag': tag_id, 'resource': f'party.party,{hidden}'}])
    assert refused(rep1.model, 'ir.action.keyword', 'get_keyword',
        'form_action', ['party.party', hidden])

    assert admin.model('crm.tag.link', 'search_count',
        [('resource', '=', f'party.party,{hidden}')]) == count
    # (only the private tag created on purpose)
    assert admin.model('crm.tag', 'search_count', []) == tags + 1
    assert admin.model('crm.tag', 'search_count',
        [('name', '=', "RPC Leak")]) == 0
