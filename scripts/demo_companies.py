# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The demo's two companies, the Second CRM's Singapore/Malaysia case.

The head office in Singapore (the demo's first company, in U.S. dollars)
and its Malaysian subsidiary (in ringgit), each with its logo, address,
tax identifier and bank account, printed on its quotes, orders and
invoices.  The sales users work for both; the subsidiary has its own chart
of accounts, fiscal year and sequences, and its own leads, potentials,
quotes, orders and invoices."""
import struct
import zlib
from decimal import Decimal

SUBSIDIARY = "Blue Harbor Trading Sdn. Bhd."
#: name: (street, postal code, city, country code, (identifier type, code),
#: (bank, account number), footer, logo colours)
DETAILS = {
    "Blue Harbor Trading": (
        "80 Robinson Road #10-01", "068898", "Singapore", 'SG',
        ('sg_vat', '199901234D'),
        ("DBS Bank Ltd", "072-123456-7"),
        "Blue Harbor Trading Pte. Ltd. · UEN 199901234D · "
        "80 Robinson Road, Singapore 068898",
        ((31, 78, 121), (120, 190, 230))),
    SUBSIDIARY: (
        "Menara Harbor, 12 Jalan Sultan Ismail", "50250", "Kuala Lumpur",
        'MY', (None, 'SST W10-1808-32000123'),
        ("Maybank Berhad", "5140-1234-5678"),
        "Blue Harbor Trading Sdn. Bhd. (1234567-X) · "
        "12 Jalan Sultan Ismail, 50250 Kuala Lumpur",
        ((0, 105, 92), (240, 190, 60))),
    }
#: The sales users who work for the subsidiary too
SUBSIDIARY_USERS = ['director', 'sales.manager', 'sales.rep1', 'sales.rep2']


def logo_png(dark, light, width=360, height=120):
    """A PNG logo drawn without an imaging library: a dark square with
    light waves and a light band, in RGB."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if x < height:
                # the square: waves every 24 pixels
                wave = (y + (x // 12 % 2) * 6) % 24 < 6
                colour = light if wave and 12 < x < height - 12 \
                    and 12 < y < height - 12 else dark
            elif height + 12 < x and abs(y - height // 2) < 10:
                colour = light
            else:
                colour = (255, 255, 255)
            row.extend(colour)
        rows.append(bytes(row))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(b''.join(rows), 9))
        + chunk(b'IEND', b''))


def set_details(company):
    """Give company (a proteus record) its address, tax identifier, bank
    account, footer and logo."""
    from proteus import Model
    Country = Model.get('country.country')
    (street, postal_code, city, country_code, (kind, code), (bank_name,
            number), footer, colours) = DETAILS[company.party.name]
    countries = Country.find([('code', '=', country_code)])
    if countries:
        country, = countries
    else:
        # (the demo loads no country list)
        country = Country(name={'SG': "Singapore", 'MY': "Malaysia"}[
                country_code], code=country_code)
        country.save()
    party = company.party
    address = party.addresses[0] if party.addresses else \
        party.addresses.new()
    address.street = street
    address.postal_code = postal_code
    address.city = city
    address.country = country
    identifier = party.identifiers.new(type=kind, code=code)
    identifier.type = kind
    party.save()
    # (the bank account is printed from the footer: the host's bank
    # module is not a dependency)
    company.footer = '%s · %s %s' % (footer, bank_name, number)
    company.logo = logo_png(*colours)
    company.save()


def create_subsidiary():
    """Create the subsidiary, in ringgit, for the administrator and the
    sales users (with the ORM, as the administrator); return it (a proteus
    record)."""
    from crm_core.tests.tools import CrmCompany, OrmModels, setup_company
    from proteus import Model
    from proteus.config import get_config
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    config = get_config()
    with Transaction().start(
            config.database_name, config.user,
            context=config.context) as transaction:
        company_id = setup_company(OrmModels(), CrmCompany(SUBSIDIARY, {
                    'name': "Malaysian Ringgit", 'symbol': "RM",
                    'code': 'MYR', 'rounding': Decimal('0.01'),
                    'digits': 2}))
        User = Pool().get('res.user')
        User.write(User.search([
                    ('login', 'in', SUBSIDIARY_USERS + ['admin'])]), {
                'companies': [('add', [company_id])],
                })
        transaction.commit()
    return Model.get('company.company')(company_id)


def set_admin_company(company_id):
    """Make the administrator work for company_id: the host's rules of
    companies follow the user's current company, not the context."""
    from proteus.config import get_config
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    config = get_config()
    with Transaction().start(
            config.database_name, config.user,
            context=config.context) as transaction:
        User = Pool().get('res.user')
        User.write(User.search([('login', '=', 'admin')]), {
                'company': company_id})
        transaction.commit()
