# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The activities of the demo: for every demo user a full week ahead of
calls, meetings and to-dos on its own accounts, leads, potentials and
tickets, a few overdue and some done in the past weeks (with their
follow-ups), a weekly team meeting with one occurrence moved and one
cancelled, invitations across the team, the "New Customer" plan launched
on three accounts, each user's time zone, and the public and private
tags on the users' records.

Called by demo_data.py inside a transaction of the administrator, with the
ORM (the past activities are created as they were then).
"""
import datetime as dt

#: the time zone of each demo user (the others: the company's)
TIME_ZONES = {
    'sales.rep1': 'America/New_York',
    'sales.rep2': 'America/Chicago',
    'sales.manager': 'America/New_York',
    'support.rep': 'Europe/London',
}
DAYS_AHEAD = 7
DAYS_BACK = 21
PER_DAY = 2

CALL_SUBJECTS = [
    "Check the delivery dates with {name}",
    "Call {name} about the renewal",
    "Discuss the open quote with {name}",
    "Qualify the needs of {name}",
    ]
MEETING_SUBJECTS = [
    "Quarterly review with {name}",
    "On-site visit at {name}",
    "Product demonstration for {name}",
    ]
TODO_SUBJECTS = [
    "Send the price list to {name}",
    "Prepare the proposal for {name}",
    "Update the contacts of {name}",
    ]
LOCATIONS = ["Their office", "Phone", "Video call", "Our showroom"]


def _local_utc(day, hour, minute, zone):
    "The naive UTC time of day at hour:minute in the time zone zone."
    from trytond.tools import timezone as tz
    local = dt.datetime.combine(day, dt.time(hour, minute),
        tz.get_tzinfo(zone))
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _related_records(pool, user, company):
    "The records of user activities may be about: [(record, name)]."
    records = []
    for model, domain in [
            ('party.party', [('crm_type', '=', 'account')]),
            ('sale.opportunity', []),
            ('crm.ticket', []),
            ]:
        try:
            Model = pool.get(model)
        except KeyError:
            continue
        for record in Model.search(
                [('assigned_user', '=', user.id), ('company' if model !=
                        'party.party' else 'crm_company', '=', company.id)]
                + domain, order=[('id', 'ASC')], limit=12):
            records.append(record)
    return records


def _name(record):
    "The name an activity's subject gives record: a lead's company."
    if record.__name__ == 'sale.opportunity':
        if record.party:
            return record.party.rec_name
        return record.lead_company or record.rec_name
    return record.rec_name


def create_activities_demo(company, users, rng, fake, scale=1):
    "Create the activities of every demo user."
    from trytond.pool import Pool
    pool = Pool()
    Activity = pool.get('crm.activity')
    ModelData = pool.get('ir.model.data')
    Type = pool.get('crm.activity.type')
    User = pool.get('res.user')

    for login, zone in TIME_ZONES.items():
        if login in users:
            User.write([users[login]], {'crm_timezone': zone})
    types = {
        name: Type(ModelData.get_id('crm_core', f'activity_type_{name}'))
        for name in ['call', 'meeting', 'follow_up', 'todo', 'send_quote',
            'demo']}
    today = dt.date.today()
    vlist = []
    for login, user in sorted(users.items()):
        zone = User.crm_timezone_of(user.id)
        records = _related_records(pool, user, company) or [None]
        days = list(range(-DAYS_BACK, DAYS_AHEAD + 1))
        for offset in days:
            day = today + dt.timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for slot in range(max(1, round(PER_DAY * scale))):
                record = rng.choice(records)
                name = _name(record) if record else "the team"
                kind = rng.choice(['call', 'call', 'meeting', 'todo'])
                hour = rng.choice([9, 10, 11, 14, 15, 16])
                start = _local_utc(day, hour, rng.choice([0, 30]), zone)
                type_ = types['todo' if kind == 'todo' else kind]
                if offset < 0:
                    # most past activities were done, some are overdue
                    status = ('completed' if kind == 'todo' else 'held') \
                        if rng.random() < 0.8 else (
                            'in_progress' if kind == 'todo' else 'planned')
                else:
                    status = 'not_started' if kind == 'todo' else 'planned'
                subjects = {'call': CALL_SUBJECTS,
                    'meeting': MEETING_SUBJECTS, 'todo': TODO_SUBJECTS}[kind]
                values = {
                    'company': company.id,
                    'kind': 'todo' if kind == 'todo' else 'event',
                    'type': type_.id,
                    'subject': rng.choice(subjects).format(name=name),
                    'start': start,
                    'timezone': zone,
                    'status': status,
                    'priority': rng.choice(['low', 'medium', 'medium',
                            'high']),
                    'assigned_user': user.id,
                    'resource': str(record) if record else None,
                    'description': fake.sentence(nb_words=12),
                    }
                if kind != 'todo':
                    values['end'] = start + (type_.duration
                        or dt.timedelta(hours=1))
                    values['location'] = rng.choice(LOCATIONS)
                    if offset > 0:
                        values['reminder'] = type_.reminder
                vlist.append(values)
    Activity.create(vlist)
    _team_meeting(pool, company, users, today)
    _plan_and_follow_up(pool, company, users, types, today)
    create_tags_demo(company, users, rng)


def _team_meeting(pool, company, users, today):
    """A weekly meeting of the sales team on Mondays for ten weeks from
    last Monday, the sales reps invited, one occurrence moved, one
    cancelled."""
    Activity = pool.get('crm.activity')
    Occurrence = pool.get('crm.activity.occurrence')
    manager = users.get('sales.manager')
    if manager is None:
        return
    monday = today - dt.timedelta(days=today.weekday())
    zone = 'America/New_York'
    start = _local_utc(monday, 9, 0, zone)
    meeting, = Activity.create([{
                'company': company.id,
                'kind': 'event',
                'type': pool.get('ir.model.data').get_id(
                    'crm_core', 'activity_type_meeting'),
                'subject': "Sales team pipeline review",
                'start': start,
                'end': start + dt.timedelta(hours=1),
                'timezone': zone,
                'location': "Board room",
                'status': 'planned',
                'assigned_user': manager.id,
                'frequency': 'weekly',
                'weekdays': ['MO'],
                'count': 10,
                'reminder': 15,
                'invited_users': [('add', [
                            users[l].id for l in ['sales.rep1', 'sales.rep2']
                            if l in users])],
                'description': "Every open potential of the week, by stage.",
                }])
    occurrences = meeting.occurrences
    moved = occurrences[2]
    # (a public holiday: on Tuesday instead)
    Occurrence.write([moved], {
            'start': moved.start + dt.timedelta(days=1),
            'end': moved.end + dt.timedelta(days=1),
            'moved': True})
    Occurrence.write([occurrences[4]], {'cancelled': True})


def _plan_and_follow_up(pool, company, users, types, today):
    """The New Customer plan launched on three accounts of sales.rep1, and
    a product demonstration done whose quote to send is suggested."""
    from crm_core.activity_plan import LaunchPlan
    Activity = pool.get('crm.activity')
    ModelData = pool.get('ir.model.data')
    Party = pool.get('party.party')
    Plan = pool.get('crm.activity.plan')
    rep = users.get('sales.rep1')
    if rep is None:
        return
    accounts = Party.search([
            ('assigned_user', '=', rep.id), ('crm_type', '=', 'account'),
            ('crm_company', '=', company.id)],
        order=[('id', 'DESC')], limit=3)
    plan = Plan(ModelData.get_id('crm_core', 'activity_plan_new_customer'))
    from trytond.transaction import Transaction
    with Transaction().set_user(rep.id), \
            Transaction().set_context(company=company.id):
        LaunchPlan.plan_activities(
            plan, accounts, today - dt.timedelta(days=2))
    if accounts:
        start = _local_utc(today - dt.timedelta(days=1), 10, 0,
            'America/New_York')
        demo, = Activity.create([{
                    'company': company.id, 'kind': 'event',
                    'type': types['demo'].id,
                    'subject': "Product demonstration",
                    'start': start, 'end': start + dt.timedelta(hours=1),
                    'timezone': 'America/New_York', 'status': 'planned',
                    'assigned_user': rep.id,
                    'resource': str(accounts[0]),
                    }])
        Activity.done([demo])


#: the public tags of the demo and the private ones of each sales rep
PUBLIC_TAGS = ["VIP", "Trade Show 2026", "Renewal Q1", "Partner"]
PRIVATE_TAGS = ["Call back", "Hot"]


def create_tags_demo(company, users, rng):
    """The public tags on accounts, leads and tickets, and each sales rep's
    private tags on some of its records, put on as that user."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Tag = pool.get('crm.tag')
    Link = pool.get('crm.tag.link')
    for login in ['sales.rep1', 'sales.rep2', 'sales.manager', 'support.rep']:
        user = users.get(login)
        if user is None:
            continue
        records = _related_records(pool, user, company)
        if not records:
            continue
        with Transaction().set_user(user.id):
            public = Tag.find_or_create(PUBLIC_TAGS, 'public')
            private = (Tag.find_or_create(PRIVATE_TAGS, 'private')
                if login.startswith('sales.') else [])
            for record in records:
                tags = rng.sample(public, rng.choice([0, 1, 1, 2]))
                if private:
                    tags += rng.sample(private, rng.choice([0, 0, 1]))
                if tags:
                    Link.add_tags([record], tags)
