"""Activities through a running server: the calendar feed route, the plan
wizard driven over JSON-RPC as sao drives it, invitations and sharing."""
import datetime as dt
import urllib.error
import urllib.request

import icalendar
import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, setup_people)

PASSWORD = 'Rpc-activity-Pass-42'


@pytest.fixture(scope='module')
def activity_world(crm_server):
    "Two reps, an account of rep1, and their clients"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Company", EURO, admin=True),
            users=(
                CrmUser('act.rep1', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                CrmUser('act.rep2', "Sales Rep", "CRM Staff",
                    password=PASSWORD),
                )))
    account, = admin.model('party.party', 'create', [{
                'name': "Activity RPC account", 'crm_type': 'account',
                'crm_company': world.company,
                'assigned_user': world.users['act.rep1'],
                }])
    clients = {}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    return {
        'server': crm_server, 'admin': admin, 'clients': clients,
        'users': world.users, 'company': world.company, 'account': account,
        }


def _context(world):
    return {'company': world['company']}


def _fetch(url):
    "GET url; return (status, content type, body)."
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return (response.status, response.headers['Content-Type'],
                response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers['Content-Type'], error.read()


def _feed_url(rpc, context):
    "The feed address the user's wizard shows."
    wizard = 'crm.activity.feed.show'
    session, start, _ = rpc.call(f'wizard.{wizard}.create', context)
    result = rpc.call(f'wizard.{wizard}.execute', session, {}, start, context)
    url = result['view']['defaults']['url']
    return session, url


def test_feed_route(activity_world):
    "The feed serves the user's activities; a wrong or old token 404"
    world = activity_world
    rep1 = world['clients']['act.rep1']
    context = _context(world)
    start = dt.datetime(2031, 5, 5, 8, 0)
    rep1.model('crm.activity', 'create', [{
                'company': world['company'], 'kind': 'event',
                'subject': "Feed meeting", 'status': 'planned',
                'start': start, 'end': start + dt.timedelta(hours=1),
                'timezone': 'Europe/Paris', 'frequency': 'weekly',
                'count': 3}], context=context)
    session, url = _feed_url(rep1, context)
    # (the address names the server the client called)
    path = url[url.index('/', len('http://')):]
    status, content_type, body = _fetch(world['server'].url + path)
    assert status == 200
    assert content_type.startswith('text/calendar')
    calendar = icalendar.Calendar.from_ical(body)
    event, = calendar.walk('VEVENT')
    assert str(event['summary']) == "Feed meeting"
    assert event['RRULE']['COUNT'] == [3]

    # regenerated: the old address stops working
    wizard = 'crm.activity.feed.show'
    result = rep1.call(
        f'wizard.{wizard}.execute', session, {}, 'regenerate', context)
    new_url = result['view']['defaults']['url']
    assert new_url != url
    assert _fetch(world['server'].url + path)[0] == 404
    new_path = new_url[new_url.index('/', len('http://')):]
    assert _fetch(world['server'].url + new_path)[0] == 200
    bad = new_path[:-len('.ics') - 4] + 'AAAA.ics'
    assert _fetch(world['server'].url + bad)[0] == 404
    assert _fetch(world['server'].url + f'/{world["server"].database}'
        '/crm/calendar/x.ics')[0] == 404


def test_plan_wizard_over_rpc(activity_world):
    "The plan wizard plans on the rep's account, not on another's"
    world = activity_world
    context = _context(world)
    rep1, rep2 = world['clients']['act.rep1'], world['clients']['act.rep2']
    plan_id, = world['admin'].model(
        'crm.activity.plan', 'search', [('name', '=', "New Customer")],
        0, 1, None)
    wizard = 'crm.activity.plan.launch'
    active = {**context, 'active_model': 'party.party',
        'active_id': world['account'], 'active_ids': [world['account']]}
    start = (dt.date.today() + dt.timedelta(days=2))

    def launch(rpc):
        session, state, _ = rpc.call(f'wizard.{wizard}.create', active)
        rpc.call(f'wizard.{wizard}.execute', session, {}, state, active)
        return rpc.call(f'wizard.{wizard}.execute', session, {
                state: {'plan': plan_id, 'date': start, 'records': 1}},
            'launch', active)

    with pytest.raises(RpcError):
        launch(rep2)
    assert rep1.model('crm.activity', 'search_count', [
            ('resource', '=', f'party.party,{world["account"]}')],
        context=context) == 0
    launch(rep1)
    subjects = [a['subject'] for a in rep1.model(
            'crm.activity', 'search_read', [
                ('resource', '=', f'party.party,{world["account"]}')],
            0, None, [('start', 'ASC')], ['subject'], context=context)]
    assert subjects == [
        "Welcome call", "Onboarding meeting", "Review the first month"]
    # rep2 sees none of them, nor counts them, nor may name the account
    assert rep2.model('crm.activity', 'search_count', [
            ('subject', 'in', subjects)], context=context) == 0
    with pytest.raises(RpcError):
        rep2.model('crm.activity', 'search_count', [
                ('resource', '=', f'party.party,{world["account"]}')],
            context=context)


def test_invited_user_over_rpc(activity_world):
    "An invited rep reads the activity, not the account it is about"
    world = activity_world
    context = _context(world)
    rep1, rep2 = world['clients']['act.rep1'], world['clients']['act.rep2']
    start = dt.datetime(2031, 6, 2, 9, 0)
    activity_id, = rep1.model('crm.activity', 'create', [{
                'company': world['company'], 'kind': 'event',
                'subject': "Invited review", 'status': 'planned',
                'start': start, 'end': start + dt.timedelta(hours=1),
                'timezone': 'UTC',
                'resource': f'party.party,{world["account"]}',
                'invited_users': [('add', [world['users']['act.rep2']])],
                }], context=context)
    values, = rep2.model('crm.activity', 'read', [activity_id],
        ['subject', 'resource', 'resource.rec_name'], context=context)
    assert values['subject'] == "Invited review"
    assert "Activity RPC account" not in str(values)
    with pytest.raises(RpcError):
        rep2.model('party.party', 'read', [world['account']], ['name'],
            context=context)
    with pytest.raises(RpcError):
        rep2.model('crm.activity', 'write', [activity_id],
            {'subject': "Changed"}, context=context)
