# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Home dashboards and key metrics: role templates copied to users, the
board built per user, the blocks and counts limited to what the user may
read, and bad input refused with nothing written.

The world: a role *Dashboard Role* (below the sales rep's, so its users
read as reps do) with a template *Desk* of two blocks and a key metric;
accounts are private; rep1 owns two accounts, rep2 one."""
import datetime as dt

from lxml import etree

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder, PYSONEncoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..dashboard import reset_to_role
from .tools import acting_as, create_crm_users, rpc_call, set_sharing


def _id(fs_id, module='crm_core'):
    return Pool().get('ir.model.data').get_id(module, fs_id)


def _action(fs_id, module='crm_core'):
    "The ir.action id of the window fs_id, as the board names it"
    ActWindow = Pool().get('ir.action.act_window')
    return ActWindow(_id(fs_id, module)).action.id


def home_board(user, company, dashboard=None):
    """The home board's arch as the client gets it for user, opened on
    dashboard (as the Dashboards block opens it) or not."""
    View = Pool().get('ir.ui.view')
    with acting_as(user, company), Transaction().set_context(
            crm_dashboard=dashboard.id if dashboard else None):
        arch = View(_id('dashboard_home_view')).view_get()['arch']
    return etree.fromstring(arch)


def board_blocks(user, company, dashboard=None):
    "The action ids of the blocks of the board, the Dashboards block first"
    return [int(a.get('name'))
        for a in home_board(user, company, dashboard).iter('action')]


class DashboardTestMixin:
    "Home dashboards, their blocks and key metrics"

    def _dashboard_world(self):
        pool = Pool()
        Dashboard = pool.get('crm.dashboard')
        Metric = pool.get('crm.dashboard.metric')
        Party = pool.get('party.party')
        Role = pool.get('crm.role')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')
        role, = Role.create([{
                    'name': "Dashboard Role",
                    'parent': _id('role_sales_rep'),
                    }])
        with Transaction().set_context(crm_dashboard_template=True):
            desk, = Dashboard.create([{
                        'name': "Desk", 'role': role.id, 'columns': 2,
                        'blocks': [('create', [{
                                        'action': _id('act_dashboard_metrics'),
                                        'sequence': 1,
                                        }, {
                                        'action': _id(
                                            'act_dashboard_my_accounts'),
                                        'sequence': 2, 'colspan': 2,
                                        }])],
                        }])
            metric, = Metric.create([{
                        'name': "Accounts", 'role': role.id,
                        'action': _id('act_account_form'),
                        }])
        Party.create([{
                    'name': name, 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users[login].id,
                    } for name, login in [
                    ("Desk One", 'rep1'), ("Desk Two", 'rep1'),
                    ("Desk Hidden", 'rep2')]])
        return company, users, role, desk, metric

    @with_transaction()
    def test_dashboard_copied_from_role(self):
        "A user given a role gets copies of its templates, kept as changed"
        pool = Pool()
        Dashboard = pool.get('crm.dashboard')
        Metric = pool.get('crm.dashboard.metric')
        User = pool.get('res.user')
        company, users, role, desk, metric = self._dashboard_world()
        rep = users['rep1']

        # Created with the sales rep's role, it got copies of its templates
        templates = Dashboard.templates_of(rep.crm_role)
        self.assertTrue(templates)
        self.assertEqual(
            [d.template for d in Dashboard.search([('user', '=', rep.id)])],
            templates)
        # A new role leaves its own dashboards; a reset copies the role's
        User.write([rep], {'crm_role': role.id})
        self.assertEqual(
            [d.template for d in Dashboard.search([('user', '=', rep.id)])],
            templates)
        Reset = pool.get('crm.dashboard.reset', type='wizard')
        session_id, _, _ = rpc_call(rep, Reset, 'create', company=company)
        rpc_call(rep, Reset, 'execute', session_id, {}, 'reset',
            company=company)
        own, = Dashboard.search([('user', '=', rep.id)])
        self.assertEqual(
            (own.name, own.columns, own.template, own.role),
            ("Desk", 2, desk, None))
        self.assertEqual(
            [(b.action.id, b.colspan) for b in own.blocks],
            [(_id('act_dashboard_metrics'), 1),
                (_id('act_dashboard_my_accounts'), 2)])
        own_metric, = Metric.search([('user', '=', rep.id)])
        self.assertEqual(own_metric.template, metric)

        # The user's changes stay its own, the template is unchanged
        with acting_as(rep, company):
            Dashboard.write([Dashboard(own.id)], {
                    'name': "My Desk",
                    'blocks': [('delete', [own.blocks[0].id])]})
        User.write([rep], {'crm_role': _id('role_sales_rep')})
        self.assertEqual(
            [(d.name, len(d.blocks)) for d in Dashboard.search([
                        ('user', '=', rep.id)])], [("My Desk", 1)])
        self.assertEqual((desk.name, len(desk.blocks)), ("Desk", 2))

        # A new user of the role starts with them
        new, = User.create([{
                    'login': 'dash.new', 'name': "Dash New",
                    'crm_role': role.id}])
        self.assertEqual(
            [d.template for d in Dashboard.search([('user', '=', new.id)])],
            [desk])

    @with_transaction()
    def test_dashboard_copies_keep_translations(self):
        """The copies of a role's templates given to new users read in
        another language as the templates do (their name, their blocks'
        titles, the metrics' names)"""
        pool = Pool()
        Dashboard = pool.get('crm.dashboard')
        Metric = pool.get('crm.dashboard.metric')
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        _, _, role, desk, metric = self._dashboard_world()
        french, = Lang.search([('code', '=', 'fr')])
        Lang.write([french], {'translatable': True})
        Dashboard.write([desk], {'blocks': [('write',
                        [desk.blocks[0].id], {'title': "Numbers"})]})
        with Transaction().set_context(language='fr'):
            Dashboard.write([Dashboard(desk.id)], {
                    'name': "Bureau",
                    'blocks': [('write', [desk.blocks[0].id],
                            {'title': "Chiffres"})]})
            Metric.write([Metric(metric.id)], {'name': "Comptes"})

        first, second = User.create([{
                    'login': f'dash.copy{i}', 'name': f"Dash Copy {i}",
                    'crm_role': role.id} for i in range(2)])
        for user in [first, second]:
            for language, names in [
                    ('en', ("Desk", "Numbers", "Accounts")),
                    ('fr', ("Bureau", "Chiffres", "Comptes"))]:
                with Transaction().set_context(language=language):
                    own, = Dashboard.search([('user', '=', user.id)])
                    own_metric, = Metric.search([('user', '=', user.id)])
                    self.assertEqual(
                        (own.name, own.blocks[0].title, own_metric.name),
                        names)
                    self.assertEqual(own.template, desk)

    @with_transaction()
    def test_dashboard_home_board(self):
        """The home board shows a dashboard of the user with its blocks in
        order under the Dashboards block that opens the others; a block of
        a type the user may not read is left out"""
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        Dashboard = pool.get('crm.dashboard')
        Block = pool.get('crm.dashboard.block')
        User = pool.get('res.user')
        company, users, role, desk, metric = self._dashboard_world()
        rep = users['rep1']

        # Without dashboards of its own, the role's are shown (one: no
        # Dashboards block)
        User.write([users['rep2']], {'crm_role': role.id})
        Dashboard.delete(Dashboard.search([('user', '=', users['rep2'].id)]))
        self.assertEqual(board_blocks(users['rep2'], company), [
                _action('act_dashboard_metrics'),
                _action('act_dashboard_my_accounts')])

        User.write([rep], {'crm_role': role.id})
        reset_to_role([rep])
        own, = Dashboard.search([('user', '=', rep.id)])
        with acting_as(rep, company):
            second, = Dashboard.create([{
                        'name': "Second", 'columns': 1, 'sequence': 99,
                        'blocks': [('create', [{
                                        'action': _id('act_dashboard_todo'),
                                        'colspan': 3}])]}])
        switch = _action('act_dashboard_switch')
        board = home_board(rep, company)
        self.assertEqual(board.get('col'), '2')
        self.assertEqual(
            [(a.get('name'), a.get('colspan')) for a in board],
            [(str(switch), '2'),
                (str(_action('act_dashboard_metrics')), '1'),
                (str(_action('act_dashboard_my_accounts')), '2')])
        board = home_board(rep, company, second)
        self.assertEqual(board.get('col'), '1')
        self.assertEqual(
            [(a.get('name'), a.get('colspan')) for a in board],
            [(str(switch), '1'), (str(_action('act_dashboard_todo')), '1')])
        # The Dashboards block lists the user's; it opens one on the board
        with acting_as(rep, company):
            self.assertEqual(
                Dashboard.search([('shown', '=', True)]), [own, second])
        Open = pool.get('crm.dashboard.open', type='wizard')
        context = {'active_model': 'crm.dashboard',
            'active_id': second.id, 'active_ids': [second.id]}
        session_id, _, _ = rpc_call(rep, Open, 'create', company=company)
        result = rpc_call(rep, Open, 'execute', session_id, {}, 'start',
            company=company, context=context)
        [[action, _]] = result['actions']
        self.assertEqual(action['name'], "Second")
        self.assertEqual(PYSONDecoder().decode(action['pyson_context']),
            {'crm_dashboard': second.id})
        # Another user's dashboard named in the context shows its own first
        self.assertEqual(
            board_blocks(users['rep2'], company, second)[0],
            _action('act_dashboard_metrics'))

        # A block of a type the user may not read is left out of the board
        # (a template's block is not checked against a user at save)
        hidden, = ActWindow.create([{
                    'name': "Saved Searches", 'res_model': 'ir.ui.view_search',
                    'usage': 'dashboard'}])
        Block.create([{'dashboard': desk.id, 'action': hidden.id}])
        self.assertEqual(board_blocks(users['rep2'], company), [
                _action('act_dashboard_metrics'),
                _action('act_dashboard_my_accounts')])
        # and from the copy a user of the role gets
        User.write([users['rep2']], {'crm_role': role.id})
        reset_to_role([users['rep2']])
        copy, = Dashboard.search([('user', '=', users['rep2'].id)])
        self.assertEqual(len(copy.blocks), 2)

        # No dashboard at all: a line telling where to add one
        Dashboard.delete(Dashboard.search([('user', '=', rep.id)]))
        User.write([rep], {'crm_role': None})
        board = home_board(rep, company)
        self.assertEqual(board.findall('action'), [])
        self.assertIn("My Dashboards", board.find('label').get('string'))

    @with_transaction()
    def test_dashboard_bad_input(self):
        "Bad blocks and dashboards are refused with nothing written"
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        Block = pool.get('crm.dashboard.block')
        Dashboard = pool.get('crm.dashboard')
        User = pool.get('res.user')
        company, users, role, desk, metric = self._dashboard_world()
        rep = users['rep1']
        User.write([rep], {'crm_role': role.id})
        reset_to_role([rep])
        own, = Dashboard.search([('user', '=', rep.id)])
        searches, = ActWindow.create([{
                    'name': "Saved Searches", 'res_model': 'ir.ui.view_search',
                    'usage': 'dashboard'}])
        # (a window whose module's code is gone: the database knows its
        # type, the server does not)
        IrModel = pool.get('ir.model')
        IrModel.create([{
                    'name': 'crm.not_activated', 'string': "Not Activated"}])
        inactive, = ActWindow.create([{
                    'name': "Gone", 'res_model': 'party.party',
                    'usage': 'dashboard'}])
        table = ActWindow.__table__()
        Transaction().connection.cursor().execute(*table.update(
                [table.res_model], ['crm.not_activated'],
                where=table.id == inactive.id))
        cases = [
            ({'action': _id('act_account_form')}, '"Block"'),
            ({'action': searches.id}, "may not read"),
            ({'action': inactive.id}, "not activated"),
            ]
        for values, message in cases:
            with self.subTest(message=message), \
                    self.assertRaisesRegex(UserError, message), \
                    acting_as(rep, company):
                Block.create([{'dashboard': own.id, **values}])
        with self.assertRaisesRegex(UserError, "either to a user or to a role"):
            Dashboard.create([{'name': "Both", 'user': rep.id,
                        'role': role.id}])
        with self.assertRaises(UserError), acting_as(rep, company):
            Dashboard.write([Dashboard(own.id)], {'columns': 5})

    @with_transaction()
    def test_dashboard_rules(self):
        """A user reads its own dashboards and the templates, changes its
        own only, and adds nothing to another user's"""
        pool = Pool()
        Block = pool.get('crm.dashboard.block')
        Dashboard = pool.get('crm.dashboard')
        Metric = pool.get('crm.dashboard.metric')
        User = pool.get('res.user')
        company, users, role, desk, metric = self._dashboard_world()
        rep1, rep2 = users['rep1'], users['rep2']
        User.write([rep1, rep2], {'crm_role': role.id})
        reset_to_role([rep1, rep2])
        other, = Dashboard.search([('user', '=', rep2.id)])
        other_metric, = Metric.search([('user', '=', rep2.id)])

        with acting_as(rep1, company):
            self.assertEqual(
                {d.user.id if d.user else None for d in Dashboard.search([])},
                {rep1.id, None})
            for Model, record in [(Dashboard, other), (Metric, other_metric)]:
                with self.subTest(model=Model.__name__):
                    with self.assertRaises(AccessError):
                        Model.read([record.id], ['name'])
                    with self.assertRaises(AccessError):
                        Model.write([Model(record.id)], {'name': "Mine"})
                    with self.assertRaises(AccessError):
                        Model.copy([Model(record.id)])
            with self.assertRaises(AccessError):
                Block.create([{'dashboard': other.id,
                            'action': _id('act_dashboard_todo')}])
            with self.assertRaises(AccessError):
                Dashboard.write([Dashboard(desk.id)], {'name': "Changed"})
            with self.assertRaises(AccessError), Transaction().set_context(
                    crm_dashboard_template=True):
                Dashboard.create([{'name': "Template", 'role': role.id}])
            with self.assertRaises(AccessError):
                Dashboard.create([{'name': "For rep2", 'user': rep2.id}])
        self.assertEqual(Dashboard(desk.id).name, "Desk")

    @with_transaction()
    def test_metric_counts_what_user_reads(self):
        """A key metric counts the records of its window and search that
        the user may read, and opens the same filter"""
        pool = Pool()
        Metric = pool.get('crm.dashboard.metric')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        company, users, role, desk, metric = self._dashboard_world()
        rep1, manager = users['rep1'], users['manager']
        User.write([rep1], {'crm_role': role.id})
        reset_to_role([rep1])
        own, = Metric.search([('user', '=', rep1.id)])
        desk_accounts = [('name', 'like', 'Desk %')]
        with acting_as(rep1, company):
            Metric.write([Metric(own.id)], {
                    'domain': PYSONEncoder().encode(desk_accounts)})
            counted = Metric(own.id).count
            readable = Party.search_count(
                [('crm_type', '=', 'account')] + desk_accounts)
            value = rpc_call(rep1, Metric, 'open_records', [own.id],
                company=company)
        self.assertEqual((counted, readable), ('2', 2))
        domain = PYSONDecoder({'_user': rep1.id}).decode(value['pyson_domain'])
        with acting_as(rep1, company):
            self.assertEqual(
                sorted(p.name for p in Party.search(domain)),
                ["Desk One", "Desk Two"])
        self.assertEqual(value['res_model'], 'party.party')
        self.assertEqual(value['name'], "Accounts")

        # The manager reads the three
        with acting_as(manager, company):
            mine, = Metric.create([{
                        'name': "Desk accounts",
                        'action': _id('act_account_form'),
                        'domain': PYSONEncoder().encode(desk_accounts)}])
            self.assertEqual(Metric(mine.id).count, '3')

        # Bad searches are refused (nothing written: tests/test_rpc_home.py)
        for search in ['[(', '{"a": 1}', '[["no_such_field", "=", 1]]',
                '[["name", "no_operator", 1]]']:
            with self.subTest(search=search), \
                    self.assertRaisesRegex(UserError, "not a valid filter"), \
                    acting_as(rep1, company):
                Metric.write([Metric(own.id)], {'domain': search})

    @with_transaction()
    def test_metric_open_wizard_refuses_others(self):
        "The metric's open wizard, as sao runs it, opens only one's own"
        pool = Pool()
        Metric = pool.get('crm.dashboard.metric')
        OpenMetric = pool.get('crm.dashboard.metric.open', type='wizard')
        User = pool.get('res.user')
        company, users, role, desk, metric = self._dashboard_world()
        rep1, rep2 = users['rep1'], users['rep2']
        User.write([rep1, rep2], {'crm_role': role.id})
        reset_to_role([rep1, rep2])
        own, = Metric.search([('user', '=', rep1.id)])
        other, = Metric.search([('user', '=', rep2.id)])

        def open_(metric_id):
            context = {
                'active_model': 'crm.dashboard.metric',
                'active_id': metric_id, 'active_ids': [metric_id]}
            session_id, _, _ = rpc_call(
                rep1, OpenMetric, 'create', company=company)
            return rpc_call(rep1, OpenMetric, 'execute', session_id, {},
                'start', company=company, context=context)

        result = open_(own.id)
        self.assertEqual(result['actions'][0][0]['res_model'], 'party.party')
        with self.assertRaises(AccessError):
            open_(other.id)

    @with_transaction()
    def test_last_activity_of_account(self):
        "An account's last activity is the latest the user may read"
        pool = Pool()
        Activity = pool.get('crm.activity')
        Party = pool.get('party.party')
        company, users, role, desk, metric = self._dashboard_world()
        set_sharing('crm.activity', 'private')
        account, = Party.search([('name', '=', "Desk One")])
        now = dt.datetime.now().replace(microsecond=0)

        def todo(login, start):
            return {
                'kind': 'todo', 'subject': "Call back", 'start': start,
                'timezone': 'UTC', 'status': 'not_started',
                'assigned_user': users[login].id,
                'resource': str(account), 'company': company.id}
        Activity.create([
                todo('rep1', now - dt.timedelta(days=10)),
                todo('rep2', now - dt.timedelta(days=2)),
                todo('rep1', now + dt.timedelta(days=3)),
                ])

        def last_activity(login):
            "As the client reads it"
            with acting_as(users[login], company):
                [row] = Party.read([account.id], ['crm_last_activity'])
            return row['crm_last_activity']
        self.assertEqual(last_activity('rep1'), now - dt.timedelta(days=10))
        self.assertEqual(
            last_activity('manager'), now - dt.timedelta(days=2))

    @with_transaction()
    def test_metric_search_through_a_link_tells_nothing(self):
        """A key metric searching through a link to a hidden record counts
        nothing of it: its name matched or not, the count is the same"""
        pool = Pool()
        Metric = pool.get('crm.dashboard.metric')
        Party = pool.get('party.party')
        company, users, role, desk, metric = self._dashboard_world()
        rep1 = users['rep1']
        hidden, = Party.search([('name', '=', "Desk Hidden")])
        own, = Party.search([('name', '=', "Desk One")])
        # (rep1's account is a member of rep2's hidden one)
        Party.write([own], {'parent_account': hidden.id})

        def count(name):
            with acting_as(rep1, company):
                created, = Metric.create([{
                            'name': "Probe", 'action': _id('act_account_form'),
                            'domain': PYSONEncoder().encode(
                                [('parent_account.name', '=', name)])}])
                return Metric(created.id).count
        self.assertEqual(count("Desk Hidden"), count("Desk Nowhere"))
        self.assertEqual(count("Desk Hidden"), '0')
