"""The first minutes of each role over JSON-RPC, as sao sees them.

At login sao reads ``res.user.get_preferences``: it runs its ``actions``
(the home screen) and builds the menu from ``pyson_menu``; a window opens
on the first of its ``domains`` (tabs)."""
import pytest
from trytond.pyson import PYSONDecoder

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, setup_people)

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
    "Each role lands on its dashboards; a host user on nothing new"
    admin = home_world['admin']
    home = _window(admin, "Home", None)
    configuration = _window(admin, "Configuration", 'crm.configuration')
    assert home in _login_actions(home_world['home.rep'])
    assert home in _login_actions(home_world['home.support'])
    assert configuration in _login_actions(admin)
    assert _login_actions(home_world['home.accountant']) == []


def test_home_screen_opens(home_world):
    """What sao runs at login opens: the board of the rep's dashboards,
    each block a window the rep may open"""
    from lxml import etree
    rep = home_world['home.rep']
    [action_id] = _login_actions(rep)
    value = rep.call(
        'model.ir.action.get_action_value', action_id, rep.context)
    [(view_id, view_type)] = value['views']
    assert view_type == 'board'
    dashboards = rep.model('crm.dashboard', 'search_read', [
            ('user', '=', rep.user_id)], 0, None,
        [('sequence', 'ASC'), ('id', 'ASC')], ['name'])
    assert [d['name'] for d in dashboards][:2] == ["Lead", "Pipeline"]
    for dashboard in dashboards:
        context = {**rep.context, 'crm_dashboard': dashboard['id']}
        board = etree.fromstring(rep.call(
                'model.ir.ui.view.view_get', view_id, context)['arch'])
        blocks = [a.get('name') for a in board.iter('action')]
        assert len(blocks) > 1, dashboard
        for block in blocks:
            window = rep.call(
                'model.ir.action.act_window.get', block, rep.context)
            rep.model(window['res_model'], 'search_count', [], 0, 10)


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


def _own(rpc, model):
    "The ids of the user's own records of model (dashboards, metrics)"
    return rpc.model(model, 'search', [('user', '=', rpc.user_id)], 0, None,
        [('sequence', 'ASC'), ('id', 'ASC')])


def test_dashboard_bad_input_changes_nothing(home_world):
    """Over JSON-RPC bad blocks, columns and key metric searches are
    refused with a message, and nothing of the request is written"""
    admin, rep = home_world['admin'], home_world['home.rep']
    dashboard_id = _own(rep, 'crm.dashboard')[0]
    metric_id = _own(rep, 'crm.dashboard.metric')[0]

    def state():
        [dashboard] = rep.model('crm.dashboard', 'read', [dashboard_id],
            ['name', 'columns', 'blocks'])
        [metric] = rep.model('crm.dashboard.metric', 'read', [metric_id],
            ['domain'])
        return dashboard, metric
    before = state()
    accounts = _window(admin, "Accounts", 'party.party')
    [accounts_window] = admin.model('ir.action.act_window', 'search',
        [('action', '=', accounts)], 0, 1)
    attempts = [
        ('"Columns"', 'crm.dashboard', [dashboard_id], {
                'name': "Renamed", 'columns': 5}),
        ('"Block"', 'crm.dashboard', [dashboard_id], {
                'name': "Renamed",
                'blocks': [('create', [{'action': accounts_window}])]}),
        ("not a valid filter", 'crm.dashboard.metric', [metric_id], {
                'domain': '[["no_such_field", "=", 1]]'}),
        ]
    for message, model, ids, values in attempts:
        with pytest.raises(RpcError) as error:
            rep.model(model, 'write', ids, values)
        assert message in str(error.value.error), error.value.error
    assert state() == before


def test_metric_opened_as_sao_does(home_world):
    """A double click on a key metric runs its wizard over JSON-RPC: it
    opens the user's own metric on its window, never another user's"""
    rep, support = home_world['home.rep'], home_world['home.support']
    own = _own(rep, 'crm.dashboard.metric')[0]
    other = _own(support, 'crm.dashboard.metric')[0]
    name = 'crm.dashboard.metric.open'

    def open_(metric_id):
        context = {**rep.context, 'active_model': 'crm.dashboard.metric',
            'active_id': metric_id, 'active_ids': [metric_id]}
        session, start, _ = rep.call(f'wizard.{name}.create', context)
        try:
            return rep.call(
                f'wizard.{name}.execute', session, {}, start, context)
        finally:
            rep.call(f'wizard.{name}.delete', session, context)

    [[action, _]] = open_(own)['actions']
    [metric] = rep.model('crm.dashboard.metric', 'read', [own],
        ['name', 'count', 'action'])
    assert action['name'] == metric['name']
    domain = PYSONDecoder({**rep.context, '_user': rep.user_id}).decode(
        action['pyson_domain'])
    count = rep.model(action['res_model'], 'search_count', domain, 0, 1001)
    assert metric['count'] in {str(count), '1000+'}
    with pytest.raises(RpcError):
        open_(other)
