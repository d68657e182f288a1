# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The demo loader (scripts/demo_data.py), at a small scale on a database
with all CRM modules: every role has accounts and contacts to work with,
marketing its leads, the sales team its quotes and orders, everyone reads
the default terms and conditions, and
the administrator's first login skips the host's set-up wizard."""
import json
import os
import subprocess
import sys
import textwrap

from crm_testing import ROOT, Database, clean_env

#: Run on the demo database: the open items of the set-up wizard and what
#: each login sees, as over RPC (access checked, in the user's company)
CHECK = textwrap.dedent('''\
    import json, sys
    from trytond.config import config
    config.update_etc(sys.argv[1])
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    database, logins = sys.argv[2], sys.argv[3:]
    Pool(database).init()
    result = {'seen': {}}
    with Transaction().start(database, 0):
        pool = Pool()
        Item = pool.get('ir.module.config_wizard.item')
        result['open'] = Item.search([('state', '=', 'open')], count=True)
        # each company's sales: the prefixes of their numbers (its own
        # sequence), how many there are and how many are taxed
        result['companies'] = {}
        for sale in pool.get('sale.sale').search([]):
            company = result['companies'].setdefault(
                sale.company.party.name,
                {'prefixes': [], 'sales': 0, 'taxed': 0})
            company['sales'] += 1
            company['taxed'] += bool(sale.tax_amount)
            if sale.number:
                prefix = sale.number.split('-')[0] + '-'
                if prefix not in company['prefixes']:
                    company['prefixes'].append(prefix)
        # the tickets and FAQ by state, the tickets answered, the FAQ
        # converted from tickets
        Ticket, Faq = pool.get('crm.ticket'), pool.get('crm.faq')
        result['tickets'] = sorted({t.state for t in Ticket.search([])})
        result['answered'] = Ticket.search(
            [('first_response_date', '!=', None)], count=True)
        result['faqs'] = sorted({f.state for f in Faq.search([])})
        result['converted'] = Faq.search([('tickets', '!=', None)],
            count=True)
        users = {u.login: (u.id, u.company.id)
            for u in pool.get('res.user').search([('login', 'in', logins)])}
    for login in logins:
        user, company = users[login]
        with Transaction().start(database, user, context={
                    'company': company, '_check_access': True}):
            Party = Pool().get('party.party')
            result['seen'][login] = {
                crm_type: Party.search(
                    [('crm_type', '=', crm_type)], count=True)
                for crm_type in ['account', 'contact']}
            result['seen'][login]['mine'] = Party.search(
                [('assigned_user', '=', user)], count=True)
            result['seen'][login]['leads'] = Pool().get(
                'sale.opportunity').search([('state', '=', 'lead')],
                count=True)
            Sale = Pool().get('sale.sale')
            quotes = [('state', 'in', ['draft', 'quotation'])]
            if Pool().get('ir.model.access').check(
                    'sale.sale', 'read', raise_exception=False):
                result['seen'][login].update(
                    quotes=Sale.search(quotes, count=True),
                    my_quotes=Sale.search(
                        quotes + [('assigned_user', '=', user)], count=True),
                    orders=Sale.search([('state', 'in',
                                ['confirmed', 'processing', 'done'])],
                        count=True),
                    # (sent quotes show when they expire: Valid Till)
                    undated=Sale.search([('state', '=', 'quotation'),
                            ('quotation_validity', '=', None)], count=True))
            if Pool().get('ir.model.access').check(
                    'crm.ticket', 'read', raise_exception=False):
                Ticket = Pool().get('crm.ticket')
                result['seen'][login].update(
                    tickets=Ticket.search([], count=True),
                    my_tickets=Ticket.search(
                        [('assigned_user', '=', user)], count=True),
                    faqs=Pool().get('crm.faq').search(
                        [('state', '=', 'published')], count=True))
            result['seen'][login]['terms'] = sorted(
                t.document for t in Pool().get('crm.terms').search(
                    [('default', '=', True)]))
            result['seen'][login]['reports'] = sorted(
                r.name for r in Pool().get('crm.report').search(
                    [('user', '!=', None)]))
    print(json.dumps(result))
    ''')


def test_demo_roles_have_records(crm_db, tmp_path):
    "Each demo login sees accounts and contacts, its own among them"
    sys.path.insert(0, str(ROOT / 'scripts'))
    try:
        import demo_data
    finally:
        sys.path.remove(str(ROOT / 'scripts'))
    database = Database(tmp_path, crm_db.uri)
    database.build(os.environ.get('DB_CACHE'))
    try:
        env = clean_env()
        subprocess.run(
            [sys.executable, str(ROOT / 'scripts' / 'demo_data.py'),
                '--config', database.config, '--database', database.name,
                '--scale', '0.05'],
            env=env, check=True, stdout=subprocess.PIPE, text=True)
        check = tmp_path / 'check.py'
        check.write_text(CHECK)
        logins = sorted(demo_data.USERS)
        result = json.loads(subprocess.run(
                [sys.executable, str(check), database.config, database.name,
                    *logins],
                env=env, check=True, stdout=subprocess.PIPE,
                text=True).stdout.splitlines()[-1])
    finally:
        database.drop()

    assert result['open'] == 0
    # two companies, each numbering its quotes and orders and charging its
    # country's sales tax on them
    companies = result['companies']
    assert sorted(companies) == [
        "Blue Harbor Trading", "Blue Harbor Trading Sdn. Bhd."], companies
    assert companies["Blue Harbor Trading"]['prefixes'] == ['SG-']
    assert companies["Blue Harbor Trading Sdn. Bhd."]['prefixes'] == ['MY-']
    for company in companies.values():
        assert company['taxed'] == company['sales'] > 0, companies
    # tickets in every state, answered; FAQ in every status, some
    # converted from tickets
    assert result['tickets'] == [
        'closed', 'in_progress', 'open', 'wait_for_response'], result
    assert result['answered'] > 0, result
    assert result['faqs'] == [
        'draft', 'obsolete', 'published', 'reviewed'], result
    assert result['converted'] > 0, result
    for login in logins:
        seen = result['seen'][login]
        assert seen['account'] > 0 and seen['contact'] > 0, (login, seen)
        # (the default terms of each document type, read by everyone)
        assert seen['terms'] == ['invoice', 'quote', 'sales_order'], (
            login, seen)
        if login.startswith(('support.', 'marketing.')):
            # (the sales owners are drawn at random among them)
            assert seen['mine'] > 0, (login, seen)
        if login in {'sales.rep1', 'sales.rep2'}:
            # (quotes are private: a rep sees its own)
            assert seen['quotes'] == seen['my_quotes'], (login, seen)
        if login == 'sales.manager':
            # (the manager is above both reps: it sees every quote and
            # order of the sales team)
            assert seen['quotes'] > 0 and seen['orders'] > 0, (login, seen)
            assert seen['undated'] == 0, (login, seen)
        if login.startswith('support.'):
            # (the manager is above the rep: it sees the rep's tickets too;
            # everybody reads the published FAQ)
            assert 0 < seen['my_tickets'] < seen['tickets'], (login, seen)
            assert seen['faqs'] > 0, (login, seen)
        # (the saved reports of the demo: each reads its own and those
        # shared with its role or a role above it)
        reports = {
            'sales.rep1': ["Closing This Quarter by Rep",
                "My Accounts by Industry"],
            'sales.rep2': ["Closing This Quarter by Rep"],
            'sales.manager': ["Closing This Quarter by Rep"],
            'support.manager': ["Urgent Tickets by Assignee"],
            }
        assert seen['reports'] == reports.get(login, []), (login, seen)
        if login.startswith('marketing.'):
            # (their home screen is the Leads list: leads met at events)
            assert seen['leads'] > 0, (login, seen)
