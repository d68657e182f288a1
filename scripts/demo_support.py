# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The support part of the demo: the Help Desk team, trouble tickets in
every state with their comment threads and history over the last months,
and the FAQ knowledge base in every status, a few converted from tickets.

Called by demo_data.py inside a transaction of the administrator, with the
ORM (the dates are set in the past, which no screen may do).
"""
import datetime
from decimal import Decimal

TICKETS = 400
FAQS = 60
CONVERTED = 4
TEAM = "Help Desk"
TEAM_MEMBERS = ['support.rep', 'support.manager']
#: who the tickets are assigned to: a login, or None for the team alone
#: (weights by repetition)
TICKET_OWNERS = ['support.rep'] * 6 + ['support.manager'] * 2 + [None] * 2
#: the states of the tickets (weights by repetition)
STATES = (['open'] * 5 + ['in_progress'] * 5 + ['wait_for_response'] * 3
    + ['closed'] * 7)
PRIORITIES = ['low'] * 2 + ['normal'] * 5 + ['high'] * 2 + ['urgent']
SEVERITIES = [None, 'minor', 'minor', 'major', 'feature', 'critical']
CHANNELS = ['email'] * 4 + ['phone'] * 3 + ['web'] * 2 + ['portal']
DAYS_BACK = 120

#: (title, description, solution, category XML id) of the problems the
#: customers report; {model} and {number} vary
PROBLEMS = [
    ("Label printer {model} prints blank labels",
        "Since this morning the {model} feeds labels but prints nothing.",
        "The thermal head was dirty: cleaned it with the cleaning pen and "
        "recalibrated the media sensor.", 'ticket_category_small'),
    ("Barcode scanner disconnects every few minutes",
        "Our {model} scanners drop the Bluetooth link at the packing desk.",
        "Updated the scanner firmware and moved the base away from the "
        "microwave.", 'ticket_category_small'),
    ("Invoice {number} shows the wrong tax",
        "The tax on invoice {number} is 7% where we expected 9%.",
        "The customer's tax rule still had the old rate: corrected it and "
        "issued a credit note.", 'ticket_category_other'),
    ("Cannot log in to the customer portal",
        "The password reset e-mail never arrives.",
        "The reset e-mails were caught by the customer's spam filter: "
        "added our sender to their allow list.", 'ticket_category_other'),
    ("Warehouse terminal freezes on startup",
        "Terminal {model} in aisle 4 hangs on the boot logo.",
        "Re-imaged the terminal and replaced its battery.",
        'ticket_category_big'),
    ("Order {number} delivered incomplete",
        "Two cartons of order {number} are missing.",
        "The carrier found the cartons in its depot and delivered them the "
        "next day.", 'ticket_category_big'),
    ("Conveyor stops when the line is full",
        "The {model} conveyor stops instead of buffering.",
        "The buffer sensor was misaligned: realigned it and tested a full "
        "shift.", 'ticket_category_big'),
    ("Request: export of the monthly stock report",
        "Could the monthly stock report be exported to a spreadsheet?",
        "Explained the export from the report's menu and sent the guide.",
        'ticket_category_other'),
    ("RFID gate reports ghost reads",
        "The {model} gate at dock 2 reads tags of pallets standing nearby.",
        "Lowered the antenna power and added a shield on the dock side.",
        'ticket_category_small'),
    ("Delivery notes print on two pages",
        "Every delivery note prints its last line on a second page.",
        "The printer used Letter paper: set the tray to A4.",
        'ticket_category_small'),
    ]
MODELS = ["LP-200", "LP-410", "SC-15", "SC-30", "WT-8", "CV-120", "RG-2"]
CUSTOMER_MESSAGES = [
    "Any news on this? Our team is waiting.",
    "It happened again this morning.",
    "Thanks, we will try that and come back to you.",
    "Attached a photo of the error screen.",
    ]
REPLIES = [
    "Thank you for the details, we are looking into it.",
    "Could you send us the serial number of the device?",
    "We have scheduled a technician visit for tomorrow morning.",
    "Please restart the device and tell us if the problem remains.",
    ]
INTERNAL_NOTES = [
    "Same problem as last month at this customer: check the firmware.",
    "Escalated to the vendor's second level.",
    "Spare part ordered, arrives Thursday.",
    ]
#: The FAQ of the knowledge base: (question, answer, keywords, category)
FAQ_TOPICS = [
    ("How do I clean the head of a label printer?",
        "<p>Switch the printer off, open the cover and wipe the head with "
        "the <b>cleaning pen</b>. Let it dry one minute.</p>",
        "printer thermal head blank labels",
        "Printers and Scanners"),
    ("How do I pair a barcode scanner with its base?",
        "<p>Scan the <b>pairing barcode</b> printed on the base, then wait "
        "for the double beep.</p>", "scanner bluetooth pairing",
        "Printers and Scanners"),
    ("Why is the tax of my invoice wrong?",
        "<p>The tax comes from the rule of the customer's country. "
        "Contact us to check the rule, we issue a credit note.</p>",
        "invoice tax vat gst rate",
        "Invoicing"),
    ("How do I reset my portal password?",
        "<p>Use <i>Forgot password</i> on the login page. If the e-mail "
        "does not arrive, check your spam folder.</p>",
        "portal login password reset",
        "Portal"),
    ("How do I export a report to a spreadsheet?",
        "<p>Open the report, then <b>Export</b> from its menu and choose "
        "CSV.</p>", "report export csv spreadsheet",
        "Reports"),
    ("What do I do when a delivery is incomplete?",
        "<ol><li>Note the missing cartons on the delivery note.</li>"
        "<li>Open a ticket with the order number.</li></ol>",
        "delivery missing cartons carrier",
        "Deliveries"),
    ("How do I set the paper size of a printer?",
        "<p>In the printer settings, choose <b>A4</b> for the tray.</p>",
        "printer paper size a4 letter",
        "Printers and Scanners"),
    ("How do I reduce ghost reads of an RFID gate?",
        "<p>Lower the antenna power step by step and shield the side "
        "facing stored pallets.</p>", "rfid gate antenna ghost reads",
        "Devices"),
    ("How do I restart a warehouse terminal?",
        "<p>Hold the power key ten seconds, then press it once.</p>",
        "terminal restart freeze",
        "Devices"),
    ("What does the service contract cover?",
        "<p>Parts, labour and a technician on site within one working "
        "day.</p>", "contract warranty service",
        "Service Contracts"),
    ]
#: the statuses of the FAQ not converted, in turn (every status among the
#: first four)
FAQ_STATES = ['published', 'reviewed', 'draft', 'obsolete', 'published',
    'published', 'draft', 'published', 'reviewed', 'draft', 'published',
    'published']
FAQ_OWNERS = ['support.rep'] * 3 + ['support.manager']


def _past(rng, now, days):
    return now - datetime.timedelta(
        days=rng.uniform(0, days), minutes=rng.randrange(0, 600))


def _set_dates(Model, dates):
    "Set the create_date of records: {id: datetime} (SQL: no screen may)."
    from trytond.transaction import Transaction
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    for id_, date in dates.items():
        cursor.execute(*table.update(
                [table.create_date], [date], where=table.id == id_))


def create_support_team(users):
    "The Help Desk team of the support people."
    from trytond.pool import Pool
    Team = Pool().get('crm.team')
    team, = Team.create([{
                'name': TEAM,
                'leader': users['support.manager'].id,
                'members': [('add', [users[l].id for l in TEAM_MEMBERS])],
                }])
    return team


def _thread(ticket, created, users, rng, contact_email):
    """Post the ticket's comments (customer, replies, internal notes); return
    the date of the first reply to the customer, or None."""
    from trytond.pool import Pool
    pool = Pool()
    Channel = pool.get('ir.chat.channel')
    Message = pool.get('ir.chat.message')
    channel = Channel._get_channel(ticket)
    author = ticket.assigned_user or users['support.manager']
    date, first_reply = created, None
    messages, dates = [], []
    for index in range(rng.randint(1, 4)):
        date += datetime.timedelta(hours=rng.uniform(0.5, 30))
        kind = rng.choice(['reply', 'reply', 'customer', 'internal'])
        if index == 0 and ticket.channel == 'email':
            kind = 'customer'
        if kind == 'customer':
            values = {'email': contact_email, 'audience': 'public',
                'content': rng.choice(CUSTOMER_MESSAGES)}
        else:
            values = {'user': author.id,
                'audience': 'public' if kind == 'reply' else 'internal',
                'content': rng.choice(
                    REPLIES if kind == 'reply' else INTERNAL_NOTES)}
            if kind == 'reply' and first_reply is None:
                first_reply = date
        messages.append({'channel': channel.id, **values})
        dates.append(date)
    created_messages = Message.create(messages)
    _set_dates(Message, {m.id: d for m, d in zip(created_messages, dates)})
    return first_reply, date


def create_tickets(company, users, team, rng, fake, scale=1):
    "Create the tickets, their threads and dates; return them."
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Ticket = pool.get('crm.ticket')
    Category = pool.get('crm.ticket.category')
    ModelData = pool.get('ir.model.data')
    accounts = Party.search([
            ('crm_type', '=', 'account'),
            ('crm_company', '=', company.id),
            ('contacts', '!=', None),
            ], order=[('id', 'ASC')])
    categories = {c.id: c for c in Category.search([])}
    now = datetime.datetime.now().replace(microsecond=0)
    count = max(1, round(TICKETS * scale))
    plans, vlist = [], []
    for index in range(count):
        account = rng.choice(accounts)
        contact = rng.choice(account.contacts)
        title, description, solution, category = rng.choice(PROBLEMS)
        variables = {'model': rng.choice(MODELS),
            'number': f"SG-{rng.randrange(1000, 9999)}"}
        owner = rng.choice(TICKET_OWNERS)
        state = rng.choice(STATES)
        created = _past(rng, now, DAYS_BACK)
        vlist.append({
                'company': company.id,
                'title': title.format(**variables),
                'description': description.format(**variables),
                'account': account.id,
                'contact': contact.id,
                'priority': rng.choice(PRIORITIES),
                'severity': rng.choice(SEVERITIES),
                'category': categories[
                    ModelData.get_id('crm_support', category)].id,
                'channel': rng.choice(CHANNELS),
                'assigned_user': users[owner].id if owner else None,
                'assigned_team': team.id if not owner or rng.random() < 0.3
                else None,
                'hours': Decimal(rng.randrange(1, 25)) / 4,
                })
        plans.append((state, solution, created, contact))
    tickets = Ticket.create(vlist)
    _set_dates(Ticket, {t.id: p[2] for t, p in zip(tickets, plans)})
    for ticket, (state, solution, created, contact) in zip(tickets, plans):
        ticket = Ticket(ticket.id)
        email = contact.email or 'customer@example.com'
        first_reply, last = _thread(ticket, created, users, rng, email)
        values = {}
        if first_reply:
            values['first_response_date'] = first_reply
            values['first_response_time'] = first_reply - created
        if state == 'closed':
            values['solution'] = solution
        if values:
            Ticket.write([ticket], values)
        if state == 'in_progress':
            Ticket.start([ticket])
        elif state == 'wait_for_response':
            Ticket.wait([ticket])
        elif state == 'closed':
            Ticket.close([ticket])
            closed = min(last + datetime.timedelta(hours=2), now)
            Ticket.write([ticket], {
                    'closed_date': closed,
                    'resolution_time': closed - created,
                    })
    return tickets


def create_faqs(company, users, tickets, rng, scale=1):
    """Create the FAQ in every status, a few converted from closed tickets
    (as Convert to FAQ does)."""
    from trytond.pool import Pool
    pool = Pool()
    Faq = pool.get('crm.faq')
    Category = pool.get('crm.faq.category')
    ConvertToFaq = pool.get('crm.ticket.convert_faq', type='wizard')
    names = sorted({topic[3] for topic in FAQ_TOPICS})
    categories = dict(zip(names, Category.create(
                [{'name': name} for name in names])))
    # (one converted and every status at the smallest scale)
    count = max(len(set(FAQ_STATES)) + 1, round(FAQS * scale))
    closed = [t for t in tickets if t.state == 'closed']
    converted = closed[:max(1, min(CONVERTED, count // 15))]
    vlist = [ConvertToFaq.faq_values(t) for t in converted]
    states = ['draft'] * len(vlist)
    for index in range(count - len(vlist)):
        question, answer, keywords, category = FAQ_TOPICS[
            index % len(FAQ_TOPICS)]
        if index >= len(FAQ_TOPICS):
            question = f"{question[:-1]} ({rng.choice(MODELS)})?"
        owner = users[rng.choice(FAQ_OWNERS)]
        vlist.append({
                'company': company.id,
                'question': question,
                'answer': answer,
                'keywords': keywords,
                'category': categories[category].id,
                'author': owner.id,
                'assigned_user': owner.id,
                })
        states.append(FAQ_STATES[index % len(FAQ_STATES)])
    for values in vlist[:len(converted)]:
        values['author'] = values['assigned_user'] = (
            users['support.rep'].id)
    faqs = Faq.create(vlist)
    by_state = {}
    for faq, state in zip(faqs, states):
        by_state.setdefault(state, []).append(faq)
    Faq.review(by_state.get('reviewed', []))
    publish = by_state.get('published', []) + by_state.get('obsolete', [])
    if publish:
        Faq.publish(publish)
        Faq.write(publish, {'published_by': users['support.manager'].id})
    Faq.obsolete(by_state.get('obsolete', []))
    return faqs


def create_support_demo(company, users, rng, fake, scale=1):
    "The Help Desk team, the tickets and the FAQ."
    team = create_support_team(users)
    tickets = create_tickets(company, users, team, rng, fake, scale=scale)
    create_faqs(company, users, tickets, rng, scale=scale)
