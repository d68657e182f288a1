#!/usr/bin/env python3
# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Load the CRM demo data into a database with the CRM modules activated.

The data is drawn from a fixed seed so every demo shows the same company,
users, accounts and contacts.  Every role has records of its own: the sales
accounts, support's customers, marketing's event prospects, each with their
contacts.  Sharing rules let support and marketing read the sales accounts
and contacts.  The host's set-up wizard is marked done.  It prints one line
per login.

    python scripts/demo_data.py --config var/trytond.conf --database crm_demo

``--scale 0.05`` creates a twentieth of the records (tests/test_demo_data.py).
"""
import argparse
import contextlib
import os
import random
from decimal import Decimal
import sys

SEED = 2026
PASSWORD = 'crm-demo-2026'
COMPANY_NAME = "Blue Harbor Trading"
ACCOUNTS = 50
CONTACTS = 150

#: login: (name, role, profile, other groups); roles and groups by XML id
USERS = {
    'director': (
        "Diane Director", 'role_management', 'group_crm_management',
        ['crm_sales.group_sales']),
    'sales.manager': (
        "Sam Manager", 'role_sales_manager', 'group_crm_manager',
        ['crm_sales.group_sales']),
    'sales.rep1': (
        "Rita Rep", 'role_sales_rep', 'group_crm_staff',
        ['crm_sales.group_sales']),
    'sales.rep2': (
        "Ravi Rep", 'role_sales_rep', 'group_crm_staff',
        ['crm_sales.group_sales']),
    'support.manager': (
        "Sonia Support", 'role_support_manager', 'group_crm_manager',
        ['crm_support.group_support']),
    'support.rep': (
        "Stan Support", 'role_support_rep', 'group_crm_staff',
        ['crm_support.group_support']),
    'marketing.manager': (
        "Mia Marketing", 'role_marketing_manager', 'group_crm_manager',
        ['crm_marketing.group_marketing']),
    'marketing.user': (
        "Max Marketing", 'role_marketing_user', 'group_crm_staff',
        ['crm_marketing.group_marketing']),
    }
TEAM = "Key Accounts"
TEAM_LEADER = 'sales.manager'
TEAM_MEMBERS = ['sales.rep1', 'sales.rep2']
#: the users who own accounts and contacts
OWNERS = ['sales.rep1', 'sales.rep1', 'sales.rep2', 'sales.rep2',
    'sales.manager']


def connect(config_file, database):
    os.environ.setdefault('TRYTOND_CONFIG', config_file)
    from proteus import config
    return config.set_trytond(database, config_file=config_file)


@contextlib.contextmanager
def admin_transaction(**context):
    """Run the block in a transaction of the administrator on the demo
    database (the configuration's context updated by context), committed
    at its end; yield the pool.  The demo's past sends no notification
    (the host's ``_notify``)."""
    from proteus.config import get_config
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    config = get_config()
    with Transaction().start(
            config.database_name, config.user,
            context={**config.context, '_notify': False, **context}
            ) as transaction:
        yield Pool()
        transaction.commit()


def orm_users(pool, users):
    "The users of proteus as records of the ORM, by login."
    User = pool.get('res.user')
    return {login: User(user.id) for login, user in users.items()}


def demo_people():
    "The description of the demo company, its users and team."
    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmTeam, CrmUser
    return CrmPeople(
        company=CrmCompany(COMPANY_NAME, {
                'name': "U.S. Dollar", 'symbol': "$", 'code': 'USD'},
            admin=True),
        teams=(CrmTeam(TEAM, leader=TEAM_LEADER),),
        users=tuple(
            CrmUser(login, f'crm_core.{role}', f'crm_core.{profile}',
                groups=tuple(groups), name=name, password=PASSWORD,
                email=f'{login}@blueharbor.example',
                teams=(TEAM,) if login in TEAM_MEMBERS else ())
            for login, (name, role, profile, groups) in USERS.items()))


def create_people():
    """Create the company, users and team as the administrator; return the
    company, {login: user} and the team as proteus records."""
    from crm_core.tests.tools import setup_crm_people
    from proteus import Model
    with admin_transaction():
        world = setup_crm_people(demo_people())
    User = Model.get('res.user')
    return (
        Model.get('company.company')(world.company),
        {login: User(id_) for login, id_ in world.users.items()},
        Model.get('crm.team')(world.teams[TEAM]))


#: The sharing rules: the accounts and contacts (parties) owned by the sales
#: role tree shared read only with the support and marketing role trees
SHARING_RULES = [
    ('party.party', 'role_sales_manager', 'role_support_manager', 'read'),
    ('party.party', 'role_sales_manager', 'role_marketing_manager', 'read'),
    ]


def create_sharing_rules():
    "Create the sharing rules as the administrator, unless they exist."
    with admin_transaction() as pool:
        Rule = pool.get('crm.sharing.rule')
        Sharing = pool.get('crm.sharing')
        ModelData = pool.get('ir.model.data')
        for model, owner, recipient, access in SHARING_RULES:
            sharing, = Sharing.search([('model', '=', model)])
            values = {
                'sharing': sharing.id,
                'owner_kind': 'role_and_subordinates',
                'owner_role': ModelData.get_id('crm_core', owner),
                'with_kind': 'role_and_subordinates',
                'with_role': ModelData.get_id('crm_core', recipient),
                'access': access,
                }
            if not Rule.search([(k, '=', v) for k, v in values.items()]):
                Rule.create([values])


#: The accounts of the other roles, owned in turn by the owners (a login
#: repeated owns more), each with CONTACTS_PER_ACCOUNT contacts owned by the
#: same user: support's customers under contract and marketing's prospects
#: met at events
ROLE_ACCOUNTS = {
    'support': {
        'count': 12,
        'owners': ['support.rep', 'support.manager', 'support.rep'],
        'account_type': 'customer',
        'rating': 'active',
        'lead_sources': ['existing_customer'],
        'departments': ["IT", "Operations", "Facilities"],
        'description': "Customer under a service contract since {year}",
        },
    'marketing': {
        'count': 12,
        'owners': ['marketing.user', 'marketing.manager', 'marketing.user'],
        'account_type': 'prospect',
        'rating': None,
        'lead_sources': ['trade_show', 'conference'],
        'departments': ["Marketing", "Purchasing", "Management"],
        'description': "Met at {event}",
        },
    }
CONTACTS_PER_ACCOUNT = 3
EVENTS = ["the Harbor Trade Fair", "RetailTech Expo", "the Logistics Summit",
    "the Spring Webinar"]


def scaled(count, scale):
    "count scaled down for a quick run (at least one)."
    return max(1, round(count * scale))


def _selection(Party, name):
    return [k for k, _ in Party._fields[name]['selection'] if k]


def _new_account(company, name, owner, team, rng, fake, **values):
    "Create an account with a website, a phone and an address."
    from proteus import Model
    Party = Model.get('party.party')
    Address = Model.get('party.address')
    Mechanism = Model.get('party.contact_mechanism')
    account = Party(crm_type='account', crm_company=company)
    account.name = name
    account.account_type = rng.choice(_selection(Party, 'account_type'))
    account.industry = rng.choice(_selection(Party, 'industry'))
    account.rating = rng.choice(_selection(Party, 'rating'))
    account.annual_revenue = Decimal(rng.randrange(100, 50000) * 1000)
    account.employees = rng.randrange(2, 5000)
    account.ownership = rng.choice(["Public", "Private", "Subsidiary"])
    account.description = fake.catch_phrase()
    account.assigned_user = owner
    account.assigned_team = team
    for field, value in values.items():
        setattr(account, field, value)
    domain = name.lower().replace(',', '').replace(' ', '-')
    domain = ''.join(c for c in domain if c.isalnum() or c == '-')
    account.contact_mechanisms.append(Mechanism(
            type='website', value=f'https://www.{domain}.example'))
    account.contact_mechanisms.append(Mechanism(
            type='phone', value=fake.numerify('+1 202-555-0###')))
    address = account.addresses[0] if account.addresses else Address()
    address.street = fake.street_address()
    address.postal_code = fake.postcode()
    address.city = fake.city()
    if not account.addresses:
        account.addresses.append(address)
    account.save()
    account.billing_address = account.addresses[0]
    account.shipping_address = account.addresses[0]
    account.save()
    return account


def _new_contact(company, account, index, rng, fake, **values):
    "Create a contact of account, owned as the account, with e-mail and phone."
    from proteus import Model
    Party = Model.get('party.party')
    Mechanism = Model.get('party.contact_mechanism')
    first, last = fake.first_name(), fake.last_name()
    contact = Party(crm_type='contact', crm_company=company)
    contact.salutation = rng.choice(_selection(Party, 'salutation'))
    contact.first_name = first
    contact.last_name = last
    contact.account = account
    contact.job_title = fake.job()[:60]
    contact.department = rng.choice(
        ["Sales", "Purchasing", "Finance", "IT", "Management"])
    contact.lead_source = rng.choice(_selection(Party, 'lead_source'))
    contact.birthday = fake.date_of_birth(minimum_age=22, maximum_age=65)
    contact.email_opt_out = rng.random() < 0.1
    contact.do_not_call = rng.random() < 0.05
    contact.assigned_user = account.assigned_user
    contact.assigned_team = account.assigned_team
    for field, value in values.items():
        setattr(contact, field, value)
    local = f'{first}.{last}.{index}'.lower()
    local = ''.join(c for c in local if c.isalnum() or c == '.')
    contact.contact_mechanisms.append(Mechanism(
            type='email', value=f'{local}@{fake.free_email_domain()}'))
    contact.contact_mechanisms.append(Mechanism(
            type='phone', value=fake.numerify('+1 202-555-0###')))
    contact.save()
    return contact


def create_accounts_and_contacts(company, users, team, rng, fake, scale=1):
    "Create the sales accounts, each with contacts owned by the same user."
    accounts = []
    count = scaled(ACCOUNTS, scale)
    for index in range(count):
        owner, owner_team = users[rng.choice(OWNERS)], None
        if index % 10 == 9:
            owner, owner_team = None, team
        values = {}
        if accounts and index % 7 == 0:
            values['parent_account'] = rng.choice(accounts)
        accounts.append(_new_account(
                company, fake.unique.company(), owner, owner_team, rng, fake,
                **values))
    for index in range(scaled(CONTACTS, scale)):
        _new_contact(company, accounts[index % count], index, rng, fake)
    return accounts


def create_role_accounts(company, users, rng, fake, scale=1):
    """Create the accounts and contacts of support and marketing (they own
    none of the sales ones); return {role: accounts}."""
    created = {}
    index = scaled(CONTACTS, scale)
    for role, plan in ROLE_ACCOUNTS.items():
        accounts = created[role] = []
        owners = plan['owners']
        count = max(scaled(plan['count'], scale), len(set(owners)))
        for number in range(count):
            description = plan['description'].format(
                year=rng.randrange(2018, 2026), event=rng.choice(EVENTS))
            account = _new_account(
                company, fake.unique.company(),
                users[owners[number % len(owners)]], None, rng, fake,
                account_type=plan['account_type'], rating=plan['rating'],
                description=description)
            accounts.append(account)
            for _ in range(CONTACTS_PER_ACCOUNT):
                _new_contact(
                    company, account, index, rng, fake,
                    department=rng.choice(plan['departments']),
                    lead_source=rng.choice(plan['lead_sources']))
                index += 1
    return created


def close_setup_wizard():
    """Mark the host's set-up wizard done (languages, user, company, chart,
    modules): the administrator's first login goes to the CRM, whose
    company the demo created."""
    with admin_transaction() as pool:
        Item = pool.get('ir.module.config_wizard.item')
        Item.write(Item.search([('state', '!=', 'done')]), {'state': 'done'})


def create_sales(company, users, team, rng, fake, scale=1):
    "Create the sales demo (demo_sales.py) with the ORM, as the admin."
    from demo_accounting import configure_accounting, post_invoices
    from demo_sales import (
        configure_quotes, configure_sale_sequence, create_sales_demo)
    configure_quotes()
    configure_sale_sequence(company, 'SG-')
    configure_accounting(company, 'SG')
    with admin_transaction() as pool:
        create_sales_demo(
            pool.get('company.company')(company.id), orm_users(pool, users),
            pool.get('crm.team')(team.id), rng, fake, scale=scale)
    post_invoices(company)


def create_support(company, users, rng, fake, scale=1):
    "Create the support demo (demo_support.py) with the ORM, as the admin."
    from demo_support import create_support_demo
    with admin_transaction() as pool:
        create_support_demo(
            pool.get('company.company')(company.id), orm_users(pool, users),
            rng, fake, scale=scale)


def create_activities(company, users, rng, fake, scale=1):
    "Create the activities demo (demo_activities.py), as the admin."
    from demo_activities import create_activities_demo
    with admin_transaction() as pool:
        create_activities_demo(
            pool.get('company.company')(company.id), orm_users(pool, users),
            rng, fake, scale=scale)


def create_reports(users):
    "Create the demo's saved reports (demo_reports.py), as their owners."
    from demo_reports import create_reports_demo
    with admin_transaction() as pool:
        create_reports_demo(pool, orm_users(pool, users))


def create_subsidiary(company, users, rng, fake, scale=1):
    """The second company (demo_companies.py), its details (logo, address,
    tax identifier, bank account) and its sales."""
    from demo_accounting import configure_accounting, post_invoices
    from demo_companies import (
        create_subsidiary, set_admin_company, set_details)
    from demo_sales import configure_sale_sequence, create_subsidiary_sales
    subsidiary = create_subsidiary()
    set_details(subsidiary)
    set_admin_company(subsidiary.id)
    configure_accounting(subsidiary, 'MY')
    configure_sale_sequence(subsidiary, 'MY-')
    with admin_transaction(
            company=subsidiary.id, companies=[subsidiary.id]) as pool:
        create_subsidiary_sales(
            pool.get('company.company')(subsidiary.id),
            orm_users(pool, users), rng, fake, scale=scale)
    post_invoices(subsidiary)
    set_admin_company(company.id)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', required=True)
    parser.add_argument('--database', required=True)
    parser.add_argument(
        '--scale', type=float, default=1,
        help="fraction of the records to create (quick runs, tests)")
    args = parser.parse_args(argv)

    from faker import Faker
    rng = random.Random(SEED)
    fake = Faker('en_US')
    fake.seed_instance(SEED)

    connect(args.config, args.database)
    company, users, team = create_people()
    create_sharing_rules()
    close_setup_wizard()
    create_accounts_and_contacts(company, users, team, rng, fake, args.scale)
    create_role_accounts(company, users, rng, fake, args.scale)
    # (before the sales: a posted invoice keeps the PDF printed then)
    from demo_companies import set_details
    set_details(company)
    create_sales(company, users, team, rng, fake, args.scale)
    create_subsidiary(company, users, rng, fake, args.scale)
    create_support(company, users, rng, fake, args.scale)
    create_activities(company, users, rng, fake, args.scale)
    create_reports(users)

    for login, user in users.items():
        print(f"{login} / {PASSWORD}  ({user.crm_role.name}: {user.name})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
