"""Quotes sent by e-mail through JSON-RPC, as sao's e-mail button does.

A rep fills the e-mail of its quote from the CRM's template (the contact's
first name, the account, the number, the total, the owner), sends it with
the quote's PDF through the server's SMTP server (a local sink here) and
finds it on the quote and on the account; another rep can neither fill
nor send the e-mail of that quote."""
import shutil

import pytest

from crm_sales.tests.test_document_report import pdf_text
from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, setup_people)

PASSWORD = 'Rpc-docs-Pass-42'


@pytest.fixture(scope='module')
def quote_world(crm_server):
    "A rep's quote of an account with a contact, another rep"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Documents Company", EURO, admin=True),
            users=(
                CrmUser('docs.rep1', "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD),
                CrmUser('docs.rep2', "Sales Rep", "CRM Staff",
                    groups=("CRM Sales",), password=PASSWORD),
                )))
    rep1 = world.users['docs.rep1']
    account, = admin.model('party.party', 'create', [{
                'name': "Vance Refrigeration", 'crm_type': 'account',
                'crm_company': world.company, 'assigned_user': rep1,
                'addresses': [('create', [{'street': "12 Cold Lane",
                                'city': "Scranton"}])],
                }])
    contact, = admin.model('party.party', 'create', [{
                'first_name': "Phyllis", 'last_name': "Vance",
                'crm_type': 'contact', 'crm_company': world.company,
                'account': account, 'assigned_user': rep1,
                'contact_mechanisms': [('create', [{
                                'type': 'email',
                                'value': 'phyllis@vance.example.com'}])],
                }])
    mechanism, = admin.model('party.party', 'read', [contact],
        ['contact_mechanisms'])[0]['contact_mechanisms']
    sale, = admin.model('sale.sale', 'create', [{
                'party': account, 'contact': mechanism,
                'assigned_user': rep1, 'description': "Cold room",
                'lines': [('create', [{
                                'type': 'line', 'description': "Cold room",
                                'quantity': 1, 'unit_price': '4200.00'}])],
                }])
    report, = admin.model('ir.action.report', 'search',
        [('report_name', '=', 'sale.sale')], 0, 1, None)
    admin.model('ir.action.report', 'write', [report], {'extension': 'pdf'})
    clients = {}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    yield {'admin': admin, 'clients': clients, 'sale': sale,
        'account': account}
    admin.model('ir.action.report', 'write', [report], {'extension': ''})


def _template(rpc, name):
    template, = rpc.model('ir.email.template', 'search', [
            ('model.name', '=', 'sale.sale'), ('name', '=', name)],
        0, None, None)
    return template


@pytest.mark.skipif(not shutil.which('soffice'),
    reason="LibreOffice is installed by scripts/test.sh")
def test_rep_mails_its_quote(quote_world, smtp_sink):
    """The template fills the e-mail; it leaves with the quote's PDF and
    is kept on the quote and listed on the account"""
    rep1 = quote_world['clients']['docs.rep1']
    sale = quote_world['sale']
    template = _template(rep1, "Quote")
    values = rep1.model('ir.email.template', 'get', template, sale)
    assert values['to'] == ['Phyllis Vance <phyllis@vance.example.com>']
    assert values['subject'] == (
        "Quote for Vance Refrigeration from RPC Documents Company")
    assert 'Dear Phyllis,' in values['body']
    assert '4,200.00' in values['body']
    mark = smtp_sink.count()
    rep1.model('ir.email', 'send', ', '.join(values['to']), '', '',
        values['subject'], values['body'], [], ['sale.sale', sale],
        values['reports'], [])
    (recipients, _, message), = smtp_sink.since(mark)
    assert recipients == ['phyllis@vance.example.com']
    assert message['Subject'] == values['subject']
    attachment, = list(message.iter_attachments())
    assert attachment.get_content_type() == 'application/pdf'
    text = pdf_text(attachment.get_content())
    assert 'Quote' in text and '4,200.00' in text
    assert 'Vance Refrigeration' in text
    emails = rep1.model('ir.email', 'search_read',
        [('resource', '=', f'sale.sale,{sale}')], 0, None, None,
        ['subject'])
    assert [e['subject'] for e in emails] == [values['subject']]
    account, = rep1.model('party.party', 'read', [quote_world['account']],
        ['crm_document_emails'])
    assert account['crm_document_emails'] == [emails[0]['id']]


def test_other_rep_cannot_mail_the_quote(quote_world, smtp_sink):
    """Another rep gets nothing of the quote from the template and cannot
    send its e-mail nor its PDF"""
    rep2 = quote_world['clients']['docs.rep2']
    sale = quote_world['sale']
    template = _template(rep2, "Quote")
    mark = smtp_sink.count()
    with pytest.raises(RpcError) as refusal:
        rep2.model('ir.email.template', 'get', template, sale)
    # (the guard refuses it before the template reads anything)
    assert 'not shared with you' in str(refusal.value.error)
    report, = quote_world['admin'].model('ir.action.report', 'search',
        [('report_name', '=', 'sale.sale')], 0, 1, None)
    # (an address of this test's own: the server is shared with other test
    # files, which mail spies of theirs)
    spy = 'quote-document-spy@example.com'
    admin = quote_world['admin']
    logged = [('resource', '=', f'sale.sale,{sale}')]
    before = admin.model('ir.email', 'search_count', logged)
    with pytest.raises(RpcError):
        rep2.model('ir.email', 'send', spy, '', '',
            "Quote", "", [], ['sale.sale', sale], [report], [])
    assert smtp_sink.since(mark) == []
    assert admin.model('ir.email', 'search_count',
        [('recipients', 'like', f'%{spy}%')]) == 0
    assert admin.model('ir.email', 'search_count', logged) == before
