"""Sharing rules seen through JSON-RPC over HTTP.

The administrator creates, changes, deactivates and deletes a rule over
RPC that shares a sales rep's accounts with a support rep; each change
holds from the support rep's next call, without restart or update."""
import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, setup_people)

PASSWORD = 'Rpc-rules-Pass-42'
DOMAIN = [('crm_type', '=', 'account'), ('name', 'like', 'Rules RPC %')]


@pytest.fixture(scope='module')
def rules_world(crm_server):
    "The rep's account, the support rep's client and the admin's client"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)

    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Rules Company", EURO, admin=True),
            users=(
                CrmUser('rules.rep', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                # (a profile granting everything: only sharing restricts)
                CrmUser('rules.support', "Support Rep", "CRM Manager",
                    password=PASSWORD),
                )))
    account, = admin.model('party.party', 'create', [{
                'name': "Rules RPC account",
                'crm_type': 'account',
                'crm_company': world.company,
                'assigned_user': world.users['rules.rep'],
                }])
    sharing, = admin.model(
        'crm.sharing', 'search', [('model', '=', 'party.party')], 0, 1, None)
    admin.model('crm.sharing', 'write', [sharing], {'access': 'private'})
    support = JsonRpc(crm_server.url, crm_server.database)
    support.login('rules.support', PASSWORD)
    rules = []
    yield {
        'admin': admin, 'support': support, 'account': account,
        'users': world.users, 'sharing': sharing, 'rules': rules,
        }
    admin.model('crm.sharing.rule', 'delete', rules)


def _names(rpc):
    return {r['name'] for r in rpc.model(
            'party.party', 'search_read', DOMAIN, 0, None, None, ['name'])}


def _writes(rpc, account_id):
    "Tell if rpc may change the account."
    try:
        rpc.model('party.party', 'write', [account_id], {'employees': 9})
    except RpcError as error:
        assert 'not allowed' in str(error.error), error.error
        return False
    return True


def _rule_values(world, access):
    return {
        'sharing': world['sharing'],
        'owner_kind': 'user',
        'owner_user': world['users']['rules.rep'],
        'with_kind': 'user',
        'with_user': world['users']['rules.support'],
        'access': access,
        }


def test_rule_takes_effect_at_once(rules_world):
    "The support rep reads, then edits, the records the rule shares"
    admin, support = rules_world['admin'], rules_world['support']
    account = rules_world['account']
    assert _names(support) == set()

    rule, = admin.model(
        'crm.sharing.rule', 'create', [_rule_values(rules_world, 'read')])
    rules_world['rules'].append(rule)
    # (the form of the record type lists its rules)
    sharing, = admin.model(
        'crm.sharing', 'read', [rules_world['sharing']], ['rules'])
    assert rule in sharing['rules']
    assert _names(support) == {"Rules RPC account"}
    assert support.model(
        'party.party', 'read', [account], ['name'])[0]['name'] == (
        "Rules RPC account")
    assert not _writes(support, account)
    with pytest.raises(RpcError):
        support.model('party.party', 'delete', [account])

    admin.model(
        'crm.sharing.rule', 'write', [rule], {'access': 'read_write'})
    assert _writes(support, account)

    admin.model('crm.sharing.rule', 'write', [rule], {'active': False})
    assert _names(support) == set()
    with pytest.raises(RpcError):
        support.model('party.party', 'read', [account], ['name'])

    admin.model('crm.sharing.rule', 'write', [rule], {'active': True})
    assert _names(support) == {"Rules RPC account"}
    admin.model('crm.sharing.rule', 'delete', [rule])
    rules_world['rules'].remove(rule)
    assert _names(support) == set()
    employees, = admin.model('party.party', 'read', [account], ['employees'])
    assert employees['employees'] == 9


def test_only_administrators_create_rules(rules_world):
    "A user outside the CRM Administrator group creates no rule"
    support = rules_world['support']
    with pytest.raises(RpcError):
        support.model(
            'crm.sharing.rule', 'create',
            [_rule_values(rules_world, 'read_write')])
    assert _names(support) == set()
