# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The first minutes of a CRM user: home screen, menu, first tab."""
import unittest

from trytond.model.exceptions import DomainValidationError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .tools import acting_as, create_crm_users


def _id(fs_id, module='crm_core'):
    return Pool().get('ir.model.data').get_id(module, fs_id)


def preferences(user):
    "get_preferences as the clients call it for user"
    User = Pool().get('res.user')
    with Transaction().set_user(user.id), \
            Transaction().set_context(_check_access=False):
        return User.get_preferences()


def top_menus(user, company=None):
    """The names of the top-level menus the client shows to user: the
    domain of its menu action, evaluated as the client does."""
    pool = Pool()
    Menu = pool.get('ir.ui.menu')
    User = pool.get('res.user')
    prefs = preferences(user)
    action = PYSONDecoder().decode(prefs['pyson_menu'])
    with acting_as(user, company):
        context = {'groups': User.get_groups(), '_user': user.id}
        domain = PYSONDecoder(context).decode(action['pyson_domain'])
        return [m.name for m in Menu.search(domain)]


def first_tabs(user, company, fs_id):
    """The first tab of the action fs_id opened as user from its value and
    from its menu entry."""
    pool = Pool()
    Action = pool.get('ir.action')
    Keyword = pool.get('ir.action.keyword')
    with acting_as(user, company):
        value = Action(_id(fs_id)).get_action_value()
        menu_id = _id('menu_' + fs_id[len('act_'):])
        keyword, = Keyword.get_keyword('tree_open', ('ir.ui.menu', menu_id))
        return value['domains'][0][0], keyword['domains'][0][0]


class CrmHomeTestCase(unittest.TestCase):
    "Home screen, menu and first tab of the CRM users"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('crm_core')

    @with_transaction()
    def test_home_screen_of_role_walks_up(self):
        "A user lands on its own home screen, else its role's or above"
        pool = Pool()
        Role = pool.get('crm.role')
        User = pool.get('res.user')
        company, users = create_crm_users()
        top, = Role.create([{
                    'name': "Top", 'crm_home_screen': _id('act_contact_form')}])
        middle, = Role.create([{'name': "Middle", 'parent': top.id}])
        user = users['rep1']
        User.write([user], {'crm_role': middle.id})

        self.assertIn(_id('act_contact_form'), preferences(user)['actions'])

        User.write([user], {'crm_home_screen': _id('act_account_form')})
        actions = preferences(user)['actions']
        self.assertIn(_id('act_account_form'), actions)
        self.assertNotIn(_id('act_contact_form'), actions)

        User.write([user], {'crm_home_screen': None})
        Role.write([top], {'crm_home_screen': None})
        self.assertEqual(preferences(user)['actions'], [])

    @with_transaction()
    def test_support_roles_and_admin_home_screen(self):
        """Every role lands on its dashboards (CRM > Home), the
        administrator on the set-up"""
        pool = Pool()
        Role = pool.get('crm.role')
        User = pool.get('res.user')
        company, users = create_crm_users(users={
                'support': ('role_support_rep', 'group_crm_staff')})
        home = _id('act_dashboard_home')
        self.assertIn(home, preferences(users['support'])['actions'])
        self.assertEqual(
            {r.crm_home_screen_used().id for r in Role.search([])}, {home})
        admin = User(_id('user_admin', 'res'))
        self.assertIn(
            _id('act_configuration_form'), preferences(admin)['actions'])

    @with_transaction()
    def test_home_screen_is_a_readable_window(self):
        "A home screen is a window; one the user may not open is skipped"
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        Role = pool.get('crm.role')
        company, users = create_crm_users()
        role, = Role.create([{'name': "Home Role"}])
        with self.assertRaises(DomainValidationError):
            Role.write([role], {'crm_home_screen': _id('wizard_reassign')})

        window, = ActWindow.create([{
                    'name': "Administrators Only",
                    'res_model': 'party.party',
                    'groups': [('add', [_id('group_admin', 'res')])],
                    }])
        Role.write([role], {'crm_home_screen': window.action.id})
        user = users['rep1']
        user.crm_role = role
        user.save()
        self.assertNotIn(window.action.id, preferences(user)['actions'])

    @with_transaction()
    def test_crm_menu(self):
        "CRM users get the CRM first, without host menus open to all"
        pool = Pool()
        User = pool.get('res.user')
        company, users = create_crm_users(users={
                'rep1': ('role_sales_rep', 'group_crm_staff')})
        host, = User.create([{'login': 'host.user', 'name': "Host"}])

        rep_menus = top_menus(users['rep1'], company)
        self.assertEqual(rep_menus[0], "CRM")
        self.assertNotIn("Parties", rep_menus)
        self.assertNotIn("Products", rep_menus)

        host_menus = top_menus(host)
        self.assertNotIn("CRM", host_menus)
        self.assertIn("Parties", host_menus)

        # a CRM user choosing the host's whole menu gets it
        User.write([users['rep1']], {'menu': _id('act_menu_full')})
        self.assertIn("Parties", top_menus(users['rep1'], company))

    @with_transaction()
    def test_first_tab_shows_records(self):
        "Mine first for an owner, the first tab with records otherwise"
        pool = Pool()
        Party = pool.get('party.party')
        # the boss holds the same groups as the rep: the menu values cached
        # for one do not decide the tabs of the other
        company, users = create_crm_users(users={
                'rep1': ('role_sales_rep', 'group_crm_staff'),
                'boss': ('role_sales_manager', 'group_crm_staff'),
                'director': ('role_management', 'group_crm_management'),
                })
        Party.create([{
                    'name': "Owned Account", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep1'].id}])
        for login, tab in [
                ('rep1', "Mine"), ('boss', "All"), ('rep1', "Mine"),
                ('director', "All")]:
            with self.subTest(login=login):
                self.assertEqual(
                    first_tabs(users[login], company, 'act_account_form'),
                    (tab, tab))
        # nothing to read at all: the order stays
        self.assertEqual(
            first_tabs(users['boss'], company, 'act_contact_form'),
            ("Mine", "Mine"))
