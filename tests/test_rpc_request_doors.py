"""Six classes of side door, tried over JSON-RPC as a sales rep.

rpc.req1, a sales rep, faces *Req Hidden Corp*, a private account of
rpc.req2 with an e-mail address and an attachment whose content is secret;
it owns *Req Own Ltd*, a lead whose company is *Req Hidden Corp* and a
potential whose account the administrator gave to rpc.req2.  Each test
tries one class of door the way a client does (crm_core's
request_guard.py closes them); the server mails to an SMTP sink, so that
what would leave the machine is seen."""
import datetime
import re

import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, refused,
    setup_people)

PASSWORD = 'Request-doors-Pass-42'
SECRET_DATA = 'attachment secret 4242 of Req Hidden Corp'
HIDDEN_EMAIL = 'ceo@req-hidden.example.com'


@pytest.fixture(scope='module')
def world(crm_server):
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    people = setup_people(admin, CrmPeople(
            company=CrmCompany("Request Doors Company", EURO, admin=True),
            users=(
                # (a profile that exports: only the rules restrict it)
                CrmUser('rpc.req1', "Sales Rep", "CRM Manager",
                    groups=("CRM Sales",), password=PASSWORD),
                CrmUser('rpc.req2', "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD),
                )))
    company, users = people.company, people.users
    rep1, rep2 = users['rpc.req1'], users['rpc.req2']
    sharings = {s['model']: s for s in admin.model(
            'crm.sharing', 'search_read',
            [('model', 'in', ['party.party', 'sale.opportunity'])],
            0, None, None, ['model', 'access'])}
    for sharing in sharings.values():
        admin.model('crm.sharing', 'write', [sharing['id']],
            {'access': 'private'})
    hidden, own, moved = admin.model('party.party', 'create', [{
                'name': "Req Hidden Corp", 'crm_type': 'account',
                'crm_company': company, 'assigned_user': rep2,
                'contact_mechanisms': [('create', [{
                                'type': 'email', 'value': HIDDEN_EMAIL}])],
                }, {
                'name': "Req Own Ltd", 'crm_type': 'account',
                'crm_company': company, 'assigned_user': rep1,
                }, {
                'name': "Req Moved Inc", 'crm_type': 'account',
                'crm_company': company, 'assigned_user': rep1,
                }])
    hidden_file, own_file = admin.model('ir.attachment', 'create', [{
                'name': 'secret.txt', 'resource': f'party.party,{record}',
                'data': SECRET_DATA.encode(),
                } for record in [hidden, own]])
    lead, = admin.model('sale.opportunity', 'create', [{
                'last_name': "Doors", 'lead_company': "Req Hidden Corp",
                'assigned_user': rep1,
                }], context={'crm_lead': True})
    potential, = admin.model('sale.opportunity', 'create', [{
                'description': "Req deal", 'party': moved, 'state':
                'opportunity', 'assigned_user': rep1,
                }], context={'crm_lead': True})
    admin.model('party.party', 'write', [moved], {'assigned_user': rep2})
    rep = JsonRpc(crm_server.url, crm_server.database)
    rep.login('rpc.req1', PASSWORD)
    yield {
        'admin': admin, 'rep': rep, 'company': company, 'users': users,
        'hidden': hidden, 'own': own, 'moved': moved, 'lead': lead,
        'potential': potential, 'hidden_file': hidden_file,
        'own_file': own_file,
        }
    rep.logout()
    for sharing in sharings.values():
        admin.model('crm.sharing', 'write', [sharing['id']],
            {'access': sharing['access']})
    admin.logout()


def test_plain_ids_email_send(world, smtp_sink):
    "1. ir.email.send mails nothing of a hidden record and files nothing"
    admin, rep = world['admin'], world['rep']

    def send(record, attachments):
        return rep.model('ir.email', 'send', 'spy@example.com', '', '',
            "Files", "See attached", None, ['party.party', record], None,
            attachments)
    mark, count = smtp_sink.count(), admin.model(
        'ir.email', 'search_count', [])
    assert refused(send, world['own'], [world['hidden_file']])
    assert refused(send, world['hidden'], [])
    assert smtp_sink.count() == mark
    assert admin.model('ir.email', 'search_count', []) == count
    # The same call with the rep's own attachment is mailed
    send(world['own'], [world['own_file']])
    (recipients, _, message), = smtp_sink.since(mark)
    assert recipients == ['spy@example.com']
    assert SECRET_DATA in smtp_sink.text_of(message)


def test_plain_ids_email_helpers(world):
    "1. The default e-mail and the address completion name nothing hidden"
    rep = world['rep']
    assert refused(rep.model, 'ir.email.template', 'get_default',
        'party.party', world['hidden'])
    assert "Req Own Ltd" in rep.model(
        'ir.email.template', 'get_default', 'party.party',
        world['own'])['subject']
    assert HIDDEN_EMAIL not in str(
        rep.model('ir.email', 'complete', 'req-hidden', 10))
    assert HIDDEN_EMAIL in str(
        world['admin'].model('ir.email', 'complete', 'req-hidden', 10))


@pytest.mark.parametrize('model, names, context', [
        ('party.party', ['parent_account'], 'default_parent_account'),
        ('sale.opportunity', ['party'], 'default_party'),
        ('ir.attachment', ['resource'], 'resource'),
        ('ir.note', ['resource'], 'resource'),
        ])
def test_context_defaults(world, model, names, context):
    "2. A context default never names nor links a hidden record"
    rep, hidden = world['rep'], world['hidden']
    value = f'party.party,{hidden}' if context == 'resource' else hidden
    assert refused(rep.model, model, 'default_get', names,
        context={context: value})
    if model == 'party.party':
        count = world['admin'].model('party.party', 'search_count',
            [('parent_account', '=', hidden)])
        assert refused(rep.model, 'party.party', 'create', [{
                    'name': "Req Child", 'crm_type': 'account',
                    'crm_company': world['company']}],
            context={context: value})
        assert world['admin'].model('party.party', 'search_count',
            [('parent_account', '=', hidden)]) == count


def _convert(rpc, lead, values=None, context=None):
    "Drive Convert Lead as sao does: create, start, then convert."
    context = {'active_model': 'sale.opportunity', 'active_ids': [lead],
        'active_id': lead, **(context or {})}
    session, start, _ = rpc.call('wizard.crm.lead.convert.create', context)
    try:
        result = rpc.call('wizard.crm.lead.convert.execute', session, {},
            start, context)
        defaults = {k: v for k, v in result['view']['defaults'].items()
            if '.' not in k}
        if values is None:
            return defaults
        return rpc.call('wizard.crm.lead.convert.execute', session,
            {start: {**defaults, **values}}, 'convert', context)
    finally:
        rpc.call('wizard.crm.lead.convert.delete', session, context)


def test_wizard_steps_run_as_user(world):
    "3. Over RPC, Convert Lead cannot give what it makes to a hidden user"
    admin, rep = world['admin'], world['rep']
    before = admin.model('party.party', 'search_count', [])
    assert refused(_convert, rep, world['lead'], {
            'assigned_user': world['users']['rpc.req2'],
            'create_account': True, 'account': None})
    lead, = admin.model('sale.opportunity', 'read', [world['lead']],
        ['lead_conversion_date', 'party'])
    assert lead['lead_conversion_date'] is None and lead['party'] is None
    assert admin.model('party.party', 'search_count', []) == before


def test_wizard_default_context(world):
    "2. and 3. default_account of the context does not link a hidden one"
    rep = world['rep']
    assert refused(_convert, rep, world['lead'], {},
        context={'default_account': world['hidden']})


def test_lookup_for_user(world):
    "4. Conversion says a matching account exists, never which"
    defaults = _convert(world['rep'], world['lead'])
    assert defaults['account'] is None
    assert defaults['create_account'] is True
    assert "not shared with you" in defaults['summary']
    # (the company name is the lead's own: the account is not named)
    assert defaults['contact'] is None


def test_on_change_over_stored_link(world):
    "5. On its own potential, the moved account gives only its placeholder"
    rep = world['rep']
    for method, args in [
            ('on_change', ({'id': world['potential']}, ['party'])),
            ('read', ([world['potential']], ['party', 'party.rec_name'])),
            ('export_data', ([world['potential']],
                    ['description', 'party/rec_name', 'party/name'])),
            ]:
        answer = rep.model('sale.opportunity', method, *args)
        assert "Req Moved" not in str(answer), (method, answer)
    assert answer == [["Req deal", "(not shared with you)", ""]]


@pytest.mark.parametrize('model, key', [
        ('party.party', 'hidden'), ('sale.opportunity', 'lead'),
        ])
def test_direct_read_refused(world, model, key):
    "6. The name of a hidden record is not read directly"
    record = world[key]
    other = JsonRpc(world['rep'].url, world['rep'].database)
    # the lead is rpc.req1's: rpc.req2 tries it
    login = 'rpc.req1' if key == 'hidden' else 'rpc.req2'
    other.login(login, PASSWORD)
    try:
        assert refused(other.model, model, 'read', [record], ['rec_name'])
    finally:
        other.logout()


def test_password_report_of_another_user(world):
    "1. A user renders no e-mail with another user's temporary password"
    call = 'report.res.user.email_reset_password.execute'
    other = world['users']['rpc.req2']
    admin = world['admin']
    admin.model('res.user', 'write', [other], {
            'password_reset': 'Temporary-4242',
            'password_reset_expire': (
                datetime.datetime.now() + datetime.timedelta(hours=1)),
            })
    try:
        # (the report is not even found among the rep's actions)
        with pytest.raises(RpcError) as info:
            world['rep'].call(call, [other], {}, {})
        assert 'Temporary-4242' not in str(info.value.error)
        _, content, *_ = admin.call(call, [other], {}, {})
        assert 'Temporary-4242' in str(content)
    finally:
        admin.model('res.user', 'write', [other], {
                'password_reset': None, 'password_reset_expire': None})


def test_masking_with_cold_sharing_cache(world):
    "5. The first read after the sharing settings changed still answers"
    admin, rep = world['admin'], world['rep']
    sharing, = admin.model('crm.sharing', 'search_read',
        [('model', '=', 'party.party')], 0, 1, None, ['access'])
    # (a write empties the cache of the sharing settings)
    admin.model('crm.sharing', 'write', [sharing['id']],
        {'access': sharing['access']})
    row, = rep.model('sale.opportunity', 'read', [world['potential']],
        ['party', 'party.rec_name'])
    assert row['party.']['rec_name'] == "(not shared with you)"


@pytest.mark.parametrize('method', ['read', 'search_read'])
def test_attachment_of_hidden_record(world, method):
    "5. Masking never hides the resource from the access check itself"
    rep, hidden_file = world['rep'], world['hidden_file']
    args = ([hidden_file], ['name', 'data']) if method == 'read' else (
        [('id', '=', hidden_file)], 0, None, None, ['name', 'data'])
    try:
        answer = rep.model('ir.attachment', method, *args)
    except RpcError as error:
        answer = error.error
    assert SECRET_DATA not in str(answer)
    assert rep.model('ir.attachment', 'read', [world['own_file']],
        ['data'])[0]['data'] == SECRET_DATA.encode()


def test_button_on_read_only_record(world):
    "A button needs the right to edit: a read-only shared lead stays as is"
    admin, rep, lead = world['admin'], world['rep'], world['lead']
    sharing, = admin.model('crm.sharing', 'search',
        [('model', '=', 'sale.opportunity')], 0, 1, None)
    other = JsonRpc(rep.url, rep.database)
    other.login('rpc.req2', PASSWORD)
    rule, = admin.model('crm.sharing.rule', 'create', [{
                'sharing': sharing,
                'owner_kind': 'user', 'owner_user': world['users']['rpc.req1'],
                'with_kind': 'user', 'with_user': world['users']['rpc.req2'],
                'access': 'read',
                }])
    try:
        assert other.model('sale.opportunity', 'read', [lead], ['state'])
        with pytest.raises(RpcError) as info:
            other.model('sale.opportunity', 'cancel', [lead])
        assert 'shared with you to read only' in str(info.value.error)
        state, = admin.model('sale.opportunity', 'read', [lead], ['state'])
        assert state['state'] == 'lead'
    finally:
        admin.model('crm.sharing.rule', 'delete', [rule])
        other.logout()


def test_import_hidden_reference_as_missing(world):
    "1. An import treats a hidden record as a missing one (no oracle)"
    rep, hidden = world['rep'], world['hidden']
    answers = []
    for id_ in [hidden, 987654321]:
        with pytest.raises(RpcError) as info:
            rep.model('ir.note', 'import_data', ['message', 'resource'],
                [["Import note", f'party.party,{id_}']])
        # (the message quotes the id given)
        answers.append(re.sub(
                r'relation for .+? in', 'relation for <id> in',
                str(info.value.error)))
    assert answers[0] == answers[1]
