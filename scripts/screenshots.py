#!/usr/bin/env python3
# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Screenshots of the running demo as each role sees it.

Logs into sao in headless Chromium (Debian's package, driven by
Playwright) as each demo user, opens the screens of its role and saves
one PNG per screen in the output directory, to look at before calling a
feature done (not a test: it asserts only that each screen opened).

    make demo   # in another terminal
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000 \\
        --database crm_demo --out screenshots/demo
"""
import argparse
import base64
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))

from sao_testing import CHROMIUM, CHROMIUM_ARGS, Sao  # noqa: E402

PASSWORD = 'crm-demo-2026'
#: The demo's logins, each shot first as it lands after logging in
LOGINS = ['admin', 'director', 'sales.manager', 'sales.rep1', 'sales.rep2',
    'support.manager', 'support.rep', 'marketing.manager', 'marketing.user']
#: (login, menu path, tab or None, form: open the first record); an empty
#: path is the screen the user lands on
SCREENS = [(login, (), None, False) for login in LOGINS] + [
    ('sales.rep1', ('CRM', 'Sales', 'Leads'), 'My Leads', False),
    ('sales.rep1', ('CRM', 'Sales', 'Leads'), 'My Leads', True),
    ('sales.rep1', ('CRM', 'Sales', 'Potentials'), 'My Open', False),
    ('sales.rep1', ('CRM', 'Sales', 'Potentials'), 'My Open', True),
    ('sales.rep1', ('CRM', 'Sales', 'Forecasts'), None, False),
    ('sales.manager', ('CRM', 'Sales', 'Leads'), 'All', False),
    ('sales.manager', ('CRM', 'Sales', 'Potentials'), 'All', False),
    ('sales.manager', ('CRM', 'Sales', 'Forecasts'), None, False),
    ('sales.manager', ('CRM', 'Sales', 'Reports', 'Pipeline by Stage'),
        None, False),
    ('director', ('CRM', 'Sales', 'Potentials'), 'All', False),
    ('support.rep', ('CRM', 'Accounts'), 'All', False),
    ('support.rep', ('CRM', 'Contacts'), 'All', False),
    ('admin', ('CRM', 'Configuration', 'Roles and Sharing',
            'Sharing Rules'), None, False),
    ('admin', ('CRM', 'Configuration', 'Roles and Sharing',
            'Sharing Rules'), None, True),
    ('marketing.user', ('CRM', 'Contacts'), 'All', False),
    ('sales.manager', ('CRM', 'Sales', 'Reports', 'Time in Stage'),
        None, False),
    ('sales.manager', ('CRM', 'Sales', 'Reports', 'Pipeline by Month'),
        None, False),
    ('sales.manager', ('CRM', 'Sales', 'Reports',
            'Potentials by Lead Source'), None, False),
    ('sales.manager', ('CRM', 'Sales', 'Reports', 'Deal Size and Cycle'),
        None, False),
    ('sales.rep1', ('CRM', 'Sales', 'Quotes'), 'My Quotes', False),
    ('sales.rep1', ('CRM', 'Sales', 'Quotes'), 'My Quotes', True),
    ('sales.rep1', ('CRM', 'Sales', 'Sales Orders'), 'My Sales Orders',
        False),
    ('sales.rep1', ('CRM', 'Sales', 'Invoices'), 'My Invoices', False),
    ('sales.rep1', ('CRM', 'Sales', 'Invoices'), 'My Invoices', True),
    ('sales.manager', ('CRM', 'Sales', 'Quotes'), 'All', False),
    ('support.rep', ('CRM', 'Support', 'Tickets'), 'My Open', False),
    ('support.rep', ('CRM', 'Support', 'Tickets'), 'My Open', True),
    ('support.manager', ('CRM', 'Support', 'FAQ'), 'Published', False),
    ('support.manager', ('CRM', 'Support', 'FAQ'), 'To Verify', True),
    ('support.manager', ('CRM', 'Support', 'Reports', 'Tickets by Status'),
        None, False),
    ('support.manager', ('CRM', 'Support', 'Reports',
            'Response Times by Assignee'), None, False),
    ('support.rep', ('CRM', 'Support', 'Reports', 'Aged Open Tickets'),
        None, False),
    ('sales.rep1', ('CRM', 'Calendar', 'My Calendar'), None, False),
    ('sales.rep1', ('CRM', 'Calendar', 'Activities'), 'Overdue', False),
    ('sales.rep1', ('CRM', 'Calendar', 'Activities'), 'Due Today', False),
    ('sales.rep1', ('CRM', 'Calendar', 'Activities'), 'Upcoming', False),
    ('sales.rep1', ('CRM', 'Calendar', 'Activities'), 'Upcoming', True),
    ('sales.manager', ('CRM', 'Calendar', 'Team Calendar'), None, False),
    ]
#: (login, model, domain, file name): the documents printed as PDFs by
#: --documents, their first page kept as PNG (pdftoppm)
DOCUMENTS = [
    ('sales.rep1', 'sale.sale', [('state', '=', 'quotation'),
            ('crm_discount_type', '!=', None)], 'pdf-quote'),
    ('sales.rep1', 'sale.sale', [('state', '=', 'processing')],
        'pdf-sales-order'),
    ('sales.rep1', 'account.invoice', [('state', '=', 'posted')],
        'pdf-invoice'),
    ('sales.rep2', 'sale.sale', [('state', '=', 'quotation'),
            ('company.party.name', 'like', '%Sdn. Bhd.')], 'pdf-quote-my'),
    ]
ADMIN_PASSWORD = 'demo-admin'


class _Server:
    def __init__(self, url, database):
        self.url = url.rstrip('/')
        self.database = database


def shoot(page, server, login, path, tab, form, out):
    sao = Sao(page, server)
    sao.login(login, ADMIN_PASSWORD if login == 'admin' else PASSWORD)
    page.wait_for_timeout(2500)
    if path:
        sao.open_menu(*path)
        page.wait_for_timeout(1500)
    if tab:
        page.locator(
            '#tabcontent .tab-pane.active a[role="tab"]',
            has_text=tab).first.click()
        page.wait_for_timeout(1500)
    if path and path[-1].endswith('Calendar'):
        # (a whole month: the week view shows the night hours first)
        page.locator('#tabcontent .tab-pane.active button',
            has_text='month').first.click()
        page.wait_for_timeout(2000)
    if form:
        row = page.locator(
            '#tabcontent .tab-pane.active table.tree > tbody > tr').first
        # (on a cell of text: a link cell opens the linked record)
        cells = row.locator('td')
        for index in range(1, min(cells.count(), 8)):
            cell = cells.nth(index)
            if cell.is_visible() and not cell.locator('a').count() and (
                    cell.inner_text().strip()):
                cell.dblclick()
                break
        else:
            row.dblclick()
        page.wait_for_timeout(2000)
    name = '-'.join([login, *path[1:], tab or '', 'form' if form else '',
            '' if path else 'first-screen'])
    name = ''.join(c if c.isalnum() else '-' for c in name.lower())
    name = '-'.join(filter(None, name.split('-')))
    target = out / f'{name}.png'
    page.screenshot(path=str(target), full_page=True)
    return target


def print_documents(url, database, out):
    """Print DOCUMENTS over JSON-RPC as their users and keep the first
    page of each PDF; return the PNGs written."""
    import subprocess
    import tempfile
    from crm_testing import JsonRpc
    written = []
    for login, model, domain, name in DOCUMENTS:
        rpc = JsonRpc(url, database)
        rpc.login(login, PASSWORD)
        context, switched = {}, False
        if any('company.party.name' in str(d) for d in domain):
            # (the subsidiary: the user switches to it in its preferences,
            # which the host's rules of companies follow)
            company, = rpc.model('company.company', 'search',
                [('party.name', 'like', '%Sdn. Bhd.')], 0, 1, None)
            rpc.model('res.user', 'set_preferences', {'company': company})
            rpc.context = rpc.call('model.res.user.get_preferences', True, {})
            switched = True
            domain = [d for d in domain if 'company.party.name' not in d[0]]
        ids = rpc.model(model, 'search', domain, 0, 1, [('id', 'DESC')],
            context=context)
        if not ids:
            print(f"FAILED {name}: no {model} for {login}")
            continue
        ext, content, _, _ = rpc.call('report.%s.execute' % model,
            ids, {'model': model, 'id': ids[0], 'ids': ids},
            {**rpc.context, **context})
        # (JSON-RPC sends bytes as {"__class__": "bytes", "base64": ...})
        data = base64.b64decode(content['base64']) \
            if isinstance(content, dict) else content
        with tempfile.TemporaryDirectory() as directory:
            pdf = Path(directory, f'{name}.{ext}')
            pdf.write_bytes(data)
            subprocess.run(['pdftoppm', '-png', '-r', '80', '-f', '1',
                    '-l', '1', '-singlefile', str(pdf), str(out / name)],
                check=True)
        if switched:
            # (back to the user's first company)
            first = rpc.model('res.user', 'read', [rpc.user_id],
                ['companies'])[0]['companies'][0]
            rpc.model('res.user', 'set_preferences', {'company': first})
        written.append(out / f'{name}.png')
        print(out / f'{name}.png')
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', default='http://127.0.0.1:8000')
    parser.add_argument('--database', default='crm_demo')
    parser.add_argument('--out', default=str(ROOT / 'screenshots' / 'demo'))
    parser.add_argument('--login', action='append',
        help="only the screens of these logins")
    parser.add_argument('--documents', action='store_true',
        help="only print the demo's quote, order and invoice as PNGs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = _Server(args.url, args.database)
    if args.documents:
        return 0 if print_documents(
            args.url, args.database, out) else 1

    from playwright.sync_api import sync_playwright
    failed = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for login, path, tab, form in SCREENS:
            if args.login and login not in args.login:
                continue
            # (the demo's sales team works in New York)
            context = browser.new_context(
                viewport={'width': 1440, 'height': 900},
                timezone_id='America/New_York')
            context.set_default_timeout(30_000)
            page = context.new_page()
            errors = []
            page.on('pageerror', lambda error: errors.append(str(error)))
            try:
                target = shoot(page, server, login, path, tab, form, out)
                print(f"{target}{' errors: %s' % errors if errors else ''}")
            except Exception as exception:
                failed += 1
                page.screenshot(path=str(out / f'failure-{login}.png'))
                print(f"FAILED {login} {' > '.join(path)}: {exception}")
            finally:
                context.close()
        browser.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
