# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The sales part of the demo: leads, potentials with their stage history,
won and lost deals (the history lead scoring learns from), quotas, the
quotes of open potentials and the sales orders of won ones.

Called by demo_data.py inside a transaction of the administrator, with the
ORM (the dates of the history are set in the past, which no screen may do).
"""
import datetime
from decimal import Decimal

LEADS = 300
POTENTIALS = 120
CLOSED = 60
#: the owners of leads and potentials, by login (weights by repetition)
SALES_OWNERS = ['sales.rep1', 'sales.rep1', 'sales.rep2', 'sales.rep2',
    'sales.manager']
#: the leads marketing captured at its events, before sales qualifies them
#: (owners in turn, weights by repetition)
MARKETING_LEADS = 24
MARKETING_OWNERS = ['marketing.user', 'marketing.user', 'marketing.manager']
MARKETING_SOURCES = ['trade_show', 'conference', 'web_site', 'direct_mail']
MARKETING_STATUSES = ['not_contacted', 'attempted_to_contact', 'contacted',
    'pre_qualified']


def _selection(Model, name):
    return [k for k, _ in Model.fields_get([name])[name]['selection'] if k]


def _lead_values(company, owner, rng, fake, index):
    "The values of a lead captured from a prospect."
    from trytond.pool import Pool
    Opportunity = Pool().get('sale.opportunity')
    first, last = fake.first_name(), fake.last_name()
    organisation = fake.company()
    local = ''.join(c for c in f'{first}.{last}'.lower()
        if c.isalnum() or c == '.')
    domain = ''.join(c for c in organisation.lower() if c.isalnum())
    return {
        'crm_lead': True,
        'company': company.id,
        'currency': company.currency.id,
        'assigned_user': owner.id,
        'salutation': rng.choice(_selection(Opportunity, 'salutation')),
        'first_name': first,
        'last_name': last,
        'lead_company': organisation,
        'job_title': fake.job()[:60],
        'email': f'{local}{index}@{domain}.example',
        'phone': fake.numerify('+1 202-555-0###'),
        'mobile': fake.numerify('+1 303-555-0###') if index % 3 else None,
        'website': f'https://www.{domain}.example' if index % 2 else None,
        'street': fake.street_address(),
        'postal_code': fake.postcode(),
        'city': fake.city(),
        'industry': rng.choice(_selection(Opportunity, 'industry')),
        'annual_revenue': Decimal(rng.randrange(50, 20000) * 1000),
        'employees': rng.randrange(1, 2000),
        'lead_source': rng.choice(_selection(Opportunity, 'lead_source')),
        'lead_status': rng.choice(_selection(Opportunity, 'lead_status')),
        'rating': rng.choice(_selection(Opportunity, 'rating') + [None]),
        'description': f"{organisation}: {fake.bs()}"[:120],
        'comment': fake.paragraph(nb_sentences=2),
        'email_opt_out': rng.random() < 0.1,
        'do_not_call': rng.random() < 0.05,
        }


def create_leads(company, users, rng, fake, count=LEADS):
    """Create count leads, in every status and source, the first created
    four months ago and the last today."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Opportunity = Pool().get('sale.opportunity')
    vlist = []
    for index in range(count):
        owner = users[rng.choice(SALES_OWNERS)]
        values = _lead_values(company, owner, rng, fake, index)
        values['amount'] = Decimal(rng.randrange(1, 80) * 500)
        vlist.append(values)
    leads = Opportunity.create(vlist)
    # Spread the creation dates so that "New Leads" shows some of them
    table = Opportunity.__table__()
    cursor = Transaction().connection.cursor()
    now = datetime.datetime.now()
    for index, lead in enumerate(leads):
        created = now - datetime.timedelta(
            days=((count - 1 - index) * 120) // count, hours=index % 9)
        cursor.execute(*table.update(
                [table.create_date, table.start_date],
                [created, created.date()],
                where=table.id == lead.id))
    return leads



def create_marketing_leads(company, users, rng, fake, count=MARKETING_LEADS):
    """Create the leads of the marketing users: prospects met at events,
    not yet qualified nor converted."""
    from trytond.pool import Pool
    Opportunity = Pool().get('sale.opportunity')
    vlist = []
    for index in range(count):
        owner = users[MARKETING_OWNERS[index % len(MARKETING_OWNERS)]]
        values = _lead_values(company, owner, rng, fake, LEADS + index)
        values['lead_source'] = rng.choice(MARKETING_SOURCES)
        values['lead_status'] = rng.choice(MARKETING_STATUSES)
        vlist.append(values)
    return Opportunity.create(vlist)


def _shift_dates(Model, record_id, **dates):
    "Set date columns of a record (the demo's past), bypassing the ORM."
    from trytond.transaction import Transaction
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [getattr(table, name) for name in dates],
            list(dates.values()),
            where=table.id == record_id))


def create_potentials(company, leads, rng, fake, count=POTENTIALS,
        closed=CLOSED):
    """Convert count leads into potentials, walk each through the stages
    with a past (its stage history), then close closed of them as won or
    lost.

    Return the potentials."""
    from trytond.pool import Pool
    pool = Pool()
    Opportunity = pool.get('sale.opportunity')
    Stage = pool.get('crm.sales_stage')
    History = pool.get('crm.opportunity.stage_history')
    LostReason = pool.get('crm.lost_reason')
    from crm_sales.conversion import LeadConverter

    stages = Stage.search([('closing', '=', None)], order=[('sequence', 'ASC')])
    reasons = LostReason.search([])
    # The oldest leads are the ones converted, as in real life
    to_convert = sorted(leads, key=lambda l: l.id)[:count]
    LeadConverter(to_convert, create_potential=True).convert()
    potentials = Opportunity.browse([l.id for l in to_convert])

    today = datetime.date.today()
    now = datetime.datetime.now()
    for index, potential in enumerate(potentials):
        age = rng.randrange(20, 240)
        started = now - datetime.timedelta(days=age)
        steps = rng.randrange(1, len(stages) + 1)
        walk = stages[:steps]
        potential.expected_close_date = today + datetime.timedelta(
            days=rng.randrange(-30, 150))
        potential.opportunity_type = rng.choice(
            ['new_business', 'existing_business'])
        potential.next_step = rng.choice([
                "Send proposal", "Demo for the IT team", "Call back",
                "Meet the CFO", "Negotiate the discount", None])
        potential.competitor = rng.choice(
            [None, None, "Northwind", "Contoso", "Initech"])
        potential.save()
        for stage in walk[1:]:
            Opportunity.write([potential], {'sales_stage': stage.id})
        closing = None
        if index < closed:
            closing = 'won' if rng.random() < 0.45 else 'lost'
            if closing == 'lost':
                Opportunity.write([potential], {
                        'lost_reason_type': rng.choice(reasons).id,
                        'lost_reason': fake.sentence(),
                        })
                Opportunity.close_lost([potential])
            else:
                Opportunity.close_won([potential])
        # Spread the history over the life of the deal
        rows = History.search(
            [('opportunity', '=', potential.id)],
            order=[('date_entered', 'ASC'), ('id', 'ASC')])
        span = age - (rng.randrange(0, 15) if closing else 0)
        step = datetime.timedelta(days=max(span, 1) / max(len(rows), 1))
        entered = started
        for row in rows:
            left = entered + step if row != rows[-1] else None
            _shift_dates(History, row.id,
                date_entered=entered, date_left=left)
            entered = entered + step
        dates = {'start_date': started.date()}
        if closing:
            dates['end_date'] = (started + step * len(rows)).date()
        _shift_dates(Opportunity, potential.id, **dates)
    return potentials


def create_quotas(company, users, team):
    "Quotas of each sales user and of the team, this quarter and the next."
    from trytond.pool import Pool
    Quota = Pool().get('crm.quota')
    today = datetime.date.today()
    quarters = [(today.year, (today.month - 1) // 3 + 1)]
    year, quarter = quarters[0]
    quarters.append((year + quarter // 4, quarter % 4 + 1))
    amounts = {'sales.rep1': 120000, 'sales.rep2': 100000,
        'sales.manager': 60000}
    vlist = []
    for year, quarter in quarters:
        for login, amount in amounts.items():
            vlist.append({
                    'company': company.id,
                    'currency': company.currency.id,
                    'year': year,
                    'quarter': str(quarter),
                    'amount': Decimal(amount),
                    'assigned_user': users[login].id,
                    })
        vlist.append({
                'company': company.id,
                'currency': company.currency.id,
                'year': year,
                'quarter': str(quarter),
                'amount': Decimal(sum(amounts.values())),
                'assigned_user': None,
                'assigned_team': team.id,
                })
    return Quota.create(vlist)


#: What the demo quotes sell: (description, unit price)
QUOTE_ITEMS = [
    ("Implementation workshop (day)", Decimal('1200.00')),
    ("Annual support plan", Decimal('4800.00')),
    ("User licence, 12 months", Decimal('240.00')),
    ("Data migration package", Decimal('3500.00')),
    ("On-site training (day)", Decimal('950.00')),
    ("Integration connector", Decimal('2200.00')),
    ]
QUOTES = 40


def _quote_of(potential, rng):
    "A quote made from potential, with two to four lines."
    from trytond.pool import Pool
    pool = Pool()
    SaleLine = pool.get('sale.line')
    Tax = pool.get('account.tax')
    sale = potential.create_sale()
    # (the company's sales tax: demo_accounting.py)
    taxes = Tax.search([('company', '=', sale.company.id)], limit=1)
    sale.description = potential.description
    # (invoiced with Create Invoice, as a rep would)
    sale.invoice_method = 'manual'
    sale.shipment_method = 'manual'
    lines = [SaleLine(type='title', description="Software and services")]
    for description, price in rng.sample(QUOTE_ITEMS, rng.randrange(2, 5)):
        lines.append(SaleLine(type='line', description=description,
                quantity=float(rng.randrange(1, 12)), unit_price=price,
                taxes=taxes))
    sale.lines = lines
    # vtiger's totals block: a global discount, an adjustment, a carrier
    discount = rng.choice([None, None, '5', '10', 'amount'])
    if discount == 'amount':
        sale.crm_discount_type = 'amount'
        sale.crm_discount_amount = Decimal('250.00')
    elif discount:
        sale.crm_discount_type = 'percentage'
        sale.crm_discount_rate = Decimal(discount) / 100
    if rng.random() < 0.3:
        sale.crm_adjustment = Decimal(rng.choice(['-0.50', '-9.99', '45.00']))
    sale.crm_carrier = rng.choice([None, 'dhl', 'ups', 'fedex'])
    return sale


def create_quotes(potentials, rng, count=QUOTES):
    """Quotes of the open potentials (in every quote stage but Accepted)
    and sales orders of won ones (their quotes accepted and confirmed).

    Return the sales."""
    from trytond.pool import Pool
    pool = Pool()
    Sale = pool.get('sale.sale')
    Opportunity = pool.get('sale.opportunity')
    # (read anew: their states changed since they were browsed)
    potentials = Opportunity.browse([p.id for p in potentials])
    open_ = [p for p in potentials if p.state in {'opportunity', 'converted'}]
    won = [p for p in potentials if p.state == 'won']
    quotes = [_quote_of(p, rng) for p in open_[:count]]
    for quote in quotes:
        quote.quote_stage = rng.choice(
            ['created', 'created', 'delivered', 'reviewed', 'rejected'])
    orders = [_quote_of(p, rng) for p in won[:max(1, count // 4)]]
    for order in orders:
        order.quote_stage = 'accepted'
    Sale.save(quotes + orders)
    Sale.quote([q for q in quotes if q.quote_stage != 'created'] + orders)
    Sale.confirm(orders)
    # (demo_accounting posts some of the invoices)
    Sale.crm_create_invoice(orders)
    return quotes + orders


TERMS = {
    'quote': ("Quote terms", [
            "Prices are valid until the date shown on this quote.",
            "Delivery within 10 working days of the order.",
            "Payment within 30 days of the invoice date."]),
    'sales_order': ("Sales order terms", [
            "This order confirms the quote it refers to.",
            "Goods remain our property until paid in full."]),
    'invoice': ("Invoice terms", [
            "Payment within 30 days by bank transfer.",
            "Late payments bear interest at 1% a month."]),
    }


def create_terms(company):
    "The default terms and conditions of each document type."
    from trytond.pool import Pool
    Terms = Pool().get('crm.terms')
    return Terms.create([{
                'name': name, 'document': document, 'company': company.id,
                'default': True, 'text': '\n'.join(lines),
                } for document, (name, lines) in TERMS.items()])


def configure_quotes():
    """Quotes are valid 30 days (the host's quotation validity: Valid
    Till).  Through proteus, before the ORM's transaction: the first
    save of a singleton locks its table, which proteus retries."""
    import datetime
    from proteus import Model
    Configuration = Model.get('sale.configuration')
    configuration = Configuration(1)
    configuration.sale_quotation_validity = datetime.timedelta(days=30)
    configuration.save()
    # Quotes, orders and invoices print as PDFs (by LibreOffice, which
    # scripts/demo.sh installs; the host's default is the ODT)
    import shutil
    if shutil.which('soffice'):
        ActionReport = Model.get('ir.action.report')
        reports = ActionReport.find([
                ('report_name', 'in', ['sale.sale', 'account.invoice'])])
        for report in reports:
            report.extension = 'pdf'
        ActionReport.save(reports)


def configure_sale_sequence(company, prefix):
    """The company's own sequence of quote and order numbers (the host's
    sale configuration holds one per company).  Through proteus, before
    the ORM's transaction."""
    from proteus import Model
    from proteus.config import get_config
    with get_config().set_context(
            company=company.id, companies=[company.id]):
        Sequence = Model.get('ir.sequence')
        Configuration = Model.get('sale.configuration')
        configuration = Configuration(1)
        # (of the type of the host's default sequence)
        sequence = Sequence(name=f"Sales of {company.party.name}",
            sequence_type=configuration.sale_sequence.sequence_type,
            prefix=prefix, padding=5, company=company)
        sequence.save()
        configuration.sale_sequence = sequence
        configuration.save()
    return sequence


def create_sales_demo(company, users, team, rng, fake, scale=1):
    """Create the sales demo (leads, potentials, quotes and orders, quotas,
    terms, scores) with the
    ORM of the current transaction; users: {login: res.user}; scale: the
    fraction of the records to create."""
    from trytond.pool import Pool

    def scaled(count):
        return max(1, round(count * scale))
    leads = create_leads(company, users, rng, fake, scaled(LEADS))
    potentials = create_potentials(company, leads, rng, fake,
        scaled(POTENTIALS), scaled(CLOSED))
    create_quotas(company, users, team)
    # (before the quotes, which take the default terms)
    create_terms(company)
    create_quotes(potentials, rng, scaled(QUOTES))
    create_marketing_leads(
        company, users, rng, fake, scaled(MARKETING_LEADS))
    Pool().get('crm.scoring.model').rebuild([company])
    return leads


def create_subsidiary_sales(company, users, rng, fake, scale=1):
    """The subsidiary's smaller pipeline: leads, potentials, terms, quotes,
    orders and invoices, in its currency and with its sequences (the ORM of
    the current transaction, working for company)."""
    def scaled(count):
        return max(1, round(count * scale / 4))
    leads = create_leads(company, users, rng, fake, scaled(LEADS))
    potentials = create_potentials(company, leads, rng, fake,
        scaled(POTENTIALS), scaled(CLOSED))
    create_terms(company)
    create_quotes(potentials, rng, scaled(QUOTES))
