#!/usr/bin/env python3
"""Load the CRM demo data into a database with the CRM modules activated.

The data is drawn from a fixed seed so every demo shows the same company,
users, accounts and contacts.  It prints one line per login.

    python scripts/demo_data.py --config var/trytond.conf --database crm_demo
"""
import argparse
import os
import random
from decimal import Decimal
import sys

SEED = 2026
PASSWORD = 'crm-demo-2026'
COMPANY_NAME = "Blue Harbor Trading"
ACCOUNTS = 50
CONTACTS = 150

#: login: (name, role, profile groups)
USERS = {
    'director': (
        "Diane Director", "Management", ["CRM Management (read only)"]),
    'sales.manager': (
        "Sam Manager", "Sales Manager", ["CRM Manager", "CRM Sales"]),
    'sales.rep1': ("Rita Rep", "Sales Rep", ["CRM Staff", "CRM Sales"]),
    'sales.rep2': ("Ravi Rep", "Sales Rep", ["CRM Staff", "CRM Sales"]),
    'support.manager': (
        "Sonia Support", "Support Manager", ["CRM Manager", "CRM Support"]),
    'support.rep': (
        "Stan Support", "Support Rep", ["CRM Staff", "CRM Support"]),
    'marketing.manager': (
        "Mia Marketing", "Marketing Manager",
        ["CRM Manager", "CRM Marketing"]),
    'marketing.user': (
        "Max Marketing", "Marketing User", ["CRM Staff", "CRM Marketing"]),
    }
#: the users who own accounts and contacts
OWNERS = ['sales.rep1', 'sales.rep1', 'sales.rep2', 'sales.rep2',
    'sales.manager']


def connect(config_file, database):
    os.environ.setdefault('TRYTOND_CONFIG', config_file)
    from proteus import config
    return config.set_trytond(database, config_file=config_file)


def by_name(model, name):
    "Return the record of model named name (roles and groups of the data)"
    from proteus import Model
    record, = Model.get(model).find([('name', '=', name)])
    return record


def create_company():
    "Create the company with its currency and make admin work for it."
    from proteus import Model, Wizard
    Currency = Model.get('currency.currency')
    Party = Model.get('party.party')
    User = Model.get('res.user')
    currencies = Currency.find([('code', '=', 'USD')])
    if currencies:
        currency, = currencies
    else:
        currency = Currency(name="U.S. Dollar", symbol="$", code='USD')
        currency.save()
    party = Party(name=COMPANY_NAME)
    party.save()
    wizard = Wizard('company.company.config')
    wizard.execute('company')
    wizard.form.party = party
    wizard.form.currency = currency
    wizard.execute('add')
    Company = Model.get('company.company')
    company, = Company.find([('party', '=', party.id)])
    return company


def create_users(company):
    "Create one user per role with the demo password."
    from proteus import Model
    User = Model.get('res.user')
    Company = Model.get('company.company')
    users = {}
    for login, (name, role, groups) in USERS.items():
        user = User(name=name, login=login, password=PASSWORD)
        user.email = f'{login}@blueharbor.example'
        user.crm_role = by_name('crm.role', role)
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        for group in groups:
            user.groups.append(by_name('res.group', group))
        user.save()
        users[login] = user
    return users


def create_team(users):
    from proteus import Model
    Team = Model.get('crm.team')
    team = Team(name="Key Accounts", leader=users['sales.manager'])
    team.members.extend([users['sales.rep1'], users['sales.rep2']])
    team.save()
    return team


def create_accounts_and_contacts(company, users, team, rng, fake):
    "Create the accounts, each with contacts owned by the same user."
    from proteus import Model
    Party = Model.get('party.party')
    Address = Model.get('party.address')
    Mechanism = Model.get('party.contact_mechanism')
    account_fields = Party._fields
    types = [k for k, _ in account_fields['account_type']['selection'] if k]
    industries = [
        k for k, _ in account_fields['industry']['selection'] if k]
    ratings = [k for k, _ in account_fields['rating']['selection'] if k]
    sources = [
        k for k, _ in account_fields['lead_source']['selection'] if k]
    salutations = [
        k for k, _ in account_fields['salutation']['selection'] if k]

    names = set()
    accounts = []
    for index in range(ACCOUNTS):
        name = fake.unique.company()
        names.add(name)
        owner = users[rng.choice(OWNERS)]
        account = Party(crm_type='account', crm_company=company)
        account.name = name
        account.account_type = rng.choice(types)
        account.industry = rng.choice(industries)
        account.rating = rng.choice(ratings)
        account.annual_revenue = Decimal(rng.randrange(100, 50000) * 1000)
        account.employees = rng.randrange(2, 5000)
        account.ownership = rng.choice(["Public", "Private", "Subsidiary"])
        account.description = fake.catch_phrase()
        if index % 10 == 9:
            account.assigned_user = None
            account.assigned_team = team
        else:
            account.assigned_user = owner
        if accounts and index % 7 == 0:
            account.parent_account = rng.choice(accounts)
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
        accounts.append(account)

    for index in range(CONTACTS):
        account = accounts[index % ACCOUNTS]
        first, last = fake.first_name(), fake.last_name()
        contact = Party(crm_type='contact', crm_company=company)
        contact.salutation = rng.choice(salutations)
        contact.first_name = first
        contact.last_name = last
        contact.account = account
        contact.job_title = fake.job()[:60]
        contact.department = rng.choice(
            ["Sales", "Purchasing", "Finance", "IT", "Management"])
        contact.lead_source = rng.choice(sources)
        contact.birthday = fake.date_of_birth(minimum_age=22, maximum_age=65)
        contact.email_opt_out = rng.random() < 0.1
        contact.do_not_call = rng.random() < 0.05
        contact.assigned_user = account.assigned_user
        contact.assigned_team = account.assigned_team
        local = f'{first}.{last}.{index}'.lower()
        local = ''.join(c for c in local if c.isalnum() or c == '.')
        contact.contact_mechanisms.append(Mechanism(
                type='email', value=f'{local}@{fake.free_email_domain()}'))
        contact.contact_mechanisms.append(Mechanism(
                type='phone', value=fake.numerify('+1 202-555-0###')))
        contact.save()
    return accounts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', required=True)
    parser.add_argument('--database', required=True)
    args = parser.parse_args(argv)

    from faker import Faker
    rng = random.Random(SEED)
    fake = Faker('en_US')
    fake.seed_instance(SEED)

    connect(args.config, args.database)
    company = create_company()
    users = create_users(company)
    team = create_team(users)
    create_accounts_and_contacts(company, users, team, rng, fake)

    for login, (name, role, _) in USERS.items():
        print(f"{login} / {PASSWORD}  ({role}: {name})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
