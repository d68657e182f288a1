"""The host's side doors are closed for records a user may not read.

Each test puts a private account of rep2 (*Hidden Corp*, revenue 4242)
in front of rep1 and tries one way the host offers around the record
rules.  The on_change door exists only through RPC: see
tests/test_rpc_side_doors.py."""
from decimal import Decimal

from trytond.exceptions import UserWarning
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import acting_as, create_crm_users, set_sharing

SECRET = Decimal('4242.00')


class SideDoorTestMixin:
    "Copy, nested searches, links, duplicates, related records, comments"

    def _hidden_world(self):
        """rep2's private account with an e-mail, rep1's own account that is
        a member of it (linked by the administrator) and rep1's contact."""
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')
        hidden, own, other = Party.create([{
                    'name': "Hidden Corp", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep2'].id,
                    'annual_revenue': SECRET,
                    'description': "Secret plans",
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'ceo@hidden.example.com',
                                    }])],
                    }, {
                    'name': "Own Ltd", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep1'].id,
                    }, {
                    'name': "Other Hidden", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep2'].id,
                    'annual_revenue': Decimal(1),
                    }])
        Party.write([own], {'parent_account': hidden.id})
        contact, = Party.create([{
                    'first_name': "Hank", 'last_name': "Scorpio",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': users['rep1'].id,
                    }])
        return company, users, hidden, own, contact

    @with_transaction()
    def test_copy_hidden_refused(self):
        "Copying a record the user may not read is refused"
        Party = Pool().get('party.party')
        company, users, hidden, own, _ = self._hidden_world()
        count = Party.search_count([])
        with acting_as(users['rep1'], company):
            with self.assertRaises(AccessError):
                # (refused before anything is written)
                Party.copy(
                    [Party(hidden.id)], {'assigned_user': users['rep1'].id})
            copy, = Party.copy([Party(own.id)], {
                    'name': "Own Copy", 'parent_account': None})
        self.assertEqual(Party.search_count([]), count + 1)
        self.assertEqual(copy.assigned_user, users['rep1'])

    @with_transaction()
    def test_hidden_and_missing_refused_alike(self):
        "A hidden record is refused as a missing one is: its id tells none"
        Party = Pool().get('party.party')
        company, users, hidden, own, _ = self._hidden_world()
        missing = max(map(int, Party.search([]))) + 1000

        def refusal(call, id_):
            with acting_as(users['rep1'], company), \
                    self.assertRaises(AccessError) as refused:
                call(id_)
            return refused.exception.message.replace(str(id_), 'ID')
        for method, call in [
                ('read', lambda i: Party.read([i], ['name'])),
                ('write', lambda i: Party.write(
                        [Party(i)], {'description': "Taken"})),
                ('delete', lambda i: Party.delete([Party(i)])),
                ]:
            with self.subTest(method=method):
                hidden_refusal = refusal(call, hidden.id)
                self.assertEqual(hidden_refusal, refusal(call, missing))
                self.assertNotIn("rule", hidden_refusal)
        self.assertEqual(Party(hidden.id).name, "Hidden Corp")

    @with_transaction()
    def test_nested_search_follows_target_rules(self):
        "Searching through a link to a hidden record finds nothing"
        Party = Pool().get('party.party')
        company, users, hidden, own, _ = self._hidden_world()
        with acting_as(users['rep1'], company):
            for domain in [
                    [('parent_account.annual_revenue', '>', 4000)],
                    [('parent_account.annual_revenue', '<', 5000)],
                    [('parent_account.name', 'ilike', 'hidden%')],
                    [('parent_account', 'ilike', 'hidden%')],
                    [('parent_account', 'where',
                            [('description', 'ilike', '%secret%')])],
                    [('parent_account.contact_mechanisms.value', 'ilike',
                            'ceo@%')],
                    ]:
                self.assertEqual(Party.search(domain), [], domain)
            # the link itself is the visible record's own value
            self.assertEqual(
                Party.search([('parent_account', '=', hidden.id)]), [own])
        # not for the administrator, who may read it
        self.assertEqual(
            Party.search([('parent_account.annual_revenue', '>', 4000)]),
            [own])

    @with_transaction()
    def test_order_through_hidden_link(self):
        "Ordering by a hidden record's value does not reveal it"
        Party = Pool().get('party.party')
        company, users, hidden, own, _ = self._hidden_world()
        other_hidden, = Party.search([('name', '=', "Other Hidden")])
        second, = Party.create([{
                    'name': "Own Two", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep1'].id,
                    'parent_account': other_hidden.id,
                    }])

        def ordered(direction):
            return Party.search(
                [('crm_type', '=', 'account')],
                order=[('parent_account.annual_revenue', direction),
                    ('id', 'ASC')])
        self.assertNotEqual(ordered('ASC'), ordered('DESC'))
        with acting_as(users['rep1'], company):
            self.assertEqual(ordered('ASC'), ordered('DESC'))
            self.assertEqual(ordered('ASC'), [own, second])

    @with_transaction()
    def test_link_to_hidden_refused(self):
        "A user may not link its own records to a hidden record"
        Party = Pool().get('party.party')
        company, users, hidden, own, contact = self._hidden_world()
        Party.write([own], {'parent_account': None})
        with acting_as(users['rep1'], company):
            with self.assertRaises(AccessError):
                Party.write([Party(own.id)], {'parent_account': hidden.id})
            with self.assertRaises(AccessError):
                Party.write([Party(contact.id)], {'account': hidden.id})
            with self.assertRaises(AccessError):
                Party.create([{
                            'first_name': "Eve", 'last_name': "Spy",
                            'crm_type': 'contact',
                            'crm_company': company.id,
                            'account': hidden.id,
                            }])
            # its own records link as before
            Party.write([Party(contact.id)], {'account': own.id})
        self.assertIsNone(Party(own.id).parent_account)
        self.assertEqual(Party(contact.id).account, own)

    @with_transaction()
    def test_duplicate_check_escapes_wildcards(self):
        "The duplicate warning matches names, not patterns"
        Party = Pool().get('party.party')
        company, users, _, _, _ = self._hidden_world()
        with acting_as(users['rep1'], company):
            for name in ["Hid%", "H_dden Corp", "%"]:
                probe = Party(
                    name=name, crm_type='account', crm_company=company.id)
                self.assertEqual(probe.on_change_notify(), [], name)
                Party.create([{
                            'name': name, 'crm_type': 'account',
                            'crm_company': company.id,
                            }])
            probe = Party(
                name="hidden corp", crm_type='account',
                crm_company=company.id)
            self.assertEqual(len(probe.on_change_notify()), 1)
            with self.assertRaises(UserWarning):
                Party.create([{
                            'name': "Hidden Corp", 'crm_type': 'account',
                            'crm_company': company.id,
                            }])

    @with_transaction()
    def test_related_records_of_hidden_party_refused(self):
        "No address, contact mechanism or identifier on a hidden party"
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        company, users, hidden, own, _ = self._hidden_world()
        with acting_as(users['rep1'], company):
            for Model, values in [
                    (Mechanism, {'type': 'phone', 'value': '555 0101'}),
                    (Address, {'street': "1 Spy Lane"}),
                    (Identifier, {'code': 'X-1'}),
                    ]:
                with self.assertRaises(AccessError, msg=Model.__name__):
                    Model.create([{'party': hidden.id, **values}])
                record, = Model.create([{'party': own.id, **values}])
                with self.assertRaises(AccessError, msg=Model.__name__):
                    Model.write([record], {'party': hidden.id})
                # and none of the hidden party's are seen
                self.assertEqual(
                    Model.search([('party', '=', hidden.id)]), [])

    @with_transaction()
    def test_comments_of_hidden_record_refused(self):
        "Comments of a hidden record cannot be read, posted or followed"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        company, users, hidden, own, _ = self._hidden_world()
        with Transaction().set_user(users['rep2'].id):
            Channel.post(str(hidden), "Secret comment")
        resource = str(hidden)
        # As over RPC: the channel methods check the access themselves
        with Transaction().set_user(users['rep1'].id):
            for method, args in [
                    ('get', ()),
                    ('post', ("Hello",)),
                    ('subscribe', ()),
                    ('subscribe_email', ('spy@example.com',)),
                    ('get_followers', ()),
                    ('search_followers', ('a',)),
                    ]:
                with self.assertRaises(AccessError, msg=method):
                    getattr(Channel, method)(resource, *args)
            Channel.post(str(own), "My comment")
            self.assertEqual(
                [m['content'] for m in Channel.get(str(own))],
                ["My comment"])
        with Transaction().set_user(users['rep2'].id):
            self.assertEqual(
                [m['content'] for m in Channel.get(resource)],
                ["Secret comment"])

    @with_transaction()
    def test_create_only_for_visible_owners(self):
        """A rep creates records for itself or its team, not for others;
        its manager creates them for the reps below"""
        Party = Pool().get('party.party')
        company, users, _, own, _ = self._hidden_world()

        names = iter(range(100))

        def create(user, owner):
            with acting_as(users[user], company):
                return Party.create([{
                            'name': f"For {owner} by {user} {next(names)}",
                            'crm_type': 'account',
                            'crm_company': company.id,
                            'assigned_user': users[owner].id,
                            }])
        with self.assertRaises(AccessError):
            create('rep1', 'rep2')
        with self.assertRaises(AccessError):
            create('rep1', 'manager')
        self.assertTrue(create('rep1', 'rep1'))
        self.assertTrue(create('manager', 'rep2'))
        # nor give one away by write
        with acting_as(users['rep1'], company):
            with self.assertRaises(AccessError):
                Party.write(
                    [Party(own.id)], {'assigned_user': users['rep2'].id})
        # public read-write sharing lets everybody create for anybody
        set_sharing('party.party', 'public_read_write')
        self.assertTrue(create('rep1', 'rep2'))

    @with_transaction()
    def test_visible_record_shows_nothing_of_hidden_link(self):
        """A contact linked to an account that is no longer shared with the
        user opens, without the account's name"""
        Party = Pool().get('party.party')
        company, users, hidden, own, contact = self._hidden_world()
        Party.write([contact], {'account': own.id})
        with acting_as(users['rep1'], company):
            self.assertEqual(
                Party(contact.id).rec_name, "Hank Scorpio (Own Ltd)")
        # the account is given to rep2
        Party.write([own], {'assigned_user': users['rep2'].id})
        with acting_as(users['rep1'], company):
            contact = Party(contact.id)
            self.assertEqual(contact.rec_name, "Hank Scorpio")
            row, = Party.read(
                [contact.id], ['rec_name', 'account', 'account.rec_name'])
            self.assertEqual(row['account'], own.id)
            self.assertEqual(row['account.']['rec_name'],
                "(not shared with you)")
            self.assertEqual(
                Party.search([('rec_name', 'ilike', '%Own Ltd%')]), [])
            with self.assertRaises(AccessError):
                Party.read([own.id], ['name'])

    @with_transaction()
    def test_host_groups_read_all_without_profile(self):
        """Members of a group of Sharing Access without CRM profile read all
        CRM parties, read only; CRM users of the group still by sharing"""
        pool = Pool()
        Party = pool.get('party.party')
        Group = pool.get('res.group')
        User = pool.get('res.user')
        Sharing = pool.get('crm.sharing')
        company, users, hidden, own, _ = self._hidden_world()
        accounting, = Group.create([{'name': "Test Accounting"}])
        sharing, = Sharing.search([('model', '=', 'party.party')])
        Sharing.write([sharing], {
                'read_all_groups': [('add', [accounting.id])]})
        accountant, outsider = User.create([{
                    'login': 'accountant', 'name': "Accountant",
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [accounting.id])],
                    }, {
                    'login': 'outsider', 'name': "Outsider",
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    }])
        User.write([users['rep1']], {'groups': [('add', [accounting.id])]})
        accounts = [('crm_type', '=', 'account')]
        with acting_as(accountant, company):
            self.assertEqual(len(Party.search(accounts)), 3)
            self.assertEqual(
                Party(hidden.id).annual_revenue, SECRET)
            with self.assertRaises(AccessError):
                Party.write([Party(hidden.id)], {'description': "x"})
        with acting_as(outsider, company):
            self.assertEqual(Party.search(accounts), [])
        with acting_as(users['rep1'], company):
            self.assertEqual(Party.search(accounts), [own])

    @with_transaction()
    def test_host_groups_edit_all_without_profile(self):
        """Members of a group editing all records without CRM profile read
        and edit every CRM party as host users; CRM users of the group
        still by sharing; only CRM administrators choose these groups"""
        pool = Pool()
        Party = pool.get('party.party')
        Group = pool.get('res.group')
        User = pool.get('res.user')
        Sharing = pool.get('crm.sharing')
        EditAll = pool.get('crm.sharing.edit-res.group')
        ReadAll = pool.get('crm.sharing-res.group')
        company, users, hidden, own, _ = self._hidden_world()
        registry, = Group.create([{'name': "Test Registry"}])
        sharing, = Sharing.search([('model', '=', 'party.party')])
        for Relation in [EditAll, ReadAll]:
            with self.subTest(relation=Relation.__name__), \
                    acting_as(users['rep1'], company), \
                    self.assertRaises(AccessError):
                Relation.create([{
                            'sharing': sharing.id, 'group': registry.id}])
        Sharing.write([sharing], {
                'edit_all_groups': [('add', [registry.id])]})
        clerk, = User.create([{
                    'login': 'clerk', 'name': "Clerk",
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [registry.id])],
                    }])
        User.write([users['rep1']], {'groups': [('add', [registry.id])]})
        accounts = [('crm_type', '=', 'account')]
        with acting_as(clerk, company):
            self.assertEqual(len(Party.search(accounts)), 3)
            Party.write([Party(hidden.id)], {'description': "Checked"})
        self.assertEqual(Party(hidden.id).description, "Checked")
        with acting_as(users['rep1'], company):
            self.assertEqual(Party.search(accounts), [own])
            with self.assertRaises(AccessError):
                Party.write([Party(hidden.id)], {'description': "x"})

    @with_transaction()
    def test_rule_cache_key_user_only_for_shared_models(self):
        "The rule cache key carries the user for shared models only"
        pool = Pool()
        Rule = pool.get('ir.rule')
        _, users = create_crm_users()
        with Transaction().set_user(users['rep1'].id):
            self.assertIn(
                users['rep1'].id, Rule._get_cache_key({'party.party'}))
            self.assertNotIn(
                users['rep1'].id, Rule._get_cache_key({'res.user'}))

    @with_transaction()
    def test_rules_regenerated_keep_access(self):
        """Regenerated rules follow the code and keep the access chosen by
        the administrator"""
        pool = Pool()
        Party = pool.get('party.party')
        Sharing = pool.get('crm.sharing')
        Rule = pool.get('ir.rule')
        sharing, = Sharing.search([('model', '=', 'party.party')])
        sharing.access = 'public_read'
        sharing.save()
        rules = Rule.search([('rule_group.crm_sharing', '=', sharing.id)])
        Rule.write(rules, {'domain': '[]'})

        Sharing.regenerate_rules_of('party.party')

        sharing = Sharing(sharing.id)
        self.assertEqual(sharing.access, 'public_read')
        encoder = PYSONEncoder(sort_keys=True)
        rules = Rule.search([('rule_group.crm_sharing', '=', sharing.id)])
        self.assertEqual(
            sorted((r.rule_group.perm_read, r.rule_group.perm_create,
                    r.domain) for r in rules),
            [(False, True, encoder.encode(
                        Party.crm_sharing_domain('write'))),
                (True, False, encoder.encode(
                        Party.crm_sharing_domain('read')))])
