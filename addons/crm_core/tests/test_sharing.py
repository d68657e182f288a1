# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Ownership, role hierarchy, teams, sharing modes and profiles.

The sharing kit (sharing_kit.py) checks accounts and contacts in every
sharing mode for every kind of user; the tests below cover the rest."""
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .sharing_kit import OwnedType, SharingKitMixin
from .test_activities import create_kit_activity
from .tools import (
    CrmCompany, CrmPeople, CrmRole, CrmTeam, CrmUser, acting_as,
    create_crm_users, run_reassign, set_sharing, setup_crm_people)


def create_kit_account(company, owner):
    "An account for the sharing kit, assigned to owner."
    Party = Pool().get('party.party')
    account, = Party.create([{
                'name': "Kit account", 'crm_type': 'account',
                'crm_company': company.id, **owner}])
    return account


def create_kit_contact(company, owner):
    "A contact for the sharing kit, assigned to owner."
    Party = Pool().get('party.party')
    contact, = Party.create([{
                'first_name': "Kit", 'last_name': "Contact",
                'crm_type': 'contact', 'crm_company': company.id, **owner}])
    return contact


class SharingTestMixin(SharingKitMixin):
    "Record rules and profiles on CRM accounts and contacts"
    sharing_kit_types = [
        OwnedType('party.party', create_kit_account, {'employees': 7},
            label="Account"),
        OwnedType('party.party', create_kit_contact, {'department': "Kit"},
            label="Contact"),
        OwnedType('crm.activity', create_kit_activity,
            {'subject': "Changed"}, label="Activity"),
        ]

    def _accounts(self, users, company):
        "One account owned by each of rep1, rep2 and manager."
        Party = Pool().get('party.party')
        return {
            login: Party.create([{
                        'name': f"Account of {login}",
                        'crm_type': 'account',
                        'crm_company': company.id,
                        'assigned_user': users[login].id,
                        }])[0]
            for login in ['rep1', 'rep2', 'manager']}

    def _visible(self, user, company):
        Party = Pool().get('party.party')
        with acting_as(user, company):
            return {p.name for p in Party.search(
                        [('crm_type', '=', 'account')])}

    @with_transaction()
    def test_rule_names_are_read_by_people(self):
        """The rules of a shared type, created while the modules were being
        activated, are named by their message (users read the names in
        access errors), not by its id"""
        RuleGroup = Pool().get('ir.rule.group')
        names = {g.name for g in RuleGroup.search(
                [('crm_sharing', '!=', None)])}
        self.assertIn("CRM sharing of Party (read)", names)
        self.assertFalse({n for n in names if n.startswith('crm_core.')})

    @with_transaction()
    def test_rule_cache_per_user(self):
        "Users of the same groups but other roles do not share rule domains"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company, users = create_crm_users()
        self._accounts(users, company)
        # Same profile as the reps, manager role
        users['manager'].groups = [
            ModelData.get_id('crm_core', 'group_crm_staff')]
        users['manager'].save()
        self.assertEqual(
            users['manager'].groups, users['rep1'].groups)

        # Fill the cache with rep1's domain first, then ask as the manager
        self.assertEqual(len(self._visible(users['rep1'], company)), 1)
        self.assertEqual(len(self._visible(users['manager'], company)), 3)
        self.assertEqual(len(self._visible(users['rep1'], company)), 1)

        # A change of role is seen at once: rep1 now sees rep2's account
        # but not the one of its peer manager
        User.write([users['rep1']], {
                'crm_role': ModelData.get_id(
                    'crm_core', 'role_sales_manager')})
        self.assertEqual(
            self._visible(users['rep1'], company),
            {"Account of rep1", "Account of rep2"})

    @with_transaction()
    def test_joining_team_shows_its_records(self):
        "Joining a team shows its records at once, leaving hides them"
        pool = Pool()
        Team = pool.get('crm.team')
        Party = pool.get('party.party')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')
        team, = Team.create([{
                    'name': "Key accounts",
                    'members': [('add', [users['rep2'].id])],
                    }])
        Party.create([{
                    'name': "Team account",
                    'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': None,
                    'assigned_team': team.id,
                    }])
        self.assertNotIn(
            "Team account", self._visible(users['rep1'], company))

        Team.write([team], {'members': [('add', [users['rep1'].id])]})
        self.assertIn("Team account", self._visible(users['rep1'], company))
        Team.write([team], {'members': [('remove', [users['rep1'].id])]})
        self.assertNotIn(
            "Team account", self._visible(users['rep1'], company))

    @with_transaction()
    def test_non_crm_parties_unrestricted(self):
        "Parties outside the CRM keep the host's access"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')
        supplier, = Party.create([{'name': "Host supplier"}])
        with acting_as(users['rep1'], company):
            self.assertEqual(
                Party.search([('name', '=', "Host supplier")]), [supplier])
            Party.write([supplier], {'name': "Host supplier 2"})

    @with_transaction()
    def test_attachments_and_notes_follow_sharing(self):
        "Attachments and notes of an account are as private as the account"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        company, users = create_crm_users()
        accounts = self._accounts(users, company)
        set_sharing('party.party', 'private')
        resource = str(accounts['rep1'])
        with acting_as(users['rep1'], company):
            Attachment.create([{
                        'name': "contract.txt", 'resource': resource,
                        'data': b"signed"}])
            Note.create([{'resource': resource, 'message': "Call back"}])
        with acting_as(users['manager'], company):
            self.assertEqual(len(Attachment.search(
                        [('resource', '=', resource)])), 1)
            self.assertEqual(len(Note.search(
                        [('resource', '=', resource)])), 1)
        with acting_as(users['rep2'], company):
            self.assertEqual(Attachment.search(
                    [('resource', '=', resource)]), [])
            self.assertEqual(Note.search([('resource', '=', resource)]), [])
            with self.assertRaises(AccessError):
                Note.create([{'resource': resource, 'message': "Sneaky"}])

    @with_transaction()
    def test_cannot_leave_crm(self):
        "A user cannot turn a CRM record into a host party to share it"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        accounts = self._accounts(users, company)
        set_sharing('party.party', 'private')
        for crm_type in [None, 'contact']:
            with acting_as(users['rep1'], company):
                with self.assertRaises(AccessError):
                    Party.write([accounts['rep1']], {'crm_type': crm_type})
        self.assertEqual(
            self._visible(users['rep2'], company), {"Account of rep2"})

    @with_transaction()
    def test_export_by_domain_obeys_rules(self):
        "An export by domain holds only the visible records"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        self._accounts(users, company)
        Party.create([{
                    'name': "Account of director",
                    'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['director'].id,
                    }])
        set_sharing('party.party', 'private')
        with acting_as(users['manager'], company):
            rows = Party.export_data_domain(
                [('crm_type', '=', 'account')], ['name'])
        self.assertEqual(
            sorted(r[0] for r in rows),
            ["Account of manager", "Account of rep1", "Account of rep2"])

    @with_transaction()
    def test_staff_profile(self):
        "Staff create and edit but neither delete nor export"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        with acting_as(users['rep1'], company):
            account, = Party.create([{
                        'name': "Own account",
                        'crm_type': 'account',
                        'crm_company': company.id,
                        }])
            self.assertEqual(account.assigned_user, users['rep1'])
            Party.write([account], {'employees': 12})
            with self.assertRaises(AccessError):
                Party.export_data([account], ['name'])
            with self.assertRaises(AccessError):
                Party.export_data_domain(
                    [('crm_type', '=', 'account')], ['name'])
            with self.assertRaises(AccessError):
                Party.delete([account])
        self.assertTrue(Party.search([('id', '=', account.id)]))

    @with_transaction()
    def test_management_profile_read_only(self):
        "Management reads everything but changes nothing"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        accounts = self._accounts(users, company)
        with acting_as(users['director'], company):
            self.assertEqual(Party.search_count(
                    [('crm_type', '=', 'account')]), 3)
            with self.assertRaises(AccessError):
                Party.create([{
                            'name': "New", 'crm_type': 'account',
                            'crm_company': company.id}])
            with self.assertRaises(AccessError):
                Party.write([accounts['rep1']], {'employees': 3})

    @with_transaction()
    def test_profile_shown_to_clients(self):
        "Clients are told which records the profile lets the user change"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        accounts = self._accounts(users, company)
        host_party, = Party.create([{'name': "Host party"}])
        ids = [accounts['rep1'].id, host_party.id]
        expected = {
            'director': {accounts['rep1'].id: (False, False)},
            'rep1': {accounts['rep1'].id: (True, False)},
            'manager': {accounts['rep1'].id: (True, True)},
            }
        for login, rows in expected.items():
            with acting_as(users[login], company):
                result = {r['id']: (r['_write'], r['_delete'])
                    for r in Party.read(ids, ['_write', '_delete'])}
            self.assertEqual(
                result[accounts['rep1'].id], rows[accounts['rep1'].id], login)
            # Host parties keep the host's access
            self.assertEqual(result[host_party.id], (True, True), login)

    @with_transaction()
    def test_manager_profile(self):
        "Managers delete and export"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        accounts = self._accounts(users, company)
        with acting_as(users['manager'], company):
            self.assertEqual(
                Party.export_data([accounts['rep1']], ['name']),
                [["Account of rep1"]])
            Party.delete([accounts['rep1']])
        self.assertFalse(Party.search([('id', '=', accounts['rep1'].id)]))

    @with_transaction()
    def test_import_profile(self):
        "Import of CRM records needs the import permission"
        pool = Pool()
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')
        company, users = create_crm_users()
        Permission = pool.get('crm.profile.permission')
        staff, = Permission.search([
                ('group', '=', ModelData.get_id('crm_core', 'group_crm_staff')),
                ('sharing.model', '=', 'party.party'),
                ])
        staff.perm_import = False
        staff.save()
        with acting_as(users['rep1'], company):
            with self.assertRaises(AccessError):
                Party.import_data(
                    ['name', 'crm_type'], [["Imported", 'account']])
        self.assertFalse(Party.search([('name', '=', "Imported")]))

    @with_transaction()
    def test_reassign_wizard(self):
        "Managers re-assign many records, staff may not"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        accounts = self._accounts(users, company)
        records = [accounts['rep1'], accounts['rep2']]
        with self.assertRaises(Exception):
            run_reassign(users['rep1'], company, records, users['rep2'])
        self.assertEqual(
            Party(accounts['rep1'].id).assigned_user, users['rep1'])
        run_reassign(users['manager'], company, records, users['rep2'])
        self.assertEqual(
            {Party(r.id).assigned_user for r in records}, {users['rep2']})

    @with_transaction()
    def test_user_cannot_change_own_role_or_groups(self):
        "A non-admin changes neither its role, its groups nor other users"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company, users = create_crm_users()
        manager_role = ModelData.get_id('crm_core', 'role_sales_manager')
        admin_group = ModelData.get_id('crm_core', 'group_crm_admin')
        rep = users['rep1']
        with acting_as(rep, company):
            with self.assertRaises(AccessError):
                User.write([User(rep.id)], {'crm_role': manager_role})
            with self.assertRaises(AccessError):
                User.write([User(rep.id)], {
                        'groups': [('add', [admin_group])]})
            with self.assertRaises(AccessError):
                User.write([User(users['rep2'].id)], {'name': "Hacked"})
            # Preferences (called without access check, as over RPC)
            # cannot carry the role or groups
            with Transaction().set_context(_check_access=False):
                User.set_preferences({
                        'crm_role': manager_role,
                        'groups': [('add', [admin_group])],
                        })
        rep = User(rep.id)
        self.assertEqual(rep.crm_role.id, ModelData.get_id(
                'crm_core', 'role_sales_rep'))
        self.assertNotIn(admin_group, [g.id for g in rep.groups])

    @with_transaction()
    def test_setup_crm_people_finds_what_exists(self):
        "The set-up helper creates people once and finds them the next time"
        pool = Pool()
        Company = pool.get('company.company')
        Team = pool.get('crm.team')
        User = pool.get('res.user')
        people = CrmPeople(
            company=CrmCompany("Twice Inc", {'name': "Twice", 'code': 'TWC'}),
            roles=(CrmRole("Key Account Rep", 'crm_core.role_sales_rep'),),
            teams=(CrmTeam("Twice team", leader='twice.lead'),),
            users=(
                CrmUser('twice.lead', 'crm_core.role_sales_manager',
                    'crm_core.group_crm_manager', name="Lead"),
                CrmUser('twice.rep', "Key Account Rep",
                    'crm_core.group_crm_staff', groups=("CRM Manager",),
                    teams=("Twice team",), email='rep@twice.example'),
                ))
        first = setup_crm_people(people)
        second = setup_crm_people(people)
        self.assertEqual(first, second)

        company = Company(first.company)
        self.assertEqual(company.party.name, "Twice Inc")
        self.assertEqual(company.currency.code, 'TWC')
        lead, rep = User.browse(
            [first.users['twice.lead'], first.users['twice.rep']])
        self.assertEqual(
            (rep.crm_role.name, rep.crm_role.parent.name),
            ("Key Account Rep", "Sales Rep"))
        self.assertEqual(
            {g.name for g in rep.groups}, {"CRM Staff", "CRM Manager"})
        self.assertEqual((rep.email, lead.name), ('rep@twice.example', "Lead"))
        self.assertEqual(rep.company, company)
        team, = Team.search([('name', '=', "Twice team")])
        self.assertEqual((team.leader, team.members), (lead, (rep,)))
        self.assertEqual(
            User.search_count([('login', 'like', 'twice.%')]), 2)
