"""The report builder in headless Chromium: a sales rep runs its saved
report from sao's menu and reads its list and its chart.

The fixtures of tests/test_browser.py serve sao (a trytond of this
module's own, on a copy of the cached CRM database) and make its world: a
company, the reps browser.rep and browser.other and their private
accounts.  The administrator creates over JSON-RPC a report folder, a
report of browser.rep on accounts (columns Name and Assigned To, grouped
by the assigned user, a pie chart) and a private report of browser.other.

browser.rep logs into sao and opens CRM > Reports > Reports: the list
holds its report and the standard ones, not browser.other's.  A double
click runs the report (tree_open keyword): two tabs open, the chart of the
groups (a pie drawn by billboard.js as SVG) and the list of the result,
headed by the report's columns, listing the rep's accounts, then the
subtotal of its group and the total.  Screenshots of the report list, the
result and the chart are saved to $CRM_SCREENSHOTS (default
<repo>/screenshots/) as report-builder-*.png.

Requirements: as tests/test_browser.py (/usr/bin/chromium, playwright,
sao in <repo>/sao).
"""
import json
import time

import pytest

from crm_testing import JsonRpc
from sao_testing import (
    ACTIVE, Sao, browser, browser_page, check_screenshot, rpc_matcher,
    sao_dir, screenshot_dir)
from test_browser import (
    OTHER_ACCOUNTS, PASSWORD, REP_ACCOUNTS, browser_world, web_server)

# fixtures used by the tests below (this module gets its own instances)
__all__ = ['browser', 'sao_dir', 'web_server', 'browser_world']

FOLDER = "Browser Report Folder"
REP_REPORT = "Browser Accounts by Owner"
OTHER_REPORT = "Browser Other Private Report"
#: The headings of the result list: the group, its count, the columns
HEADINGS = ["Group", "Records", "Name", "Assigned To"]


def _field_id(admin, model, name):
    field_id, = admin.model('ir.model.field', 'search', [
            ('model', '=', model), ('name', '=', name)], 0, 1, None)
    return field_id


@pytest.fixture(scope='module')
def reports(browser_world):
    """A folder, the report of browser.rep (accounts by assigned user, a
    pie chart) and a private report of browser.other, by the admin"""
    admin = browser_world['admin']
    users = browser_world['users']
    name_id = _field_id(admin, 'party.party', 'name')
    assigned_id = _field_id(admin, 'party.party', 'assigned_user')
    folder_id, = admin.model('crm.report.folder', 'create', [{
                'name': FOLDER}])
    rep_report, other_report = admin.model('crm.report', 'create', [{
                'name': REP_REPORT,
                'folder': folder_id,
                'record_type': 'account',
                'user': users['browser.rep'],
                'group_by': assigned_id,
                'chart': 'pie',
                'columns': [('create', [{
                                'sequence': 10, 'field': name_id,
                                'order': 'ASC',
                                }, {
                                'sequence': 20, 'field': assigned_id,
                                }])],
                }, {
                'name': OTHER_REPORT,
                'folder': folder_id,
                'record_type': 'account',
                'user': users['browser.other'],
                'columns': [('create', [{'field': name_id}])],
                }])
    yield {'rep': rep_report, 'other': other_report}
    admin.model('crm.report', 'delete', [rep_report, other_report])
    admin.model('crm.report.folder', 'delete', [folder_id])


def _rows(pane, stale=True):
    "The rows of the list of pane (not those marked stale)"
    return pane.locator(
        'table.tree > tbody > tr' + (':not([data-crm-stale])' if stale
            else ''))


def _cells(pane, heading):
    "The cells of the column heading of the list of pane"
    return _rows(pane).locator(f'td[data-title="{heading}: "]')


def _wait_for_texts(page, locator, expected, timeout=30, svg=False):
    """The stripped texts of locator, once they are expected (or the
    timeout); svg: of SVG elements (text content: they have no inner
    text)"""
    deadline = time.monotonic() + timeout
    while True:
        shown = [(t or '').strip() for t in (locator.all_text_contents()
                if svg else locator.all_inner_texts())]
        if shown == expected or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def _open_reports(sao):
    """Open CRM > Reports > Reports: the folder Reports under CRM, then its
    entry Reports (CRM > Sales and CRM > Support have a Reports folder of
    their own, folded here)."""
    page = sao.page
    entries = page.locator('#menu div.column-char[title="Reports"]:visible')
    if not entries.count():
        sao.menu_entry('CRM').click()
    # (the folder, the one entry Reports shown under CRM)
    entries.first.wait_for()
    if entries.count() == 1:
        entries.first.click()
    # (the folder's entry follows the folder in the tree)
    entries.nth(1).wait_for()
    entries.nth(1).click()


def test_sales_rep_runs_its_report(
        browser, web_server, browser_world, reports):
    """browser.rep lists its report (not browser.other's) in CRM > Reports
    > Reports, runs it by a double click and reads the two tabs it opens:
    the result headed by the report's columns, its accounts (none of
    browser.other's), the subtotal of its group and the total, and the pie
    chart of the groups"""
    from playwright.sync_api import expect
    admin = browser_world['admin']
    rep_id = browser_world['users']['browser.rep']
    [rep_user] = admin.model('res.user', 'read', [rep_id], ['rec_name'])
    group = rep_user['rec_name']
    # What the rep may read: its reports and the standard ones
    expected_reports = sorted(r['name'] for r in admin.model(
            'crm.report', 'search_read', [
                ['OR', ('user', '=', None), ('user', '=', rep_id)]],
            0, None, None, ['name']))
    assert REP_REPORT in expected_reports
    assert OTHER_REPORT not in expected_reports

    directory = screenshot_dir()
    shots = {name: directory / f'report-builder-{name}.png'
        for name in ['list', 'result', 'chart']}
    failure = directory / 'failure-report-builder.png'
    # The answers of the server's errors to the calls on reports and their
    # results (the wizard, fields_view_get, read ...), to tell what failed
    rpc_errors = []

    def watch(response):
        data = response.request.post_data or ''
        if 'crm.report' not in data:
            return
        try:
            answer = response.json()
        except Exception:
            return
        if isinstance(answer, dict) and answer.get('error'):
            rpc_errors.append((data[:300], answer['error']))

    with browser_page(browser, web_server, failure, width=1440,
            height=900) as (page, errors):
        page.on('response', watch)
        # sao catches the exceptions of its promises (jQuery.Deferred) and
        # logs them as console warnings: client errors all the same
        page.on('console', lambda message: errors.append(message.text)
            if 'exception' in message.text.lower() else None)
        sao = Sao(page, web_server)
        sao.login('browser.rep', PASSWORD)
        with page.expect_response(rpc_matcher('model.crm.report.search')):
            _open_reports(sao)
        pane = page.locator(ACTIVE)
        names = _cells(pane, "Name")
        shown = _wait_for_texts(page, names, expected_reports)
        assert sorted(shown) == expected_reports, (shown, rpc_errors)
        assert REP_REPORT in shown
        assert OTHER_REPORT not in shown
        page.screenshot(path=str(shots['list']))
        # The Mine tab: its report alone
        _rows(pane, stale=False).evaluate_all(
            "els => els.forEach(e => e.setAttribute('data-crm-stale', '1'))")
        with page.expect_response(rpc_matcher('model.crm.report.search')):
            sao.click_domain_tab("Mine")
        assert _wait_for_texts(page, names, [REP_REPORT]) == [REP_REPORT]

        tabs = page.locator('#tablist li[id^="nav-"] a')
        before = tabs.count()
        row = _rows(pane).filter(has_text=REP_REPORT)
        with page.expect_response(rpc_matcher(
                    'model.crm.report.result.point.search')):
            row.locator('td[data-title="Name: "]').dblclick()
        # Two tabs: the result's list and its chart (sao adds each tab as
        # its views arrive: their order varies, each is clicked)
        list_tab = page.locator('#tablist li[id^="nav-"] a',
            has_text=f"{REP_REPORT} ({len(REP_ACCOUNTS)})")
        chart_tab = page.locator('#tablist li[id^="nav-"] a',
            has_text=f"{REP_REPORT} (Chart)")
        expect(list_tab).to_have_count(1)
        expect(chart_tab).to_have_count(1)
        expect(tabs).to_have_count(before + 2)

        # The chart: a pie (billboard.js draws SVG), a slice per group
        chart_tab.click()
        pane = page.locator(ACTIVE)
        expect(pane.locator('.graph').first).to_be_visible()
        assert sao.current('screen.model_name') == 'crm.report.result.point'
        assert sao.current('screen.current_view.view_type') == 'graph'
        chart = pane.locator('svg')
        chart.first.wait_for()
        slices = pane.locator('svg .bb-chart-arcs path')
        slices.first.wait_for()
        assert slices.count() >= 1
        assert not pane.locator('svg .bb-chart-bars path').count()
        legend = pane.locator('svg .bb-legend-item')
        assert _wait_for_texts(page, legend, [group], svg=True) == [group]
        page.wait_for_load_state('networkidle')
        page.screenshot(path=str(shots['chart']))

        # The list: headed by the report's columns
        list_tab.click()
        pane = page.locator(ACTIVE)
        assert sao.current('screen.model_name') == 'crm.report.result.line'
        header = pane.locator('table.tree > thead > tr > th:visible')
        expect(header.filter(has_text=HEADINGS[-1])).to_have_count(1)
        headings = [h.strip() for h in header.all_inner_texts()]
        assert [h for h in headings if h] == HEADINGS, (
            headings, rpc_errors)
        rows = _rows(pane)
        deadline = time.monotonic() + 30
        # (the rows, unless sao fails to draw them: it logs the exception)
        while not (rows.count() or errors) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        page.screenshot(path=str(shots['result']))
        assert rows.count() and not errors, (
            "sao drew no line of the result", errors, rpc_errors)
        # The rep's accounts, the subtotal of its group, the total
        expected_rows = len(REP_ACCOUNTS) + 2
        expect(rows).to_have_count(expected_rows)
        texts = {heading: [t.strip() for t in
                _cells(pane, heading).all_inner_texts()]
            for heading in HEADINGS}
        assert texts["Name"] == [*REP_ACCOUNTS, '', ''], texts
        assert not set(OTHER_ACCOUNTS) & set(texts["Name"]), texts
        assert texts["Assigned To"] == [group] * len(REP_ACCOUNTS) + [
            '', ''], texts
        assert texts["Group"] == [group] * (len(REP_ACCOUNTS) + 1) + [
            "Total"], texts
        assert texts["Records"] == [''] * len(REP_ACCOUNTS) + [
            str(len(REP_ACCOUNTS))] * 2, texts
        # (subtotals green, the total yellow: the list's visual)
        classes = [rows.nth(i).get_attribute('class') or ''
            for i in range(expected_rows)]
        assert [('success' in c, 'warning' in c) for c in classes] == [
            (False, False)] * len(REP_ACCOUNTS) + [
            (True, False), (False, True)], classes
        page.wait_for_load_state('networkidle')
        page.screenshot(path=str(shots['result']))
        failure.unlink(missing_ok=True)
        assert not errors, errors
        assert not rpc_errors, json.dumps(rpc_errors, default=str)

    # The result the run kept is the rep's own: browser.other reads none
    rep = JsonRpc(web_server.url, web_server.database)
    rep.login('browser.rep', PASSWORD)
    try:
        results = rep.model('crm.report.result', 'search_read', [
                ('report', '=', reports['rep'])], 0, None, None,
            ['count', 'headings'])
    finally:
        rep.logout()
    assert [(r['count'], r['headings']) for r in results] == [
        (len(REP_ACCOUNTS), "Name\nAssigned To")]
    other = JsonRpc(web_server.url, web_server.database)
    other.login('browser.other', PASSWORD)
    try:
        assert other.model('crm.report.result', 'search_count', [
                ('report', '=', reports['rep'])]) == 0
        assert other.model('crm.report', 'search_count', [
                ('name', '=', REP_REPORT)]) == 0
    finally:
        other.logout()
    for path in shots.values():
        check_screenshot(path)
