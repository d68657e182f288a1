# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Activities: dates and recurrences, invitations, next steps, plans,
the actions on every CRM record and the due lists."""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..activity_occurrence import CALENDAR_COLORS
from ..exceptions import ActivityError
from .tools import acting_as, create_crm_users, one_call, rpc_call

UTC = dt.timezone.utc


def future(days=10, hour=9):
    "A naive UTC datetime days ahead at hour."
    now = dt.datetime.utcnow()
    return dt.datetime.combine(
        now.date() + dt.timedelta(days=days), dt.time(hour))


def create_account(company, user, name="Activity account"):
    Party = Pool().get('party.party')
    account, = Party.create([{
                'name': name, 'crm_type': 'account',
                'crm_company': company.id, 'assigned_user': user.id}])
    return account


def create_activity(company, user, **values):
    "An activity of user (created without access checks)."
    Activity = Pool().get('crm.activity')
    start = values.pop('start', future())
    values.setdefault('kind', 'event')
    if values['kind'] == 'event':
        values.setdefault('end', start + dt.timedelta(hours=1))
    activity, = Activity.create([{
                'company': company.id, 'subject': "Kit activity",
                'start': start, 'timezone': 'UTC',
                'status': 'planned' if values['kind'] == 'event'
                else 'not_started',
                'assigned_user': user.id, **values}])
    return activity


def create_kit_activity(company, owner):
    "An activity for the sharing kit, assigned to owner."
    Activity = Pool().get('crm.activity')
    start = future()
    activity, = Activity.create([{
                'company': company.id, 'subject': "Kit activity",
                'kind': 'event', 'start': start,
                'end': start + dt.timedelta(hours=1), 'timezone': 'UTC',
                'status': 'planned', **owner}])
    return activity


class ActivityTestMixin:
    "Activities of CRM records"

    def _people(self):
        return create_crm_users()

    def _action_id(self, xml_id):
        return Pool().get('ir.model.data').get_id('crm_core', xml_id)

    @with_transaction()
    def test_activity_weekly_keeps_local_time_across_dst(self):
        "A weekly meeting at 9:00 in Paris stays at 9:00 when DST starts"
        company, users = self._people()
        activity = create_activity(company, users['rep1'],
            start=dt.datetime(2031, 3, 17, 8, 0),  # 9:00 CET
            end=dt.datetime(2031, 3, 17, 9, 0),
            timezone='Europe/Paris', frequency='weekly',
            weekdays=['MO', 'TH'], count=5)
        starts = [o.start for o in activity.occurrences]
        self.assertEqual(starts, [
                dt.datetime(2031, 3, 17, 8, 0),
                dt.datetime(2031, 3, 20, 8, 0),
                dt.datetime(2031, 3, 24, 8, 0),
                dt.datetime(2031, 3, 27, 8, 0),
                # CEST from 30 March: 9:00 is 7:00 UTC
                dt.datetime(2031, 3, 31, 7, 0),
                ])
        self.assertEqual(
            [o.end - o.start for o in activity.occurrences],
            [dt.timedelta(hours=1)] * 5)

    @with_transaction()
    def test_activity_moved_and_cancelled_occurrences(self):
        "One occurrence moved, one cancelled: the others do not change"
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        Activity = pool.get('crm.activity')
        company, users = self._people()
        rep = users['rep1']
        start = future(days=3, hour=14)
        activity = create_activity(company, rep, start=start,
            frequency='daily', until=(start + dt.timedelta(days=4)).date())
        self.assertEqual(len(activity.occurrences), 5)
        second, third = activity.occurrences[1:3]
        moved_to = second.start + dt.timedelta(hours=3)
        rpc_call(rep, Occurrence, 'write', [second.id], {
                'start': moved_to,
                'end': moved_to + dt.timedelta(hours=1)},
            company=company)
        rpc_call(rep, Occurrence, 'cancel', [third.id], company=company)

        # a change of the activity keeps the exceptions
        rpc_call(rep, Activity, 'write', [activity.id], {
                'subject': "Daily stand-up", 'count': None,
                'until': (start + dt.timedelta(days=6)).date()},
            company=company)
        activity = Activity(activity.id)
        self.assertEqual(len(activity.occurrences), 7)
        by_date = {o.recurrence_date: o for o in activity.occurrences}
        self.assertEqual(by_date[second.recurrence_date].start, moved_to)
        self.assertTrue(by_date[second.recurrence_date].moved)
        self.assertTrue(by_date[third.recurrence_date].cancelled)
        others = [o for o in activity.occurrences
            if o.recurrence_date not in {
                second.recurrence_date, third.recurrence_date}]
        self.assertEqual([o.start for o in others],
            [o.recurrence_date for o in others])
        self.assertFalse(any(o.moved or o.cancelled for o in others))

    @with_transaction()
    def test_activity_occurrence_moves_single_activity(self):
        "Moving the occurrence of a single activity moves the activity"
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        Activity = pool.get('crm.activity')
        company, users = self._people()
        rep = users['rep1']
        activity = create_activity(company, rep)
        occurrence, = activity.occurrences
        start = activity.start + dt.timedelta(days=1)
        rpc_call(rep, Occurrence, 'write', [occurrence.id], {
                'start': start, 'end': start + dt.timedelta(hours=2)},
            company=company)
        activity = Activity(activity.id)
        self.assertEqual(activity.start, start)
        self.assertEqual(activity.end, start + dt.timedelta(hours=2))
        self.assertEqual(
            [o.id for o in activity.occurrences], [occurrence.id])
        self.assertEqual(Occurrence(occurrence.id).start, start)

    @with_transaction()
    def test_activity_bad_input(self):
        "Impossible dates, endless recurrences, past reminders: refused"
        pool = Pool()
        Activity = pool.get('crm.activity')
        company, users = self._people()
        rep = users['rep1']
        start = future()
        base = {
            'company': company.id, 'subject': "Bad", 'kind': 'event',
            'status': 'planned', 'timezone': 'UTC',
            'assigned_user': rep.id, 'start': start,
            'end': start + dt.timedelta(hours=1)}
        cases = [
            ({'end': start - dt.timedelta(minutes=1)},
                'msg_activity_end_before_start'),
            ({'frequency': 'daily'},
                'msg_activity_recurrence_without_end'),
            ({'frequency': 'daily', 'count': 5000},
                'msg_activity_recurrence_too_long'),
            ({'start': start - dt.timedelta(days=30),
                    'end': start - dt.timedelta(days=30, hours=-1),
                    'reminder': 15},
                'msg_activity_reminder_past'),
            ]
        before = Activity.search_count([])
        for values, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ActivityError) as context, \
                        one_call():
                    rpc_call(rep, Activity, 'create', [{**base, **values}],
                        company=company)
                text = Pool().get('ir.message').gettext(
                    'crm_core', message, Transaction().language,
                    activity="Bad", maximum=1000)
                self.assertEqual(context.exception.message, text)
        self.assertEqual(Activity.search_count([]), before)

    @with_transaction()
    def test_activity_invited_user_reads_no_more(self):
        "An invited user reads the activity, not its hidden related record"
        pool = Pool()
        Activity = pool.get('crm.activity')
        Occurrence = pool.get('crm.activity.occurrence')
        Party = pool.get('party.party')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        account = create_account(company, rep1, name="Secret Account")
        activity = create_activity(
            company, rep1, resource=str(account), subject="Pricing call")
        with acting_as(rep2, company):
            self.assertEqual(Activity.search([('id', '=', activity.id)]), [])
            # nor its occurrences, which follow it
            self.assertEqual(Occurrence.search(
                    [('activity', '=', activity.id)]), [])
        Activity.write([activity], {'invited_users': [('add', [rep2.id])]})
        with acting_as(rep2, company):
            found, = Activity.search([('id', '=', activity.id)])
            self.assertEqual(found.subject, "Pricing call")
            self.assertEqual(Occurrence.search(
                    [('activity', '=', activity.id)]), list(
                    activity.occurrences))
            self.assertEqual(Party.search([('id', '=', account.id)]), [])
            with self.assertRaises(AccessError):
                Activity.write([found], {'subject': "Changed"})
        values, = rpc_call(rep2, Activity, 'read', [activity.id],
            ['subject', 'resource.rec_name'], company=company)
        self.assertEqual(values['subject'], "Pricing call")
        self.assertNotIn("Secret Account", str(values))
        # nor moves or cancels its occurrence
        occurrence, = activity.occurrences
        for method, args in [
                ('cancel', ([occurrence.id],)),
                ('write', ([occurrence.id], {'start': future(days=3)})),
                ]:
            with self.subTest(method=method), self.assertRaises(AccessError):
                rpc_call(rep2, Occurrence, method, *args, company=company)
        occurrence = Occurrence(occurrence.id)
        self.assertFalse(occurrence.cancelled)
        self.assertEqual(occurrence.start, activity.start)

    @with_transaction()
    def test_activity_occurrence_rules_follow_owner(self):
        "Occurrences have the activity's rules, on copies of its owner"
        pool = Pool()
        Activity = pool.get('crm.activity')
        Occurrence = pool.get('crm.activity.occurrence')
        RuleGroup = pool.get('ir.rule.group')
        Team = pool.get('crm.team')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        # (their own rules, regenerated with the activity's sharing: no
        # semi-join with the activities)
        self.assertEqual(Occurrence.__access__, set())
        groups = RuleGroup.search([('model', '=', Occurrence.__name__)])
        self.assertEqual(
            {g.crm_sharing.model for g in groups if g.crm_sharing},
            {'crm.activity'})
        activity = create_activity(
            company, rep1, subject="Quarterly review", frequency='weekly',
            count=3)
        self.assertEqual(len(activity.occurrences), 3)

        def visible(user):
            with acting_as(user, company):
                return len(Occurrence.search(
                        [('activity', '=', activity.id)]))
        self.assertEqual((visible(rep1), visible(rep2)), (3, 0))
        # given to the other rep, or to a team, the occurrences follow
        # without their dates being expanded again
        moved, = Occurrence.search(
            [('activity', '=', activity.id)], limit=1)
        with acting_as(rep1, company):
            Occurrence.write([moved], {'start': future(days=2)})
        Activity.write([activity], {
                'assigned_user': rep2.id, 'subject': "Renamed review"})
        self.assertEqual((visible(rep1), visible(rep2)), (0, 3))
        self.assertEqual(
            {(o.subject, o.assigned_user) for o in activity.occurrences},
            {("Renamed review", rep2)})
        moved = Occurrence(moved.id)
        self.assertEqual((moved.moved, moved.start), (True, future(days=2)))
        team, = Team.create([{'name': "Review team",
                    'members': [('add', [rep1.id])]}])
        Activity.write([activity], {
                'assigned_user': None, 'assigned_team': team.id})
        self.assertEqual((visible(rep1), visible(rep2)), (3, 0))
        self.assertEqual({o.assigned_team for o in activity.occurrences},
            {team})

    @with_transaction()
    def test_activity_invitee_hidden_contact_refused(self):
        "Inviting a contact the user may not read is refused"
        pool = Pool()
        Activity = pool.get('crm.activity')
        Party = pool.get('party.party')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        contact, = Party.create([{
                    'first_name': "Hidden", 'last_name': "Contact",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': rep2.id}])
        activity = create_activity(company, rep1)
        with self.assertRaises(AccessError):
            rpc_call(rep1, Activity, 'write', [activity.id], {
                    'invited_contacts': [('add', [contact.id])]},
                company=company)
        self.assertEqual(Activity(activity.id).invited_contacts, ())

    @with_transaction()
    def test_activity_done_creates_next(self):
        "A type with next step Create plans the follow-up when done"
        pool = Pool()
        Activity = pool.get('crm.activity')
        Type = pool.get('crm.activity.type')
        company, users = self._people()
        rep = users['rep1']
        follow, = Type.create([{
                    'name': "Follow", 'kind': 'event', 'summary': "Call back",
                    'duration': dt.timedelta(minutes=20)}])
        first, = Type.create([{
                    'name': "First", 'kind': 'todo', 'next_type': follow.id,
                    'next_mode': 'create', 'next_delay': 3}])
        account = create_account(company, rep)
        activity = create_activity(company, rep, kind='todo',
            type=first.id, resource=str(account))
        action = rpc_call(rep, Activity, 'done_next', [activity.id],
            company=company)
        activity = Activity(activity.id)
        self.assertEqual(activity.status, 'completed')
        self.assertTrue(activity.done_date)
        follow_up, = activity.next_activities
        self.assertEqual(action['res_id'], [follow_up.id])
        self.assertEqual(follow_up.type, follow)
        self.assertEqual(follow_up.subject, "Call back")
        self.assertEqual(follow_up.resource, account)
        self.assertEqual(follow_up.assigned_user, rep)
        self.assertEqual(follow_up.start.date(),
            (activity.done_date + dt.timedelta(days=3)).date())
        self.assertEqual(
            follow_up.end - follow_up.start, dt.timedelta(minutes=20))

        # done again (re-opened and closed): no second follow-up
        Activity.write([activity], {'status': 'in_progress'})
        rpc_call(rep, Activity, 'done', [activity.id], company=company)
        self.assertEqual(len(Activity(activity.id).next_activities), 1)

    @with_transaction()
    def test_activity_suggests_next(self):
        "A type with next step Suggest opens a new activity of that type"
        pool = Pool()
        Activity = pool.get('crm.activity')
        Type = pool.get('crm.activity.type')
        company, users = self._people()
        rep = users['rep1']
        quote, = Type.create([{
                    'name': "Quote", 'kind': 'todo', 'summary': "Send it"}])
        demo, = Type.create([{
                    'name': "Demo", 'kind': 'event', 'next_type': quote.id,
                    'next_mode': 'suggest'}])
        account = create_account(company, rep)
        activity = create_activity(company, rep, type=demo.id,
            resource=str(account))
        action = rpc_call(rep, Activity, 'done_next', [activity.id],
            company=company)
        self.assertEqual(Activity(activity.id).status, 'held')
        self.assertEqual(Activity(activity.id).next_activities, ())
        self.assertNotIn('res_id', action)
        context = PYSONDecoder().decode(action['pyson_context'])
        self.assertEqual(context['crm_activity_type'], quote.id)
        with Transaction().set_context(context):
            defaults = rpc_call(rep, Activity, 'default_get',
                ['type', 'kind', 'subject', 'resource', 'previous_activity'],
                company=company, context=context)
        self.assertEqual(defaults['type'], quote.id)
        self.assertEqual(defaults['kind'], 'todo')
        self.assertEqual(defaults['subject'], "Send it")
        self.assertEqual(defaults['resource'], str(account))
        self.assertEqual(defaults['previous_activity'], activity.id)

    @with_transaction()
    def test_activity_record_actions(self):
        "Add Event, Add To-Do and Activities are bound to every CRM type"
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        Keyword = pool.get('ir.action.keyword')
        Activity = pool.get('crm.activity')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        for sharing in Sharing.search([]):
            if sharing.model == 'crm.activity':
                continue
            with self.subTest(model=sharing.model):
                for key in ['activity_add_event', 'activity_add_todo',
                        'activities', 'activity_plan_launch']:
                    self.assertTrue(Sharing.record_action(sharing.model, key))
        account = create_account(company, rep1)
        add_event = Sharing.record_action('party.party', 'activity_add_event')
        actions = Keyword.get_keyword('form_action', ('party.party', -1))
        action, = [a for a in actions if a['id'] == add_event]
        context = PYSONDecoder({'active_id': account.id}).decode(
            action['pyson_context'])
        defaults = rpc_call(rep1, Activity, 'default_get',
            ['kind', 'resource', 'status'], company=company, context=context)
        self.assertEqual(defaults['kind'], 'event')
        self.assertEqual(defaults['status'], 'planned')
        self.assertEqual(defaults['resource'], str(account))
        # a record the user may not read is not filled in
        with self.assertRaises(AccessError):
            rpc_call(rep2, Activity, 'default_get', ['resource'],
                company=company, context=context)

        # the activities of the record, upcoming first
        activity = create_activity(company, rep1, resource=str(account))
        relate = Sharing.record_action('party.party', 'activities')
        relate, = [a for a in Keyword.get_keyword(
                    'form_relate', ('party.party', -1)) if a['id'] == relate]
        decoder = PYSONDecoder({
                'active_id': account.id, 'active_ids': [account.id]})
        domain = decoder.decode(relate['pyson_domain'])
        tab = decoder.decode(relate['domains'][0][1])
        with acting_as(rep1, company):
            self.assertEqual(Activity.search([domain, tab]), [activity])

    @with_transaction()
    def test_activity_plan_on_three_records(self):
        "A plan launched on three accounts plans its activities on each"
        pool = Pool()
        Activity = pool.get('crm.activity')
        LaunchPlan = pool.get('crm.activity.plan.launch', type='wizard')
        ModelData = pool.get('ir.model.data')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        accounts = [create_account(company, rep1, name=f"Plan {i}")
            for i in range(3)]
        plan = ModelData.get_id('crm_core', 'activity_plan_new_customer')
        start = dt.date.today() + dt.timedelta(days=1)
        session_id, _, _ = rpc_call(rep1, LaunchPlan, 'create')
        context = {
            'active_model': 'party.party', 'active_id': accounts[0].id,
            'active_ids': [a.id for a in accounts]}
        rpc_call(rep1, LaunchPlan, 'execute', session_id, {},
            'start', company=company, context=context)
        rpc_call(rep1, LaunchPlan, 'execute', session_id, {
                'start': {'plan': plan, 'date': start, 'records': 3}},
            'launch', company=company, context=context)
        for account in accounts:
            activities = Activity.search(
                [('resource', '=', str(account))], order=[('start', 'ASC')])
            self.assertEqual(
                [a.subject for a in activities],
                ["Welcome call", "Onboarding meeting",
                    "Review the first month"])
            self.assertEqual(
                [(a.start.date() - start).days for a in activities],
                [0, 7, 30])
            self.assertEqual({a.assigned_user for a in activities}, {rep1})

        # rep2 may not plan on rep1's accounts
        before = Activity.search_count([])
        session_id, _, _ = rpc_call(rep2, LaunchPlan, 'create')
        with self.assertRaises(AccessError):
            rpc_call(rep2, LaunchPlan, 'execute', session_id, {
                    'start': {'plan': plan, 'date': start, 'records': 1}},
                'launch', company=company, context=context)
        self.assertEqual(Activity.search_count([]), before)

    @with_transaction()
    def test_activity_due_lists(self):
        "Overdue, due today and upcoming, in the user's time zone"
        pool = Pool()
        Activity = pool.get('crm.activity')
        User = pool.get('res.user')
        company, users = self._people()
        rep = users['rep1']
        User.write([rep], {'crm_timezone': 'Pacific/Kiritimati'})
        zone = dt.timezone(dt.timedelta(hours=14))
        now = dt.datetime.utcnow()
        local_today = now.replace(tzinfo=UTC).astimezone(zone).date()
        today_start = dt.datetime.combine(
            local_today, dt.time(), zone).astimezone(UTC).replace(tzinfo=None)
        past = create_activity(company, rep, subject="Past",
            start=now - dt.timedelta(days=2))
        todo_today = create_activity(company, rep, kind='todo',
            subject="Today", start=today_start + dt.timedelta(minutes=1))
        later = create_activity(company, rep, subject="Later",
            start=now + dt.timedelta(days=5))
        closed = create_activity(company, rep, subject="Closed",
            start=now - dt.timedelta(days=3), status='held')
        with acting_as(rep, company):
            def found(due):
                return set(Activity.search([
                            ('due', '=', due), ('assigned_user', '=', rep.id),
                            ]))
            self.assertEqual(found('overdue'), {past})
            self.assertEqual(found('today'), {todo_today})
            self.assertEqual(found('upcoming'), {later})
            self.assertEqual(found('closed'), {closed})
            self.assertEqual(
                [a.due for a in Activity.browse(
                        [past, todo_today, later, closed])],
                ['overdue', 'today', 'upcoming', 'closed'])
        # the tab of the menu lists the next first
        sooner = create_activity(company, rep, subject="Sooner",
            start=now + dt.timedelta(days=2))
        action = pool.get('ir.action.act_window')(self._action_id(
                'act_activity_form'))
        tab, = [d for d in action.act_window_domains
            if d.name == "Upcoming"]
        decoder = PYSONDecoder({'_user': rep.id})
        with acting_as(rep, company):
            self.assertEqual(Activity.search(
                    decoder.decode(tab.domain),
                    order=decoder.decode(action.order)), [sooner, later])
        # and the calendars colour their occurrences alike
        Occurrence = pool.get('crm.activity.occurrence')
        soon = create_activity(company, rep, subject="Soon",
            start=now + dt.timedelta(hours=2))
        colors = {o.activity: o.calendar_color for o in Occurrence.browse(
                [o for a in [past, soon, later, closed]
                    for o in a.occurrences])}
        self.assertEqual([colors[a] for a in [past, soon, later, closed]],
            [CALENDAR_COLORS[c]
                for c in ['overdue', 'today', 'upcoming', 'closed']])

    @with_transaction()
    def test_activity_team_calendar(self):
        "A team's calendar: its members' and the team's, as sharing shows"
        pool = Pool()
        Occurrence = pool.get('crm.activity.occurrence')
        Team = pool.get('crm.team')
        company, users = self._people()
        rep1, rep2, manager = users['rep1'], users['rep2'], users['manager']
        team, = Team.create([{
                    'name': "Calendar team",
                    'members': [('add', [rep1.id, rep2.id])]}])
        create_activity(company, rep1, subject="Rep1's")
        create_activity(company, rep2, subject="Team's",
            assigned_user=None, assigned_team=team.id)
        create_activity(company, manager, subject="Outside the team")
        domain = [('in_context_team', '=', True)]

        def subjects(user, team_id):
            with acting_as(user, company), \
                    Transaction().set_context(team=team_id):
                return sorted(o.subject for o in Occurrence.search(domain))
        self.assertEqual(subjects(manager, team.id), ["Rep1's", "Team's"])
        # rep2 reads the team's, not rep1's private one
        self.assertEqual(subjects(rep2, team.id), ["Team's"])
        self.assertEqual(subjects(manager, None), [])
