#!/usr/bin/env python
"""Seeded CRM data generator for benchmarks.

A small library plus a command line::

    python bench/generate.py --database crm_bench_x --contacts 10000

The database must exist with ``crm_core`` activated (see
``bench_account_list.py`` which creates one).  The few records that carry
logic (company, users with roles and groups) are created through the ORM by
:func:`setup_base`; the many records (accounts, contacts, their e-mail
contact mechanisms) are loaded with ``COPY`` on Tryton's own connection by
:func:`add_accounts` / :func:`add_contacts`, filling every column the ORM
would fill (code, code_alnum, code_digit, active, create_uid, create_date,
crm_company, ownership ...).  The ORM side effects that are not reproduced:
party ``addresses`` (the ORM adds an empty one for non-root users) and the
duplicate warnings.

Generation is incremental and deterministic: calling :func:`generate` with
``contacts=N`` adds only what is missing to reach N contacts and N / 10
accounts, and the i-th account / contact is always the same whatever the
steps taken to get there (its values are drawn from ``random.Random`` seeded
with the record index).  Later record types add their own ``add_<type>``
functions and a step in :func:`generate`.

With ``crm_sales`` activated, :func:`add_leads` and :func:`add_potentials`
load ``sale.opportunity`` rows the same way: leads (numbers ``BL0000001``
..., state *lead*, created one every 30 seconds from ``CREATE_DATE``) and
potentials (numbers ``BP0000001`` ..., on the accounts in turn and owned by
the account's rep, in a sales stage, open, won or lost, expected to close
between ``CLOSE_FROM`` and ``CLOSE_FROM + CLOSE_DAYS``).

Accounts have codes ``BA0000001`` ..., contacts ``BC000000001`` ...;
contact ``i`` (1-based) works for account ``(i - 1) // ratio + 1`` and is
owned by the same sales rep as its account; account ``j`` is owned by rep
``(j - 1) % reps``.  The e-mail of contact ``i`` is :func:`contact_email`.
"""
import argparse
import datetime as dt
import os
import random
import sys
import time

SEED = 20261123
CREATE_DATE = dt.datetime(2026, 1, 1, 8, 0, 0)
ACCOUNT_CODE = 'BA%07d'
CONTACT_CODE = 'BC%09d'
REP_LOGIN = 'bench_rep%02d'
MANAGER_LOGIN = 'bench_manager%d'
CONTACTS_PER_ACCOUNT = 10
LEAD_NUMBER = 'BL%07d'
POTENTIAL_NUMBER = 'BP%07d'
SALE_DESCRIPTION = 'BS%07d'
#: Sales are created one every SALE_INTERVAL from CREATE_DATE
SALE_INTERVAL = dt.timedelta(seconds=20)
#: The states of the sales in turn: quotes (draft, quotation) and orders
_SALE_STATES = ['draft', 'quotation', 'quotation', 'processing', 'done']
_QUOTE_STAGES = ['created', 'delivered', 'reviewed', 'rejected']
#: Leads are created one every LEAD_INTERVAL from CREATE_DATE
LEAD_INTERVAL = dt.timedelta(seconds=30)
#: Potentials are expected to close in the 3 years from CLOSE_FROM
CLOSE_FROM = dt.date(2025, 1, 1)
CLOSE_DAYS = 3 * 365

_ACCOUNT_TYPES = ['customer', 'prospect', 'partner', 'reseller', 'other']
_INDUSTRIES = [
    'banking', 'consulting', 'education', 'electronics', 'energy',
    'construction', 'communications', 'chemicals', 'apparel', None]
_SUFFIXES = [
    'Ltd', 'Inc', 'GmbH', 'SA', 'and Sons', 'Group', 'Partners', 'Holding',
    'Industries', 'Systems', 'Labs', 'Solutions', 'Consulting', 'Trading']
_JOB_TITLES = [
    'CEO', 'CFO', 'CTO', 'Buyer', 'Sales Director', 'Purchasing Manager',
    'Engineer', 'Accountant', 'Office Manager', None]

_LEAD_SOURCES = [
    'cold_call', 'existing_customer', 'self_generated', 'employee',
    'partner', 'public_relations', 'direct_mail', 'conference',
    'trade_show', 'web_site', 'word_of_mouth', 'other', None]
_LEAD_STATUSES = [
    'attempted_to_contact', 'cold', 'contact_in_future', 'contacted', 'hot',
    'junk', 'lost', 'not_contacted', 'pre_qualified', 'qualified', 'warm']
#: The share of potentials per state (the rest is lost)
_POTENTIAL_STATES = [('opportunity', 0.55), ('converted', 0.05),
    ('won', 0.25)]

_VOCABULARY = None


def vocabulary():
    "Return first names, last names and words drawn once from Faker."
    global _VOCABULARY
    if _VOCABULARY is None:
        from faker import Faker
        fake = Faker('en_US')
        fake.seed_instance(SEED)
        first = sorted({fake.first_name() for _ in range(3000)})
        last = sorted({fake.last_name() for _ in range(3000)})
        words = sorted({
                w.capitalize() for _ in range(3000) for w in fake.words(2)
                if w.isalpha()})
        _VOCABULARY = (first, last, words)
    return _VOCABULARY


def account_values(index):
    "Return the generated values of the index-th account (1-based)."
    first, last, words = vocabulary()
    rng = random.Random(SEED * 7 + index)
    kind = rng.random()
    if kind < 0.5:
        name = f'{rng.choice(last)} {rng.choice(_SUFFIXES)}'
    elif kind < 0.8:
        name = f'{rng.choice(words)} {rng.choice(words)} {rng.choice(_SUFFIXES)}'
    else:
        name = f'{rng.choice(last)}, {rng.choice(last)} {rng.choice(_SUFFIXES)}'
    return {
        'name': name,
        'account_type': rng.choice(_ACCOUNT_TYPES),
        'industry': rng.choice(_INDUSTRIES),
        'employees': rng.randint(1, 5000),
        }


def contact_values(index):
    "Return the generated values of the index-th contact (1-based)."
    first, last, _ = vocabulary()
    rng = random.Random(SEED * 11 + index)
    first_name = rng.choice(first)
    last_name = rng.choice(last)
    return {
        'first_name': first_name,
        'last_name': last_name,
        'name': f'{first_name} {last_name}',
        'job_title': rng.choice(_JOB_TITLES),
        }


def contact_email(index, values=None):
    "Return the e-mail of the index-th contact (unique by its index)."
    values = values or contact_values(index)
    return '%s.%s.%d@example.com' % (
        values['first_name'].lower(), values['last_name'].lower(), index)


def lead_values(index):
    "Return the generated values of the index-th lead (1-based)."
    first, last, words = vocabulary()
    rng = random.Random(SEED * 13 + index)
    first_name = rng.choice(first)
    last_name = rng.choice(last)
    return {
        'first_name': first_name,
        'last_name': last_name,
        'lead_company': f'{rng.choice(words)} {rng.choice(_SUFFIXES)}',
        'email': '%s.%s.l%d@example.com' % (
            first_name.lower(), last_name.lower(), index),
        'lead_source': rng.choice(_LEAD_SOURCES),
        'lead_status': rng.choice(_LEAD_STATUSES),
        'amount': rng.randint(1, 200) * 100,
        'create_date': CREATE_DATE + LEAD_INTERVAL * (index - 1),
        }


def potential_values(index, stages):
    """Return the generated values of the index-th potential (1-based);
    stages: [(id, probability)] of the open sales stages, in order."""
    rng = random.Random(SEED * 17 + index)
    close = CLOSE_FROM + dt.timedelta(days=rng.randrange(CLOSE_DAYS))
    draw, state = rng.random(), 'lost'
    for candidate, share in _POTENTIAL_STATES:
        if draw < share:
            state = candidate
            break
        draw -= share
    stage, probability = rng.choice(stages)
    if state == 'won':
        probability = 1.0
    elif state == 'lost':
        probability = 0.0
    return {
        'state': state,
        'amount': rng.randint(1, 500) * 100,
        'probability': probability,
        'sales_stage': stage,
        'expected_close_date': close,
        'start_date': close - dt.timedelta(days=rng.randint(10, 200)),
        'end_date': close if state in {'won', 'lost'} else None,
        'lead_source': rng.choice(_LEAD_SOURCES),
        }


def account_of_contact(index, ratio=CONTACTS_PER_ACCOUNT):
    return (index - 1) // ratio + 1


# ----------------------------------------------------------------- ORM part

BENCH_TEAM = 'Bench Team'


def setup_base(reps=20, managers=2, team_members=0):
    """Create (once) the company, the sales managers and reps through the
    ORM and return a dict: company, admin, reps (ids), managers (ids) and
    team: BENCH_TEAM led by the first manager with the first team_members
    reps (None without members).  Must run inside a Transaction as
    root."""
    from crm_core.tests.tools import (
        CrmCompany, CrmPeople, CrmTeam, CrmUser, setup_crm_people)
    from trytond.pool import Pool
    User = Pool().get('res.user')
    world = setup_crm_people(CrmPeople(
            company=CrmCompany('Bench Company', {
                    'name': 'U.S. Dollar', 'code': 'USD', 'symbol': '$',
                    'rounding': 1, 'digits': 2}, admin=True, address=False),
            teams=(CrmTeam(BENCH_TEAM, leader=MANAGER_LOGIN % 1),)
            if team_members else (),
            users=tuple(
                CrmUser(MANAGER_LOGIN % (i + 1),
                    'crm_core.role_sales_manager',
                    'crm_core.group_crm_manager', name='Manager %d' % (i + 1))
                for i in range(managers))
            + tuple(
                CrmUser(REP_LOGIN % (i + 1), 'crm_core.role_sales_rep',
                    'crm_core.group_crm_staff', name='Rep %02d' % (i + 1),
                    teams=(BENCH_TEAM,) if i < team_members else ())
                for i in range(reps))))
    admin, = User.search([('login', '=', 'admin')])
    return {
        'company': world.company,
        'admin': admin.id,
        'managers': [
            world.users[MANAGER_LOGIN % (i + 1)] for i in range(managers)],
        'reps': [world.users[REP_LOGIN % (i + 1)] for i in range(reps)],
        'team': world.teams.get(BENCH_TEAM),
        }


# ------------------------------------------------------------- bulk part

def _reserve_ids(cursor, table, count):
    "Reserve count consecutive ids of table's identity sequence."
    cursor.execute(
        "SELECT pg_get_serial_sequence(%s, 'id')", (table,))
    sequence, = cursor.fetchone()
    cursor.execute('LOCK TABLE "%s" IN SHARE ROW EXCLUSIVE MODE' % table)
    cursor.execute('SELECT nextval(%s)', (sequence,))
    first, = cursor.fetchone()
    cursor.execute('SELECT setval(%s, %s)', (sequence, first + count - 1))
    return first


def _count(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def existing_accounts(cursor):
    return _count(cursor,
        "SELECT count(*) FROM party_party WHERE code LIKE 'BA%%' "
        "AND crm_type = 'account'")


def existing_contacts(cursor):
    return _count(cursor,
        "SELECT count(*) FROM party_party WHERE code LIKE 'BC%%' "
        "AND crm_type = 'contact'")


def _account_ids(cursor, first, last):
    "Map account index -> id for the indexes first..last."
    cursor.execute(
        "SELECT code_digit, id FROM party_party WHERE crm_type = 'account' "
        "AND code_digit BETWEEN %s AND %s AND code LIKE 'BA%%'",
        (first, last))
    return dict(cursor.fetchall())


def add_accounts(connection, base, upto, create_uid=0):
    """Add the accounts missing to reach upto accounts.  Return the number
    added."""
    cursor = connection.cursor()
    start = existing_accounts(cursor) + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    first_id = _reserve_ids(cursor, 'party_party', count)
    columns = [
        'id', 'active', 'code', 'code_alnum', 'code_digit', 'create_date',
        'create_uid', 'name', 'crm_type', 'crm_company', 'assigned_user',
        'account_number', 'account_type', 'industry', 'employees']
    with cursor.copy('COPY party_party (%s) FROM STDIN'
            % ', '.join(columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            values = account_values(index)
            code = ACCOUNT_CODE % index
            copy.write_row((
                    first_id + offset, True, code, code, index,
                    CREATE_DATE, create_uid, values['name'], 'account',
                    base['company'], reps[(index - 1) % len(reps)],
                    'ACC%07d' % index, values['account_type'],
                    values['industry'], values['employees']))
    return count


def add_contacts(connection, base, upto, ratio=CONTACTS_PER_ACCOUNT,
        create_uid=0):
    """Add the contacts (and one e-mail mechanism each) missing to reach
    upto contacts; their accounts must exist.  Return the number added."""
    cursor = connection.cursor()
    start = existing_contacts(cursor) + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    accounts = _account_ids(cursor,
        account_of_contact(start, ratio), account_of_contact(upto, ratio))
    first_id = _reserve_ids(cursor, 'party_party', count)
    first_mechanism = _reserve_ids(cursor, 'party_contact_mechanism', count)
    columns = [
        'id', 'active', 'code', 'code_alnum', 'code_digit', 'create_date',
        'create_uid', 'name', 'crm_type', 'crm_company', 'assigned_user',
        'first_name', 'last_name', 'job_title', 'account']
    emails = []
    with cursor.copy('COPY party_party (%s) FROM STDIN'
            % ', '.join(columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            values = contact_values(index)
            code = CONTACT_CODE % index
            account = account_of_contact(index, ratio)
            copy.write_row((
                    first_id + offset, True, code, code, index,
                    CREATE_DATE, create_uid, values['name'], 'contact',
                    base['company'], reps[(account - 1) % len(reps)],
                    values['first_name'], values['last_name'],
                    values['job_title'], accounts[account]))
            emails.append(contact_email(index, values))
    columns = [
        'id', 'active', 'create_date', 'create_uid', 'party', 'type',
        'value', 'value_compact']
    with cursor.copy('COPY party_contact_mechanism (%s) FROM STDIN'
            % ', '.join(columns)) as copy:
        for offset, email in enumerate(emails):
            copy.write_row((
                    first_mechanism + offset, True, CREATE_DATE, create_uid,
                    first_id + offset, 'email', email, email))
    return count


def existing_opportunities(cursor, prefix):
    return _count(cursor,
        "SELECT count(*) FROM sale_opportunity WHERE number LIKE %s",
        (prefix + '%',))


def _company_currency(cursor, company):
    cursor.execute(
        'SELECT currency FROM company_company WHERE id = %s', (company,))
    return cursor.fetchone()[0]


def add_leads(connection, base, upto, create_uid=0):
    """Add the leads missing to reach upto leads, owned by the reps in
    turn.  Return the number added."""
    cursor = connection.cursor()
    start = existing_opportunities(cursor, 'BL') + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    currency = _company_currency(cursor, base['company'])
    first_id = _reserve_ids(cursor, 'sale_opportunity', count)
    columns = [
        'id', 'number', 'create_date', 'create_uid', 'company', 'currency',
        'start_date', 'state', 'crm_lead', 'conversion_probability',
        'amount', 'assigned_user', 'first_name', 'last_name',
        'lead_company', 'email', 'lead_source', 'lead_status',
        'email_opt_out', 'do_not_call']
    with cursor.copy('COPY sale_opportunity (%s) FROM STDIN'
            % ', '.join(columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            values = lead_values(index)
            copy.write_row((
                    first_id + offset, LEAD_NUMBER % index,
                    values['create_date'], create_uid, base['company'],
                    currency, values['create_date'].date(), 'lead', True,
                    0.0, values['amount'], reps[(index - 1) % len(reps)],
                    values['first_name'], values['last_name'],
                    values['lead_company'], values['email'],
                    values['lead_source'], values['lead_status'],
                    False, False))
    return count


def open_stages(cursor):
    "Return [(id, probability)] of the open sales stages, in order."
    cursor.execute(
        'SELECT id, probability FROM crm_sales_stage '
        'WHERE closing IS NULL ORDER BY sequence, id')
    return cursor.fetchall()


def add_potentials(connection, base, upto, create_uid=0):
    """Add the potentials missing to reach upto potentials, on the
    accounts in turn, owned by the account's rep.  Return the number
    added."""
    cursor = connection.cursor()
    start = existing_opportunities(cursor, 'BP') + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    accounts = existing_accounts(cursor)
    account_ids = _account_ids(cursor, 1, accounts)
    stages = open_stages(cursor)
    currency = _company_currency(cursor, base['company'])
    first_id = _reserve_ids(cursor, 'sale_opportunity', count)
    columns = [
        'id', 'number', 'create_date', 'create_uid', 'company', 'currency',
        'party', 'start_date', 'end_date', 'expected_close_date', 'state',
        'crm_lead', 'conversion_probability', 'amount', 'sales_stage',
        'lead_source', 'assigned_user', 'email_opt_out', 'do_not_call']
    with cursor.copy('COPY sale_opportunity (%s) FROM STDIN'
            % ', '.join(columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            values = potential_values(index, stages)
            account = (index - 1) % accounts + 1
            copy.write_row((
                    first_id + offset, POTENTIAL_NUMBER % index,
                    CREATE_DATE, create_uid, base['company'], currency,
                    account_ids[account], values['start_date'],
                    values['end_date'], values['expected_close_date'],
                    values['state'], True, values['probability'],
                    values['amount'], values['sales_stage'],
                    values['lead_source'], reps[(account - 1) % len(reps)],
                    False, False))
    return count


def sale_values(index):
    "The values of the index-th generated sale (from 1)."
    state = _SALE_STATES[index % len(_SALE_STATES)]
    quote = state in {'draft', 'quotation'}
    return {
        'description': SALE_DESCRIPTION % index,
        'create_date': CREATE_DATE + SALE_INTERVAL * index,
        'state': state,
        'quote_stage': (_QUOTE_STAGES[index % len(_QUOTE_STAGES)]
            if quote else 'accepted'),
        'lines': [(f"Item {index}-{n}", (index + n) % 9 + 1,
                dt_decimal(((index * 7919 + n * 104729) % 90000 + 500), 2))
            for n in range(1, 3)],
        }


def dt_decimal(value, digits):
    "value / 10**digits as a Decimal"
    from decimal import Decimal
    return Decimal(value).scaleb(-digits)


def existing_sales(cursor):
    return _count(cursor,
        "SELECT count(*) FROM sale_sale WHERE description LIKE 'BS%%'")


def add_sales(connection, base, upto, create_uid=0):
    """Add the sales missing to reach upto sales (quotes and orders in
    turn, two lines each), on the accounts in turn, owned by the account's
    rep.  Return the number added."""
    cursor = connection.cursor()
    start = existing_sales(cursor) + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    accounts = existing_accounts(cursor)
    account_ids = _account_ids(cursor, 1, accounts)
    currency = _company_currency(cursor, base['company'])
    first_id = _reserve_ids(cursor, 'sale_sale', count)
    first_line = _reserve_ids(cursor, 'sale_line', 2 * count)
    sale_columns = [
        'id', 'description', 'create_date', 'create_uid', 'company',
        'currency', 'party', 'state', 'invoice_method', 'invoice_state',
        'shipment_method', 'shipment_state', 'revision', 'quote_stage',
        'assigned_user', 'sale_date', 'number', 'untaxed_amount_cache',
        'tax_amount_cache', 'total_amount_cache']
    line_columns = [
        'id', 'sale', 'sequence', 'type', 'description', 'quantity',
        'unit_price', 'create_date', 'create_uid']
    with cursor.copy('COPY sale_sale (%s) FROM STDIN'
            % ', '.join(sale_columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            values = sale_values(index)
            account = (index - 1) % accounts + 1
            order = values['state'] not in {'draft', 'quotation'}
            # (every sale keeps its amounts: crm_sales' sale_totals.py
            # for drafts, sale.py from the quotation on)
            untaxed = sum(q * p for _, q, p in values['lines'])
            copy.write_row((
                    first_id + offset, values['description'],
                    values['create_date'], create_uid, base['company'],
                    currency, account_ids[account], values['state'],
                    'order', 'none', 'order', 'none', 0,
                    values['quote_stage'], reps[(account - 1) % len(reps)],
                    values['create_date'].date() if order else None,
                    ('SO%07d' % index) if order else None,
                    untaxed, 0, untaxed))
    with cursor.copy('COPY sale_line (%s) FROM STDIN'
            % ', '.join(line_columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            values = sale_values(index)
            for n, (description, quantity, price) in enumerate(
                    values['lines']):
                copy.write_row((
                        first_line + 2 * offset + n, first_id + offset,
                        n + 1, 'line', description, quantity, price,
                        values['create_date'], create_uid))
    return count


TICKET_STATES = ['open', 'in_progress', 'wait_for_response'] + ['closed'] * 7
TICKET_PRIORITIES = ['low', 'normal', 'normal', 'high', 'urgent']
#: one ticket in TEAM_TICKETS is the team's (no assigned user)
TEAM_TICKETS = 10


def existing_tickets(cursor):
    return _count(cursor,
        "SELECT count(*) FROM crm_ticket WHERE number LIKE 'BT%%'")


def _ticket_statuses(cursor):
    "The first status label of each state."
    cursor.execute('SELECT state, id FROM crm_ticket_status '
        'WHERE active ORDER BY sequence DESC, id DESC')
    return dict(cursor.fetchall())


def add_tickets(connection, base, upto, create_uid=0):
    """Add the tickets missing to reach upto tickets (crm_support), one
    every 30 seconds from CREATE_DATE, seven in ten closed, on the accounts
    in turn and owned by the account's rep (one in TEAM_TICKETS by the
    bench team alone).  Return the number added."""
    cursor = connection.cursor()
    start = existing_tickets(cursor) + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    accounts = existing_accounts(cursor)
    account_ids = _account_ids(cursor, 1, accounts)
    statuses = _ticket_statuses(cursor)
    first_id = _reserve_ids(cursor, 'crm_ticket', count)
    columns = [
        'id', 'number', 'title', 'create_date', 'create_uid', 'company',
        'account', 'priority', 'state', 'status', 'assigned_user',
        'assigned_team', 'reopened']
    with cursor.copy('COPY crm_ticket (%s) FROM STDIN'
            % ', '.join(columns)) as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            rng = random.Random(SEED * 7 + index)
            account = (index - 1) % accounts + 1
            state = rng.choice(TICKET_STATES)
            team = index % TEAM_TICKETS == 0
            copy.write_row((
                    first_id + offset, 'BT%07d' % index,
                    'Ticket %d of account %d' % (index, account),
                    CREATE_DATE + dt.timedelta(seconds=30 * index),
                    create_uid, base['company'], account_ids[account],
                    rng.choice(TICKET_PRIORITIES), state, statuses[state],
                    None if team else reps[(account - 1) % len(reps)],
                    base['team'] if team else None, 0))
    return count


#: The first words of the generated FAQ, most frequent first: support
#: English and, accented, French, Spanish and German; then Faker's English
#: words (faq_words: drawn with the weight 1 / (rank + 10))
FAQ_WORDS = """
the to a and of is in on it not your with for you does how do when my i
after an can why what printer error update password account email screen
connection network server file message update restart install setting
settings login user page print paper jam tray toner cartridge driver
windows mac phone mobile app browser invoice order quote report export
import backup sync calendar contact address wifi router cable battery
charger keyboard mouse monitor display camera microphone speaker audio
video license key activation subscription payment refund delivery shipping
warranty repair replace reset configure connect disconnect download upload
open close save delete create change remove enable disable check
slow fast blank black white red green blue frozen stuck missing broken
wrong empty full new old first last daily weekly monthly team admin
manager customer supplier product stock warehouse label barcode scanner
firmware version language timezone currency tax discount price
résumé café réseau paramètres imprimante écran mot passe connexion
déconnexion mise à jour sauvegarde facture commande livraison garantie
réparation clé activée désactivée problème erreur fenêtre sécurité
contraseña configuración señal conexión pantalla impresora batería
teléfono factura pedido envío garantía reparación actualización página
Drucker Gerät Störung Größe Übertragung Passwort Anmeldung Rechnung
Bestellung Lieferung Sicherung Aktualisierung Fehlermeldung Netzwerk
Bildschirm Tastatur Einstellungen Verbindung öffnen schließen prüfen
""".split()
_FAQ_VOCABULARY = None
FAQ_STATES = ['published'] * 16 + ['draft', 'draft', 'reviewed', 'obsolete']
#: FAQ are created one every FAQ_INTERVAL from CREATE_DATE
FAQ_INTERVAL = dt.timedelta(minutes=5)
FAQ_COLUMNS = [
    'id', 'company', 'question', 'keywords', 'answer', 'state', 'author',
    'assigned_user', 'published_by', 'published_date', 'create_date',
    'create_uid']


def faq_words():
    "Return the words of the FAQ, most frequent first, and their weights."
    global _FAQ_VOCABULARY
    if _FAQ_VOCABULARY is None:
        words = list(dict.fromkeys(
                FAQ_WORDS + [w.lower() for w in vocabulary()[2]]))
        _FAQ_VOCABULARY = (
            words, [1 / (rank + 10) for rank in range(len(words))])
    return _FAQ_VOCABULARY


def faq_values(index):
    """Return the generated values of the index-th FAQ (1-based): a
    question of 4 to 9 words, 1 to 4 keywords and an answer of 1 to 4
    paragraphs of formatted text (some words strong or emphasised, some
    paragraphs a list)."""
    rng = random.Random(SEED * 19 + index)
    vocabulary, weights = faq_words()

    def words(low, high):
        return rng.choices(
            vocabulary, weights=weights, k=rng.randint(low, high))

    question = ' '.join(words(4, 9))
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        text = words(10, 35)
        for _ in range(rng.randint(0, 2)):
            i = rng.randrange(len(text))
            tag = rng.choice(['strong', 'em', 'b'])
            text[i] = f'<{tag}>{text[i]}</{tag}>'
        if rng.random() < 0.2:
            paragraphs.append('<ul>%s</ul>' % ''.join(
                    f'<li>{" ".join(text[i:i + 5])}</li>'
                    for i in range(0, len(text), 5)))
        else:
            paragraphs.append('<p>%s.</p>' % ' '.join(text).capitalize())
    return {
        'question': question[:1].upper() + question[1:] + '?',
        'keywords': ' '.join(dict.fromkeys(words(1, 4))),
        'answer': ''.join(paragraphs),
        'state': rng.choice(FAQ_STATES),
        'create_date': CREATE_DATE + FAQ_INTERVAL * (index - 1),
        }


def faq_rows(base, start, upto, first_id, create_uid=0):
    "Yield the FAQ_COLUMNS values of the FAQ start..upto, ids from first_id."
    reps, manager = base['reps'], base['managers'][0]
    for offset, index in enumerate(range(start, upto + 1)):
        values = faq_values(index)
        rep = reps[(index - 1) % len(reps)]
        published = values['state'] in {'published', 'obsolete'}
        yield (first_id + offset, base['company'], values['question'],
            values['keywords'], values['answer'], values['state'], rep, rep,
            manager if published else None,
            values['create_date'] if published else None,
            values['create_date'], create_uid)


def add_faqs(connection, base, upto, create_uid=0):
    """Add the FAQ missing to reach upto FAQ (crm_support), written by the
    reps in turn, four in five published by the first manager.  On SQLite
    too (INSERT).  Return the number added."""
    from trytond import backend
    cursor = connection.cursor()
    start = _count(cursor, 'SELECT count(*) FROM crm_faq') + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    if backend.name == 'sqlite':
        first_id = _count(cursor, 'SELECT coalesce(max(id), 0) FROM crm_faq')
        cursor.executemany('INSERT INTO crm_faq (%s) VALUES (%s)' % (
                ', '.join(FAQ_COLUMNS), ', '.join('?' * len(FAQ_COLUMNS))),
            faq_rows(base, start, upto, first_id + 1, create_uid))
        return count
    first_id = _reserve_ids(cursor, 'crm_faq', count)
    with cursor.copy('COPY crm_faq (%s) FROM STDIN'
            % ', '.join(FAQ_COLUMNS)) as copy:
        for row in faq_rows(base, start, upto, first_id, create_uid):
            copy.write_row(row)
    return count


def analyze(connection, tables=('party_party', 'party_contact_mechanism')):
    "Refresh the planner statistics (and visibility map) after a load."
    autocommit = connection.autocommit
    connection.commit()
    connection.autocommit = True
    try:
        for table in tables:
            connection.execute('VACUUM ANALYZE "%s"' % table)
    finally:
        connection.autocommit = autocommit


def generate(database, contacts, reps=20, managers=2,
        ratio=CONTACTS_PER_ACCOUNT, log=None, vacuum=True, leads=0,
        potentials=0, sales=0, tickets=0, team_members=0, faqs=0):
    """Bring database to `contacts` contacts and contacts / ratio accounts,
    then to `leads` leads and `potentials` potentials (crm_sales must be
    activated for those), `faqs` FAQ (crm_support; on SQLite too, with
    no contacts and vacuum False).  Return the base dict of setup_base
    plus the timings."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    log = log or (lambda *a: None)
    Pool(database).init()
    timings = {}
    with Transaction().start(database, 0, context={'language': 'en'}) \
            as transaction:
        start = time.perf_counter()
        base = setup_base(
            reps=reps, managers=managers, team_members=team_members)
        transaction.commit()
        timings['base_s'] = time.perf_counter() - start

        connection = transaction.connection
        start = time.perf_counter()
        accounts = -(-contacts // ratio)
        added = add_accounts(connection, base, accounts)
        timings['accounts_s'] = time.perf_counter() - start
        log('accounts: +%d in %.1fs' % (added, timings['accounts_s']))

        start = time.perf_counter()
        added = add_contacts(connection, base, contacts, ratio=ratio)
        timings['contacts_s'] = time.perf_counter() - start
        log('contacts: +%d (and e-mails) in %.1fs'
            % (added, timings['contacts_s']))
        tables = ['party_party', 'party_contact_mechanism']
        for name, add, upto in [
                ('leads', add_leads, leads),
                ('potentials', add_potentials, potentials),
                ('sales', add_sales, sales),
                ('tickets', add_tickets, tickets),
                ('faqs', add_faqs, faqs)]:
            if not upto:
                continue
            start = time.perf_counter()
            added = add(connection, base, upto)
            timings['%s_s' % name] = time.perf_counter() - start
            log('%s: +%d in %.1fs' % (name, added, timings['%s_s' % name]))
            for table in {'sales': ['sale_sale', 'sale_line'],
                    'tickets': ['crm_ticket'], 'faqs': ['crm_faq']}.get(
                        name, ['sale_opportunity']):
                if table not in tables:
                    tables.append(table)
        # COPY bypasses the ORM, which keeps the estimated number of rows
        # per model (search_count(limit) counts all rows below it, One2Many
        # searches choose IN or EXISTS on it): forget it
        models = ['party.party']
        if 'sale_opportunity' in tables:
            models.append('sale.opportunity')
        if 'sale_sale' in tables:
            models += ['sale.sale', 'sale.line']
        if 'crm_ticket' in tables:
            models.append('crm.ticket')
        if 'crm_faq' in tables:
            models.append('crm.faq')
        for model in models:
            Pool().get(model)._count_cache.clear()
        transaction.commit()
        if vacuum:
            start = time.perf_counter()
            analyze(connection, tables)
            timings['vacuum_s'] = time.perf_counter() - start
            log('vacuum analyze in %.1fs' % timings['vacuum_s'])
    base['timings'] = timings
    return base


def init_trytond(uri, config_file=None, unaccent_function=None):
    """Point trytond at uri (and at unaccent_function if given, see
    bench/README.md); must run before trytond is imported elsewhere.
    Subprocesses (trytond-admin) inherit both through the environment."""
    os.environ.setdefault('TRYTOND_DATABASE_URI', uri)
    os.environ['TRYTOND_DATABASE__URI'] = uri
    if unaccent_function:
        os.environ['TRYTOND_DATABASE__UNACCENT_FUNCTION'] = unaccent_function
    from trytond import config
    if config_file:
        config.update_etc(config_file)
    config.set('database', 'uri', uri)
    if unaccent_function:
        config.set('database', 'unaccent_function', unaccent_function)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', '-d', required=True)
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--config', '-c', help="trytond configuration file")
    parser.add_argument('--contacts', type=int, default=10000)
    parser.add_argument('--reps', type=int, default=20)
    parser.add_argument('--managers', type=int, default=2)
    parser.add_argument('--ratio', type=int, default=CONTACTS_PER_ACCOUNT,
        help="contacts per account")
    parser.add_argument('--leads', type=int, default=0,
        help="leads (crm_sales activated)")
    parser.add_argument('--potentials', type=int, default=0,
        help="potentials (crm_sales activated)")
    args = parser.parse_args(argv)
    init_trytond(args.uri, args.config)
    start = time.perf_counter()
    base = generate(args.database, args.contacts, reps=args.reps,
        managers=args.managers, ratio=args.ratio,
        leads=args.leads, potentials=args.potentials,
        log=lambda m: print(m, file=sys.stderr))
    print('done in %.1fs: company %s, %d reps, %d managers' % (
            time.perf_counter() - start, base['company'], len(base['reps']),
            len(base['managers'])), file=sys.stderr)


if __name__ == '__main__':
    main()
