# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Web-to-lead over HTTP: werkzeug's test client against trytond's WSGI
application, on the database with every CRM module active.

The set-up and each check of the database run in their own committed
transactions, as the route's do; the database is dropped after the
class."""
import io
import json
import unittest
from urllib.parse import urlencode

from crm_core.tests.activation import CrmModulesTestMixin
from crm_core.tests.tools import acting_as, create_crm_users
from crm_sales.web_to_lead import (
    CAPTURE_FIELDS, HONEYPOT, MAX_BODY_SIZE, RATE_LIMITER, RateLimiter)
from trytond import config
from trytond.i18n import gettext
from trytond.model.exceptions import (
    DomainValidationError, RequiredValidationError, ValidationError)
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus, exceptions
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

REDIRECT = 'https://www.example.com/thank-you'
ALLOWED = ['salutation', 'first_name', 'last_name', 'lead_company',
    'job_title', 'email', 'phone', 'website', 'street', 'city', 'country',
    'industry', 'employees', 'comment']
FORM = 'application/x-www-form-urlencoded'
#: What a caller may never set, whatever the allowed fields
FORBIDDEN = ['assigned_user', 'assigned_team', 'company', 'state',
    'lead_source', 'crm_lead', 'lead_status', 'create_uid', 'id',
    'employee', 'number']


def transaction(**extras):
    "A transaction as root on the test database, committed at its end."
    return Transaction().start(DB_NAME, 0, **extras)


def configure(**values):
    "Write values on the CRM configuration (committed)."
    # (the first write creates the singleton, under a table lock)
    with transaction(_lock_tables=['crm_configuration']):
        Configuration = Pool().get('crm.configuration')
        Configuration.write([Configuration(1)], values)


class WebToLeadTestCase(CrmModulesTestMixin, RouteTestCase):
    "Test web-to-lead over HTTP"
    module = 'crm_sales'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Country = pool.get('country.country')
        Team = pool.get('crm.team')
        company, users = create_crm_users()
        cls.users = {login: user.id for login, user in users.items()}
        cls.company = company.id
        Country.create([{'name': "France", 'code': 'FR', 'code3': 'FRA'}])
        team, = Team.create([{
                    'name': "Web Team",
                    'members': [('add', [cls.users['rep1']])],
                    }])
        cls.team = team.id

    def setUp(self):
        super().setUp()
        RATE_LIMITER.clear()
        configure(
            web_to_lead=True, web_to_lead_user=self.users['rep1'],
            web_to_lead_team=None, web_to_lead_fields=ALLOWED,
            web_to_lead_redirect=REDIRECT, web_to_lead_rate_limit=50,
            web_to_lead_proxies=0)
        self.addCleanup(configure, web_to_lead=False)

    @property
    def url(self):
        return f'/{DB_NAME}/crm/web-to-lead'

    def post_form(self, data, **kwargs):
        return self.client().post(self.url, data=data, **kwargs)

    def post_json(self, data, **kwargs):
        return self.client().post(
            self.url, data=json.dumps(data),
            content_type='application/json', **kwargs)

    def lead_data(self, marker, **extra):
        return {'last_name': marker, 'lead_company': "Initech", **extra}

    def leads(self, marker):
        "The values of the leads whose last name is marker."
        with transaction():
            Opportunity = Pool().get('sale.opportunity')
            leads = Opportunity.search([('last_name', '=', marker)])
            return [{
                    'id': l.id, 'state': l.state, 'crm_lead': l.crm_lead,
                    'lead_source': l.lead_source,
                    'lead_status': l.lead_status,
                    'assigned_user': l.assigned_user and l.assigned_user.id,
                    'assigned_team': l.assigned_team and l.assigned_team.id,
                    'create_uid': l.create_uid.id,
                    'company': l.company.id,
                    'country': l.country and l.country.code,
                    **{n: getattr(l, n) for n in CAPTURE_FIELDS
                        if n != 'country'},
                    } for l in leads]

    def count_opportunities(self):
        with transaction():
            return Pool().get('sale.opportunity').search_count([])

    def message(self, xml_id, **variables):
        with transaction():
            return gettext(f'crm_sales.{xml_id}', **variables)

    def field_label(self, name):
        with transaction():
            Opportunity = Pool().get('sale.opportunity')
            return Opportunity.__names__(name)['field']

    def assertRefused(self, response, status, xml_id, field=None, **kw):
        "response is the JSON refusal of status with the message."
        self.assertEqual(response.status_code, status)
        self.assertEqual(response.mimetype, 'application/json')
        variables = dict(kw)
        if field and xml_id != 'msg_web_to_lead_unknown_field':
            variables['field'] = self.field_label(field)
        elif field:
            variables['field'] = field
        self.assertEqual(response.get_json(), {
                'error': self.message(xml_id, **variables),
                'field': field,
                })

    def test_form_post_creates_lead(self):
        "A form post creates a lead owned by the configured owner"
        response = self.post_form(self.lead_data(
                'Form-Lead', first_name="Peter", salutation='mr',
                email='peter@initech.example', phone='+1 555 0100',
                website='www.initech.example', city="Austin",
                country='fr', industry='technology', employees='120',
                street="1 Main Street\r\nSuite 2", job_title="  VP \t Sales "))

        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(response.headers['Location'], REDIRECT)
        lead, = self.leads('Form-Lead')
        self.assertEqual(lead['state'], 'lead')
        self.assertTrue(lead['crm_lead'])
        self.assertEqual(lead['lead_source'], 'web_site')
        self.assertEqual(lead['lead_status'], 'not_contacted')
        self.assertEqual(lead['assigned_user'], self.users['rep1'])
        self.assertIsNone(lead['assigned_team'])
        self.assertEqual(lead['create_uid'], self.users['rep1'])
        self.assertEqual(lead['company'], self.company)
        self.assertEqual(
            {k: lead[k] for k in [
                    'first_name', 'salutation', 'lead_company', 'email',
                    'phone', 'website', 'city', 'country', 'industry',
                    'employees', 'street', 'job_title']}, {
                'first_name': "Peter", 'salutation': 'mr',
                'lead_company': "Initech", 'email': 'peter@initech.example',
                'phone': '+1 555 0100', 'website': 'www.initech.example',
                'city': "Austin", 'country': 'FR', 'industry': 'technology',
                'employees': 120, 'street': "1 Main Street\nSuite 2",
                'job_title': "VP Sales",
                })

    def test_lead_shared_as_its_owner_s(self):
        "The posted lead is visible to its owner, not to another rep"
        self.post_form(self.lead_data('Shared-Lead'))
        lead, = self.leads('Shared-Lead')
        with transaction():
            pool = Pool()
            Opportunity = pool.get('sale.opportunity')
            User = pool.get('res.user')
            domain = [('id', '=', lead['id'])]
            with acting_as(User(self.users['rep1'])):
                self.assertEqual(Opportunity.search_count(domain), 1)
            with acting_as(User(self.users['rep2'])):
                self.assertEqual(Opportunity.search_count(domain), 0)

    def test_team_owns_lead(self):
        "With a team configured, the lead is the team's"
        configure(web_to_lead_team=self.team)

        response = self.post_form(self.lead_data('Team-Lead'))

        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        lead, = self.leads('Team-Lead')
        self.assertEqual(lead['assigned_team'], self.team)
        self.assertIsNone(lead['assigned_user'])
        self.assertEqual(lead['create_uid'], self.users['rep1'])

    def test_thank_you_page(self):
        "Without redirect URL a form post gets a plain thank-you page"
        configure(web_to_lead_redirect=None)

        response = self.post_form(self.lead_data('Thanks-Lead'))

        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.mimetype, 'text/plain')
        self.assertEqual(
            response.get_data(as_text=True),
            self.message('msg_web_to_lead_thanks'))
        self.assertEqual(len(self.leads('Thanks-Lead')), 1)

    def test_multipart_post(self):
        "A multipart form post creates a lead"
        response = self.post_form(
            self.lead_data('Multipart-Lead', city="Paris"),
            content_type='multipart/form-data')

        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        lead, = self.leads('Multipart-Lead')
        self.assertEqual(lead['city'], "Paris")

    def test_json_post(self):
        "A JSON post answers 201 and no internal data"
        response = self.post_json(self.lead_data(
                'Json-Lead', email='json@initech.example', employees=12))

        self.assertEqual(response.status_code, HTTPStatus.CREATED)
        self.assertEqual(response.get_json(), {'status': 'created'})
        lead, = self.leads('Json-Lead')
        self.assertEqual(lead['email'], 'json@initech.example')
        self.assertEqual(lead['employees'], 12)
        self.assertEqual(lead['assigned_user'], self.users['rep1'])
        self.assertNotIn(str(lead['id']).encode(), response.data)

    def test_form_accepting_json(self):
        "A form post that accepts JSON gets the JSON answer"
        response = self.post_form(
            self.lead_data('Accept-Lead'),
            headers={'Accept': 'application/json'})

        self.assertEqual(response.status_code, HTTPStatus.CREATED)
        self.assertEqual(response.get_json(), {'status': 'created'})

    def test_missing_required_field(self):
        "A post without last name or company is refused, nothing created"
        before = self.count_opportunities()
        for field in ['last_name', 'lead_company']:
            for missing in [None, '', '   ', '\x00']:
                with self.subTest(field=field, value=missing):
                    data = self.lead_data('Missing-Lead')
                    if missing is None:
                        del data[field]
                    else:
                        data[field] = missing
                    response = self.post_json(data)
                    self.assertRefused(
                        response, HTTPStatus.UNPROCESSABLE_ENTITY,
                        'msg_web_to_lead_required', field)
        self.assertEqual(self.count_opportunities(), before)

    def test_missing_field_form_answer(self):
        "A form caller gets the refusal as plain text"
        response = self.post_form({'lead_company': "Initech"})

        self.assertEqual(
            response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY)
        self.assertEqual(response.mimetype, 'text/plain')
        self.assertEqual(
            response.get_data(as_text=True),
            self.message('msg_web_to_lead_required',
                field=self.field_label('last_name')))

    def test_invalid_email(self):
        "A malformed e-mail is refused, nothing created"
        before = self.count_opportunities()
        for email in ['not-an-address', 'a@b', 'a@@b.example',
                'name@exa mple.com', '<script>@x.example']:
            with self.subTest(email=email):
                response = self.post_json(
                    self.lead_data('Email-Lead', email=email))
                self.assertRefused(
                    response, HTTPStatus.UNPROCESSABLE_ENTITY,
                    'msg_web_to_lead_invalid_email', 'email')
        self.assertEqual(self.count_opportunities(), before)

    def test_invalid_values(self):
        "Unknown selection keys, countries and numbers are refused"
        before = self.count_opportunities()
        for field, value in [
                ('salutation', 'sir'), ('industry', 'Technology'),
                ('country', 'XX'), ('country', 'France'),
                ('employees', '-3'), ('employees', '1e3'),
                ('employees', '\u0661\u0662'), ('website', 'javascript:x'),
                ('city', ['Paris']), ('city', {'name': 'Paris'}),
                ('city', True)]:
            with self.subTest(field=field, value=value):
                response = self.post_json(
                    self.lead_data('Value-Lead', **{field: value}))
                self.assertEqual(
                    response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY)
                self.assertEqual(response.get_json()['field'], field)
        self.assertEqual(self.count_opportunities(), before)

    def test_oversize_field(self):
        "A value over its field's limit is refused; at the limit it passes"
        size = CAPTURE_FIELDS['last_name']
        before = self.count_opportunities()

        response = self.post_json(self.lead_data('x' * (size + 1)))

        self.assertRefused(
            response, HTTPStatus.UNPROCESSABLE_ENTITY,
            'msg_web_to_lead_too_long', 'last_name', size=size)
        self.assertEqual(self.count_opportunities(), before)

        response = self.post_json(self.lead_data('y' * size))
        self.assertEqual(response.status_code, HTTPStatus.CREATED)
        self.assertEqual(len(self.leads('y' * size)), 1)

    def test_oversize_body_refused_unread(self):
        "A body declared over the limit is refused (413) before it is read"
        class Stream(io.RawIOBase):
            "An endless body that counts what is read of it"
            read_size = 0

            def readable(self):
                return True

            def readinto(self, buffer):
                Stream.read_size += len(buffer)
                buffer[:] = b'a' * len(buffer)
                return len(buffer)

        before = self.count_opportunities()
        for content_type in [FORM, 'application/json']:
            with self.subTest(content_type=content_type):
                Stream.read_size = 0
                response = self.client().post(
                    self.url, content_type=content_type,
                    headers={'Accept': 'application/json'},
                    environ_overrides={
                        'wsgi.input': Stream(),
                        'CONTENT_LENGTH': str(MAX_BODY_SIZE + 1),
                        })
                self.assertRefused(
                    response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    'msg_web_to_lead_body_too_large', size=MAX_BODY_SIZE)
                self.assertEqual(Stream.read_size, 0)
        self.assertEqual(self.count_opportunities(), before)

    def test_oversize_body_without_length(self):
        "A streamed body without length is refused once over the limit"
        body = urlencode(self.lead_data(
                'Stream-Lead', comment='z' * MAX_BODY_SIZE)).encode()
        before = self.count_opportunities()

        response = self.client().post(
            self.url, input_stream=io.BytesIO(body), content_type=FORM,
            environ_overrides={'wsgi.input_terminated': True},
            headers={'Accept': 'application/json'})

        self.assertRefused(
            response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            'msg_web_to_lead_body_too_large', size=MAX_BODY_SIZE)
        self.assertEqual(self.count_opportunities(), before)

    def test_unknown_field(self):
        "A field outside the allowed ones is refused, nothing created"
        before = self.count_opportunities()
        # mobile is a capture field, not among the allowed ones
        for field in ['favourite_colour', 'mobile']:
            with self.subTest(field=field):
                response = self.post_json(
                    self.lead_data('Unknown-Lead', **{field: 'x'}))
                self.assertRefused(
                    response, HTTPStatus.BAD_REQUEST,
                    'msg_web_to_lead_unknown_field', field)
        self.assertEqual(self.count_opportunities(), before)

    def test_owner_company_state_refused(self):
        "The caller may set neither owner, company, state nor source"
        before = self.count_opportunities()
        for field in FORBIDDEN:
            for post in [self.post_json, self.post_form]:
                with self.subTest(field=field, post=post.__name__):
                    response = post(
                        self.lead_data('Forbidden-Lead', **{
                                field: str(self.users['rep2'])}),
                        headers={'Accept': 'application/json'})
                    self.assertRefused(
                        response, HTTPStatus.BAD_REQUEST,
                        'msg_web_to_lead_unknown_field', field)
        self.assertEqual(self.count_opportunities(), before)

    def test_repeated_field(self):
        "A field given twice is refused"
        response = self.client().post(
            self.url, data=urlencode(
                [('last_name', 'Twice'), ('last_name', 'Again'),
                    ('lead_company', 'Initech')]),
            content_type=FORM, headers={'Accept': 'application/json'})

        self.assertRefused(
            response, HTTPStatus.BAD_REQUEST,
            'msg_web_to_lead_repeated_field', 'last_name')
        self.assertEqual(self.leads('Twice'), [])

    def test_unreadable_body(self):
        "Malformed JSON, a JSON array or another content type are refused"
        for body in [b'{"last_name": ', b'[["last_name", "x"]]', b'"x"',
                b'[' * 50000]:
            with self.subTest(body=body[:20]):
                response = self.client().post(
                    self.url, data=body, content_type='application/json')
                self.assertRefused(
                    response, HTTPStatus.BAD_REQUEST,
                    'msg_web_to_lead_unreadable')
        response = self.client().post(
            self.url, data=b'last_name=x', content_type='text/plain',
            headers={'Accept': 'application/json'})
        self.assertRefused(
            response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            'msg_web_to_lead_content_type')

    def test_file_refused(self):
        "A file in a multipart post is an unknown field"
        response = self.post_form({
                **self.lead_data('File-Lead'),
                'comment': (io.BytesIO(b'data'), 'notes.txt'),
                }, headers={'Accept': 'application/json'})

        self.assertRefused(
            response, HTTPStatus.BAD_REQUEST,
            'msg_web_to_lead_unknown_field', 'comment')
        self.assertEqual(self.leads('File-Lead'), [])

    def test_honeypot(self):
        "A filled honeypot gets the success answer and creates nothing"
        before = self.count_opportunities()

        response = self.post_form(self.lead_data(
                'Honey-Lead', **{HONEYPOT: 'http://spam.example'}))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(response.headers['Location'], REDIRECT)

        response = self.post_json(self.lead_data(
                'Honey-Lead', **{HONEYPOT: ['spam'], 'unknown': 'y'}))
        self.assertEqual(response.status_code, HTTPStatus.CREATED)
        self.assertEqual(response.get_json(), {'status': 'created'})

        self.assertEqual(self.count_opportunities(), before)

        # An empty honeypot (what people send) does not stop the lead
        response = self.post_form(self.lead_data(
                'Honey-Lead', **{HONEYPOT: ''}))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(len(self.leads('Honey-Lead')), 1)

    def test_flood(self):
        "Posts over the limit per minute from one address get 429"
        configure(web_to_lead_rate_limit=3)
        address = {'REMOTE_ADDR': '198.51.100.7'}

        for _ in range(3):
            response = self.post_json(
                self.lead_data('Flood-Lead'), environ_base=address)
            self.assertEqual(response.status_code, HTTPStatus.CREATED)
        # refused whatever the body, a forged X-Forwarded-For included
        for data in [self.lead_data('Flood-Lead'), {'bad': 'x'}]:
            response = self.post_json(
                data, environ_base=address,
                headers={'X-Forwarded-For': '203.0.113.9'})
            self.assertRefused(
                response, HTTPStatus.TOO_MANY_REQUESTS,
                'msg_web_to_lead_rate_limited')
        self.assertEqual(len(self.leads('Flood-Lead')), 3)

        # Another address is not limited
        response = self.post_json(
            self.lead_data('Flood-Lead'),
            environ_base={'REMOTE_ADDR': '198.51.100.8'})
        self.assertEqual(response.status_code, HTTPStatus.CREATED)

    def test_flood_ipv6_network(self):
        "The addresses of one IPv6 /64 share their limit"
        configure(web_to_lead_rate_limit=1)

        response = self.post_json(
            self.lead_data('V6-Lead'),
            environ_base={'REMOTE_ADDR': '2001:db8:1:2::1'})
        self.assertEqual(response.status_code, HTTPStatus.CREATED)
        response = self.post_json(
            self.lead_data('V6-Lead'),
            environ_base={'REMOTE_ADDR': '2001:db8:1:2::ff'})
        self.assertEqual(response.status_code, HTTPStatus.TOO_MANY_REQUESTS)
        response = self.post_json(
            self.lead_data('V6-Lead'),
            environ_base={'REMOTE_ADDR': '2001:db8:1:3::1'})
        self.assertEqual(response.status_code, HTTPStatus.CREATED)

    def test_flood_behind_trusted_proxy(self):
        "Behind a trusted proxy, the forwarded address is limited"
        configure(web_to_lead_rate_limit=1, web_to_lead_proxies=1)
        proxy = {'REMOTE_ADDR': '10.0.0.1'}

        def post(forwarded):
            return self.post_json(
                self.lead_data('Proxy-Lead'), environ_base=proxy,
                headers={'X-Forwarded-For': forwarded})

        self.assertEqual(
            post('192.0.2.1').status_code, HTTPStatus.CREATED)
        self.assertEqual(
            post('192.0.2.2').status_code, HTTPStatus.CREATED)
        # The client forged the first address; the proxy appended its own
        self.assertEqual(
            post('192.0.2.99, 192.0.2.1').status_code,
            HTTPStatus.TOO_MANY_REQUESTS)

    def test_disabled(self):
        "A disabled web-to-lead answers 404 and creates nothing"
        configure(web_to_lead=False)
        before = self.count_opportunities()

        response = self.post_json(self.lead_data('Disabled-Lead'))
        self.assertRefused(
            response, HTTPStatus.NOT_FOUND, 'msg_web_to_lead_disabled')
        response = self.post_form(self.lead_data('Disabled-Lead'))
        self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)

        self.assertEqual(self.count_opportunities(), before)

    def test_cross_origin_needs_cors(self):
        "A post from another site passes once its origin is in [web] cors"
        origin = {'Origin': 'https://www.example.com'}

        # (trytond aborts before any route: the exception leaves the
        # application, a WSGI server answers it as an error)
        with self.assertRaises(exceptions.Forbidden):
            self.post_form(self.lead_data('Cors-Lead'), headers=origin)
        self.assertEqual(self.leads('Cors-Lead'), [])

        cors = config.get('web', 'cors', default='')
        config.set('web', 'cors', origin['Origin'])
        self.addCleanup(config.set, 'web', 'cors', cors)
        response = self.post_form(
            self.lead_data('Cors-Lead'), headers=origin)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(len(self.leads('Cors-Lead')), 1)

    def test_get_not_allowed(self):
        "Only POST is served"
        response = self.client().get(self.url)
        self.assertEqual(
            response.status_code, HTTPStatus.METHOD_NOT_ALLOWED)

    def test_html_stored_as_text(self):
        "HTML in a value is stored verbatim as text and never echoed"
        html = '<script>alert("x")</script>\n<b onclick="x()">R&amp;D</b>'
        for post in [self.post_form, self.post_json]:
            with self.subTest(post=post.__name__):
                configure(web_to_lead_redirect=None)
                marker = f'Html-Lead-{post.__name__}'
                response = post(self.lead_data(
                        marker, comment=html, city='<i>Austin</i>'))
                self.assertIn(response.status_code, {
                        HTTPStatus.OK, HTTPStatus.CREATED})
                self.assertNotIn(b'<', response.data)
                lead, = self.leads(marker)
                self.assertEqual(lead['comment'], html)
                self.assertEqual(lead['city'], '<i>Austin</i>')

    def test_answer_in_caller_language(self):
        "Refusals are in the translatable language the caller accepts"
        with transaction():
            Lang = Pool().get('ir.lang')
            french, = Lang.search([('code', '=', 'fr')])
            Lang.write([french], {'translatable': True})
        with transaction():
            pool = Pool()
            Message = pool.get('ir.message')
            Data = pool.get('ir.model.data')
            message = Message(Data.get_id(
                    'crm_sales', 'msg_web_to_lead_required'))
            pool.get('ir.translation').create([{
                        'lang': 'fr', 'type': 'model',
                        'name': 'ir.message,text', 'res_id': message.id,
                        'src': message.text, 'module': 'crm_sales',
                        'value': 'Le champ "%(field)s" est obligatoire.',
                        }])
            Message._message_cache.clear()

        response = self.post_json(
            {'lead_company': "Initech"},
            headers={'Accept-Language': 'fr-FR,fr;q=0.9,en;q=0.5'})

        with transaction(), Transaction().set_context(language='fr'):
            expected = gettext(
                'crm_sales.msg_web_to_lead_required',
                field=Pool().get('sale.opportunity').__names__(
                    'last_name')['field'])
        self.assertTrue(expected.startswith('Le champ'))
        self.assertEqual(response.get_json()['error'], expected)

    def test_owner_without_permission(self):
        """A post is answered 500 and nothing is written when the owner
        lost its profile since"""
        with transaction():
            pool = Pool()
            User = pool.get('res.user')
            Data = pool.get('ir.model.data')
            User.write([User(self.users['rep1'])], {'groups': [
                        ('remove', [Data.get_id(
                                    'crm_core', 'group_crm_staff')])]})
        self.addCleanup(self._restore_rep1_profile)
        before = self.count_opportunities()

        with self.assertLogs('crm_sales.web_to_lead', 'ERROR'):
            response = self.post_json(self.lead_data('Lost-Lead'))

        self.assertRefused(
            response, HTTPStatus.INTERNAL_SERVER_ERROR,
            'msg_web_to_lead_failed')
        self.assertEqual(self.count_opportunities(), before)

    def _restore_rep1_profile(self):
        with transaction():
            pool = Pool()
            User = pool.get('res.user')
            Data = pool.get('ir.model.data')
            User.write([User(self.users['rep1'])], {'groups': [
                        ('add', [Data.get_id(
                                    'crm_core', 'group_crm_staff')])]})


class RateLimiterTestCase(unittest.TestCase):
    "Test the sliding window of the web-to-lead rate limit"

    def test_window_slides(self):
        "A key gets limit posts per window, again as its posts age"
        limiter = RateLimiter(window=60)
        self.assertEqual(
            [limiter.allow('a', 2, now=t) for t in [0, 10, 20, 59]],
            [True, True, False, False])
        self.assertTrue(limiter.allow('b', 2, now=20))
        # the post of 0 left the window, then the one of 10
        self.assertTrue(limiter.allow('a', 2, now=60.5))
        self.assertFalse(limiter.allow('a', 2, now=61))
        self.assertTrue(limiter.allow('a', 2, now=70.5))

    def test_idle_keys_forgotten(self):
        "The keys without posts in the window are swept"
        limiter = RateLimiter(window=60)
        limiter.sweep_every = 3
        limiter.allow('old', 1, now=0)
        limiter.allow('recent', 1, now=50)
        limiter.allow('new', 1, now=100)
        self.assertEqual(set(limiter._hits), {'recent', 'new'})


class WebToLeadConfigurationTestCase(CrmModulesTestMixin, RouteTestCase):
    "Test the web-to-lead configuration"
    module = 'crm_sales'

    @classmethod
    def setUpDatabase(cls):
        company, users = create_crm_users()
        cls.users = {login: user.id for login, user in users.items()}

    def check_refused(self, values, exception, xml_id=None, **variables):
        "Writing values is refused with the message; nothing is written."
        with transaction(_lock_tables=['crm_configuration']):
            Configuration = Pool().get('crm.configuration')
            with self.assertRaises(exception) as cm:
                Configuration.write([Configuration(1)], values)
            # (as the RPC call that raises would)
            Transaction().rollback()
            if xml_id:
                self.assertEqual(
                    cm.exception.message,
                    gettext(f'crm_sales.{xml_id}', **variables))
        with transaction():
            configuration = Pool().get('crm.configuration')(1)
            self.assertFalse(configuration.web_to_lead)

    def test_defaults(self):
        "Web-to-lead starts disabled, with the required fields allowed"
        with transaction():
            configuration = Pool().get('crm.configuration')(1)
            self.assertFalse(configuration.web_to_lead)
            self.assertTrue({'last_name', 'lead_company'}
                <= set(configuration.web_to_lead_fields))
            self.assertGreaterEqual(configuration.web_to_lead_rate_limit, 1)
            self.assertEqual(
                configuration.web_to_lead_url,
                f'/{DB_NAME}/crm/web-to-lead')

    def test_owner_required(self):
        "Enabling web-to-lead needs a lead owner"
        self.check_refused({'web_to_lead': True}, RequiredValidationError)

    def test_required_fields_allowed(self):
        "The allowed fields must include last name and company"
        with transaction():
            label = Pool().get('sale.opportunity').__names__(
                'lead_company')['field']
        self.check_refused({
                'web_to_lead': True,
                'web_to_lead_user': self.users['rep1'],
                'web_to_lead_fields': ['last_name', 'email'],
                }, ValidationError, 'msg_web_to_lead_fields_required',
            fields=label)

    def test_redirect_url(self):
        "The redirect URL must be an absolute http(s) URL"
        for url in ['javascript:alert(1)', '/thanks', 'www.example.com',
                'ftp://example.com/x']:
            with self.subTest(url=url):
                self.check_refused({
                        'web_to_lead': True,
                        'web_to_lead_user': self.users['rep1'],
                        'web_to_lead_redirect': url,
                        }, ValidationError,
                    'msg_web_to_lead_invalid_redirect', url=url)

    def test_owner_may_create_leads(self):
        "The lead owner's profile must grant Create on opportunities"
        with transaction():
            name = Pool().get('res.user')(self.users['director']).rec_name
        self.check_refused({
                'web_to_lead': True,
                'web_to_lead_user': self.users['director'],
                }, ValidationError, 'msg_web_to_lead_owner_denied',
            user=name)

    def test_team_of_owner(self):
        "The lead team must be one the lead owner belongs to or leads"
        with transaction():
            Team = Pool().get('crm.team')
            team, = Team.create([{
                        'name': "Other Team",
                        'members': [('add', [self.users['rep2']])],
                        }])
        self.check_refused({
                'web_to_lead': True,
                'web_to_lead_user': self.users['rep1'],
                'web_to_lead_team': team.id,
                }, DomainValidationError)


del RouteTestCase


if __name__ == '__main__':
    unittest.main()
