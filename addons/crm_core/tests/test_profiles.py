# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Profiles per record type, with a second record type from a test module.

The test module ``crm_test`` (tests/modules/crm_test) registers an owned
record type, ``crm.test.ticket``, and a profile action, "escalate"."""
import unittest

from trytond.model.exceptions import (
    AccessError, DomainValidationError, SQLConstraintError)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from .sharing_kit import OwnedType, SharingKitMixin
from .tools import acting_as, create_crm_users

GRID = ['perm_read', 'perm_create', 'perm_write', 'perm_delete',
    'perm_import', 'perm_export', 'perm_reassign']
#: The default profiles, as documented: profile -> granted permissions
DEFAULT_PROFILES = {
    'group_crm_admin': set(GRID),
    'group_crm_manager': set(GRID),
    'group_crm_staff': {
        'perm_read', 'perm_create', 'perm_write', 'perm_import'},
    'group_crm_management': {'perm_read'},
    }


def create_kit_ticket(company, owner):
    "The sharing kit's factory of test tickets."
    Ticket = Pool().get('crm.test.ticket')
    ticket, = Ticket.create([{'name': "Kit ticket", **owner}])
    return ticket


class CrmTestTicketSharingTestCase(SharingKitMixin, unittest.TestCase):
    "The sharing kit applied to a second record type, as a module would"
    sharing_kit_types = [
        OwnedType('crm.test.ticket', create_kit_ticket, {'name': "Changed"},
            label="Test ticket"),
        ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['crm_core', 'crm_test'])


class CrmProfileTestCase(unittest.TestCase):
    "Test the CRM profiles per record type"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['crm_core', 'crm_test'])

    def row(self, group_xml_id, model):
        "Return the grid row of the profile for the record type."
        pool = Pool()
        Permission = pool.get('crm.profile.permission')
        ModelData = pool.get('ir.model.data')
        row, = Permission.search([
                ('group', '=', ModelData.get_id('crm_core', group_xml_id)),
                ('sharing.model', '=', model),
                ])
        return row

    def granted(self, row):
        return {f for f in GRID if getattr(row, f)}

    def ticket(self, user, name="Ticket"):
        Ticket = Pool().get('crm.test.ticket')
        ticket, = Ticket.create([{'name': name, 'assigned_user': user.id}])
        return ticket

    def account(self, user, company, name="Account"):
        Party = Pool().get('party.party')
        account, = Party.create([{
                    'name': name, 'crm_type': 'account',
                    'assigned_user': user.id, 'crm_company': company.id,
                    }])
        return account

    @with_transaction()
    def test_default_profiles_grid(self):
        "The default profiles grant on accounts and new types as documented"
        for group, expected in DEFAULT_PROFILES.items():
            for model in ['party.party', 'crm.test.ticket']:
                with self.subTest(group=group, model=model):
                    self.assertEqual(
                        self.granted(self.row(group, model)), expected)

    @with_transaction()
    def test_grid_is_host_model_access(self):
        "View, Create, Edit and Delete are the host's model access"
        pool = Pool()
        Access = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        staff = ModelData.get_id('crm_core', 'group_crm_staff')
        row = self.row('group_crm_staff', 'party.party')
        access, = Access.search([
                ('model', '=', 'party.party'), ('group', '=', staff)])
        self.assertEqual(access.crm_permission, row)
        self.assertEqual(
            (access.perm_read, access.perm_create, access.perm_write,
                access.perm_delete), (True, True, True, False))

        row.perm_delete = True
        row.save()
        access = Access(access.id)
        self.assertTrue(access.perm_delete)

        # Addresses and contact mechanisms follow the party: editing an
        # account includes adding and removing its phone numbers
        follower, = Access.search([
                ('model', '=', 'party.contact_mechanism'),
                ('group', '=', staff)])
        self.assertEqual(
            (follower.perm_read, follower.perm_create, follower.perm_write,
                follower.perm_delete), (True, True, True, True))

    @with_transaction()
    def test_staff_deletes_tickets_not_accounts(self):
        "A profile may delete one record type and not another"
        pool = Pool()
        Ticket = pool.get('crm.test.ticket')
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        company, users = create_crm_users()
        rep = users['rep1']
        row = self.row('group_crm_staff', 'crm.test.ticket')
        row.perm_delete = True
        row.save()
        ticket = self.ticket(rep)
        account = self.account(rep, company)
        phone, = Mechanism.create([{
                    'party': account.id, 'type': 'phone',
                    'value': '+3225551234'}])

        with acting_as(rep, company):
            Ticket.delete([Ticket(ticket.id)])
            with self.assertRaises(AccessError):
                Party.delete([Party(account.id)])
            # removing a phone number is editing the account
            Mechanism.delete([Mechanism(phone.id)])
        self.assertFalse(Ticket.search([('id', '=', ticket.id)]))
        self.assertTrue(Party.search([('id', '=', account.id)]))

        # and the other way round
        row.perm_delete = False
        row.save()
        ticket = self.ticket(rep)
        with acting_as(rep, company):
            with self.assertRaises(AccessError):
                Ticket.delete([Ticket(ticket.id)])
        self.assertTrue(Ticket.search([('id', '=', ticket.id)]))

    @with_transaction()
    def test_profile_shown_to_clients(self):
        "Clients learn per record type what the user may delete"
        pool = Pool()
        Ticket = pool.get('crm.test.ticket')
        Party = pool.get('party.party')
        Access = pool.get('ir.model.access')
        company, users = create_crm_users()
        rep = users['rep1']
        ticket = self.ticket(rep)
        account = self.account(rep, company)
        with acting_as(rep, company):
            # the host's model access: tickets' default record is read only
            self.assertFalse(
                Access.get_access(['crm.test.ticket'])[
                    'crm.test.ticket']['delete'])
        row = self.row('group_crm_staff', 'crm.test.ticket')
        row.perm_delete = True
        row.save()
        with acting_as(rep, company):
            self.assertTrue(
                Access.get_access(['crm.test.ticket'])[
                    'crm.test.ticket']['delete'])
            [t] = Ticket.read([ticket.id], ['_delete'])
            # parties: the host lets everybody delete; the record tells
            [a] = Party.read([account.id], ['_delete'])
        self.assertTrue(t['_delete'])
        self.assertFalse(a['_delete'])

    @with_transaction()
    def test_export_import_per_record_type(self):
        "Export and import are granted per record type"
        pool = Pool()
        Ticket = pool.get('crm.test.ticket')
        Party = pool.get('party.party')
        company, users = create_crm_users()
        rep = users['rep1']
        row = self.row('group_crm_staff', 'crm.test.ticket')
        row.perm_export = True
        row.perm_import = False
        row.save()
        ticket = self.ticket(rep, "Exported")
        account = self.account(rep, company)
        with acting_as(rep, company):
            self.assertEqual(
                Ticket.export_data([Ticket(ticket.id)], ['name']),
                [["Exported"]])
            with self.assertRaises(AccessError):
                Party.export_data([Party(account.id)], ['name'])
            with self.assertRaises(AccessError):
                Ticket.import_data(['name'], [["Imported"]])
            # accounts still import for Staff
            Party.import_data(
                ['name', 'crm_type', 'crm_company'],
                [["Imported account", 'account', company.rec_name]])
        self.assertFalse(Ticket.search([('name', '=', "Imported")]))
        self.assertTrue(Party.search([('name', '=', "Imported account")]))

    @with_transaction()
    def test_module_action(self):
        "An action added by a module is granted per profile and enforced"
        pool = Pool()
        Ticket = pool.get('crm.test.ticket')
        Action = pool.get('crm.profile.action')
        company, users = create_crm_users()
        escalate, = Action.search([
                ('model', '=', 'crm.test.ticket'),
                ('code', '=', 'escalate'),
                ])
        # granted with Delete: the profiles that may delete tickets
        self.assertIn(
            escalate, self.row('group_crm_manager', 'crm.test.ticket').actions)
        staff_row = self.row('group_crm_staff', 'crm.test.ticket')
        self.assertNotIn(escalate, staff_row.actions)

        rep_ticket = self.ticket(users['rep1'])
        with acting_as(users['rep1'], company):
            with self.assertRaises(AccessError) as cm:
                Ticket.escalate([Ticket(rep_ticket.id)])
        self.assertIn("escalate", cm.exception.message)
        self.assertFalse(Ticket(rep_ticket.id).escalated)

        with acting_as(users['manager'], company):
            Ticket.escalate([Ticket(rep_ticket.id)])
        self.assertTrue(Ticket(rep_ticket.id).escalated)

        staff_row.actions = [escalate]
        staff_row.save()
        other = self.ticket(users['rep1'])
        with acting_as(users['rep1'], company):
            Ticket.escalate([Ticket(other.id)])
        self.assertTrue(Ticket(other.id).escalated)

        with self.assertRaises(ValueError):
            Ticket.crm_check_permission('no such action')

    @with_transaction()
    def test_view_permission(self):
        "A profile without View on a type sees none of its records"
        pool = Pool()
        Ticket = pool.get('crm.test.ticket')
        company, users = create_crm_users()
        ticket = self.ticket(users['rep1'])
        with acting_as(users['director'], company):
            self.assertEqual(Ticket.search_count([]), 1)
        row = self.row('group_crm_management', 'crm.test.ticket')
        row.perm_read = False
        row.save()
        # (the tickets' default access lets everybody read: the profile
        # restricts its members whatever the host grants)
        with acting_as(users['director'], company):
            self.assertEqual(Ticket.search([]), [])
            self.assertEqual(Ticket.search_count([]), 0)
            with self.assertRaises(AccessError):
                Ticket.read([ticket.id], ['name'])
        with acting_as(users['manager'], company):
            self.assertEqual(Ticket.search([]), [ticket])

    @with_transaction()
    def test_new_and_copied_profiles(self):
        "A new profile starts read only; a copy keeps the grid"
        pool = Pool()
        Group = pool.get('res.group')
        Permission = pool.get('crm.profile.permission')
        ModelData = pool.get('ir.model.data')
        Sharing = pool.get('crm.sharing')
        new, = Group.create([{'name': "Interns", 'crm_profile': True}])
        rows = Permission.search([('group', '=', new.id)])
        self.assertEqual(
            {r.sharing.model for r in rows},
            {s.model for s in Sharing.search([])})
        for row in rows:
            self.assertEqual(self.granted(row), {'perm_read'})

        staff = Group(ModelData.get_id('crm_core', 'group_crm_staff'))
        staff_row = self.row('group_crm_staff', 'crm.test.ticket')
        staff_row.perm_delete = True
        staff_row.save()
        copy, = Group.copy([staff])
        copied, = Permission.search([
                ('group', '=', copy.id),
                ('sharing.model', '=', 'crm.test.ticket'),
                ])
        self.assertEqual(self.granted(copied), self.granted(staff_row))
        self.assertNotEqual(copied.host_accesses, staff_row.host_accesses)
        self.assertEqual(
            len(Permission.search([('group', '=', copy.id)])),
            len(Sharing.search([])))

    @with_transaction()
    def test_new_record_type_starts_from_accounts(self):
        "A record type registered later starts from the accounts' grid"
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        Permission = pool.get('crm.profile.permission')
        staff_account = self.row('group_crm_staff', 'party.party')
        staff_account.perm_export = True
        staff_account.save()
        # as when crm_test registers its record type (Sharing.create)
        sharing, = Sharing.search([('model', '=', 'crm.test.ticket')])
        Permission.delete(Permission.search([('sharing', '=', sharing.id)]))
        Permission.create_for(sharings=[sharing])
        row = self.row('group_crm_staff', 'crm.test.ticket')
        self.assertEqual(self.granted(row), self.granted(staff_account))
        escalate = self.row('group_crm_manager', 'crm.test.ticket').actions
        self.assertEqual([a.code for a in escalate], ['escalate'])

    @with_transaction()
    def test_rows_of_profiles_only(self):
        "A grid row needs a profile group, once per record type"
        pool = Pool()
        Permission = pool.get('crm.profile.permission')
        Group = pool.get('res.group')
        Sharing = pool.get('crm.sharing')
        plain, = Group.create([{'name': "Not a profile"}])
        sharing, = Sharing.search([('model', '=', 'party.party')])
        self.assertFalse(Permission.search([('group', '=', plain.id)]))
        with self.assertRaises(DomainValidationError):
            Permission.create([{'group': plain.id, 'sharing': sharing.id}])
        staff_row = self.row('group_crm_staff', 'party.party')
        # the row's host access records belong to its group
        manager = self.row('group_crm_manager', 'party.party').group
        with self.assertRaises(AccessError):
            Permission.write([staff_row], {'group': manager.id})
        # (last: on PostgreSQL the transaction ends with the violation)
        with self.assertRaises(SQLConstraintError):
            Permission.create([{
                        'group': staff_row.group.id, 'sharing': sharing.id}])

