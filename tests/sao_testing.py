# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""What the browser tests share: headless Chromium, sao and its gestures.

Requirements: /usr/bin/chromium (Debian package), the playwright Python
package (its own browsers are not used) and sao in <repo>/sao
(scripts/sao.sh; scripts/test.sh runs it).  When one is missing the tests
are skipped, or fail when CI=true.

A test module imports the fixtures it uses (``sao_dir``, ``browser``)
from here; each module gets its own browser and server, so that
pytest-xdist runs the browser modules side by side.
"""
import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from crm_testing import ROOT, Server

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic']
SAO_DIR = ROOT / 'sao'
TIMEOUT = 30_000  # ms, for every Playwright wait
#: Clicks on a widget until it has the focus (Sao.type_into)
FOCUS_ATTEMPTS = 3
#: The rows of the menu shown for a path of entry names: their indexes in
#: the menu's table, the first the first shown of its name, each next
#: one a child of the one before (one deeper: sao indents a row's
#: expander by its depth, in em)
MENU_PATH_JS = """path => {
    const rows = [...document.querySelectorAll('#menu table.tree > tbody > tr')]
        .filter(row => row.offsetParent !== null)
        .map(row => {
            const cell = row.querySelector('div.column-char');
            const img = row.querySelector('.expander img');
            return {
                row: row,
                title: cell && cell.getAttribute('title'),
                depth: img ? parseFloat(img.style.marginLeft || '0') : 0};
        });
    const all = [...document.querySelectorAll('#menu table.tree > tbody > tr')];
    const found = [];
    let start = 0, depth = null;
    for (const name of path) {
        let index = -1;
        for (let i = start; i < rows.length; i++) {
            if (depth !== null && rows[i].depth <= depth) {
                break;
            }
            if (rows[i].title == name
                    && (depth === null || rows[i].depth == depth + 1)) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            break;
        }
        found.push(index);
        start = index + 1;
        depth = rows[index].depth;
    }
    return found.map(i => all.indexOf(rows[i].row));
}"""
#: The selector of the pane of the current tab
ACTIVE = '#tabcontent .tab-pane.active'


def unavailable(reason):
    if os.environ.get('CI') == 'true':
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


def _sao_installed():
    return ((SAO_DIR / 'index.html').exists()
        and (SAO_DIR / 'node_modules').is_dir())


@pytest.fixture(scope='module')
def sao_dir():
    "sao installed in <repo>/sao, by scripts/sao.sh when missing"
    if not _sao_installed():
        result = subprocess.run(
            [str(ROOT / 'scripts' / 'sao.sh')], text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if result.returncode or not _sao_installed():
            unavailable(
                "sao is not installed and scripts/sao.sh failed: "
                + result.stdout.strip()[-500:])
    return SAO_DIR


@pytest.fixture(scope='module')
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            f"{CHROMIUM} is missing (apt-get install -y chromium; "
            "scripts/test.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    from playwright.sync_api import expect
    # expect() waits 5 s by default, which a wizard opening on a loaded
    # CI machine can exceed: its assertions wait as long as the rest
    expect.set_options(timeout=TIMEOUT)
    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh temporary profile
        # (user-data-dir) and each context fresh cookies and storage.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serving(database, workdir, sao_dir):
    "A trytond serving sao and database, dropped with it at the end"
    try:
        server = Server(database, workdir, web_root=sao_dir)
        try:
            yield server
        finally:
            server.stop()
    finally:
        database.drop()


@contextlib.contextmanager
def browser_page(browser, server, failure, width=1280, height=800):
    """Yield (page, errors) of a new browser context, errors collecting
    the page's client errors; on an exception, save a screenshot of the
    page at failure (a path) and print the errors and the server's log."""
    context = browser.new_context(
        viewport={'width': width, 'height': height})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    errors = []
    page.on('pageerror', lambda error: errors.append(
            f'{error}\n{error.stack}'))
    try:
        yield page, errors
    except Exception:
        page.screenshot(path=str(failure))
        print("page errors:", errors)
        print("server log:", server.log()[-3000:])
        raise
    finally:
        context.close()


def screenshot_dir():
    directory = Path(
        os.environ.get('CRM_SCREENSHOTS') or ROOT / 'screenshots')
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def rpc_matcher(method):
    "A predicate of the responses to the JSON-RPC calls of method"
    def match(response):
        data = response.request.post_data or ''
        return f'"method":"{method}"' in data.replace(' ', '')
    return match


def check_screenshot(path):
    assert path.is_file(), path
    assert path.stat().st_size > 0, path
    with open(path, 'rb') as image:
        assert image.read(8) == b'\x89PNG\r\n\x1a\n', path


class Sao:
    "The sao gestures of the tests, with the selectors in one place"

    def __init__(self, page, server):
        self.page = page
        self.server = server

    def login(self, login, password):
        from playwright.sync_api import expect
        page = self.page
        page.goto(self.server.url + '/')
        # One database served: sao fills it in (read-only input#database)
        # once common.db.list answers; a login submitted before that is
        # ignored by sao (no database), so wait for it.
        # When the server lists several databases (other tests' databases
        # on a PostgreSQL cluster) sao offers them in a select: pick ours.
        database = page.locator('input#database')
        try:
            expect(database).to_have_value(self.server.database)
        except AssertionError:
            choice = page.locator('select#database')
            choice.select_option(self.server.database)
            expect(choice).to_have_value(self.server.database)
        # sao 8 asks the login first, then the password in a second dialog.
        page.locator('input#login').fill(login)
        page.locator('input#login').press('Enter')
        password_entry = page.locator(
            'input#ask-dialog-entry[type="password"]')
        password_entry.fill(password)
        password_entry.press('Enter')
        # Logged in: the menu tree on the left shows its top entries.
        self.menu_entry('CRM').wait_for()

    def menu_entry(self, name):
        """The first entry name shown in the menu (CRM > Reports and CRM >
        Sales > Reports share a name: the unfolded one above comes first)"""
        return self.page.locator(
            f'#menu div.column-char[title="{name}"]:visible').first

    def open_menu(self, *path):
        """Click the menu entries of path as a person does: each folder
        not unfolded yet, then the last entry, which opens a tab.  The
        first entry is the first shown of its name (CRM, or a folder
        unfolded before: ``open_menu('Quotes')``); each next one is looked
        up under the one before (the depth of its row), not by its name
        alone: *Reports* is a folder of CRM, of Sales and of Support."""
        rows = self.page.locator('#menu table.tree > tbody > tr')
        found = self.menu_rows(path[:1])
        for depth in range(1, len(path)):
            prefix = path[:depth + 1]
            if len(self.page.evaluate(MENU_PATH_JS, list(prefix))) <= depth:
                # the folder above is folded: unfold it
                rows.nth(found[-1]).locator('div.column-char').click()
            found = self.menu_rows(prefix)
        rows.nth(found[-1]).locator('div.column-char').click()

    def menu_rows(self, path):
        "The indexes of the menu rows of path (MENU_PATH_JS), once shown"
        path = list(path)
        self.page.wait_for_function(
            f"path => ({MENU_PATH_JS})(path).length == path.length",
            arg=path)
        return self.page.evaluate(MENU_PATH_JS, path)

    @property
    def pane(self):
        return self.page.locator(ACTIVE)

    def tab_names(self):
        "The names of the domain tabs (Mine, All ...) of the current tab"
        return [t.strip() for t in self.pane.locator(
                '.tab-domain a[role="tab"], a[role="tab"]').all_inner_texts()]

    def click_domain_tab(self, name):
        self.pane.locator('a[role="tab"]', has_text=name).first.click()

    def current(self, expression):
        """Evaluate a JavaScript expression on the screen of the current
        tab, bound to `screen`."""
        return self.page.evaluate(
            "() => { const screen = Sao.Tab.tabs.get_current().screen; "
            f"return {expression}; }}")

    def type_into(self, widget, name, text):
        """Type text into the field name of the current form through its
        widget (a locator), as a person does, and leave the field: a
        figure shows in a text input that gives way to a number input on
        focus, and sao takes the value when the field loses the focus"""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        # (the number input is focused by a timeout of sao's focus
        # handler: typing before it lands in the hidden text input, which
        # the late focus then resets, a flake seen on a loaded machine; a
        # click on a form still being drawn may land on a widget that is
        # then replaced, and the focus never comes: click again)
        for attempt in range(FOCUS_ATTEMPTS):
            widget.click()
            try:
                self.page.wait_for_function(
                    "name => { const e = document.activeElement; "
                    "return e && e.getAttribute('name') === name "
                    "&& e.offsetParent !== null; }", arg=name,
                    timeout=TIMEOUT / FOCUS_ATTEMPTS)
                break
            except PlaywrightTimeout:
                if attempt == FOCUS_ATTEMPTS - 1:
                    raise
        self.page.keyboard.press('Control+A')
        self.page.keyboard.type(text)
        self.page.keyboard.press('Tab')

    def close_tab(self):
        "Click the close button of the current tab"
        self.page.locator(
            'li[id^="nav-"] > a[aria-expanded="true"] > button.close'
            ).first.click()

    def modified_prompt(self, timeout=1500):
        "The 'record modified' question of sao, if it shows"
        prompt = self.page.locator(
            '.modal-dialog:visible', has_text='has been modified')
        try:
            prompt.wait_for(timeout=timeout)
        except Exception:
            return None
        return prompt
