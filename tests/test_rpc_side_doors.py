"""The seven side doors of the host, tried over JSON-RPC as an attacker.

rpc.door1, a sales rep, faces "Door Hidden Corp", a private account of
another rep with a secret revenue, and "Door Own", its own account that the
administrator made a member of the hidden one.  Each test tries one door;
each door was open before the CRM closed it (see crm_core/guard.py)."""
from decimal import Decimal

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, refused, setup_people)

PASSWORD = 'Side-doors-Pass-42'
SECRET = Decimal('4242.00')


@pytest.fixture(scope='module')
def doors(crm_server):
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("Doors Company", EURO, admin=True),
            users=tuple(
                CrmUser(login, "Sales Rep", "CRM Staff", password=PASSWORD)
                for login in ['rpc.door1', 'rpc.door2'])))
    company_id, users = world.company, world.users
    sharing_id, = admin.model(
        'crm.sharing', 'search', [('model', '=', 'party.party')], 0, 1, None)
    access, = admin.model('crm.sharing', 'read', [sharing_id], ['access'])
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})
    hidden, own = admin.model('party.party', 'create', [{
                'name': "Door Hidden Corp", 'crm_type': 'account',
                'crm_company': company_id,
                'assigned_user': users['rpc.door2'],
                'annual_revenue': SECRET,
                'description': "Door secret",
                }, {
                'name': "Door Own", 'crm_type': 'account',
                'crm_company': company_id,
                'assigned_user': users['rpc.door1'],
                }])
    admin.model('party.party', 'write', [own], {'parent_account': hidden})
    rep = JsonRpc(crm_server.url, crm_server.database)
    rep.login('rpc.door1', PASSWORD)
    yield {
        'admin': admin, 'rep': rep, 'hidden': hidden, 'own': own,
        'company': company_id, 'users': users,
        }
    admin.model('crm.sharing', 'write', [sharing_id], {
            'access': access['access']})


def test_copy(doors):
    "1. A hidden record cannot be copied"
    admin, rep = doors['admin'], doors['rep']
    count = admin.model('party.party', 'search_count', [])
    assert refused(rep.model, 'party.party', 'copy', [doors['hidden']], {
            'assigned_user': rep.user_id})
    assert admin.model('party.party', 'search_count', []) == count


@pytest.mark.parametrize('method, args', [
        ('on_change', ({'name': "x", 'crm_type': 'account'}, ['name'])),
        ('on_change_with', ({'first_name': "x", 'crm_type': 'contact'},
                ['name'])),
        ('on_change_notify', ({'name': "x", 'crm_type': 'account'},)),
        ('pre_validate', ({'name': "x", 'crm_type': 'account'},)),
        ])
def test_on_change_with_hidden_id(doors, method, args):
    "2. A hidden record is not instantiated by an on_change"
    values, *rest = args
    rep = doors['rep']
    assert refused(
        rep.model, 'party.party', method,
        {**values, 'id': doors['hidden']}, *rest)
    # nor through a link of a new record, nor as parent of a line
    assert refused(
        rep.model, 'party.party', method,
        {**values, 'id': -1, 'parent_account': doors['hidden']}, *rest)
    assert refused(
        rep.model, 'party.party', method,
        {**values, 'id': -1, '_parent_parent_account.id': doors['hidden']},
        *rest)


@pytest.mark.parametrize('model, method, values, names', [
        ('party.contact_mechanism', 'on_change_with',
            {'type': 'email', 'value': 'a@example.com'}, ['url']),
        ('sale.opportunity', 'on_change',
            {'description': "x"}, ['party']),
        ])
def test_on_change_of_host_model_with_hidden_party(
        doors, model, method, values, names):
    "2. Nor by the on_change of a host model that points to it"
    assert refused(
        doors['rep'].model, model, method,
        {**values, 'id': -1, 'party': doors['hidden']}, names)


@pytest.mark.parametrize('domain', [
        [('parent_account.annual_revenue', '>', 4000)],
        [('parent_account.annual_revenue', '<', 5000)],
        [('parent_account.description', 'ilike', '%secret%')],
        [('parent_account', 'ilike', 'Door Hidden%')],
        [('parent_account', 'where', [('annual_revenue', '=', SECRET)])],
        ])
def test_nested_search(doors, domain):
    "3. Searching through a link to a hidden record finds nothing"
    rep = doors['rep']
    assert rep.model('party.party', 'search_count', domain) == 0
    assert doors['admin'].model('party.party', 'search_count', domain) >= 1


def test_link_to_hidden(doors):
    "4. A user may not link its record to a hidden record"
    admin, rep = doors['admin'], doors['rep']
    admin.model('party.party', 'write', [doors['own']], {
            'parent_account': None})
    try:
        assert refused(rep.model, 'party.party', 'write', [doors['own']], {
                'parent_account': doors['hidden']})
        assert refused(rep.model, 'party.party', 'create', [{
                    'first_name': "Eve", 'last_name': "Door",
                    'crm_type': 'contact', 'crm_company': doors['company'],
                    'account': doors['hidden'],
                    }])
        own, = admin.model(
            'party.party', 'read', [doors['own']], ['parent_account'])
        assert own['parent_account'] is None
        assert admin.model('party.party', 'search_count', [
                ('account', '=', doors['hidden'])]) == 0
    finally:
        admin.model('party.party', 'write', [doors['own']], {
                'parent_account': doors['hidden']})


def test_duplicate_wildcards(doors):
    "5. The duplicate warning does not match patterns"
    rep = doors['rep']
    for name in ["Door Hid%", "Door H_dden Corp", "%"]:
        assert rep.model('party.party', 'on_change_notify', {
                'id': -1, 'name': name, 'crm_type': 'account'}) == [], name
    warnings = rep.model('party.party', 'on_change_notify', {
            'id': -1, 'name': "door hidden corp", 'crm_type': 'account'})
    assert len(warnings) == 1
    assert "Door Hidden" not in str(warnings)


@pytest.mark.parametrize('model, values', [
        ('party.contact_mechanism', {'type': 'phone', 'value': '555 0199'}),
        ('party.address', {'street': "1 Door Lane"}),
        ('party.identifier', {'code': 'DOOR-1'}),
        ])
def test_related_records_of_hidden_party(doors, model, values):
    "6. No address, mechanism or identifier on a hidden party"
    admin, rep = doors['admin'], doors['rep']
    assert refused(
        rep.model, model, 'create', [{'party': doors['hidden'], **values}])
    assert admin.model(
        model, 'search_count', [('party', '=', doors['hidden'])]) == 0


@pytest.mark.parametrize('method, args', [
        ('get', ()),
        ('post', ("Door comment",)),
        ('subscribe', ()),
        ('subscribe_email', ('spy@example.com',)),
        ('get_followers', ()),
        ])
def test_comments_of_hidden_record(doors, method, args):
    "7. Comments of a hidden record are closed"
    admin, rep = doors['admin'], doors['rep']
    resource = f"party.party,{doors['hidden']}"
    assert refused(
        rep.call, f'model.ir.chat.channel.{method}', resource, *args, {})
    followers = admin.call(
        'model.ir.chat.channel.get_followers', resource, {})
    assert 'spy@example.com' not in str(followers)
    messages = admin.call('model.ir.chat.channel.get', resource, {})
    assert "Door comment" not in str(messages)
