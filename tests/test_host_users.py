"""Users of the host's functions beside the CRM, with all modules active.

- a CRM user sees what sharing allows, whatever host groups it holds;
- a user without CRM profile in a group of Sharing Access (the host's
  accounting, purchase and stock groups by default) reads every CRM party,
  read only: an accountant posts and prints the invoice of a private CRM
  account;
- any other user sees what sharing allows."""
import datetime
from decimal import Decimal

import pytest


def in_transaction(crm_db, test):
    """Run test(world) in a rolled back transaction on crm_db, started anew
    with the table locks it asks for (as trytond's with_transaction)."""
    from trytond.config import config
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError

    if crm_db.path:
        config.set('database', 'path', str(crm_db.path))
    Pool(crm_db.name).init()
    extras = {}
    while True:
        with Transaction().start(crm_db.name, 0, **extras) as transaction:
            try:
                return test(_host_world())
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            finally:
                transaction.rollback()


def _host_world():
    "A company with a chart of accounts, a private account of a rep"
    from trytond.modules.account.tests import create_chart, get_fiscalyear
    from trytond.modules.account_invoice.tests import set_invoice_sequences
    from trytond.modules.company.tests import create_company, set_company
    from crm_core.tests.tools import CrmPeople, CrmUser, setup_crm_people
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    User = pool.get('res.user')
    FiscalYear = pool.get('account.fiscalyear')

    company = create_company()
    with set_company(company):
        create_chart(company)
        fiscalyear = set_invoice_sequences(get_fiscalyear(company))
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])
    staff = ('crm_core.role_sales_rep', 'crm_core.group_crm_staff')
    world = setup_crm_people(CrmPeople(users=(
                CrmUser('owner', *staff),
                # the rep also makes quotes and orders, with the host's
                # sale group
                CrmUser('rep', *staff, groups=(
                        'sale.group_sale', 'account.group_account')),
                CrmUser('accountant', groups=('account.group_account',)),
                CrmUser('storekeeper', groups=('stock.group_stock',)),
                CrmUser('outsider'),
                )), company=company)
    users = {login: User(id_) for login, id_ in world.users.items()}
    account, = Party.create([{
                'name': "Private Customer Inc", 'crm_type': 'account',
                'crm_company': company.id,
                'assigned_user': users['owner'].id,
                'addresses': [('create', [{'street': "1 Main Street"}])],
                }])
    return {
        'company': company, 'account': account, 'rep': users['rep'],
        'owner': users['owner'],
        'accountant': users['accountant'],
        'storekeeper': users['storekeeper'], 'outsider': users['outsider'],
        }


def _visible(world, user):
    from crm_core.tests.tools import acting_as
    from trytond.pool import Pool
    Party = Pool().get('party.party')
    with acting_as(world[user], world['company']):
        return Party.search([('crm_type', '=', 'account')])


def test_crm_user_sees_by_sharing_whatever_its_host_groups(crm_db):
    "A rep holding the sale and accounting groups sees only by sharing"
    in_transaction(crm_db, lambda world: _check_sees_nothing(world, 'rep'))


def test_other_users_see_by_sharing(crm_db):
    "A user without profile nor reading group sees no private account"
    in_transaction(
        crm_db, lambda world: _check_sees_nothing(world, 'outsider'))


def _check_sees_nothing(world, user):
    assert _visible(world, user) == []


def test_storekeeper_reads_all_read_only(crm_db):
    "The stock group reads every CRM party and changes none"
    in_transaction(crm_db, _check_storekeeper)


def _check_storekeeper(host_world):
    from trytond.model.exceptions import AccessError
    from crm_core.tests.tools import acting_as
    from trytond.pool import Pool
    Party = Pool().get('party.party')
    assert _visible(host_world, 'storekeeper') == [host_world['account']]
    with acting_as(host_world['storekeeper'], host_world['company']):
        with pytest.raises(AccessError):
            Party.write(
                [Party(host_world['account'].id)], {'description': "x"})


def test_accountant_posts_and_prints_invoice(crm_db):
    "An accountant invoices a private CRM account, posts and prints it"
    in_transaction(crm_db, _check_accountant)


def _check_accountant(host_world):
    from crm_core.tests.tools import acting_as
    from trytond.pool import Pool
    pool = Pool()
    Account = pool.get('account.account')
    Invoice = pool.get('account.invoice')
    InvoiceReport = pool.get('account.invoice', type='report')
    Journal = pool.get('account.journal')
    Party = pool.get('party.party')
    company, account = host_world['company'], host_world['account']
    revenue, = Account.search([
            ('type.revenue', '=', True),
            ('company', '=', company.id),
            ('closed', '!=', True),
            ], limit=1)
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    with acting_as(host_world['accountant'], company):
        party = Party(account.id)
        assert party.rec_name == "Private Customer Inc"
        invoice, = Invoice.create([{
                    'type': 'out',
                    'company': company.id,
                    'journal': journal.id,
                    'party': party.id,
                    'invoice_address': party.addresses[0].id,
                    'currency': company.currency.id,
                    'account': party.account_receivable_used.id,
                    'invoice_date': datetime.date.today(),
                    'lines': [('create', [{
                                    'description': "Consulting",
                                    'account': revenue.id,
                                    'quantity': 2,
                                    'unit_price': Decimal('150'),
                                    }])],
                    }])
        Invoice.post([invoice])
        assert invoice.state == 'posted'
        assert invoice.total_amount == Decimal('300')
        ext, content, _, _ = InvoiceReport.execute([invoice.id], {})
        assert ext and content


def test_accountant_posts_and_prints_invoice_of_private_sale(crm_db):
    """The owner's private quote is invoiced with Create Invoice; the
    accountant (no CRM profile) reads, posts and prints that invoice, which
    the rep holding the accounting group does not see"""
    in_transaction(crm_db, _check_accountant_sale_invoice)


def _check_accountant_sale_invoice(host_world):
    from crm_core.tests.tools import acting_as
    from trytond.model.exceptions import AccessError
    from trytond.modules.company.tests import set_company
    from trytond.pool import Pool
    pool = Pool()
    Account = pool.get('account.account')
    Configuration = pool.get('account.configuration')
    Invoice = pool.get('account.invoice')
    InvoiceReport = pool.get('account.invoice', type='report')
    Sale = pool.get('sale.sale')
    company, account = host_world['company'], host_world['account']
    with set_company(company):
        configuration = Configuration(1)
        configuration.default_category_account_revenue, = Account.search([
                ('type.revenue', '=', True),
                ('company', '=', company.id),
                ('closed', '!=', True),
                ], limit=1)
        configuration.save()
        sale, = Sale.create([{
                    'company': company.id, 'party': account.id,
                    'invoice_address': account.addresses[0].id,
                    'shipment_address': account.addresses[0].id,
                    'currency': company.currency.id,
                    'assigned_user': host_world['owner'].id,
                    'lines': [('create', [{
                                    'description': "Audit", 'quantity': 1,
                                    'unit_price': Decimal('900')}])],
                    }])
        Sale.crm_create_invoice([sale])
        invoice, = Sale(sale.id).invoices
    assert invoice.assigned_user == host_world['owner']
    with acting_as(host_world['rep'], company):
        assert Invoice.search([('id', '=', invoice.id)]) == []
        with pytest.raises(AccessError):
            Invoice.read([invoice.id], ['total_amount'])
    with acting_as(host_world['accountant'], company):
        invoice = Invoice(invoice.id)
        assert invoice.total_amount == Decimal('900')
        invoice.invoice_date = datetime.date.today()
        invoice.save()
        Invoice.post([invoice])
        assert invoice.state == 'posted'
        ext, content, _, _ = InvoiceReport.execute([invoice.id], {})
        assert ext and content
