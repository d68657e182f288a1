"""The sao web client in headless Chromium shows each user what it may see.

A trytond of its own (a copy of the cached CRM database, so accounts made
by other tests do not show up) serves sao at /.  The administrator creates
over JSON-RPC a company, two sales reps and a sales manager, and accounts
owned by the reps.  Chromium, driven by Playwright, logs into sao, opens
CRM > Accounts, switches to the "All" tab (no action domain: only the
record rules filter) and reads the names in the list; a screenshot of the
list is saved to $CRM_SCREENSHOTS (default <repo>/screenshots/).

Requirements: /usr/bin/chromium (Debian package), the playwright Python
package (its own browsers are not used) and sao in <repo>/sao
(scripts/sao.sh; scripts/test.sh runs it).  When one is missing the tests
are skipped, or fail when CI=true.
"""
import contextlib
import os
import re
import time
from decimal import Decimal

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, Database, JsonRpc, database_uri,
    setup_people)
from sao_testing import (
    Sao, browser, browser_page, check_screenshot, rpc_matcher, sao_dir,
    screenshot_dir, serving)

__all__ = ['browser', 'sao_dir']  # fixtures used by the tests below

PASSWORD = 'Browser-Pass-42'

REP_ACCOUNTS = ["Browser Own 1", "Browser Own 2"]
OTHER_ACCOUNTS = ["Browser Other 1"]
#: The list each user lands on: its own accounts (Mine), or what it may
#: read (All first) for a user owning none
LANDING = {
    'browser.rep': REP_ACCOUNTS,
    'browser.manager': sorted(REP_ACCOUNTS + OTHER_ACCOUNTS),
    }


@pytest.fixture(scope='module')
def web_server(sao_dir, tmp_path_factory):
    "A trytond serving sao and a database of its own"
    workdir = tmp_path_factory.mktemp('browser')
    database = Database(workdir, database_uri()).build(
        os.environ.get('DB_CACHE') or None)
    with serving(database, workdir, sao_dir) as server:
        yield server


@pytest.fixture(scope='module')
def browser_world(web_server):
    "Company, two reps, their manager and the reps' accounts, by the admin"
    admin = JsonRpc(web_server.url, web_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("Browser Company", EURO, admin=True),
            users=tuple(
                CrmUser(login, role, "CRM Staff", groups=("CRM Sales",),
                    password=PASSWORD)
                for login, role in [
                    ('browser.rep', "Sales Rep"),
                    ('browser.other', "Sales Rep"),
                    ('browser.manager', "Sales Manager"),
                    ])))
    company_id, users = world.company, world.users
    admin.model('party.party', 'create', [{
                'name': name,
                'crm_type': 'account',
                'crm_company': company_id,
                'assigned_user': users[login],
                } for login, names in [
                ('browser.rep', REP_ACCOUNTS),
                ('browser.other', OTHER_ACCOUNTS)]
            for name in names])
    # The default sharing of party.party is private; make sure of it.
    sharing_id, = admin.model(
        'crm.sharing', 'search', [('model', '=', 'party.party')], 0, 1, None)
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})
    yield {'admin': admin, 'users': users}
    admin.logout()


def list_names(sao):
    "The cells of the Name column of the list in the current tab"
    return sao.page.locator(
        '#tabcontent .tab-pane.active table.tree > tbody > '
        'tr:not([data-crm-stale]) > td[data-title="Name: "] '
        'div.column-char')


def switch_domain_tab(sao, name):
    """Click a tab of the action (Mine, All) and wait for its records.

    The rows shown are marked first: sao renders the new search into new
    rows, so a list read afterwards is never the previous tab's."""
    page = sao.page
    page.locator(
        '#tabcontent .tab-pane.active table.tree > tbody > tr'
        ).evaluate_all(
        "els => els.forEach(e => e.setAttribute('data-crm-stale', '1'))")
    with page.expect_response(rpc_matcher('model.party.party.search')):
        page.locator(
            '#tabcontent .tab-pane.active a[role="tab"]',
            has_text=name).click()


def _open_accounts(browser, server, login, screenshot):
    """Log in as login, open CRM > Accounts, tab All; return the names

    and save the screenshot of the list."""
    from playwright.sync_api import expect
    path = screenshot_dir() / screenshot
    failure = path.parent / f'failure-{screenshot}'
    with browser_page(browser, server, failure) as (page, errors):
        sao = Sao(page, server)
        timings = {}
        start = time.monotonic()
        sao.login(login, PASSWORD)
        timings['login'] = time.monotonic() - start

        start = time.monotonic()
        with page.expect_response(rpc_matcher('model.party.party.search')):
            sao.open_menu('CRM', 'Accounts')
        expect(page.locator(
                '#tabcontent .tab-pane.active a[role="tab"]',
                has_text='All')).to_be_visible()
        timings['open'] = time.monotonic() - start
        mine = list_names(sao)
        # The Mine tab: what the user is assigned (the action's domain).
        expect(mine).to_have_text(LANDING[login])
        mine_names = mine.all_inner_texts()

        start = time.monotonic()
        switch_domain_tab(sao, 'All')
        names = list_names(sao)
        # Waits for the new rows (never none here); the exact list is
        # asserted by the caller.
        names.first.wait_for()
        timings['all'] = time.monotonic() - start
        page.screenshot(path=str(path))
        failure.unlink(missing_ok=True)
        assert not errors, errors
        return {
            'mine': mine_names, 'all': names.all_inner_texts(),
            'screenshot': path, 'timings': timings}


def test_sales_rep_sees_only_own_accounts(browser, web_server, browser_world):
    "A rep's account list holds its own accounts, not the other rep's"
    result = _open_accounts(
        browser, web_server, 'browser.rep', 'sales-rep-accounts.png')
    print("timings (s):", result['timings'])
    assert result['mine'] == REP_ACCOUNTS
    assert result['all'] == REP_ACCOUNTS
    check_screenshot(result['screenshot'])


def test_sales_manager_sees_reps_accounts(
        browser, web_server, browser_world):
    "The manager's account list holds both reps' accounts"
    result = _open_accounts(
        browser, web_server, 'browser.manager',
        'sales-manager-accounts.png')
    print("timings (s):", result['timings'])
    # It owns none: it lands on the tab of what it may read
    assert result['mine'] == sorted(REP_ACCOUNTS + OTHER_ACCOUNTS)
    assert result['all'] == sorted(REP_ACCOUNTS + OTHER_ACCOUNTS)
    check_screenshot(result['screenshot'])


def test_administrator_edits_a_profile_grid(
        browser, web_server, browser_world):
    """The administrator opens a profile and grants Staff the deletion of
    accounts in its grid of record types x permissions"""
    from playwright.sync_api import expect
    admin = browser_world['admin']
    staff_id, = admin.model(
        'res.group', 'search', [('name', '=', "CRM Staff")], 0, 1, None)
    row_id, = admin.model(
        'crm.profile.permission', 'search', [
            ('group', '=', staff_id), ('sharing.model', '=', 'party.party'),
            ], 0, 1, None)

    def delete_granted():
        [row] = admin.model(
            'crm.profile.permission', 'read', [row_id], ['perm_delete'])
        return row['perm_delete']

    assert not delete_granted()
    # The administrator's first login would open the configuration wizard
    items = admin.model(
        'ir.module.config_wizard.item', 'search',
        [('state', '!=', 'done')], 0, None, None)
    admin.model(
        'ir.module.config_wizard.item', 'write', items, {'state': 'done'})
    screenshot = screenshot_dir() / 'administrator-profile-grid.png'
    failure = screenshot.parent / f'failure-{screenshot.name}'
    with browser_page(browser, web_server, failure) as (page, errors):
        sao = Sao(page, web_server)
        sao.login(ADMIN_LOGIN, ADMIN_PASSWORD)
        sao.open_menu('CRM', 'Configuration', 'Roles and Sharing')
        with page.expect_response(rpc_matcher('model.res.group.search')):
            sao.open_menu('Profiles')
        pane = page.locator('#tabcontent .tab-pane.active')
        pane.locator('td div.column-char', has_text="CRM Staff").dblclick()
        pane.locator('a[role="tab"]', has_text="CRM Profile").click()
        grid = pane.locator(
            'table.tree > tbody > tr', has_text="Account / Contact")
        delete = grid.locator('td[data-title="Delete: "] input')
        edit = grid.locator('td[data-title="Edit: "] input')
        expect(edit).to_be_checked()
        expect(delete).not_to_be_checked()
        page.screenshot(path=str(screenshot))
        delete.click()
        expect(delete).to_be_checked()
        with page.expect_response(rpc_matcher('model.res.group.write')):
            page.locator('button#save:visible').click()
        # sao 8.0's BooleanColumn.clicked reads this.group, which columns
        # lack (src/view/tree.js), after it has set the value: the one
        # error of the host tolerated here
        errors = [e for e in errors if not (
                "reading 'parent'" in e and 'clicked' in e)]
        assert not errors, errors
    try:
        assert delete_granted()
        check_screenshot(screenshot)
    finally:
        admin.model(
            'crm.profile.permission', 'write', [row_id],
            {'perm_delete': False})


#: The screens of CRM > Sales a sales user opens (menu path under Sales)
SALES_SCREENS = [
    ('Leads',), ('Potentials',), ('Forecasts',), ('Quotas',),
    ('Reports', 'Pipeline by Stage'), ('Reports', 'Pipeline by Month'),
    ('Reports', 'Potentials by Lead Source'), ('Reports', 'Conversion by Rep'),
    ('Reports', 'Deal Size and Cycle'), ('Reports', 'Loss Reasons'),
    ('Reports', 'Time in Stage'),
    ]


@contextlib.contextmanager
def _sales_page(browser, server, login, failure):
    "Yield (page, sao, errors) of login in sao, on the menu CRM > Sales."
    with browser_page(browser, server, failure, width=1440, height=900) as (
            page, errors):
        sao = Sao(page, server)
        sao.login(login, PASSWORD)
        sao.open_menu('CRM', 'Sales')
        yield page, sao, errors


@pytest.mark.parametrize('login', ['browser.rep', 'browser.manager'])
def test_sales_screens_open(browser, web_server, browser_world, login):
    """Every screen of CRM > Sales opens in sao without a client error,
    for a rep and for the manager (a screenshot of each)"""
    failure = screenshot_dir() / f'failure-sales-screens-{login}.png'
    with _sales_page(browser, web_server, login, failure) as (
            page, sao, errors):
        for path in SALES_SCREENS:
            if len(path) > 1 and not sao.menu_entry(path[-1]).is_visible():
                sao.open_menu(*path[:-1])
            sao.open_menu(path[-1])
            pane = page.locator('#tabcontent .tab-pane.active')
            pane.locator('.screen-container').first.wait_for()
            page.wait_for_load_state('networkidle')
            name = '-'.join([login, *path]).lower().replace(' ', '-')
            page.screenshot(path=str(screenshot_dir() / f'{name}.png'))
            assert not errors, (path, errors)


#: What a rep typed on its lead: conversion and stage changes keep it
LEAD_VALUES = {
    'first_name': "Lisa",
    'last_name': "Browserlead",
    'lead_company': "Browser Lead Works",
    'email': 'lisa@browser-lead.example',
    'phone': '+1 202-555-0142',
    'website': 'https://browser-lead.example',
    'job_title': "Head of Purchasing",
    'city': "Springfield",
    'lead_source': 'trade_show',
    'lead_status': 'hot',
    'rating': 'active',
    'industry': 'retail',
    'employees': 120,
    'description': "Met at the fair",
    'comment': "Wants a quote before the summer",
    }


def test_sales_rep_converts_a_lead(browser, web_server, browser_world):
    """A rep opens its lead from the Leads list, clicks Convert Lead and
    confirms: it lands on the form of the potential made of the lead,
    picks the next sales stage in the drop-down and saves; the server
    holds what the rep typed and chose, nothing else changed"""
    from playwright.sync_api import expect
    admin = browser_world['admin']
    users = browser_world['users']
    company_id, = admin.model(
        'company.company', 'search', [('party.name', '=', "Browser Company")],
        0, 1, None)
    lead_id, = admin.model('sale.opportunity', 'create', [{
                'crm_lead': True,
                'company': company_id,
                'assigned_user': users['browser.rep'],
                **LEAD_VALUES,
                }])
    stages = admin.model('crm.sales_stage', 'search_read', [
            ('closing', '=', None)], 0, None, None, ['name', 'probability'])
    screenshot = screenshot_dir() / 'sales-rep-lead-converted.png'
    failure = screenshot.parent / f'failure-{screenshot.name}'
    with _sales_page(browser, web_server, 'browser.rep', failure) as (
            page, sao, errors):
        with page.expect_response(
                rpc_matcher('model.sale.opportunity.search')):
            sao.open_menu('Leads')
        pane = page.locator('#tabcontent .tab-pane.active')
        pane.locator(
            'table.tree > tbody > tr', has_text="Browserlead").dblclick()
        # (the form's record loaded before its button is clicked: under
        # load a click on the half-filled form did nothing)
        expect(pane.locator('input[name="last_name"]')).to_have_value(
            "Browserlead")
        pane.locator('button', has_text="Convert Lead").click()
        dialog = page.locator('.modal-dialog:visible')
        expect(dialog.locator('button', has_text="Convert")).to_be_visible()
        page.screenshot(path=str(
                screenshot_dir() / 'sales-rep-lead-convert-wizard.png'))
        dialog.locator('button', has_text="Convert").click()
        # The wizard opens the form of the potential made of the lead
        pane = page.locator('#tabcontent .tab-pane.active')
        expect(pane.locator('input[name="party"]')).to_have_value(
            "Browser Lead Works")
        page.wait_for_load_state('networkidle')
        [converted] = admin.model('sale.opportunity', 'read', [lead_id],
            ['sales_stage'])
        before = _stored_values(admin, 'sale.opportunity', lead_id)
        # The next stage of the pipeline, from the drop-down
        index = [s['id'] for s in stages].index(converted['sales_stage'])
        stage = stages[index + 1]
        select = pane.locator('select[name="sales_stage"]')
        select.select_option(label=stage['name'])
        select.press('Tab')
        with page.expect_response(
                rpc_matcher('model.sale.opportunity.write')):
            pane.locator('button#save:visible').click()
        page.wait_for_load_state('networkidle')
        page.screenshot(path=str(screenshot))
        assert not errors, errors
    after = _stored_values(admin, 'sale.opportunity', lead_id)
    assert after['state'] == 'opportunity'
    assert after['lead_conversion_date']
    assert after['sales_stage'] == stage['id']
    assert after['conversion_probability'] == stage['probability']
    assert {k: after[k] for k in LEAD_VALUES} == LEAD_VALUES
    # What the stage moves (its probability, history, pipeline, the time
    # in it and the score when the stage is learnt from) and the save
    moved = {'sales_stage', 'conversion_probability', 'stage_history',
        'stage_duration', 'crm_pipeline', 'crm_score', 'write_date',
        'write_uid', 'last_modified_at', 'rec_name'}
    changed = {k for k in before if k not in moved and before[k] != after[k]}
    assert not changed, {k: (before[k], after[k]) for k in changed}
    [account] = admin.model('party.party', 'read', [after['party']],
        ['name', 'crm_type', 'assigned_user'])
    assert account['name'] == "Browser Lead Works"
    assert account['crm_type'] == 'account'
    assert account['assigned_user'] == users['browser.rep']
    check_screenshot(screenshot)


def test_sales_rep_discounts_a_quote(browser, web_server, browser_world):
    """A rep opens its draft quote from CRM > Sales > Quotes, gives it a
    10 % global discount and an adjustment of -5.00 and saves: the server
    holds what was typed, the quote got its discount and adjustment lines
    and its totals, and nothing else of it changed"""
    from playwright.sync_api import expect
    admin = browser_world['admin']
    users = browser_world['users']
    company_id, = admin.model(
        'company.company', 'search', [('party.name', '=', "Browser Company")],
        0, 1, None)
    [account] = admin.model('party.party', 'search_read', [
            ('name', '=', REP_ACCOUNTS[0])], 0, 1, None, ['addresses'])
    if not account['addresses']:
        admin.model('party.party', 'write', [account['id']], {
                'addresses': [('create', [{'street': "1 Browser Street"}])]})
        [account] = admin.model(
            'party.party', 'read', [account['id']], ['addresses'])
    sale_id, = admin.model('sale.sale', 'create', [{
                'company': company_id,
                'party': account['id'],
                'invoice_address': account['addresses'][0],
                'assigned_user': users['browser.rep'],
                'description': "Browser discounted quote",
                'lines': [('create', [{
                                'type': 'line', 'description': description,
                                'quantity': quantity,
                                'unit_price': Decimal(price),
                                } for description, quantity, price in [
                                ("Browser desk", 4, '199.90'),
                                ("Browser chair", 6, '89.50')]])],
                }])
    goods = Decimal('799.60') + Decimal('537.00')
    before = _stored_values(admin, 'sale.sale', sale_id)
    screenshot = screenshot_dir() / 'sales-rep-quote-discounted.png'
    failure = screenshot.parent / f'failure-{screenshot.name}'
    with _sales_page(browser, web_server, 'browser.rep', failure) as (
            page, sao, errors):
        with page.expect_response(rpc_matcher('model.sale.sale.search')):
            sao.open_menu('Quotes')
        pane = page.locator('#tabcontent .tab-pane.active')
        pane.locator('table.tree > tbody > tr',
            has_text="Browser discounted quote").dblclick()
        expect(pane.locator('input[name="description"]')).to_have_value(
            "Browser discounted quote")
        # (vtiger's label of the host's quotation expiry)
        expect(pane.locator('label', has_text="Valid Till")).to_be_visible()
        pane.locator('select[name="crm_discount_type"]').select_option(
            label="Percentage")
        for name, text in [('crm_discount_rate', '10'),
                ('crm_adjustment', '-5.00')]:
            widget = pane.locator(f'input[name="{name}"]:visible')
            expect(widget).to_be_editable()
            sao.type_into(widget, name, text)
        with page.expect_response(rpc_matcher('model.sale.sale.write')):
            pane.locator('button#save:visible').click()
        page.wait_for_load_state('networkidle')
        # (the form shows the totals the server computed)
        expect(pane.locator('input[name="untaxed_amount"]:visible')
            ).to_have_value(re.compile(r'1,197\.94'))
        page.screenshot(path=str(screenshot))
        assert not errors, errors
    after = _stored_values(admin, 'sale.sale', sale_id)
    assert after['crm_discount_type'] == 'percentage'
    assert after['crm_discount_rate'] == Decimal('0.1')
    assert after['crm_adjustment'] == Decimal('-5')
    assert after['crm_subtotal'] == goods
    assert after['crm_discount_total'] == Decimal('-133.66')
    assert after['untaxed_amount'] == goods - Decimal('133.66') - 5
    lines = admin.model('sale.line', 'read', after['lines'],
        ['description', 'quantity', 'unit_price', 'crm_charge'])
    assert sorted((l['crm_charge'], l['unit_price']) for l in lines
        if l['crm_charge']) == [
        ('adjustment', Decimal('-5')), ('discount', Decimal('-133.66'))]
    assert [(l['description'], l['quantity'], l['unit_price'])
        for l in lines if not l['crm_charge']] == [
        ("Browser desk", 4, Decimal('199.90')),
        ("Browser chair", 6, Decimal('89.50'))]
    # What the charges move (the lines, the amounts) and the save
    moved = {'crm_discount_type', 'crm_discount_rate', 'crm_adjustment',
        'crm_discount_total', 'lines', 'line_lines', 'untaxed_amount',
        'total_amount',
        'untaxed_amount_cache', 'total_amount_cache', 'write_date',
        'write_uid', 'last_modified_at', 'rec_name'}
    changed = {k for k in before if k not in moved and before[k] != after[k]}
    assert not changed, {k: (before[k], after[k]) for k in changed}
    check_screenshot(screenshot)


def _stored_values(admin, model, record_id):
    "Every field of the record but the binary ones, as the server holds it"
    names = [n for n, f in admin.model(model, 'fields_get', None).items()
        if f['type'] != 'binary']
    [values] = admin.model(model, 'read', [record_id], names)
    return values


def test_sales_rep_adds_an_event_to_an_account(
        browser, web_server, browser_world):
    """A rep opens its account, launches Add Event from the toolbar, types
    a subject and saves the event's form: the server holds an event of the
    account, assigned to the rep, with the default hour (nothing else
    typed), and the rep's Activities list shows it"""
    from playwright.sync_api import expect
    admin = browser_world['admin']
    users = browser_world['users']
    account_id, = admin.model('party.party', 'search', [
            ('name', '=', REP_ACCOUNTS[0])], 0, 1, None)
    screenshot = screenshot_dir() / 'sales-rep-add-event.png'
    failure = screenshot.parent / f'failure-{screenshot.name}'
    with browser_page(browser, web_server, failure, width=1440,
            height=900) as (page, errors):
        sao = Sao(page, web_server)
        sao.login('browser.rep', PASSWORD)
        with page.expect_response(rpc_matcher('model.party.party.search')):
            sao.open_menu('CRM', 'Accounts')
        pane = page.locator('#tabcontent .tab-pane.active')
        pane.locator(
            'table.tree > tbody > tr', has_text=REP_ACCOUNTS[0]).dblclick()
        expect(pane.locator('input[name="name"]')).to_have_value(
            REP_ACCOUNTS[0])
        pane.locator('button[title="Launch action"]').click()
        pane.locator('.dropdown-menu a', has_text="Add Event").click()
        # A new tab with the form of a new event of the account
        pane = page.locator('#tabcontent .tab-pane.active')
        subject = pane.locator('input[name="subject"]')
        expect(subject).to_be_visible()
        expect(pane.locator('input[name="resource"]').last).to_have_value(
            REP_ACCOUNTS[0])
        sao.type_into(subject, 'subject', "Browser kick-off")
        with page.expect_response(rpc_matcher('model.crm.activity.create')):
            pane.locator('button#save:visible').click()
        page.wait_for_load_state('networkidle')
        page.screenshot(path=str(screenshot))
        assert not errors, errors
    [event] = admin.model('crm.activity', 'search_read', [
            ('subject', '=', "Browser kick-off")], 0, None, None, [
            'kind', 'status', 'resource', 'assigned_user', 'start', 'end',
            'occurrences'])
    assert event['kind'] == 'event'
    assert event['status'] == 'planned'
    assert event['resource'] == f'party.party,{account_id}'
    assert event['assigned_user'] == users['browser.rep']
    assert event['start'].minute == event['start'].second == 0
    assert (event['end'] - event['start']).total_seconds() == 3600
    assert len(event['occurrences']) == 1
    rep = JsonRpc(web_server.url, web_server.database)
    rep.login('browser.rep', PASSWORD)
    assert rep.model('crm.activity', 'search', [
            ('resource', '=', f'party.party,{account_id}')],
        0, None, None) == [event['id']]
    other = JsonRpc(web_server.url, web_server.database)
    other.login('browser.other', PASSWORD)
    assert other.model('crm.activity', 'search_count', [
            ('subject', '=', "Browser kick-off")]) == 0
    check_screenshot(screenshot)


def test_sales_rep_drags_one_meeting_of_a_series(
        browser, web_server, browser_world):
    """A rep drags this week's meeting of its weekly series to the next day
    in My Calendar: the server moved that occurrence only (marked moved,
    same time), the others and the series keep their dates"""
    import datetime as dt
    admin = browser_world['admin']
    users = browser_world['users']
    today = dt.datetime.utcnow().date()
    start = dt.datetime.combine(today, dt.time(10))
    [activity_id] = admin.model('crm.activity', 'create', [{
                'kind': 'event', 'subject': "Browser weekly sync",
                'start': start, 'end': start + dt.timedelta(minutes=30),
                'timezone': 'UTC', 'status': 'planned',
                'assigned_user': users['browser.rep'],
                'frequency': 'weekly', 'count': 3,
                }])
    screenshot = screenshot_dir() / 'sales-rep-drag-occurrence.png'
    failure = screenshot.parent / f'failure-{screenshot.name}'
    with browser_page(browser, web_server, failure, width=1440,
            height=900) as (page, errors):
        sao = Sao(page, web_server)
        sao.login('browser.rep', PASSWORD)
        sao.open_menu('CRM', 'Calendar', 'My Calendar')
        pane = page.locator('#tabcontent .tab-pane.active')
        pane.locator('.fc-month-button').click()
        event = pane.locator('.fc-event', has_text="Browser weekly sync")
        # (the month shows the three weeks from today, or two of them)
        event.first.wait_for()
        source = event.first.bounding_box()
        target = pane.locator('.fc-bg td.fc-day[data-date="%s"]' % (
                today + dt.timedelta(days=1)).isoformat()).bounding_box()
        with page.expect_response(
                rpc_matcher('model.crm.activity.occurrence.write')):
            x, y = source['x'] + 10, source['y'] + source['height'] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            # (FullCalendar starts a drag after a few pixels)
            page.mouse.move(x + 5, y + 5, steps=5)
            page.mouse.move(target['x'] + target['width'] / 2,
                target['y'] + target['height'] / 2, steps=10)
            page.mouse.up()

        def shown_on_target():
            for box in map(lambda e: e.bounding_box(), event.all()):
                if (box and 0 <= box['x'] - target['x'] < target['width']
                        and 0 <= box['y'] - target['y'] < target['height']):
                    return True
            return False
        # Reloaded, the calendar shows it on its new day.  (sao 8.0 fetches
        # the events again as the drop sets the dates, before the save is
        # answered, and shows the former dates until the next fetch.)
        with page.expect_response(
                rpc_matcher('model.crm.activity.occurrence.search')):
            pane.locator('button#reload:visible').click()
        deadline = time.monotonic() + 10
        while not shown_on_target():
            assert time.monotonic() < deadline, "not shown on its new day"
            page.wait_for_timeout(100)
        page.screenshot(path=str(screenshot))
        assert not errors, errors
    occurrences = admin.model('crm.activity.occurrence', 'search_read', [
            ('activity', '=', activity_id)], 0, None, [
            ('recurrence_date', 'ASC')], [
            'start', 'end', 'recurrence_date', 'moved', 'cancelled'])
    week = dt.timedelta(days=7)
    day = dt.timedelta(days=1)
    assert [(o['start'], o['end'] - o['start'], o['moved'])
        for o in occurrences] == [
        (start + day, dt.timedelta(minutes=30), True),
        (start + week, dt.timedelta(minutes=30), False),
        (start + 2 * week, dt.timedelta(minutes=30), False),
        ]
    assert [o['recurrence_date'] for o in occurrences] == [
        start, start + week, start + 2 * week]
    [series] = admin.model('crm.activity', 'read', [activity_id], [
            'start', 'frequency', 'count'])
    assert (series['start'], series['frequency'], series['count']) == (
        start, 'weekly', 3)
    check_screenshot(screenshot)


def test_sales_rep_lands_on_its_dashboards(
        browser, web_server, browser_world):
    """At login a rep lands on CRM > Home: its first dashboard, under the
    Dashboards block listing the others, which a double click opens in a
    tab; a double click on a key metric opens the records it counts, as
    many as it shows; every block is filtered (only its own metrics)"""
    admin = browser_world['admin']
    rep_id = browser_world['users']['browser.rep']
    rep = JsonRpc(web_server.url, web_server.database)
    rep.login('browser.rep', PASSWORD)
    order = [('sequence', 'ASC'), ('id', 'ASC')]
    dashboards = admin.model('crm.dashboard', 'search_read', [
            ('user', '=', rep_id)], 0, None, order, ['name'])
    assert len(dashboards) > 1
    blocks = {d['id']: [b['title'] or b['action.']['rec_name']
            for b in admin.model('crm.dashboard.block', 'search_read', [
                    ('dashboard', '=', d['id'])], 0, None, order,
                ['title', 'action.rec_name'])]
        for d in dashboards}
    metrics = rep.model('crm.dashboard.metric', 'search_read', [
            ('user', '=', rep_id)], 0, None, order, ['name', 'count'])
    assert "Key Metrics" in blocks[dashboards[0]['id']]

    screenshot = screenshot_dir() / 'sales-rep-home-dashboards.png'
    failure = screenshot.parent / f'failure-{screenshot.name}'
    with browser_page(browser, web_server, failure, width=1440,
            height=900) as (page, errors):
        sao = Sao(page, web_server)
        sao.login('browser.rep', PASSWORD)

        def headings(expected):
            """The board of the current tab and its blocks' headings, once
            they show expected (sao titles each block as its window
            arrives)"""
            pane = page.locator('#tabcontent .tab-pane.active .board')
            heading = pane.locator('.board-action > .panel-heading')
            heading.first.wait_for()
            deadline = time.monotonic() + 30
            while True:
                shown = [h.strip() for h in heading.all_inner_texts()]
                if shown == expected or time.monotonic() > deadline:
                    return pane, shown
                page.wait_for_timeout(100)
        expected = ["Dashboards", *blocks[dashboards[0]['id']]]
        board, shown = headings(expected)
        assert shown == expected

        def block(name):
            return board.locator('.board-action').filter(
                has=page.locator('.panel-heading', has_text=name)).first

        def rows(name, expected):
            "The names in the block name, once they show expected"
            cells = block(name).locator(
                'table.tree > tbody > tr td[data-title="Name: "]')
            cells.first.wait_for()
            deadline = time.monotonic() + 30
            while True:
                shown = [c.strip() for c in cells.all_inner_texts()]
                if shown == expected or time.monotonic() > deadline:
                    return shown
                page.wait_for_timeout(100)
        names = [d['name'] for d in dashboards]
        assert rows("Dashboards", names) == names
        # (the block lists the rep's own metrics, not the roles' templates)
        names = [m['name'] for m in metrics]
        assert rows("Key Metrics", names) == names
        page.screenshot(path=str(screenshot))

        metric = metrics[0]
        row = block("Key Metrics").locator('table.tree > tbody > tr').filter(
            has_text=metric['name']).first
        assert metric['count'] in row.inner_text()
        row.dblclick()
        tab = page.locator('#tablist li[id^="nav-"] a', has_text=metric['name'])
        tab.first.wait_for()
        page.wait_for_load_state('networkidle')
        count = sao.current('screen.group.length')
        assert metric['count'] in {str(count), '1000+'}

        # The second dashboard opens in a tab of its own
        home = page.locator('#tablist li[id^="nav-"] a', has_text="Home")
        home.first.click()
        board, _ = headings(expected)
        block("Dashboards").locator('table.tree > tbody > tr').filter(
            has_text=dashboards[1]['name']).first.dblclick()
        page.locator('#tablist li[id^="nav-"] a',
            has_text=dashboards[1]['name']).first.wait_for()
        expected = ["Dashboards", *blocks[dashboards[1]['id']]]
        board, shown = headings(expected)
        assert shown == expected
        page.wait_for_load_state('networkidle')
        page.screenshot(path=str(
                screenshot.parent / 'sales-rep-home-second-dashboard.png'))
        assert not errors, errors
    check_screenshot(screenshot)
