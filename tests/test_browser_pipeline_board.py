"""The pipeline board in headless Chromium: a sales rep opens it from sao's
menu and drags a card to the next stage.

A trytond of its own (a copy of the cached CRM database) serves sao at /.
The administrator creates over JSON-RPC a company, two sales reps, an
account and potentials of each.  The rep logs into sao and opens CRM >
Sales > Pipeline Board: sao runs the wizard and opens its URL action in a
new tab, the board; it shows the rep's potentials and not the other
rep's.  A card is dragged with the mouse (HTML5 drag and drop) from
Qualification to the next stage; the column totals follow, and over
JSON-RPC the potential is in its new stage with a stage history row by the
rep.  A screenshot of the board is saved to $CRM_SCREENSHOTS (default
<repo>/screenshots/).

Requirements: as tests/test_browser.py (/usr/bin/chromium, playwright,
sao in <repo>/sao).
"""
import os
from decimal import Decimal

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, Database, JsonRpc, database_uri,
    setup_people)
from sao_testing import (
    Sao, browser, browser_page, check_screenshot, sao_dir, screenshot_dir,
    serving)

__all__ = ['browser', 'sao_dir']  # fixtures used by the tests below

PASSWORD = 'Board-Browser-Pass-42'
REP_DEALS = ["Board Browser Deal A", "Board Browser Deal B"]
OTHER_DEALS = ["Board Browser Other Deal"]


@pytest.fixture(scope='module')
def web_server(sao_dir, tmp_path_factory):
    "A trytond serving sao and a database of its own"
    workdir = tmp_path_factory.mktemp('browser_board')
    database = Database(workdir, database_uri()).build(
        os.environ.get('DB_CACHE') or None)
    with serving(database, workdir, sao_dir) as server:
        yield server


@pytest.fixture(scope='module')
def browser_world(web_server):
    "A company, two reps, an account and potentials of each, by the admin"
    admin = JsonRpc(web_server.url, web_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("Board Browser Company", EURO, admin=True),
            users=tuple(
                CrmUser(login, "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD)
                for login in ['board.rep', 'board.other'])))
    sharing_id, = admin.model('crm.sharing', 'search',
        [('model', '=', 'sale.opportunity')], 0, 1, None)
    admin.model('crm.sharing', 'write', [sharing_id], {'access': 'private'})
    stages = admin.model('crm.sales_stage', 'search_read',
        [('closing', '=', None)], 0, None, None, ['name'])
    lost, = admin.model('crm.sales_stage', 'search_read',
        [('closing', '=', 'lost')], 0, 1, None, ['name'])
    potentials = {}
    for login, names in [
            ('board.rep', REP_DEALS), ('board.other', OTHER_DEALS)]:
        account, = admin.model('party.party', 'create', [{
                    'name': f"Board Browser account of {login}",
                    'crm_type': 'account', 'crm_company': world.company,
                    'assigned_user': world.users[login],
                    }])
        for name in names:
            potentials[name], = admin.model('sale.opportunity', 'create', [{
                        'description': name, 'party': account,
                        'assigned_user': world.users[login],
                        'sales_stage': stages[1]['id'],
                        'amount': Decimal(1500),
                        }], context={'crm_lead': True,
                    'crm_opportunity_form': 'potential'})
    yield {'admin': admin, 'users': world.users, 'stages': stages,
        'lost': lost, 'potentials': potentials}
    admin.logout()


def column_of(board, stage_id):
    return board.locator(f'.column[data-stage="{stage_id}"]')


def test_rep_drags_a_card_to_the_next_stage(
        browser, web_server, browser_world):
    """The board opens from the menu in a new tab, shows the rep's
    potentials only; a card dragged to the next stage is moved there"""
    from playwright.sync_api import expect
    world = browser_world
    admin = world['admin']
    qualification, following = world['stages'][1], world['stages'][2]
    deal = REP_DEALS[0]
    potential = world['potentials'][deal]
    path = screenshot_dir() / 'pipeline-board.png'
    failure = path.parent / 'failure-pipeline-board.png'
    with browser_page(browser, web_server, failure) as (page, errors):
        sao = Sao(page, web_server)
        sao.login('board.rep', PASSWORD)
        with page.context.expect_page() as opened:
            sao.open_menu('CRM', 'Sales', 'Pipeline Board')
        board = opened.value
        board_errors = []
        board.on('pageerror', lambda error: board_errors.append(str(error)))
        board.wait_for_load_state()
        assert board.url == (
            f'{web_server.url}/{web_server.database}/crm/pipeline/board')

        source = column_of(board, qualification['id'])
        target = column_of(board, following['id'])
        expect(source.locator('.card-name')).to_have_text(
            REP_DEALS, timeout=30_000)
        names = board.locator('.card-name').all_inner_texts()
        assert not set(OTHER_DEALS) & set(names), names
        expect(source.locator('.column-count')).to_have_text('2')
        target_count = int(target.locator('.column-count').inner_text())

        card = source.locator('.card', has_text=deal)
        with board.expect_response(
                lambda r: r.url.endswith('/crm/pipeline/move')) as moved:
            card.drag_to(target.locator('.cards'))
        assert moved.value.status == 200, moved.value.text()

        expect(target.locator('.card-name', has_text=deal)).to_have_count(1)
        expect(source.locator('.column-count')).to_have_text('1')
        expect(target.locator('.column-count')).to_have_text(
            str(target_count + 1))
        expect(board.locator('#alert')).to_be_hidden()

        # The keyboard's way, refused by the form's rule: to Closed Lost
        # without a lost reason; the message shows, the card stays
        other_card = source.locator('.card', has_text=REP_DEALS[1])
        with board.expect_response(
                lambda r: r.url.endswith('/crm/pipeline/move')) as refused:
            other_card.locator('select').select_option(
                label=world['lost']['name'])
        assert refused.value.status == 400
        expect(board.locator('#alert-text')).to_contain_text('lost reason')
        expect(source.locator('.card-name')).to_have_text([REP_DEALS[1]])
        expect(source.locator('.column-count')).to_have_text('1')
        board.screenshot(path=str(path), full_page=True)
        failure.unlink(missing_ok=True)
        assert not errors, errors
        assert not board_errors, board_errors

    [row] = admin.model('sale.opportunity', 'read', [potential],
        ['sales_stage', 'conversion_probability'])
    assert row['sales_stage'] == following['id']
    history = admin.model('crm.opportunity.stage_history', 'search_read',
        [('opportunity', '=', potential)], 0, None, [('id', 'ASC')],
        ['stage', 'user'])
    assert [(h['stage'], h['user']) for h in history][-1] == (
        following['id'], world['users']['board.rep'])
    [other] = admin.model('sale.opportunity', 'read',
        [world['potentials'][REP_DEALS[1]]], ['sales_stage'])
    assert other['sales_stage'] == qualification['id']
    check_screenshot(path)
