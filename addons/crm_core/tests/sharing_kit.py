# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The sharing test kit: one test of every owned record type.

A module applies :class:`SharingKitMixin` to its ``ModuleTestCase`` and
lists its owned types, each with a record factory::

    def create_ticket(company, owner):
        Ticket = Pool().get('crm.ticket')
        ticket, = Ticket.create([{'subject': "Kit", **owner}])
        return ticket

    class CrmSupportTestCase(SharingKitMixin, ModuleTestCase):
        module = 'crm_support'
        sharing_kit_types = [
            OwnedType('crm.ticket', create_ticket, {'subject': "Changed"}),
            ]

The factory runs without access checks and returns one record; owner holds
its ``assigned_user`` and ``assigned_team`` (one of them is None).

For each sharing mode, the kit creates as many records as it needs, then
acts as each of the people of :data:`PEOPLE` (with access checked as over
RPC) and reads, counts, exports, copies, writes and deletes each record.
Two more modes add to private sharing a sharing rule (``crm.sharing.rule``)
that shares the owner's records with an outsider, read only or read and
write.  Whether an action must succeed is computed from the tables below,
which restate the rules; nothing is asked of the code under test.
"""
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    TEST_COMPANY, CrmPeople, CrmTeam, CrmUser, acting_as, set_sharing,
    setup_crm_people)

MODES = ['private', 'public_read', 'public_read_write']
#: The modes of the sharing rules: private sharing plus a rule sharing the
#: owner's records with the outsider with this access
RULE_MODES = {'rule_read': 'read', 'rule_read_write': 'read_write'}
#: In the order they run on one record (delete last)
ACTIONS = ['read', 'search_count', 'export', 'copy', 'write', 'delete']
TEAM = "Sharing kit team"

#: The people the kit acts as: (role, profile) by XML id of crm_core
PEOPLE = {
    'owner': ('role_sales_rep', 'group_crm_staff'),
    'peer': ('role_sales_rep', 'group_crm_manager'),
    'superior': ('role_sales_manager', 'group_crm_manager'),
    'team member': ('role_support_rep', 'group_crm_manager'),
    'management': ('role_management', 'group_crm_management'),
    'administrator': (None, 'group_crm_admin'),
    # outside the owner's role tree and team, with a profile granting
    # everything: only the sharing rules give it records
    'outsider': ('role_marketing_user', 'group_crm_manager'),
    }
#: Who acts in each mode (default: all but the outsider): in the rule
#: modes the person a rule names and one it does not
MODE_PEOPLE = {
    'rule_read': ['outsider', 'peer'],
    'rule_read_write': ['outsider', 'peer'],
    }
#: The records of each check: who they are assigned to
RECORDS = {
    "the owner's record": 'owner',
    "the team's record": TEAM,
    }
#: The records each person may see by ownership under private sharing:
#: its own, its teams' and those of the roles below its role (the team
#: member is a support rep: the sales manager is not above it)
OWNED_BY = {
    'owner': {"the owner's record"},
    'peer': set(),
    'superior': {"the owner's record"},
    'team member': {"the team's record"},
    'management': {"the owner's record", "the team's record"},
    'administrator': set(),
    'outsider': set(),
    }
#: The records each person is given by the rule of the rule modes
SHARED_BY_RULE = {'outsider': {"the owner's record"}}
#: The CRM Administrator group sees and changes all records
SEES_ALL = {'administrator'}
#: mode: (everybody reads, everybody edits)
SHARING_RULES = {
    'private': (False, False),
    'public_read': (True, False),
    'public_read_write': (True, True),
    'rule_read': (False, False),
    'rule_read_write': (False, False),
    }
#: access of a sharing rule: (its recipients read, edit)
RULE_ACCESS = {
    'read': (True, False),
    'read_write': (True, True),
    }
#: What the default profiles grant on CRM records (reading is always
#: granted; sharing decides what may be read)
PROFILE_PERMISSIONS = {
    'group_crm_admin': {'create', 'write', 'delete', 'export'},
    'group_crm_manager': {'create', 'write', 'delete', 'export'},
    'group_crm_staff': {'create', 'write'},
    'group_crm_management': set(),
    }
#: Besides the sharing rules, what each action needs of the profile; a
#: copy keeps the owner of the original, so it also needs to edit it
#: (creation follows the write rule)
ACTION_NEEDS = {
    'read': (None, False),
    'search_count': (None, False),
    'export': ('export', False),
    'copy': ('create', True),
    'write': ('write', True),
    'delete': ('delete', True),
    }


def expected(mode, person, record, action):
    "Tell if person may do action on record under mode, from the tables."
    reads_all, edits_all = SHARING_RULES[mode]
    owns = person in SEES_ALL or record in OWNED_BY[person]
    shared = record in SHARED_BY_RULE.get(person, set())
    rule_reads, rule_edits = RULE_ACCESS.get(
        RULE_MODES.get(mode), (False, False))
    may_read = owns or reads_all or (shared and rule_reads)
    may_edit = owns or edits_all or (shared and rule_edits)
    permission, edits = ACTION_NEEDS[action]
    _, profile = PEOPLE[person]
    if permission and permission not in PROFILE_PERMISSIONS[profile]:
        return False
    return may_edit if edits else may_read


class OwnedType:
    "An owned record type the kit checks."

    def __init__(self, model, factory, write_values, label=None):
        self.model = model
        self.factory = factory
        self.write_values = write_values
        self.label = label or model


def acting_people(mode):
    "The people the kit acts as in mode."
    return MODE_PEOPLE.get(mode, [p for p in PEOPLE if p != 'outsider'])


def share_with(model_name, owner, recipient, access):
    "Create the sharing rule of model_name's records of owner to recipient."
    pool = Pool()
    Sharing = pool.get('crm.sharing')
    Rule = pool.get('crm.sharing.rule')
    sharing, = Sharing.search([('model', '=', model_name)])
    Rule.create([{
                'sharing': sharing.id,
                'owner_kind': 'user',
                'owner_user': owner.id,
                'with_kind': 'user',
                'with_user': recipient.id,
                'access': access,
                }])


def kit_people():
    "The description of the kit's people and team."
    return CrmPeople(
        company=TEST_COMPANY,
        teams=(CrmTeam(TEAM),),
        users=tuple(
            CrmUser(
                'kit.' + person.replace(' ', '_'),
                role=role and f'crm_core.{role}',
                profile=f'crm_core.{profile}',
                teams=(TEAM,) if person == 'team member' else ())
            for person, (role, profile) in PEOPLE.items()))


class SharingKitMixin:
    """Check reads, counts, exports, copies, writes and deletes of every
    type of sharing_kit_types by every person in every sharing mode."""
    sharing_kit_types = ()

    @with_transaction()
    def test_sharing_kit_private(self):
        "Sharing kit: private"
        self.run_sharing_kit('private')

    @with_transaction()
    def test_sharing_kit_public_read(self):
        "Sharing kit: public read only"
        self.run_sharing_kit('public_read')

    @with_transaction()
    def test_sharing_kit_public_read_write(self):
        "Sharing kit: public read and write"
        self.run_sharing_kit('public_read_write')

    @with_transaction()
    def test_sharing_kit_rule_read(self):
        "Sharing kit: private, a rule shares read only"
        self.run_sharing_kit('rule_read')

    @with_transaction()
    def test_sharing_kit_rule_read_write(self):
        "Sharing kit: private, a rule shares read and write"
        self.run_sharing_kit('rule_read_write')

    def run_sharing_kit(self, mode):
        pool = Pool()
        User = pool.get('res.user')
        Company = pool.get('company.company')
        self.assertTrue(self.sharing_kit_types, "no sharing_kit_types")
        world = setup_crm_people(kit_people())
        company = Company(world.company)
        users = {
            person: User(world.users['kit.' + person.replace(' ', '_')])
            for person in PEOPLE}
        owners = {
            'owner': {'assigned_user': users['owner'].id,
                'assigned_team': None},
            TEAM: {'assigned_user': None,
                'assigned_team': world.teams[TEAM]},
            }
        for model in {t.model for t in self.sharing_kit_types}:
            if mode in RULE_MODES:
                set_sharing(model, 'private')
                share_with(model, users['owner'], users['outsider'],
                    RULE_MODES[mode])
            else:
                set_sharing(model, mode)
        for type_ in self.sharing_kit_types:
            for person in acting_people(mode):
                for record_name, owner in RECORDS.items():
                    record = type_.factory(company, dict(owners[owner]))
                    for action in ACTIONS:
                        self._check_sharing_action(
                            type_, mode, person, users[person], company,
                            record_name, record, action)

    def _check_sharing_action(
            self, type_, mode, person, user, company, record_name, record,
            action):
        may = expected(mode, person, record_name, action)
        message = (f"{type_.label}, {mode}: the {person} "
            f"{'may' if may else 'may not'} {action} {record_name}")
        with self.subTest(message, mode=mode, person=person,
                record=record_name, action=action):
            Model = Pool().get(type_.model)
            with acting_as(user, company), \
                    Transaction().set_context(_skip_warnings=True):
                try:
                    result = self._do_sharing_action(
                        Model, type_, record, action)
                except AccessError:
                    if action == 'search_count':
                        raise
                    result, refused = None, True
                else:
                    refused = False
            if action == 'search_count':
                self.assertEqual(result, int(may), message)
                return
            self.assertEqual(not refused, may, message)
            self._check_sharing_effect(
                Model, type_, record, action, may, result, message)

    def _do_sharing_action(self, Model, type_, record, action):
        "Do action on record; return what tells its effect."
        instance = Model(record.id)
        if action == 'read':
            return Model.read([record.id], ['assigned_user', 'assigned_team'])
        elif action == 'search_count':
            return Model.search_count([('id', '=', record.id)])
        elif action == 'export':
            return Model.export_data([instance], ['assigned_user'])
        elif action == 'copy':
            return Model.copy([instance])
        elif action == 'write':
            Model.write([instance], dict(type_.write_values))
        elif action == 'delete':
            Model.delete([instance])

    def _check_sharing_effect(
            self, Model, type_, record, action, may, result, message):
        "Check, without access checks, that the action did what it said."
        if action == 'read' and may:
            self.assertEqual([r['id'] for r in result], [record.id], message)
        elif action == 'export' and may:
            self.assertEqual(len(result), 1, message)
        elif action == 'copy' and may:
            copy, = result
            self.assertNotEqual(copy.id, record.id, message)
            self.assertEqual(
                (copy.assigned_user, copy.assigned_team),
                (record.assigned_user, record.assigned_team), message)
        elif action == 'write':
            record = Model(record.id)
            for name, value in type_.write_values.items():
                self.assertEqual(
                    getattr(record, name) == value, may, message)
        elif action == 'delete':
            exists = bool(Model.search([('id', '=', record.id)]))
            self.assertEqual(exists, not may, message)
