# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Every CRM form, opened, closed and saved in sao, stores what was typed
and nothing else (the round trip of tests/test_browser_forms_*.py).

Generated, not listed: the forms are the window actions of the CRM menu
that the user sees and that have a form view (accounts, contacts, leads,
potentials, quotas, and whatever a later module adds to the menu).  For a
sales rep, a sales manager and a support rep of the demo data
(``scripts/demo_data.py`` at a small scale, on a copy of the cached
database), each form (a model and its form view) makes the round trip
once, from one of the menu entries that open it (the first whose window
has no domain of its own, else the first: Quotes and Sales Orders share
the form of sales); every other menu entry is opened, each tab of its
list shown and its rows loaded, and closed (no error, no question).  The
round trip of a form:

1. from every tab of its list (Mine, All ...), the first row is opened by
   a double click and the tab closed: sao must not ask whether to save a
   record nobody touched, and the stored record must not change;
2. the record of the list with most fields filled (its empty fields are
   first filled over RPC, as far as the server accepts them) is opened,
   closed (no question, nothing changed), opened again; one harmless
   text field is changed and saved: over RPC only that field, and the
   fields the server computes from it, differ from before;
3. from that form, every link (Many2One) to a record of a CRM form opens
   the CRM form of its record type, and saving (or closing) it untouched
   leaves the linked record as it was (a link to a record the user may
   not read, such as an account owned by someone else, is not opened:
   the server refuses to read it, as it should).

A failure names the user, the form, the tab or field and the difference;
screenshots of each form go to $CRM_SCREENSHOTS (default screenshots/).
"""
import collections
import datetime
import functools
import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, ROOT, Database, JsonRpc, RpcError,
    addons_hash, clean_env, database_uri, tree_hash)
from sao_testing import TIMEOUT, Sao, screenshot_dir, serving


DEMO_PASSWORD = 'crm-demo-2026'
DEMO_SCALE = '0.2'
#: Written by the server on any save, never typed
WRITE_FIELDS = {'write_date', 'write_uid', 'last_modified_at', '_timestamp'}
#: The types of field the harmless change may use, in order of preference
#: (a figure only where no free text is: quotas)
TYPED = {'text': 0, 'char': 1, 'numeric': 2, 'integer': 3}
#: Text fields a user types free text in, tried first for the harmless
#: change (a field with a syntax, such as an e-mail or a key metric's
#: PYSON search, is never chosen)
SYNTAX_WORDS = ('email', 'website', 'phone', 'mobile', 'fax', 'url', 'code',
    'number', 'vat', 'iban', 'name', 'domain')


def _build_demo(workdir):
    """A copy of the cached database with the demo data loaded (cached
    beside it in DB_CACHE)."""
    from crm_core.tests.activation import db_cache_lock
    database = Database(workdir, database_uri(), name='crm_demo_forms')
    cache_dir = os.environ.get('DB_CACHE') or None
    if database.backend != 'sqlite' or not cache_dir:
        cache = None
    else:
        # (keyed by the scripts too: they build the demo)
        scripts = tree_hash(ROOT / 'scripts')
        cache = os.path.join(cache_dir,
            f'crm-demo-{DEMO_SCALE}-{addons_hash()}-{scripts}.sqlite')
    target = database.path / f'{database.name}.sqlite' if database.path \
        else None
    with db_cache_lock(f'crm-demo-forms-{database.backend}'):
        if cache and os.path.exists(cache):
            shutil.copyfile(cache, target)
            return database
        with db_cache_lock(f'crm_testing.Database-{database.backend}'):
            database.build(cache_dir)
        result = subprocess.run(
            [sys.executable, str(ROOT / 'scripts' / 'demo_data.py'),
                '--config', database.config, '--database', database.name,
                '--scale', DEMO_SCALE],
            env=clean_env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if result.returncode:
            database.drop()
            raise RuntimeError(f"demo data failed:\n{result.stdout}")
        if cache:
            shutil.copyfile(target, cache + f'.{os.getpid()}.tmp')
            os.replace(cache + f'.{os.getpid()}.tmp', cache)
    return database


class RunningServer:
    "A server started by hand (CRM_FORMS_URL=http://host:port/database)"

    def __init__(self, url):
        self.url, _, self.database = url.rstrip('/').rpartition('/')

    def log(self):
        return ''


@pytest.fixture(scope='module')
def demo_server(sao_dir, tmp_path_factory):
    """A server of the demo data at a small scale; or, to look at a demo
    started with make demo, the one of CRM_FORMS_URL (with
    CRM_FORMS_ADMIN_PASSWORD)"""
    if os.environ.get('CRM_FORMS_URL'):
        yield RunningServer(os.environ['CRM_FORMS_URL'])
        return
    workdir = tmp_path_factory.mktemp('browser_forms')
    with serving(_build_demo(workdir), workdir, sao_dir) as server:
        yield server


@pytest.fixture(scope='module')
def admin(demo_server):
    rpc = JsonRpc(demo_server.url, demo_server.database)
    rpc.login(ADMIN_LOGIN, os.environ.get(
            'CRM_FORMS_ADMIN_PASSWORD') or ADMIN_PASSWORD)
    yield rpc
    rpc.logout()


def check_forms(browser, server, admin, login, expected):
    """The round trip of every CRM form by login, among which those of the
    models expected at least (later modules add), and the list of every
    other menu entry: fails on what it found (one test module per login,
    so that they run side by side)"""
    checker = FormRoundTrip(browser, server, admin, login)
    try:
        checker.sao.login(login, DEMO_PASSWORD)
        models = {form.model for form in checker.forms}
        assert set(expected) <= models, models
        trips = round_trips(checker.forms)
        for form in checker.forms:
            if form in trips:
                ids = checker.check_tabs(form)
                checker.check_edit(form, ids)
            else:
                checker.check_list(form)
        assert not checker.errors, checker.errors
    except Exception:
        checker.page.screenshot(path=str(
                screenshot_dir() / f'failure-forms-{login}.png'))
        print("server log:", server.log()[-3000:])
        raise
    finally:
        checker.close()
    assert not checker.failures, '\n'.join(checker.failures)


#: A window action of the CRM menu with a form: its menu entry (id and
#: path), the action (id, model, form views, its own domain)
Form = collections.namedtuple(
    'Form', ['menu', 'path', 'action', 'model', 'views', 'domain'])


def crm_forms(rpc):
    """The CRM forms the user of rpc sees: a Form of each window action
    under the CRM menu with a form, in the order of the menu."""
    crm, = rpc.model('ir.ui.menu', 'search', [
            ('name', '=', 'CRM'), ('parent', '=', None)], 0, 1, None)
    menus = rpc.model('ir.ui.menu', 'search_read', [
            ('parent', 'child_of', [crm])],
        0, None, None, ['complete_name', 'action'])
    forms = []
    for menu in menus:
        model, _, action_id = (menu['action'] or '').partition(',')
        if model != 'ir.action.act_window':
            continue
        [action] = rpc.model('ir.action.act_window', 'read', [
                int(action_id)], ['res_model', 'views', 'domain'])
        views = tuple(
            view_id for view_id, type_ in action['views'] if type_ == 'form')
        if action['res_model'] and views:
            forms.append(Form(menu['id'], menu['complete_name'],
                    int(action_id), action['res_model'], views,
                    action['domain'] or ''))
    return forms


def round_trips(forms):
    """The forms that make the round trip: one per model and form view,
    the first whose window has no domain of its own, else the first (the
    others open the same form on fewer records)"""
    chosen = {}
    for form in forms:
        key = (form.model, form.views)
        if key not in chosen or (
                chosen[key].domain not in {'', '[]'}
                and form.domain in {'', '[]'}):
            chosen[key] = form
    return set(chosen.values())


@functools.lru_cache(maxsize=None)
def stored_names(rpc, model):
    """The fields of model read by stored_values (the definitions do not
    change during a test: asked once per session and model)"""
    definitions = rpc.model(model, 'fields_get', None)
    return sorted(n for n, f in definitions.items()
        if not (f['type'] == 'timedelta' and f.get('readonly')))


def stored_values(rpc, model, record_id):
    """The values read of record_id, but those that change on every read
    and the durations computed from the time of the read"""
    names = stored_names(rpc, model)
    first, = rpc.model(model, 'read', [record_id], names)
    second, = rpc.model(model, 'read', [record_id], names)
    # (durations and flags computed from the time of the read)
    return {name: value for name, value in first.items()
        if second.get(name) == value}


def differences(before, after, allowed=()):
    return {name: (before[name], after.get(name)) for name in before
        if name not in allowed and name in after
        and after[name] != before[name]}


def _sample(rpc, field):
    "A value of the type of field for a filled record, None if none"
    type_ = field['type']
    if type_ in {'char', 'text'}:
        return "Filled by the form test"
    if type_ == 'integer':
        return 7
    if type_ == 'float':
        return 0.25
    if type_ == 'numeric':
        return Decimal('12.50')
    if type_ == 'date':
        return datetime.date.today()
    if type_ == 'datetime':
        return datetime.datetime.now().replace(microsecond=0)
    if type_ == 'selection' and isinstance(field.get('selection'), list):
        keys = [k for k, _ in field['selection'] if k]
        return keys[-1] if keys else None
    if type_ == 'many2one':
        # (search_read: ir.calendar.day's search over RPC answers records,
        # which the server cannot send)
        try:
            found = rpc.model(
                field['relation'], 'search_read', [], 0, 1, None, ['id'])
        except RpcError:
            return None
        return found[0]['id'] if found else None
    return None


def fill_empty_fields(admin, model, record_id, names, user):
    """Fill the empty fields among names of the record, one by one, with
    what the server accepts (a value refused by a check stays empty) and
    what leaves the record to the user (an owner set on a shared record,
    such as a standard report, would hide it: emptied again)."""
    definitions = admin.model(model, 'fields_get', names)
    values, = admin.model(model, 'read', [record_id], list(definitions))
    for name, field in definitions.items():
        if values.get(name) not in (None, '', False) or field.get(
                'readonly') or field['type'] == 'boolean':
            continue
        value = _sample(admin, field)
        if value is None:
            continue
        try:
            admin.model(model, 'write', [record_id], {name: value})
        except RpcError:
            continue
        if not user.model(model, 'search', [('id', '=', record_id)],
                0, 1, None, context={'active_test': False}):
            admin.model(model, 'write', [record_id], {name: values[name]})


class FormRoundTrip:
    "The gestures of one user on the CRM forms, and what they found"

    def __init__(self, browser, server, admin, login):
        self.admin = admin
        self.login = login
        self.user = JsonRpc(server.url, server.database)
        self.user.login(login, DEMO_PASSWORD)
        self.forms = crm_forms(self.user)
        self.context = browser.new_context(
            viewport={'width': 1440, 'height': 900})
        self.context.set_default_timeout(TIMEOUT)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on('pageerror', lambda error: self.errors.append(
                f'{error}\n{error.stack}'))
        self.sao = Sao(self.page, server)
        self.server = server
        self.failures = []
        # The requests sao has on the way (see settle)
        self.pending = 0
        self.page.on('request', self._sent)
        self.page.on('requestfinished', self._answered)
        self.page.on('requestfailed', self._answered)

    def _sent(self, request):
        self.pending += 1

    def _answered(self, request):
        self.pending -= 1

    def close(self):
        self.context.close()
        self.user.logout()

    def fail(self, form, what, detail):
        self.failures.append(f"{self.login}, {form.path}: {what}: {detail}")

    def settle(self, quiet=0.4, timeout=TIMEOUT / 1000):
        """Wait until sao has no request on the way for quiet seconds (it
        loads a list, a record, its links in turn)"""
        deadline = time.monotonic() + timeout
        since = time.monotonic()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            if self.pending:
                since = time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
        raise TimeoutError(f"sao still busy after {timeout} s")

    def open_form_action(self, form):
        "Run the menu entry of form as its click does"
        print(self.login, form.path, "open")
        menu_id = form.menu
        self.page.evaluate(
            "id => Sao.Action.exec_keyword('tree_open', "
            "{'model': 'ir.ui.menu', 'id': id})", menu_id)
        self.sao.pane.locator('.screen-container').first.wait_for()
        self.settle()

    def domain_tabs(self):
        return self.sao.pane.locator(
            '.tab-domain > ul.nav-tabs a[role="tab"]').all_inner_texts()

    def show_domain_tab(self, index):
        "Click the index-th tab of the list (Mine, All ...) and wait"
        self.sao.pane.locator(
            '.tab-domain > ul.nav-tabs a[role="tab"]').nth(index).click()
        self.settle()

    def close_tab_asked(self):
        """Close the current tab; tell if sao asks whether to save (the
        tab then stays open until answer_no)"""
        count = self.page.locator('li[id^="nav-"]').count()
        self.sao.close_tab()
        # (the tab closes, or sao asks once it stored the list state: wait
        # for either, not for a question that does not come)
        self.page.wait_for_function(
            "([count, text]) => document.querySelectorAll("
            "'li[id^=\"nav-\"]').length < count || [...document"
            ".querySelectorAll('.modal-dialog')].some("
            "d => d.offsetParent && d.innerText.includes(text))",
            arg=[count, 'has been modified'])
        return bool(self.page.locator(
                '.modal-dialog:visible', has_text='has been modified').count())

    def answer_no(self):
        """Answer No to the question of close_tab_asked: the tab (still
        open while sao asks) closes"""
        count = self.page.locator('li[id^="nav-"]').count()
        self.page.locator(
            '.modal-dialog:visible', has_text='has been modified').locator(
            'button', has_text='No').click()
        self.page.wait_for_function(
            "count => document.querySelectorAll("
            "'li[id^=\"nav-\"]').length < count", arg=count)

    def close_untouched(self, form, where, model, record_id, before):
        """Close the tab of the form of record_id: no question, and the
        record as before"""
        print(self.login, form.path, where, "close")
        if self.close_tab_asked():
            modified = self.sao.current(
                'Object.keys(screen.current_record.modified_fields)')
            self.page.screenshot(path=str(screenshot_dir() / (
                        f'failure-forms-{self.login}-{form.action}.png')))
            self.fail(form, where,
                f"asks to save a record nobody changed ({modified})")
            self.answer_no()
            self.settle()
        after = stored_values(self.admin, model, record_id)
        changed = differences(before, after)
        if changed:
            self.fail(form, where, f"closing changed {changed}")

    def no_dialog(self, form, where):
        "Fail on a dialog (an error, a warning) sao shows; close it"
        dialogs = self.page.locator('.modal-dialog:visible')
        for _ in range(5):
            # (a dialog fading out is no dialog)
            self.page.wait_for_timeout(300)
            texts = dialogs.all_inner_texts()
            if not texts:
                break
            dialog = dialogs.last
            self.page.screenshot(path=str(screenshot_dir() / (
                        f'failure-forms-{self.login}-{form.action}'
                        '-dialog.png')))
            self.fail(form, where, "sao says: " + ' '.join(
                    texts[-1].split()))
            buttons = dialog.locator('button:visible')
            for label in ['Cancel', 'Close', 'OK', 'No']:
                button = buttons.filter(has_text=label)
                if button.count():
                    button.first.click()
                    break
            else:
                self.page.keyboard.press('Escape')
            self.settle()

    def wait_form_dialog_closed(self, timeout=10):
        """Wait until the dialog of a linked record's form closed (on a
        loaded machine its fading out outlasts no_dialog's wait) or shows
        a message over it (which no_dialog reports)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.page.evaluate(
                "() => { const shown = [...document.querySelectorAll("
                "'.modal-dialog')].filter(d => d.offsetParent); "
                "return !shown.length "
                "|| !shown[shown.length - 1].querySelector('.form'); }"):
            self.page.wait_for_timeout(50)

    def wait_form(self):
        "Wait for the form of a record in the current tab"
        self.page.wait_for_function(
            "() => { const screen = Sao.Tab.tabs.get_current().screen; "
            "return screen.current_view && screen.current_record "
            "&& screen.current_view.view_type == 'form'; }")
        self.settle()

    def open_row(self):
        """Double-click the first row of the list on a cell that is no link
        (and not empty: an empty cell has no size to click, e.g. the number
        of a draft quote); where a double click runs the record's action
        instead (keyword_open: a saved report runs, a key metric opens
        the records it counts), select the row and switch to the form"""
        row = self.sao.pane.locator('table.tree > tbody > tr').first
        cell = row.locator(', '.join(
                f'td:visible:not(.selection-state) div.column-{kind}:visible'
                for kind in [
                    'char', 'integer', 'date', 'selection', 'numeric'])
            ).first
        if self.sao.current(
                "screen.current_view.attributes.keyword_open == 1"):
            cell.click()
            self.page.wait_for_function(
                "() => !!Sao.Tab.tabs.get_current().screen.current_record")
            self.sao.pane.locator('button#switch_:visible').click()
        else:
            cell.dblclick()
        self.wait_form()
        return self.sao.current('screen.current_record.id')

    def list_ids(self):
        "The ids of the first 30 records of the list of the current tab"
        return self.sao.current(
            'screen.group.map(r => r.id).filter(i => i >= 0).slice(0, 30)')

    def check_tabs(self, form):
        """Step 1: the first row of each tab, opened and closed; the ids of
        the first records of the first tab, else of the last tab"""
        model = form.model
        self.open_form_action(form)
        tabs = self.domain_tabs() or [None]
        ids = []
        for index, tab in enumerate(tabs):
            if index:
                self.open_form_action(form)
            if tab:
                self.show_domain_tab(index)
            if index in {0, len(tabs) - 1} and not ids:
                ids = self.list_ids()
            if not self.sao.pane.locator(
                    'table.tree > tbody > tr').count():
                self.close_list(form, f"tab {tab!r}")
                continue
            if self.sao.current('screen.group.length') == 0:
                self.close_list(form, f"tab {tab!r}")
                continue
            record_id = self.open_row()
            before = stored_values(self.admin, model, record_id)
            self.close_untouched(
                form, f"tab {tab!r}, record {record_id}", model, record_id,
                before)
        return ids

    def check_list(self, form):
        """The list of a menu entry whose form made the round trip from
        another entry: each tab shows its rows, without error, and the tab
        closes without a question"""
        self.open_form_action(form)
        tabs = self.domain_tabs() or [None]
        for index, tab in enumerate(tabs):
            where = f"list, tab {tab!r}"
            if index:
                self.show_domain_tab(index)
            if self.page.locator('.modal-dialog:visible').count():
                self.no_dialog(form, where)
            view_type, count, loaded = self.sao.current(
                "[screen.current_view.view_type, screen.group.length, "
                "screen.group.slice(0, 1).every(r => !r.exception "
                "&& Object.keys(r._loaded).length > 0)]")
            if view_type != 'tree' or not count:
                continue
            rows = self.sao.pane.locator('table.tree > tbody > tr').count()
            if not rows or not loaded:
                self.fail(form, where,
                    f"{count} records but {rows} rows shown"
                    + ("" if loaded else ", the first not loaded"))
        self.close_list(form, "list")

    def close_list(self, form, where):
        "Close the tab of a list nobody changed: no question"
        if self.close_tab_asked():
            self.fail(form, where, "closing the list asks to save")
            self.answer_no()

    def fullest_record(self, form, ids):
        """The record with the most fields filled among ids, the first
        records of a list the user sees; the records of the users before
        those the modules load (created by root: their loaded fields are
        base configuration, which no user changes, e.g. a standard report
        folder's description)"""
        if not ids:
            return None
        names = list(self.user.model(form.model, 'fields_get', None))
        rows = self.admin.model(form.model, 'read', ids, names)
        rows = [r for r in rows if r.get('create_uid') != 0] or rows
        return max(rows, key=lambda row: sum(
                1 for v in row.values() if v not in (None, '', False, [])))[
            'id']

    def open_record(self, form, record_id):
        "Open the form of record_id in the list of form's action"
        self.open_form_action(form)
        # (a read sao fails on leaves its promise pending: fail, not hang)
        self.page.evaluate(
            "([id, timeout]) => { "
            "const screen = Sao.Tab.tabs.get_current().screen; "
            # (a calendar loads the records of its period only: from the
            # list the record opens as from a list)
            "const ready = screen.current_view.view_type == 'calendar' ? "
            "screen.switch_view('tree') : Promise.resolve(); "
            "return Promise.race([ready.then(() => screen.load([id])).then("
            "() => { "
            "screen.current_record = screen.group.get(id); "
            "return screen.switch_view('form'); }), "
            "new Promise((_, reject) => setTimeout(() => reject(new Error("
            "'sao did not open record ' + id)), timeout))]); }",
            [record_id, TIMEOUT])
        self.wait_form()
        assert self.sao.current('screen.current_record.id') == record_id

    def harmless_field(self, model, values):
        """A field of the form the user may edit, the value to type in it
        and the value to find stored: free text first, else a figure, else
        translated free text (stored in the user's language: only when the
        admin reads in the same, e.g. the description of a report folder)"""
        names = self.sao.current(
            "Object.keys(screen.current_view.widgets)")
        definitions = self.user.model(model, 'fields_get', names)
        same_language = (self.user.context.get('language')
            == self.admin.context.get('language'))
        candidates = []
        for name in names:
            field = definitions.get(name)
            if not field or any(w in name for w in SYNTAX_WORDS):
                continue
            translated = bool(field.get('translate'))
            if translated and not same_language:
                continue
            rank = TYPED.get(field['type'])
            if rank is None or (field.get('required') and rank < 2):
                continue
            rank += len(TYPED) if translated else 0
            tag = 'textarea' if field['type'] == 'text' else 'input'
            widget = self.sao.pane.locator(
                f'.form {tag}[name="{name}"]').first
            if widget.count() and widget.is_visible() \
                    and widget.is_editable():
                candidates.append((rank, name, widget))
        if not candidates:
            return None
        _, name, widget = min(candidates, key=lambda c: c[:2])
        before = values.get(name)
        if definitions[name]['type'] in {'char', 'text'}:
            typed = stored = f"{before or ''} (checked)".strip()
        else:
            stored = (before or 0) + 1
            typed = str(stored)
        return name, widget, typed, stored

    def editable_typed_fields(self, model):
        "The fields of the open form whose text or figure the user may edit"
        widgets = self.sao.pane.locator(
            '.form input:visible:enabled:not([readonly]), '
            '.form textarea:visible:enabled:not([readonly])')
        names = {widgets.nth(i).get_attribute('name')
            for i in range(widgets.count())} - {None}
        if not names:
            return set()
        # (fields_get of no name gives every field)
        definitions = self.user.model(model, 'fields_get', sorted(names))
        return {n for n, f in definitions.items() if f['type'] in TYPED}

    def check_edit(self, form, ids):
        """Step 2: the fullest record among ids opened, closed, reopened and
        saved"""
        model = form.model
        record_id = self.fullest_record(form, ids)
        if record_id is None:
            self.fail(form, "data", "the user sees no record to open")
            return
        names = self.admin.model(
            model, 'fields_view_get', None, 'form')['fields']
        fill_empty_fields(
            self.admin, model, record_id, list(names), self.user)
        before = stored_values(self.admin, model, record_id)
        self.open_record(form, record_id)
        self.page.screenshot(path=str(screenshot_dir() / (
                    f'forms-{self.login}-{model}.png')))
        self.close_untouched(
            form, f"record {record_id}", model, record_id, before)

        self.open_record(form, record_id)
        choice = self.harmless_field(model, before)
        if choice is None:
            editable = self.editable_typed_fields(model)
            if editable:
                self.fail(form, "edit",
                    f"no field to change among {sorted(editable)}")
            # (else the form is read only for the user, or only its
            # relations are editable (the payees of a posted invoice):
            # nothing to type and save)
            self.sao.close_tab()
            self.settle()
            return
        name, widget, typed, stored = choice
        self.sao.type_into(widget, name, typed)
        self.sao.pane.locator('button#save:visible').click()
        self.settle()
        self.no_dialog(form, f"saving {name}")
        after = stored_values(self.admin, model, record_id)
        definitions = self.admin.model(model, 'fields_get', None)
        computed = {n for n, f in definitions.items()
            if name in (f.get('depends') or [])}
        if after.get(name) != stored:
            self.fail(form, f"edit {name}",
                f"stored {after.get(name)!r}, typed {typed!r}")
        changed = differences(
            before, after, {name, 'rec_name'} | WRITE_FIELDS | computed)
        if changed:
            self.fail(form, f"edit {name}", f"also changed {changed}")
        self.close_untouched(
            form, f"record {record_id} once saved", model, record_id, after)

        self.open_record(form, record_id)
        self.check_links(form, record_id)
        self.close_after_links(form, model, record_id, after)

    def close_after_links(self, form, model, record_id, before):
        """Close the form whose links were opened and saved: saving a link
        sets it again and runs its on_change (the host's party of an
        opportunity sets its payment term), so sao may ask; answered No,
        the record must be as before"""
        if self.close_tab_asked():
            self.answer_no()
        self.settle()
        changed = differences(
            before, stored_values(self.admin, model, record_id))
        if changed:
            self.fail(form, "links", f"changed {changed}")

    @functools.cached_property
    def crm_form_views(self):
        "{model: {form view id: field names}} of the CRM forms"
        views = {}
        for form in self.forms:
            model_views = views.setdefault(form.model, {})
            for view_id in form.views:
                if view_id not in model_views:
                    view = self.user.model(
                        form.model, 'fields_view_get', view_id, 'form')
                    model_views[view_id] = set(view['fields'])
        return views

    def check_links(self, form, record_id):
        "Step 3: the links of the form open the CRM forms, unchanged"
        views = self.crm_form_views
        model = form.model
        definitions = self.user.model(model, 'fields_get', None)
        for name, field in definitions.items():
            if field['type'] != 'many2one' or field['relation'] not in views:
                continue
            button = self.sao.pane.locator(
                f'.form div.form-many2one:has(input[name="{name}"]) '
                'button[title="Open the record"]').first
            if not button.count() or not button.is_visible():
                continue
            target_id = self.sao.current(
                f"screen.current_record.field_get('{name}')")
            if not target_id:
                continue
            relation = field['relation']
            # (sao offers to open a linked record the user may not read,
            # e.g. an account owned by someone else, named by its
            # placeholder: the server refuses to read it, nothing to check)
            if not self.user.model(relation, 'search', [
                        ('id', '=', target_id)], 0, 1, None,
                    context={'active_test': False}):
                print(self.login, form.path, f"link {name}",
                    f"{relation},{target_id} hidden: not opened")
                continue
            before = stored_values(self.admin, relation, target_id)
            button.click()
            dialog = self.page.locator('.modal-dialog:visible').last
            dialog.locator('.form').first.wait_for()
            self.settle()
            # (the widgets of the form itself, not of its lists)
            shown = set(dialog.locator(
                    'input[name], select[name], textarea[name]'
                    ).evaluate_all(
                    "els => els.filter(e => !e.closest("
                    "'.form-one2many, .form-many2many, table.tree'))"
                    ".map(e => e.getAttribute('name'))"))
            if not any(shown <= fields and shown
                    for fields in views[relation].values()):
                self.page.screenshot(path=str(screenshot_dir() / (
                            f'failure-forms-{self.login}-{model}-{name}.png')))
                self.fail(form, f"link {name}",
                    f"opens a form that is no CRM form of {relation}")
            # Save (Close when the user may not change it), as a user who
            # looked and changed nothing
            buttons = dialog.locator('.modal-footer button:visible')
            save = buttons.filter(has_text='Save')
            (save if save.count() else buttons.filter(
                    has_text='Close')).last.click()
            self.settle()
            self.wait_form_dialog_closed()
            self.no_dialog(form, f"link {name}")
            after = stored_values(self.admin, relation, target_id)
            changed = differences(before, after)
            if changed:
                self.fail(form, f"link {name}", f"saving changed {changed}")
