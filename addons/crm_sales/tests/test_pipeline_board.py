# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The pipeline board: its launch codes and sessions, its data and moves,
over HTTP (werkzeug's test client against trytond's WSGI application) on
the database with every CRM module active.

As in test_web_to_lead.py, the set-up and each check of the database run
in their own committed transactions, as the routes' do."""
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from urllib.parse import quote

from werkzeug.exceptions import HTTPException
from werkzeug.test import Client

from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import CrmUser, acting_as, create_crm_users
from crm_sales.pipeline_board import COOKIE, TOKEN_LENGTH
from crm_sales.pipeline_board_data import CARD_LIMIT, quarter_code
from trytond import config
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus, Response
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

SALES = ('crm_sales.group_sales', 'sale.group_sale')
USERS = [
    CrmUser('board.rep1', 'crm_core.role_sales_rep',
        'crm_core.group_crm_staff', groups=SALES),
    CrmUser('board.rep2', 'crm_core.role_sales_rep',
        'crm_core.group_crm_staff', groups=SALES),
    CrmUser('board.manager', 'crm_core.role_sales_manager',
        'crm_core.group_crm_manager', groups=SALES),
    ]
BASE = f'/{quote(DB_NAME, safe="")}/crm/pipeline/'
JSON = 'application/json'


def transaction(**extras):
    "A transaction as root on the test database, committed at its end."
    return Transaction().start(DB_NAME, 0, **extras)


def utcnow():
    "The current time as the database stores it (naive UTC)."
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def stage_id(name):
    return Pool().get('ir.model.data').get_id(
        'crm_sales', f'sales_stage_{name}')


class PipelineBoardTestCase(CrmModulesTestMixin, RouteTestCase):
    "Test the pipeline board's routes"
    module = 'crm_sales'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Team = pool.get('crm.team')
        company, users = create_crm_users(users=USERS)
        cls.company = company.id
        Team.create([{
                    'name': "Board Team", 'leader': users['board.manager'].id,
                    'members': [('add', [users['board.rep1'].id])],
                    }])
        cls.users = {login: user.id for login, user in users.items()}
        cls.accounts = {}
        for login in ['board.rep1', 'board.rep2']:
            account, = Party.create([{
                        'name': f"Board account of {login}",
                        'crm_type': 'account', 'crm_company': company.id,
                        'assigned_user': users[login].id,
                        }])
            cls.accounts[login] = account.id
        today = dt.date.today()
        cls.quarter = quarter_code(today)
        cls.p1 = cls.create_potential(
            'board.rep1', 'qualification', 1000, "Board deal one",
            close=today)
        cls.p2 = cls.create_potential(
            'board.rep1', 'prospecting', 2500, "Board deal two",
            close=today + dt.timedelta(days=400))
        cls.p3 = cls.create_potential(
            'board.rep2', 'qualification', 4000, "Board deal three",
            close=today)
        # rep1's potential on rep2's account, which rep1 may not read
        cls.p4 = cls.create_potential(
            'board.rep1', 'qualification', 300, "Board deal four",
            account='board.rep2')
        # rep1's overdue to-do on p1, a closed one and a future one on p2
        now = dt.datetime.now().replace(microsecond=0)
        cls.create_activity('board.rep1', cls.p1, now - dt.timedelta(
                days=3), 'not_started')
        cls.create_activity('board.rep1', cls.p2, now - dt.timedelta(
                days=3), 'completed')
        cls.create_activity('board.rep1', cls.p2, now + dt.timedelta(
                days=3), 'not_started')

    @classmethod
    def create_potential(cls, login, stage, amount, name, close=None,
            account=None):
        "Create as root an open potential of login on its account."
        Opportunity = Pool().get('sale.opportunity')
        with Transaction().set_context(company=cls.company):
            potential, = Opportunity.create([{
                        'description': name,
                        'party': cls.accounts[account or login],
                        'assigned_user': cls.users[login],
                        'state': 'opportunity',
                        'crm_lead': True,
                        'sales_stage': stage_id(stage),
                        'amount': Decimal(amount),
                        'expected_close_date': close,
                        }])
        return potential.id

    @classmethod
    def create_activity(cls, login, potential, start, status):
        Activity = Pool().get('crm.activity')
        Activity.create([{
                    'company': cls.company, 'kind': 'todo',
                    'subject': f"Call about {potential}", 'start': start,
                    'timezone': 'UTC', 'status': status,
                    'priority': 'medium',
                    'resource': f'sale.opportunity,{potential}',
                    'assigned_user': cls.users[login],
                    }])

    # ---------------------------------------------------------- helpers

    def client(self):
        return Client(app, Response, use_cookies=False)

    def launch(self, login):
        "Run the menu's wizard as login; return the URL it opens."
        with transaction():
            pool = Pool()
            Open = pool.get('crm.pipeline_board.open', type='wizard')
            User = pool.get('res.user')
            with acting_as(User(self.users[login])):
                session_id, start, _ = Open.create()
                result = Open.execute(session_id, {}, start)
                Open.delete(session_id)
        (action, _), = result['actions']
        self.assertEqual(action['type'], 'ir.action.url')
        return action['url']

    def open_board(self, login):
        "Return the session key (the cookie) of a new board of login."
        response = self.client().get(self.launch(login))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        match = re.match(
            COOKIE + r'=([^;]+);', response.headers['Set-Cookie'])
        return match.group(1)

    def session_of(self, key):
        with transaction():
            Session = Pool().get('crm.pipeline_board.session')
            session, = Session.search([
                    ('key_hash', '=',
                        hashlib.sha256(key.encode()).hexdigest())])
            return {'id': session.id, 'csrf': session.csrf_token,
                'user': session.user.id}

    def cookie(self, key):
        return {'Cookie': f'{COOKIE}={key}'}

    def get_data(self, key, **query):
        return self.client().get(
            BASE + 'data', query_string=query, headers=self.cookie(key))

    def post_move(self, key, body, csrf=None, content_type=JSON,
            headers=None, raw=None):
        if csrf is None:
            csrf = self.session_of(key)['csrf']
        return self.client().post(
            BASE + 'move', data=raw if raw is not None else json.dumps(body),
            content_type=content_type,
            headers={**self.cookie(key), 'X-CSRF-Token': csrf,
                **(headers or {})})

    def post_cors(self, key, body, origin):
        """Post body from origin while [web] cors lists shop.example; the
        status trytond refuses it with, if it does."""
        cors = config.get('web', 'cors', default='')
        config.set('web', 'cors', 'https://shop.example')
        try:
            return self.post_move(key, body, headers={'Origin': origin})
        except HTTPException as refusal:
            return refusal.code
        finally:
            config.set('web', 'cors', cors)

    def message(self, xml_id, **variables):
        with transaction():
            return gettext(f'crm_sales.{xml_id}', **variables)

    def potential(self, potential_id):
        "The stage, probability and history of a potential (as root)."
        with transaction():
            pool = Pool()
            Opportunity = pool.get('sale.opportunity')
            History = pool.get('crm.opportunity.stage_history')
            potential = Opportunity(potential_id)
            return {
                'stage': potential.sales_stage.id,
                'state': potential.state,
                'probability': potential.conversion_probability,
                'write_date': potential.write_date,
                'history': [(h.stage.id, h.user and h.user.id)
                    for h in History.search(
                        [('opportunity', '=', potential_id)],
                        order=[('id', 'ASC')])],
                }

    def cards(self, data):
        return {c['id']: c for s in data['stages'] for c in s['cards']}

    def stage_ids(self, *names):
        with transaction():
            return [stage_id(n) for n in names]

    def assertRefused(self, response, status, xml_id, **variables):
        self.assertEqual(response.status_code, status)
        self.assertEqual(response.mimetype, JSON)
        self.assertEqual(response.get_json(),
            {'error': self.message(xml_id, **variables)})

    # ------------------------------------------------------------ tests

    def test_launch_code_single_use(self):
        "The launch code opens one session, then answers 404"
        url = self.launch('board.rep1')
        path, code = url.split('?code=')
        self.assertEqual(path, BASE + 'board')
        self.assertEqual(len(code), TOKEN_LENGTH)

        response = self.client().get(url)

        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(response.headers['Location'], BASE + 'board')
        cookie = response.headers['Set-Cookie']
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Strict', cookie)
        self.assertIn(f'Path={BASE}', cookie)
        self.assertNotIn('Secure', cookie)
        again = self.client().get(url)
        self.assertEqual(again.status_code, HTTPStatus.NOT_FOUND)
        self.assertNotIn('Set-Cookie', again.headers)
        wrong = self.client().get(path + '?code=' + 'x' * TOKEN_LENGTH)
        self.assertEqual(wrong.status_code, HTTPStatus.NOT_FOUND)
        self.assertEqual(wrong.data, again.data)

    def test_launch_code_expires(self):
        "A launch code is refused after 120 s, like a wrong one"
        url = self.launch('board.rep1')
        code = url.split('?code=')[1]
        with transaction():
            Session = Pool().get('crm.pipeline_board.session')
            session, = Session.search([
                    ('code_hash', '=',
                        hashlib.sha256(code.encode()).hexdigest())])
            self.assertLessEqual(
                session.expires - utcnow(),
                dt.timedelta(seconds=120))
            Session.write([session], {
                    'expires': utcnow() - dt.timedelta(
                        seconds=1)})

        response = self.client().get(url)

        self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
        with transaction():
            Session = Pool().get('crm.pipeline_board.session')
            # (purged by the exchange)
            self.assertFalse(Session.search([
                        ('code_hash', '=',
                            hashlib.sha256(code.encode()).hexdigest())]))

    def test_session_stored_hashed(self):
        "Neither the launch code nor the session key is stored in clear"
        url = self.launch('board.rep1')
        code = url.split('?code=')[1]
        response = self.client().get(url)
        key = re.match(COOKIE + r'=([^;]+);',
            response.headers['Set-Cookie']).group(1)
        session = self.session_of(key)
        self.assertEqual(session['user'], self.users['board.rep1'])
        with transaction():
            pool = Pool()
            Session = pool.get('crm.pipeline_board.session')
            row, = Session.read([session['id']], list(Session._fields))
            values = ' '.join(map(str, row.values()))
            self.assertNotIn(key, values)
            self.assertNotIn(code, values)
            self.assertIsNone(row['code_hash'])
            session_ = Session(session['id'])
            self.assertAlmostEqual(
                (session_.expires - utcnow()).total_seconds(),
                8 * 3600, delta=60)

    def test_sessions_closed_over_rpc(self):
        "No user reads or creates board sessions through the ORM"
        with transaction():
            pool = Pool()
            Session = pool.get('crm.pipeline_board.session')
            User = pool.get('res.user')
            for login in self.users:
                with self.subTest(login=login), \
                        acting_as(User(self.users[login])):
                    with self.assertRaises(AccessError):
                        Session.search([])
                    with self.assertRaises(AccessError):
                        Session.create([{
                                    'user': self.users[login],
                                    'expires': utcnow()}])

    def test_page(self):
        "The page: its CSRF token in a meta, no inline script, strict CSP"
        key = self.open_board('board.rep1')
        csrf = self.session_of(key)['csrf']

        response = self.client().get(BASE + 'board', headers=self.cookie(key))

        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.mimetype, 'text/html')
        self.assertEqual(
            response.headers['Content-Security-Policy'].split(';')[0],
            "default-src 'self'")
        self.assertEqual(response.headers['X-Frame-Options'], 'DENY')
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        page = response.get_data(as_text=True)
        self.assertIn(f'<meta name="csrf-token" content="{csrf}">', page)
        self.assertEqual(re.findall(r'<script(?![^>]*\ssrc=)', page), [])
        self.assertEqual(re.findall(r'<[^>]*\son\w+=', page), [])
        self.assertIn(self.message('msg_pipeline_board_title'), page)
        for asset in ['board.js', 'board.css']:
            src = re.search(r'static/%s\?v=\w+' % asset, page).group(0)
            answer = self.client().get(BASE + src)
            self.assertEqual(answer.status_code, HTTPStatus.OK)
        self.assertEqual(self.client().get(
                BASE + 'static/board.html').status_code,
            HTTPStatus.NOT_FOUND)

    def test_page_without_session(self):
        "Without a valid cookie the page says the session ended"
        for headers in [{}, self.cookie('x' * TOKEN_LENGTH),
                self.cookie('short')]:
            with self.subTest(headers=headers):
                response = self.client().get(BASE + 'board', headers=headers)
                self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
                self.assertIn(
                    self.message('msg_pipeline_board_session_ended')
                    .replace('>', '&gt;'),
                    response.get_data(as_text=True))

    def test_data_of_a_rep(self):
        """A rep's board holds its potentials only, in their stages; the
        totals match its potentials exactly"""
        key = self.open_board('board.rep1')

        response = self.get_data(key)

        self.assertEqual(response.status_code, HTTPStatus.OK)
        data = response.get_json()
        cards = self.cards(data)
        self.assertIn(self.p1, cards)
        self.assertIn(self.p2, cards)
        self.assertNotIn(self.p3, cards)
        qualification, prospecting, won = self.stage_ids(
            'qualification', 'prospecting', 'closed_won')
        stages = {s['id']: s for s in data['stages']}
        self.assertIn(won, stages)
        self.assertEqual(cards[self.p1]['stage'], qualification)
        self.assertEqual(cards[self.p1]['name'], "Board deal one")
        self.assertEqual(
            cards[self.p1]['account'], "Board account of board.rep1")
        self.assertFalse(cards[self.p1]['closed'])
        self.assertIn('1,000.00', cards[self.p1]['amount'])
        # The totals: what a search as the rep finds, to the cent
        with transaction():
            pool = Pool()
            Opportunity = pool.get('sale.opportunity')
            User = pool.get('res.user')
            with acting_as(User(self.users['board.rep1']),
                    pool.get('company.company')(self.company)):
                for stage in data['stages']:
                    found = Opportunity.search([
                            ('sales_stage', '=', stage['id']),
                            ('state', 'in', ['opportunity', 'converted']
                                + (['won', 'lost'] if stage['closing']
                                    else [])),
                            ])
                    self.assertEqual(stage['count'], len(found),
                        stage['name'])
                    amount = sum((o.amount or 0 for o in found),
                        Decimal(0))
                    weighted = sum((o.amount * Decimal(str(
                                    o.conversion_probability))
                            for o in found if o.amount), Decimal(0))
                    if found:
                        self.assertEqual(
                            [Decimal(s['amount']) for s in stage['sums']],
                            [amount])
                        self.assertEqual(
                            [Decimal(s['weighted']) for s in stage['sums']],
                            [weighted.quantize(Decimal('0.01'))])
                    else:
                        self.assertEqual(stage['sums'], [])
                    self.assertEqual(
                        {c['id'] for c in stage['cards']},
                        {o.id for o in found})

    def test_data_hidden_account(self):
        """The card of a potential on an account the rep may not read
        names it by the placeholder; nothing of the account is sent"""
        key = self.open_board('board.rep1')

        response = self.get_data(key)

        card = self.cards(response.get_json())[self.p4]
        with transaction():
            self.assertEqual(
                card['account'], gettext('crm_core.msg_hidden_record'))
        self.assertNotIn(b"Board account of board.rep2", response.data)

    def test_data_of_the_manager_and_filters(self):
        """The manager sees both reps' potentials; the filters: mine, my
        team (its teams' members and leaders, itself included), quarter"""
        key = self.open_board('board.manager')
        ours = {self.p1, self.p2, self.p3}

        data = self.get_data(key).get_json()
        mine = self.get_data(key, scope='mine').get_json()
        team = self.get_data(key, scope='team').get_json()
        quarter = self.get_data(key, quarter=self.quarter).get_json()

        self.assertEqual(set(self.cards(data)) & ours, ours)
        self.assertEqual(self.cards(mine), {})
        self.assertEqual(set(self.cards(team)) & ours, {self.p1, self.p2})
        self.assertEqual(set(self.cards(quarter)) & ours, {self.p1, self.p3})
        both = self.get_data(
            key, scope='team', quarter=self.quarter).get_json()
        self.assertEqual(set(self.cards(both)) & ours, {self.p1})
        rep = self.open_board('board.rep2')
        for scope in ['mine', 'team', 'all']:
            with self.subTest(scope=scope):
                cards = self.get_data(rep, scope=scope).get_json()
                self.assertEqual(set(self.cards(cards)) & ours, {self.p3})

    def test_data_bad_filters(self):
        "Unknown scopes and malformed quarters are refused with a message"
        key = self.open_board('board.rep1')
        for scope in ['everyone', 'ALL', '1', "mine'"]:
            with self.subTest(scope=scope):
                self.assertRefused(self.get_data(key, scope=scope),
                    HTTPStatus.BAD_REQUEST,
                    'msg_pipeline_board_invalid_scope')
        for quarter in ['2026-Q5', '2026Q1', '26-Q1', '0000-Q1',
                '2026-Q1 ', '2026-Q1\n', '\uff12026-Q1']:
            with self.subTest(quarter=quarter):
                self.assertRefused(self.get_data(key, quarter=quarter),
                    HTTPStatus.BAD_REQUEST,
                    'msg_pipeline_board_invalid_quarter')

    def test_data_without_session(self):
        "The data of an ended session are refused"
        key = self.open_board('board.rep1')
        session = self.session_of(key)
        with transaction():
            Session = Pool().get('crm.pipeline_board.session')
            Session.write([Session(session['id'])], {
                    'expires': utcnow() - dt.timedelta(
                        seconds=1)})
        for headers in [self.cookie(key), {}]:
            with self.subTest(headers=headers):
                response = self.client().get(BASE + 'data', headers=headers)
                self.assertRefused(response, HTTPStatus.FORBIDDEN,
                    'msg_pipeline_board_session_ended')

    def test_overdue_marker(self):
        "A card is marked when its potential has an open activity past due"
        key = self.open_board('board.rep1')

        cards = self.cards(self.get_data(key).get_json())

        self.assertTrue(cards[self.p1]['overdue'])
        self.assertFalse(cards[self.p2]['overdue'])

    def test_move(self):
        """A move writes the stage, its probability and a stage history row
        by the rep, and answers the card and the two columns' totals"""
        with transaction():
            potential = self.create_potential(
                'board.rep1', 'qualification', 3000, "Board moved deal")
        qualification, proposal = self.stage_ids(
            'qualification', 'proposal')
        key = self.open_board('board.rep1')
        before = {s['id']: s for s in self.get_data(key).get_json()['stages']}

        response = self.post_move(
            key, {'potential': potential, 'stage': proposal})

        self.assertEqual(response.status_code, HTTPStatus.OK,
            response.get_data(as_text=True))
        answer = response.get_json()
        self.assertEqual(answer['card']['id'], potential)
        self.assertEqual(answer['card']['stage'], proposal)
        after = self.potential(potential)
        self.assertEqual(after['stage'], proposal)
        self.assertEqual(after['probability'], 0.65)
        self.assertEqual(after['history'][-1],
            (proposal, self.users['board.rep1']))
        self.assertEqual(len(after['history']), 2)
        totals = answer['totals']
        self.assertEqual(set(totals), {str(qualification), str(proposal)})
        self.assertEqual(totals[str(qualification)]['count'],
            before[qualification]['count'] - 1)
        self.assertEqual(totals[str(proposal)]['count'],
            before[proposal]['count'] + 1)
        now = {s['id']: s for s in self.get_data(key).get_json()['stages']}
        for stage in [qualification, proposal]:
            self.assertEqual(totals[str(stage)]['count'],
                now[stage]['count'])
            self.assertEqual(totals[str(stage)]['amount'],
                now[stage]['amount'])

    def test_move_to_won_closes(self):
        "A move to Closed Won closes the potential, as the form does"
        with transaction():
            potential = self.create_potential(
                'board.rep1', 'negotiation', 500, "Board won deal")
        won, = self.stage_ids('closed_won')
        key = self.open_board('board.rep1')

        response = self.post_move(key, {'potential': potential, 'stage': won})

        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertTrue(response.get_json()['card']['closed'])
        self.assertEqual(self.potential(potential)['state'], 'won')
        # closed: it no longer moves
        proposal, = self.stage_ids('proposal')
        response = self.post_move(
            key, {'potential': potential, 'stage': proposal})
        self.assertRefused(response, HTTPStatus.BAD_REQUEST,
            'msg_pipeline_board_potential_closed',
            potential=response.get_json()['error'].split('"')[1])
        self.assertEqual(self.potential(potential)['stage'], won)

    def test_move_hidden_as_missing(self):
        """Moving another rep's potential answers as a missing id does;
        nothing is written"""
        proposal, = self.stage_ids('proposal')
        key = self.open_board('board.rep1')
        with transaction():
            missing = Pool().get('sale.opportunity').search(
                [], order=[('id', 'DESC')], limit=1)[0].id + 1000
        before = self.potential(self.p3)

        hidden = self.post_move(key, {'potential': self.p3, 'stage': proposal})
        absent = self.post_move(key, {'potential': missing, 'stage': proposal})
        # (a bad stage does not tell either)
        hidden_bad = self.post_move(
            key, {'potential': self.p3, 'stage': 'x'})

        self.assertRefused(hidden, HTTPStatus.NOT_FOUND,
            'msg_pipeline_board_potential_not_found')
        for other in [absent, hidden_bad]:
            self.assertEqual(other.status_code, hidden.status_code)
            self.assertEqual(other.data, hidden.data)
            self.assertEqual(
                dict(other.headers), dict(hidden.headers))
        self.assertEqual(self.potential(self.p3), before)

    def test_move_refused_requests(self):
        """A move without the CRM page's token, as a form or from another
        origin is refused; nothing is written"""
        proposal, = self.stage_ids('proposal')
        key = self.open_board('board.rep1')
        other = self.open_board('board.rep2')
        body = {'potential': self.p1, 'stage': proposal}
        before = self.potential(self.p1)
        forbidden = (HTTPStatus.FORBIDDEN, 'msg_pipeline_board_forbidden')
        for label, response, refusal in [
                ('no token', self.post_move(key, body, csrf=''), forbidden),
                ('wrong token', self.post_move(
                        key, body, csrf='x' * TOKEN_LENGTH), forbidden),
                ("another session's token", self.post_move(
                        key, body, csrf=self.session_of(other)['csrf']),
                    forbidden),
                ('foreign origin in [web] cors', self.post_cors(
                        key, body, 'https://shop.example'), forbidden),
                ('foreign origin', self.post_cors(
                        key, body, 'https://evil.example'), None),
                ('null origin', self.post_cors(key, body, 'null'), None),
                ('cross-site fetch', self.post_move(key, body, headers={
                            'Sec-Fetch-Site': 'cross-site'}), forbidden),
                ('form', self.post_move(key, body, raw='potential=1',
                        content_type='application/x-www-form-urlencoded'),
                    (HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        'msg_pipeline_board_content_type')),
                ('plain text', self.post_move(
                        key, body, raw=json.dumps(body),
                        content_type='text/plain'),
                    (HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        'msg_pipeline_board_content_type')),
                ('no session', self.client().post(
                        BASE + 'move', data=json.dumps(body),
                        content_type=JSON, headers={'X-CSRF-Token': self
                            .session_of(key)['csrf']}),
                    (HTTPStatus.FORBIDDEN,
                        'msg_pipeline_board_session_ended')),
                ]:
            with self.subTest(label):
                if refusal is None:
                    # (trytond refuses an origin out of [web] cors first)
                    self.assertEqual(response, HTTPStatus.FORBIDDEN)
                else:
                    self.assertRefused(response, *refusal)
        self.assertEqual(self.potential(self.p1), before)

    def test_move_bad_values(self):
        "Hostile ids and bodies are refused with a message, nothing written"
        key = self.open_board('board.rep1')
        with transaction():
            Stage = Pool().get('crm.sales_stage')
            inactive, = Stage.create([{
                        'name': "Board inactive stage", 'sequence': 15,
                        'probability': 0.5, 'active': False}])
            inactive = inactive.id
            missing_stage = Stage.search(
                [], order=[('id', 'DESC')], limit=1)[0].id + 100
        proposal, = self.stage_ids('proposal')
        before = self.potential(self.p1)
        invalid = (HTTPStatus.BAD_REQUEST,
            'msg_pipeline_board_invalid_request')
        stage = (HTTPStatus.BAD_REQUEST, 'msg_pipeline_board_invalid_stage')
        for body, refusal in [
                ({'potential': self.p1, 'stage': inactive}, stage),
                ({'potential': self.p1, 'stage': missing_stage}, stage),
                ({'potential': self.p1, 'stage': str(proposal)}, stage),
                ({'potential': self.p1, 'stage': float(proposal)}, stage),
                ({'potential': self.p1, 'stage': True}, stage),
                ({'potential': self.p1, 'stage': -1}, stage),
                ({'potential': self.p1, 'stage': 2 ** 40}, stage),
                ({'potential': self.p1}, stage),
                ({'potential': str(self.p1), 'stage': 1}, invalid),
                ({'potential': float(self.p1), 'stage': 1}, invalid),
                ({'potential': True, 'stage': 1}, invalid),
                ({'potential': -self.p1, 'stage': 1}, invalid),
                ({'potential': 2 ** 63, 'stage': 1}, invalid),
                ({'potential': [self.p1], 'stage': 1}, invalid),
                ({'potential': self.p1, 'stage': 1, 'state': 'won'},
                    invalid),
                ([self.p1, 1], invalid),
                ('move', invalid),
                ({'potential': self.p1, 'stage': 1, 'scope': 'x'},
                    (HTTPStatus.BAD_REQUEST,
                        'msg_pipeline_board_invalid_scope')),
                ({'potential': self.p1, 'stage': 1, 'quarter': 2026},
                    (HTTPStatus.BAD_REQUEST,
                        'msg_pipeline_board_invalid_quarter')),
                ]:
            with self.subTest(body=body):
                self.assertRefused(self.post_move(key, body), *refusal)
        for raw in ['{', '[' * 100000, '', '{"potential": 1e999}',
                '{"potential": NaN}']:
            with self.subTest(raw=raw[:20]):
                response = self.post_move(key, None, raw=raw)
                self.assertEqual(
                    response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertEqual(self.potential(self.p1), before)

    def test_move_refused_by_the_form_rules(self):
        """Closing as lost without a lost reason is refused with the
        form's message; nothing written (stage, history)"""
        with transaction():
            potential = self.create_potential(
                'board.rep1', 'qualification', 700, "Board lost deal")
        lost, = self.stage_ids('closed_lost')
        key = self.open_board('board.rep1')
        before = self.potential(potential)

        response = self.post_move(
            key, {'potential': potential, 'stage': lost})

        self.assertRefused(response, HTTPStatus.BAD_REQUEST,
            'msg_potential_lost_reason_required',
            potential=self.rec_name(potential))
        self.assertEqual(self.potential(potential), before)

    def rec_name(self, potential_id):
        with transaction():
            return Pool().get('sale.opportunity')(potential_id).rec_name

    def test_column_limit(self):
        "A column shows at most CARD_LIMIT cards and counts the others"
        with transaction():
            Opportunity = Pool().get('sale.opportunity')
            with Transaction().set_context(company=self.company):
                Opportunity.create([{
                            'description': f"Bulk {i}",
                            'party': self.accounts['board.rep2'],
                            'assigned_user': self.users['board.rep2'],
                            'state': 'opportunity', 'crm_lead': True,
                            'sales_stage': stage_id('needs_analysis'),
                            'amount': Decimal(10),
                            } for i in range(CARD_LIMIT + 5)])
        analysis, = self.stage_ids('needs_analysis')
        key = self.open_board('board.rep2')

        data = self.get_data(key).get_json()

        column, = [s for s in data['stages'] if s['id'] == analysis]
        self.assertEqual(len(column['cards']), CARD_LIMIT)
        self.assertEqual(column['more'], column['count'] - CARD_LIMIT)
        self.assertGreaterEqual(column['count'], CARD_LIMIT + 5)
