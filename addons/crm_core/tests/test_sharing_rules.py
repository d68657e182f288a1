# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Sharing rules: records shared beyond the role tree (crm.sharing.rule).

The people: a sales rep and its manager, who leads the sales team the rep
is a member of, two support reps of the same groups and their support
manager, a marketing user; every account of the tests belongs to sales."""
import unittest

from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..guard import readable_ids
from .activation import activate_with_crm
from .tools import (
    TEST_COMPANY, CrmPeople, CrmTeam, CrmUser, acting_as, set_sharing,
    setup_crm_people)

SALES_TEAM = "Rule sales team"
SUPPORT_TEAM = "Rule support team"
PEOPLE = CrmPeople(
    company=TEST_COMPANY,
    teams=(
        CrmTeam(SALES_TEAM, leader='rule.manager'),
        CrmTeam(SUPPORT_TEAM)),
    users=(
        CrmUser('rule.rep', 'crm_core.role_sales_rep',
            'crm_core.group_crm_staff', teams=(SALES_TEAM,)),
        CrmUser('rule.manager', 'crm_core.role_sales_manager',
            'crm_core.group_crm_manager'),
        # (profiles granting everything: only the rules restrict them)
        CrmUser('rule.support', 'crm_core.role_support_rep',
            'crm_core.group_crm_manager', teams=(SUPPORT_TEAM,)),
        CrmUser('rule.support2', 'crm_core.role_support_rep',
            'crm_core.group_crm_manager'),
        CrmUser('rule.support_manager', 'crm_core.role_support_manager',
            'crm_core.group_crm_manager'),
        CrmUser('rule.marketing', 'crm_core.role_marketing_user',
            'crm_core.group_crm_manager'),
        CrmUser('rule.admin', None, 'crm_core.group_crm_admin'),
        ))

#: The accounts: name -> owner (a login or a team)
ACCOUNTS = {
    "Rep's account": 'rule.rep',
    "Manager's account": 'rule.manager',
    "Sales team's account": SALES_TEAM,
    }
#: Owner side of a rule: kind, what it names, the accounts it owns (the
#: manager leads the sales team; the rep is a member of it)
OWNER_SIDES = {
    'user': ('rule.rep', {"Rep's account"}),
    'role': ('crm_core.role_sales_manager',
        {"Manager's account", "Sales team's account"}),
    'role_and_subordinates': ('crm_core.role_sales_manager',
        {"Rep's account", "Manager's account", "Sales team's account"}),
    'team': (SALES_TEAM, {"Sales team's account", "Rep's account"}),
    }
#: Recipient side of a rule: kind, what it names, who it stands for
WITH_SIDES = {
    'user': ('rule.support', {'rule.support'}),
    'role': ('crm_core.role_support_rep', {'rule.support', 'rule.support2'}),
    'role_and_subordinates': ('crm_core.role_support_manager',
        {'rule.support', 'rule.support2', 'rule.support_manager'}),
    'team': (SUPPORT_TEAM, {'rule.support'}),
    }
#: Who may be given the accounts (none sees them by ownership)
OUTSIDERS = [
    'rule.support', 'rule.support2', 'rule.support_manager',
    'rule.marketing']


class SharingRuleTestCase(unittest.TestCase):
    "Test the sharing rules"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_core')

    def setup_world(self):
        "Create the people and the accounts; return the company, users, teams"
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        Party = pool.get('party.party')
        world = setup_crm_people(PEOPLE)
        set_sharing('party.party', 'private')
        self.company = Company(world.company)
        self.users = {
            login: User(id_) for login, id_ in world.users.items()}
        self.teams = world.teams
        self.accounts = {}
        for name, owner in ACCOUNTS.items():
            if owner in self.teams:
                owner_values = {
                    'assigned_user': None,
                    'assigned_team': self.teams[owner]}
            else:
                owner_values = {'assigned_user': self.users[owner].id}
            self.accounts[name], = Party.create([{
                        'name': name, 'crm_type': 'account',
                        'crm_company': self.company.id,
                        **owner_values}])

    def _side_values(self, prefix, kind, name):
        """The values of the side prefix of a rule naming name (the fields
        that the kind does not use empty)."""
        ModelData = Pool().get('ir.model.data')
        values = {
            f'{prefix}_kind': kind,
            f'{prefix}_role': None,
            f'{prefix}_team': None,
            f'{prefix}_user': None,
            }
        if kind in {'role', 'role_and_subordinates'}:
            values[f'{prefix}_role'] = ModelData.get_id(*name.split('.'))
        elif kind == 'team':
            values[f'{prefix}_team'] = self.teams[name]
        else:
            values[f'{prefix}_user'] = self.users[name].id
        return values

    def rule(self, access='read', owner=('user', 'rule.rep'),
            with_=('user', 'rule.support'), model='party.party'):
        "Create a rule as the root user."
        pool = Pool()
        Rule = pool.get('crm.sharing.rule')
        Sharing = pool.get('crm.sharing')
        sharing, = Sharing.search([('model', '=', model)])
        rule, = Rule.create([{
                    'sharing': sharing.id,
                    'access': access,
                    **self._side_values('owner', *owner),
                    **self._side_values('with', *with_),
                    }])
        return rule

    def visible(self, login):
        "The names of the test accounts login sees."
        Party = Pool().get('party.party')
        with acting_as(self.users[login], self.company):
            return {p.name for p in Party.search([
                        ('id', 'in', [
                                a.id for a in self.accounts.values()]),
                        ])}

    def allowed(self, login, action, account, values=None):
        "Tell if login may do action on account."
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        with acting_as(self.users[login], self.company), \
                Transaction().set_context(_skip_warnings=True):
            try:
                if action == 'read':
                    Party.read([account.id], ['name'])
                elif action == 'write':
                    Party.write([account], values or {'employees': 11})
                elif action == 'delete':
                    Party.delete([account])
                elif action == 'copy':
                    Party.copy([account])
                elif action == 'add mechanism':
                    # (follows the account: changes it)
                    Mechanism.create([{
                                'party': account.id, 'type': 'phone',
                                'value': '+32 2 555 01 01'}])
            except AccessError:
                return False
        return True

    @with_transaction()
    def test_read_only_rule(self):
        "A read-only rule lets the recipient read, not change, the records"
        Party = Pool().get('party.party')
        self.setup_world()
        self.assertEqual(self.visible('rule.support'), set())
        self.rule('read')
        account = self.accounts["Rep's account"]

        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        self.assertTrue(self.allowed('rule.support', 'read', account))
        with acting_as(self.users['rule.support'], self.company):
            row, = Party.read([account.id], ['_write', '_delete'])
            rows = Party.export_data([account], ['name'])
        # (clients show the record read only; SQL gives NULL or false)
        self.assertFalse(row['_write'] or row['_delete'])
        self.assertEqual(rows, [["Rep's account"]])
        for action in ['write', 'delete', 'copy', 'add mechanism']:
            self.assertFalse(
                self.allowed('rule.support', action, account), action)
        # (a refused creation is undone with its transaction, over RPC)
        account = Party(account.id)
        self.assertEqual(account.employees, None)
        self.assertTrue(Party.search([('id', '=', account.id)]))
        # Neither the other support rep, nor marketing
        self.assertEqual(self.visible('rule.support2'), set())
        self.assertEqual(self.visible('rule.marketing'), set())

    @with_transaction()
    def test_read_only_shared_not_modified_by_link(self):
        "A record shared read only is not changed through a link to it"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_world()
        self.rule('read')
        contact, = Party.create([{
                    'first_name': "Rita", 'last_name': "Rule",
                    'crm_type': 'contact', 'crm_company': self.company.id,
                    'assigned_user': self.users['rule.rep'].id,
                    }])
        with acting_as(self.users['rule.support'], self.company):
            own, = Party.create([{
                        'name': "Support's account", 'crm_type': 'account',
                        'crm_company': self.company.id}])
            self.assertEqual(Party.search(
                    [('id', '=', contact.id)]), [contact])
            # adding the contact to an own account writes the contact
            with self.assertRaises(AccessError):
                Party.write([own], {'contacts': [('add', [contact.id])]})
            # a link that changes nothing of the record shared is allowed
            Party.write([own], {
                    'parent_account': self.accounts["Rep's account"].id})
        self.assertEqual(Party(contact.id).account, None)

    @with_transaction()
    def test_read_write_rule(self):
        "A read-write rule lets the recipient edit, copy and delete"
        Party = Pool().get('party.party')
        self.setup_world()
        self.rule('read_write')
        account = self.accounts["Rep's account"]

        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        with acting_as(self.users['rule.support'], self.company):
            row, = Party.read([account.id], ['_write', '_delete'])
        self.assertEqual((row['_write'], row['_delete']), (True, True))
        for action in ['write', 'add mechanism', 'copy']:
            self.assertTrue(
                self.allowed('rule.support', action, account), action)
        account = Party(account.id)
        self.assertEqual(account.employees, 11)
        self.assertEqual(len(account.contact_mechanisms), 1)
        # Only the records of the owner the rule names
        self.assertFalse(self.allowed(
                'rule.support', 'write', self.accounts["Manager's account"]))
        self.assertTrue(self.allowed('rule.support', 'delete', account))
        self.assertEqual(Party.search([('id', '=', account.id)]), [])
        self.assertFalse(self.allowed(
                'rule.support2', 'write', self.accounts["Manager's account"]))

    @with_transaction()
    def test_kinds(self):
        "Roles, roles and subordinates, teams and users on both sides"
        Rule = Pool().get('crm.sharing.rule')
        self.setup_world()
        for owner_kind, (owner, owned) in OWNER_SIDES.items():
            for with_kind, (with_, recipients) in WITH_SIDES.items():
                rule = self.rule(
                    owner=(owner_kind, owner), with_=(with_kind, with_))
                for login in OUTSIDERS:
                    with self.subTest(
                            owner=owner_kind, with_=with_kind, user=login):
                        self.assertEqual(
                            self.visible(login),
                            owned if login in recipients else set())
                Rule.delete([rule])

    @with_transaction()
    def test_rule_changes_at_once(self):
        "A rule deactivated, activated again or deleted takes effect at once"
        pool = Pool()
        Party = pool.get('party.party')
        Rule = pool.get('crm.sharing.rule')
        self.setup_world()
        account = self.accounts["Rep's account"]
        support = self.users['rule.support']
        rule = self.rule('read_write')

        def guard_readable():
            # the guard of the side doors follows the record rules
            with acting_as(support, self.company):
                return readable_ids(Party, [account.id])

        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        self.assertEqual(guard_readable(), {account.id})
        self.assertTrue(self.allowed('rule.support', 'write', account))
        Rule.write([rule], {'access': 'read'})
        self.assertFalse(self.allowed('rule.support', 'write', account))
        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        Rule.write([rule], {'active': False})
        self.assertEqual(self.visible('rule.support'), set())
        self.assertEqual(guard_readable(), set())
        self.assertFalse(self.allowed('rule.support', 'read', account))
        Rule.write([rule], {'active': True})
        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        self.assertEqual(guard_readable(), {account.id})
        Rule.delete([rule])
        self.assertEqual(self.visible('rule.support'), set())
        self.assertEqual(guard_readable(), set())

    @with_transaction()
    def test_people_changes_at_once(self):
        "Who a rule names follows the roles and teams as they change"
        pool = Pool()
        User = pool.get('res.user')
        Team = pool.get('crm.team')
        ModelData = pool.get('ir.model.data')
        self.setup_world()
        self.rule(owner=('team', SALES_TEAM), with_=('team', SUPPORT_TEAM))
        shared = {"Rep's account", "Sales team's account"}
        self.assertEqual(self.visible('rule.support'), shared)
        self.assertEqual(self.visible('rule.support2'), set())

        Team.write([Team(self.teams[SUPPORT_TEAM])], {
                'members': [('add', [self.users['rule.support2'].id])]})
        self.assertEqual(self.visible('rule.support2'), shared)
        Team.write([Team(self.teams[SALES_TEAM])], {
                'members': [('remove', [self.users['rule.rep'].id])]})
        self.assertEqual(
            self.visible('rule.support2'), {"Sales team's account"})

        self.rule(
            owner=('role', 'crm_core.role_sales_rep'),
            with_=('role', 'crm_core.role_marketing_user'))
        self.assertEqual(self.visible('rule.marketing'), {"Rep's account"})
        User.write([self.users['rule.marketing']], {
                'crm_role': ModelData.get_id(
                    'crm_core', 'role_marketing_manager')})
        self.assertEqual(self.visible('rule.marketing'), set())

    @with_transaction()
    def test_cache_per_user(self):
        "Users of the same groups and role do not share the rules' owners"
        self.setup_world()
        support, support2 = (
            self.users['rule.support'], self.users['rule.support2'])
        self.assertEqual(support.groups, support2.groups)
        self.assertEqual(support.crm_role, support2.crm_role)
        self.rule('read', with_=('user', 'rule.support'))
        # the rule domain and the shared owners cached for support first
        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        self.assertEqual(self.visible('rule.support2'), set())
        self.assertEqual(self.visible('rule.support'), {"Rep's account"})
        self.assertFalse(self.allowed(
                'rule.support2', 'read', self.accounts["Rep's account"]))

    @with_transaction()
    def test_other_record_type_unaffected(self):
        "A rule shares the records of its record type only"
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        self.setup_world()
        others = Sharing.search([('model', '!=', 'party.party')])
        if not others:
            self.skipTest("no other record type registered")
        self.rule('read', model=others[0].model)
        self.assertEqual(self.visible('rule.support'), set())

    @with_transaction()
    def test_only_administrators_manage_rules(self):
        "Only CRM administrators create, change and delete rules"
        pool = Pool()
        Rule = pool.get('crm.sharing.rule')
        Sharing = pool.get('crm.sharing')
        self.setup_world()
        sharing, = Sharing.search([('model', '=', 'party.party')])
        values = {
            'sharing': sharing.id, 'access': 'read_write',
            **self._side_values('owner', 'user', 'rule.rep'),
            **self._side_values('with', 'user', 'rule.support'),
            }
        rule = self.rule('read')
        with acting_as(self.users['rule.support'], self.company):
            self.assertEqual(Rule.search([]), [rule])
            with self.assertRaises(AccessError):
                Rule.create([values])
            with self.assertRaises(AccessError):
                Rule.write([Rule(rule.id)], {'access': 'read_write'})
            with self.assertRaises(AccessError):
                Rule.delete([Rule(rule.id)])
            with self.assertRaises(AccessError):
                Sharing.write([Sharing(sharing.id)], {
                        'rules': [('create', [{
                                        k: v for k, v in values.items()
                                        if k != 'sharing'}])]})
        self.assertFalse(self.allowed(
                'rule.support', 'write', self.accounts["Rep's account"]))
        with acting_as(self.users['rule.admin'], self.company):
            Rule.write([Rule(rule.id)], {'access': 'read_write'})
            Rule.create([{**values,
                        **self._side_values('owner', 'team', SALES_TEAM)}])
        self.assertTrue(self.allowed(
                'rule.support', 'write', self.accounts["Rep's account"]))
        self.assertEqual(len(Sharing(sharing.id).rules), 2)

    @with_transaction()
    def test_summary(self):
        "A rule reads as a sentence"
        self.setup_world()
        rule = self.rule('read',
            owner=('role_and_subordinates', 'crm_core.role_sales_manager'),
            with_=('team', SUPPORT_TEAM))
        self.assertEqual(rule.rec_name, (
                f"{rule.sharing.rec_name} of {rule.owner_role.rec_name} "
                f"and subordinates shared with {SUPPORT_TEAM}: Read Only"))
        Rule = Pool().get('crm.sharing.rule')
        self.assertEqual(
            Rule.search([('rec_name', 'ilike', 'rule support%')]), [rule])
        self.assertEqual(
            Rule.search([('rec_name', 'ilike', 'nobody%')]), [])

    @with_transaction()
    def test_validation(self):
        "A rule names what its kinds use and no user shares with itself"
        pool = Pool()
        Rule = pool.get('crm.sharing.rule')
        self.setup_world()
        rule = self.rule('read')
        valid = {
            **self._side_values('owner', 'user', 'rule.rep'),
            **self._side_values('with', 'user', 'rule.support'),
            }
        for values in [
                {'owner_user': None},
                {'with_kind': 'team'},
                {'owner_team': self.teams[SALES_TEAM]},
                {'with_user': self.users['rule.rep'].id},
                ]:
            with self.subTest(values=values):
                with self.assertRaises(ValidationError):
                    Rule.write([rule], values)
                # (the refused values were written before the check)
                Rule.write([rule], valid)
        Rule.write([rule], {
                'with_kind': 'team', 'with_user': None,
                'with_team': self.teams[SUPPORT_TEAM]})
        self.assertEqual(self.visible('rule.support'), {"Rep's account"})

    @with_transaction()
    def test_form_clears_other_kinds(self):
        "Changing a kind in the form empties what the other kinds use"
        Rule = Pool().get('crm.sharing.rule')
        self.setup_world()
        rule = Rule(**self._side_values('owner', 'user', 'rule.rep'))
        rule.owner_kind = 'team'
        rule.on_change_owner_kind()
        self.assertIsNone(rule.owner_user)
