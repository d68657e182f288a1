"""Leads seen through JSON-RPC over HTTP.

Two sales reps and their sales manager on a running server, one lead per
rep, leads shared privately: a rep lists its leads and reaches nothing of
the other rep's lead (read, search, count, export, the list actions); the
manager sees both.  A refused call writes nothing."""
import contextlib

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, setup_people)

PASSWORD = 'Rpc-sales-Pass-42'
REPS = ['sales.rep1', 'sales.rep2']
LEADS = [('state', '=', 'lead'), ('lead_company', 'like', 'RPC Leads %')]


@pytest.fixture(scope='module')
def leads_world(crm_server):
    "The company, two reps, their manager and a lead of each rep"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)

    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Sales Company", EURO, admin=True),
            users=(
                CrmUser('sales.rep1', "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD),
                CrmUser('sales.rep2', "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD),
                CrmUser('sales.manager', "Sales Manager", "CRM Manager",
                    groups=("CRM Sales",), password=PASSWORD),
                # a rep whose profile exports: only the rules restrict it
                CrmUser('sales.rep3', "Sales Rep", "CRM Manager",
                    groups=("CRM Sales",), password=PASSWORD),
                )))
    sharing_id, = admin.model('crm.sharing', 'search',
        [('model', '=', 'sale.opportunity')], 0, 1, None)
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})
    leads = {}
    for login in REPS:
        leads[login], = admin.model('sale.opportunity', 'create', [{
                    'last_name': f"Lead of {login}",
                    'lead_company': f"RPC Leads {login}",
                    'email': f"{login}@example.com",
                    'assigned_user': world.users[login],
                    }], context={'crm_lead': True})
    clients = {}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    yield {
        'admin': admin, 'clients': clients, 'leads': leads,
        'users': world.users, 'sharing': sharing_id,
        }
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})


def _names(rpc, domain):
    return {r['last_name'] for r in rpc.model(
            'sale.opportunity', 'search_read', domain, 0, None, None,
            ['last_name'])}


def _refused(call):
    "The call is refused with an access error"
    with pytest.raises(RpcError) as info:
        call()
    text = str(info.value.error)
    assert 'not allowed' in text or 'not shared' in text \
        or 'does not allow' in text, text


def test_rep_lists_its_leads(leads_world):
    "My Leads and All: a rep lists its own lead only"
    rep1 = leads_world['clients']['sales.rep1']
    me = leads_world['users']['sales.rep1']
    mine = LEADS + [('assigned_user', '=', me)]
    assert _names(rep1, mine) == {"Lead of sales.rep1"}
    assert _names(rep1, LEADS) == {"Lead of sales.rep1"}
    assert rep1.model('sale.opportunity', 'search_count', LEADS) == 1


def test_rep_cannot_reach_another_reps_lead(leads_world):
    "read, search, count, export of another rep's lead: nothing"
    rep1 = leads_world['clients']['sales.rep1']
    other = leads_world['leads']['sales.rep2']
    _refused(lambda: rep1.model(
            'sale.opportunity', 'read', [other], ['last_name', 'email']))
    assert rep1.model('sale.opportunity', 'search',
        [('id', '=', other)], 0, None, None) == []
    assert rep1.model('sale.opportunity', 'search_count',
        [('email', '=', 'sales.rep2@example.com')]) == 0
    assert rep1.model('sale.opportunity', 'search_count',
        [('lead_name', 'ilike', '%sales.rep2%')]) == 0
    # (the Staff profile exports nothing: a rep whose profile exports)
    _refused(lambda: rep1.model(
            'sale.opportunity', 'export_data', [other], ['last_name']))
    rep3 = leads_world['clients']['sales.rep3']
    _refused(lambda: rep3.model(
            'sale.opportunity', 'export_data', [other], ['last_name']))
    assert rep3.model('sale.opportunity', 'export_data_domain',
        LEADS, ['last_name']) == []
    manager = leads_world['clients']['sales.manager']
    assert sorted(manager.model('sale.opportunity', 'export_data_domain',
            LEADS, ['last_name'])) == [
        ["Lead of sales.rep1"], ["Lead of sales.rep2"]]


def test_manager_sees_both(leads_world):
    "The manager lists and reads the leads of its reps"
    manager = leads_world['clients']['sales.manager']
    assert _names(manager, LEADS) == {
        "Lead of sales.rep1", "Lead of sales.rep2"}
    rows = manager.model('sale.opportunity', 'read',
        list(leads_world['leads'].values()), ['email'])
    assert {r['email'] for r in rows} == {
        'sales.rep1@example.com', 'sales.rep2@example.com'}


def _list_action(rpc, wizard, lead_id, values, button):
    """Run the list action wizard on lead_id as the client does: open it,
    fill its form with values and click button."""
    context = {**rpc.context, 'active_model': 'sale.opportunity',
        'active_ids': [lead_id], 'active_id': lead_id}
    session, start, _ = rpc.call(f'wizard.{wizard}.create', context)
    try:
        rpc.call(f'wizard.{wizard}.execute', session, {}, start, context)
        rpc.call(f'wizard.{wizard}.execute', session, {start: values},
            button, context)
    finally:
        rpc.call(f'wizard.{wizard}.delete', session, context)


def _lead_value(world, lead_id, field):
    "Return the value of field of lead_id, as the administrator reads it"
    row, = world['admin'].model('sale.opportunity', 'read', [lead_id], [field])
    return row[field]


@contextlib.contextmanager
def _public_read(world):
    "Share the leads read only for the block, privately again after"
    admin, sharing = world['admin'], world['sharing']
    admin.model('crm.sharing', 'write', [sharing], {'access': 'public_read'})
    try:
        yield
    finally:
        admin.model('crm.sharing', 'write', [sharing], {'access': 'private'})


def _mass_status(rpc, lead_id, status):
    "Run the Change Lead Status list action on lead_id"
    _list_action(rpc, 'crm.lead.mass_status', lead_id,
        {'lead_status': status}, 'change')


def test_mass_status_only_on_editable_leads(leads_world):
    "The list action changes the rep's lead, not one it only reads"
    world = leads_world
    rep1 = world['clients']['sales.rep1']
    own, other = world['leads']['sales.rep1'], world['leads']['sales.rep2']
    _mass_status(rep1, own, 'hot')
    assert _lead_value(world, own, 'lead_status') == 'hot'
    with _public_read(world):
        before = _lead_value(world, other, 'lead_status')
        _refused(lambda: _mass_status(rep1, other, 'junk'))
        assert _lead_value(world, other, 'lead_status') == before


def test_bad_email_writes_nothing(leads_world):
    "A lead with a malformed e-mail is refused and nothing is created"
    rep1 = leads_world['clients']['sales.rep1']
    admin = leads_world['admin']
    before = admin.model('sale.opportunity', 'search_count', [])
    with pytest.raises(RpcError) as info:
        rep1.model('sale.opportunity', 'create', [{
                    'last_name': "Bad", 'lead_company': "RPC Leads bad",
                    'email': "bad@",
                    }], context={'crm_lead': True})
    assert 'bad@' in str(info.value.error)
    assert admin.model('sale.opportunity', 'search_count', []) == before


def _reassign(rpc, lead_id, user_id):
    "Run the Re-assign list action on lead_id"
    _list_action(rpc, 'crm.reassign', lead_id,
        {'assigned_user': user_id, 'assigned_team': None, 'records': 1},
        'reassign')


def test_reassign_only_editable_leads(leads_world):
    "A profile that re-assigns moves its leads, not one it only reads"
    world = leads_world
    rep3 = world['clients']['sales.rep3']
    manager = world['clients']['sales.manager']
    rep1, rep2 = world['users']['sales.rep1'], world['users']['sales.rep2']
    lead = world['leads']['sales.rep1']
    with _public_read(world):
        try:
            _refused(lambda: _reassign(
                    rep3, lead, world['users']['sales.rep3']))
            assert _lead_value(world, lead, 'assigned_user') == rep1
            _reassign(manager, lead, rep2)
            assert _lead_value(world, lead, 'assigned_user') == rep2
        finally:
            world['admin'].model('sale.opportunity', 'write', [lead],
                {'assigned_user': rep1})
