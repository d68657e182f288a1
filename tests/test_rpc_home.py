"""The first minutes of each role over JSON-RPC, as sao sees them.

At login sao reads ``res.user.get_preferences``: it runs its ``actions``
(the home screen) and builds the menu from ``pyson_menu``; a window opens
on the first of its ``domains`` (tabs)."""
import pytest
from trytond.pyson import PYSONDecoder

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, setup_people)

PASSWORD = 'Rpc-home-Pass-42'


@pytest.fixture(scope='module')
def home_world(crm_server):
    "A rep owning an account, a support rep, an accountant, the admin"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)

    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Home Company", EURO, admin=True),
            users=(
                CrmUser('home.rep', "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD),
                CrmUser('home.support', "Support Rep", "CRM Staff",
                    groups=("CRM Support",), password=PASSWORD),
                CrmUser('home.accountant', groups=("Accounting",),
                    password=PASSWORD),
                )))
    admin.model('party.party', 'create', [{
                'name': "RPC Home Account", 'crm_type': 'account',
                'crm_company': world.company,
                'assigned_user': world.users['home.rep'],
                }])
    clients = {'admin': admin}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    return clients


def _window(rpc, name, model):
    "The ir.action id of the window named name on model"
    window, = rpc.model('ir.action.act_window', 'search_read',
        [('name', '=', name), ('res_model', '=', model)], 0, None, None,
        ['action'])
    return window['action']


def _top_menus(rpc):
    "The top-level menus sao shows, from the user's menu action"
    preferences = rpc.call('model.res.user.get_preferences', False, {})
    action = PYSONDecoder().decode(preferences['pyson_menu'])
    domain = PYSONDecoder({**rpc.context, '_user': rpc.user_id}).decode(
        action['pyson_domain'])
    return [m['name'] for m in rpc.model(
            'ir.ui.menu', 'search_read', domain, 0, None, None, ['name'])]


def _login_actions(rpc):
    return rpc.call('model.res.user.get_preferences', False, {})['actions']


def test_home_screens(home_world):
    "Each role lands on its job; a host user on nothing new"
    admin = home_world['admin']
    potentials = _window(admin, "Potentials", 'sale.opportunity')
    tickets = _window(admin, "Tickets", 'crm.ticket')
    configuration = _window(admin, "Configuration", 'crm.configuration')
    assert potentials in _login_actions(home_world['home.rep'])
    assert tickets in _login_actions(home_world['home.support'])
    assert configuration in _login_actions(admin)
    assert _login_actions(home_world['home.accountant']) == []


def test_home_screen_opens(home_world):
    "What sao runs at login opens: the rep's potentials"
    rep = home_world['home.rep']
    for action_id in _login_actions(rep):
        value = rep.call(
            'model.ir.action.get_action_value', action_id, rep.context)
        assert value['res_model'] == 'sale.opportunity'


def test_top_menus(home_world):
    "CRM first for CRM users, the host's menu for host users"
    rep = _top_menus(home_world['home.rep'])
    assert rep[0] == "CRM"
    assert not {"Parties", "Products", "Sales"} & set(rep)

    assert _top_menus(home_world['home.support']) == ["CRM"]

    accountant = _top_menus(home_world['home.accountant'])
    assert "CRM" not in accountant
    assert {"Parties", "Products", "Financial"} <= set(accountant)

    admin = _top_menus(home_world['admin'])
    assert admin[0] == "CRM"
    assert "Sales" not in admin
    assert "Marketing" not in admin
    assert "Parties" not in admin
    assert "Administration" in admin


def test_first_tab(home_world):
    "An owner starts on Mine, the administrator owning nothing on All"
    admin = home_world['admin']
    accounts = _window(admin, "Accounts", 'party.party')
    for login, tab in [('home.rep', "Mine"), ('admin', "All")]:
        rpc = home_world[login]
        value = rpc.call(
            'model.ir.action.get_action_value', accounts, rpc.context)
        assert value['domains'][0][0] == tab, login
