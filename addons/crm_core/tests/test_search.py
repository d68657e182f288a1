# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Searching accounts and contacts by rec_name (party.py).

The CRM changes how the rec_name of a party is searched (the contact
mechanisms and identifiers found first, the e-mail's local part as a
prefilter, the owner a sales rep's rule implies), not what it finds: each
search is compared with the host's domain searched as the host does, and
with the records expected, for users who see different records."""
from unittest import mock

from sql import Table

from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..party import ContactMechanism as CrmContactMechanism
from ..party import Party as CrmParty
from ..party import _given
from .activation import activate_with_crm
from .tools import acting_as, create_crm_users

CONTACTS = [('crm_type', '=', 'contact')]
ACCOUNTS = [('crm_type', '=', 'account')]


def host_rec_name(clause):
    """The host's domain for clause on party.party, with the host's domain
    of the contact mechanisms' rec_name, both without the CRM's changes."""
    pool = Pool()
    Party = pool.get('party.party')
    Mechanism = pool.get('party.contact_mechanism')
    domain = super(CrmParty, Party).search_rec_name('rec_name', clause)
    if domain[0] != 'OR':
        # Negative clauses: the CRM keeps the host's domain
        return domain
    result = [domain[0]]
    for sub_domain in domain[1:]:
        if sub_domain[0] == 'contact_mechanisms.rec_name':
            mechanisms = super(CrmContactMechanism, Mechanism
                ).search_rec_name('rec_name', ('rec_name', *sub_domain[1:]))
            # What the dotted clause does, with the host's rec_name
            sub_domain = ('contact_mechanisms', 'where', mechanisms)
        result.append(sub_domain)
    return result


class SearchTestCase(test_tryton.TestCase):
    "Search accounts and contacts by rec_name"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        test_tryton.drop_db()
        activate_with_crm('crm_core')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        test_tryton.drop_db()

    def _people(self):
        """Accounts and contacts of rep1 and rep2 and a host party, with
        e-mails, phones and an identifier."""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        company, users = create_crm_users()

        def party(name, owner, **values):
            values.setdefault('crm_type', 'contact')
            values['contact_mechanisms'] = [
                ('create', values.pop('mechanisms', []))]
            if values['crm_type'] == 'contact':
                values['first_name'], values['last_name'] = name.split()
            else:
                values['name'] = name
            record, = Party.create([{
                        'crm_company': company.id,
                        'assigned_user': users[owner].id, **values}])
            return record

        def email(value, **values):
            return {'type': 'email', 'value': value, **values}

        people = {}
        people['stellar'] = party("Stellar Systems", 'rep1',
            crm_type='account', mechanisms=[email('info@stellar.example')])
        people['steadfast'] = party("Steadfast Labs", 'rep2',
            crm_type='account', mechanisms=[email('info@steadfast.example')])
        people['steve'] = party("Steve Rogers", 'rep1',
            account=people['stellar'].id,
            mechanisms=[
                email('steve.rogers@shield.example'),
                {'type': 'phone', 'value': '+1 212-555-0101'}])
        people['stephanie'] = party("Stephanie Brown", 'rep2',
            account=people['steadfast'].id,
            mechanisms=[email('steph_brown@gotham.example')])
        people['tony'] = party("Tony Stark", 'rep1',
            mechanisms=[
                email('tony@stark.example'),
                email('old.tony@stark.example', active=False)])
        people['bruce'] = party("Bruce Banner", 'rep2',
            mechanisms=[email('Hulk.Smash@Gamma.example')],
            identifiers=[('create', [{'code': 'GAMMA-42'}])])
        supplier, = Party.create([{
                    'name': "Steel Supplier",
                    'contact_mechanisms': [('create', [
                                email('steel@supplier.example')])],
                    }])
        people['supplier'] = supplier
        # A phone whose compact value differs from its value, as
        # phonenumbers formats them
        phone, = Mechanism.search([('value', '=', '+1 212-555-0101')])
        table = Table(Mechanism._table)
        Transaction().connection.cursor().execute(*table.update(
                [table.value_compact], ['+12125550101'],
                where=table.id == phone.id))
        return company, users, people

    def assert_search(self, domain, clause, expected, msg=None):
        """Search domain and clause on rec_name: the records expected, as
        the host's domain finds them."""
        Party = Pool().get('party.party')
        order = [('id', 'ASC')]
        found = Party.search([domain, clause], order=order)
        with mock.patch.object(
                Party, '_crm_owner_clause', lambda domain: domain):
            host = Party.search(
                [domain, host_rec_name(clause)], order=order)
        self.assertEqual(found, host, msg)
        self.assertEqual(
            sorted(found), sorted(expected), msg)

    @with_transaction()
    def test_email(self):
        "A contact is found by its e-mail, however typed"
        company, users, people = self._people()
        steve = [people['steve']]
        for text in [
                'steve.rogers@shield.example',
                'STEVE.Rogers@shield.EXAMPLE',
                '%steve.rogers@shield.example%',
                '%rogers@shield%',
                'steve.rogers@%',
                '%steve.rogers@shi_ld%',
                ]:
            for login in ['rep1', 'manager']:
                with acting_as(users[login], company):
                    self.assert_search(CONTACTS, ('rec_name', 'ilike', text),
                        steve, (text, login))
            with acting_as(users['rep2'], company):
                self.assert_search(CONTACTS, ('rec_name', 'ilike', text),
                    [], (text, 'rep2'))
        with acting_as(users['rep2'], company):
            # The underscore of the e-mail matches itself
            self.assert_search(CONTACTS,
                ('rec_name', 'ilike', '%steph_brown@gotham.example%'),
                [people['stephanie']])
            self.assert_search(CONTACTS,
                ('rec_name', 'ilike', 'hulk.smash@gamma.example'),
                [people['bruce']])
            self.assert_search(CONTACTS,
                ('rec_name', 'like', 'Hulk.Smash@%'), [people['bruce']])

    @with_transaction()
    def test_inactive_email(self):
        "An archived e-mail finds its contact only without the active test"
        company, users, people = self._people()
        clause = ('rec_name', 'ilike', 'old.tony@stark.example')
        with acting_as(users['rep1'], company):
            self.assert_search(CONTACTS, clause, [])
            with Transaction().set_context(active_test=False):
                self.assert_search(CONTACTS, clause, [people['tony']])

    @with_transaction()
    def test_phone(self):
        "A contact is found by its phone, as formatted or compact"
        company, users, people = self._people()
        for text in ['%555-0101%', '%12125550101%', '+12125550101']:
            with acting_as(users['rep1'], company):
                self.assert_search(CONTACTS, ('rec_name', 'ilike', text),
                    [people['steve']], text)
            with acting_as(users['rep2'], company):
                self.assert_search(CONTACTS, ('rec_name', 'ilike', text),
                    [], text)

    @with_transaction()
    def test_name_prefix(self):
        "Names, codes and identifiers are found as by the host"
        pool = Pool()
        Party = pool.get('party.party')
        company, users, people = self._people()
        expected = {
            'rep1': (['steve'], ['stellar']),
            'rep2': (['stephanie'], ['steadfast']),
            'manager': (['steve', 'stephanie'], ['stellar', 'steadfast']),
            }
        for login, (contacts, accounts) in expected.items():
            with acting_as(users[login], company):
                for text in ['ste%', '%ste%', 'STE%']:
                    self.assert_search(CONTACTS, ('rec_name', 'ilike', text),
                        [people[c] for c in contacts], (login, text))
                    self.assert_search(ACCOUNTS, ('rec_name', 'ilike', text),
                        [people[a] for a in accounts], (login, text))
                # A party without CRM type is everybody's
                self.assert_search([], ('rec_name', 'ilike', 'ste%'),
                    [people[p] for p in contacts + accounts + ['supplier']],
                    login)
        with acting_as(users['rep2'], company):
            self.assert_search(CONTACTS, ('rec_name', 'ilike', 'gamma-42'),
                [people['bruce']])
        with acting_as(users['rep1'], company):
            self.assert_search(CONTACTS, ('rec_name', 'ilike', 'gamma-42'),
                [])
            code = people['steve'].code
            self.assert_search(CONTACTS, ('rec_name', '=', code),
                [people['steve']])
            self.assert_search(CONTACTS,
                ('rec_name', 'in', [code, people['stephanie'].code]),
                [people['steve']])
            # Negative clauses keep the host's AND
            self.assert_search(CONTACTS, ('rec_name', 'not ilike', '%ste%'),
                [people['tony']])
            # An account found by the e-mail of the account
            self.assert_search(ACCOUNTS,
                ('rec_name', 'ilike', '%info@stellar.example%'),
                [people['stellar']])
            self.assertEqual(Party.search_count(
                    [CONTACTS, ('rec_name', 'ilike', '%@%')]), 2)

    @with_transaction()
    def test_mechanisms_looked_up_first(self):
        """The parties of the contact mechanisms found are searched by id,
        and by the subquery when they are too many"""
        pool = Pool()
        Party = pool.get('party.party')
        company, users, people = self._people()
        clause = ('rec_name', 'ilike', '%steve.rogers@shield.example%')
        domain = Party.search_rec_name('rec_name', clause)
        self.assertIn(('id', 'in', [people['steve'].id]), domain)
        with mock.patch.object(Party, '_crm_follower_ids_limit', 0):
            domain = Party.search_rec_name('rec_name', clause)
            self.assertIn(('contact_mechanisms.rec_name', *clause[1:]),
                domain)
            with acting_as(users['rep1'], company):
                self.assert_search(CONTACTS, clause, [people['steve']])
            with acting_as(users['rep2'], company):
                self.assert_search(CONTACTS, clause, [])

    @with_transaction()
    def test_mechanism_rules(self):
        """Contact mechanisms with record rules of their own are searched
        with them"""
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        company, users, people = self._people()
        RuleGroup.create([{
                    'name': "No phones",
                    'model': 'party.contact_mechanism',
                    'global_p': True,
                    'rules': [('create', [{
                                    'domain': '[["type", "!=", "phone"]]',
                                    }])],
                    }])
        with acting_as(users['rep1'], company):
            self.assert_search(CONTACTS, ('rec_name', 'ilike', '%555-0101%'),
                [])
            self.assert_search(CONTACTS,
                ('rec_name', 'ilike', 'steve.rogers@shield.example'),
                [people['steve']])

    @with_transaction()
    def test_contact_names_read_together(self):
        """Contacts read together name their account only to who may see
        it"""
        pool = Pool()
        Party = pool.get('party.party')
        company, users, people = self._people()
        # A contact of rep1 at the account of rep2
        mole, = Party.create([{
                    'first_name': "Mole", 'last_name': "Man",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'account': people['steadfast'].id,
                    'assigned_user': users['rep1'].id,
                    }])
        ids = [people['steve'].id, mole.id, people['tony'].id]
        with acting_as(users['rep1'], company):
            names = {r['id']: r['rec_name']
                for r in Party.read(ids, ['rec_name'])}
        self.assertEqual(names, {
                people['steve'].id: "Steve Rogers (Stellar Systems)",
                mole.id: "Mole Man",
                people['tony'].id: "Tony Stark",
                })
        with acting_as(users['manager'], company):
            self.assertEqual(Party.read([mole.id], ['rec_name']),
                [{'id': mole.id, 'rec_name': "Mole Man (Steadfast Labs)"}])

    @with_transaction()
    def test_owner_clause(self):
        """A search of one CRM type by a user whose rule comes down to one
        owner adds that owner; team records stay found"""
        pool = Pool()
        Party = pool.get('party.party')
        Team = pool.get('crm.team')
        company, users, people = self._people()
        contacts = [('crm_type', '=', 'contact')]
        with acting_as(users['rep2'], company):
            self.assertEqual(Party._crm_owner_clause(contacts),
                [contacts, ('assigned_user', '=', users['rep2'].id)])
            self.assertEqual(Party._crm_owner_clause([]), [])
            # The search adds it
            query = Party.search(contacts, order=[], query=True)
            self.assertRegex(str(query), r'"assigned_user" = (\?|%s)\)')
        with acting_as(users['manager'], company):
            self.assertEqual(Party._crm_owner_clause(contacts), contacts)

        team, = Team.create([{
                    'name': "Avengers",
                    'members': [('add', [users['rep2'].id])],
                    }])
        thor, = Party.create([{
                    'first_name': "Thor", 'last_name': "Odinson",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': None, 'assigned_team': team.id,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'thor@asgard.example'}])],
                    }])
        with acting_as(users['rep2'], company):
            self.assertEqual(Party._crm_owner_clause(contacts), contacts)
            self.assert_search(CONTACTS, ('rec_name', 'ilike', 'thor%'),
                [thor])
            self.assert_search(CONTACTS, ('rec_name', 'ilike', '%ste%'),
                [people['stephanie']])
        with acting_as(users['rep1'], company):
            self.assert_search(CONTACTS, ('rec_name', 'ilike', 'thor%'), [])

    def test_given(self):
        "A rule domain decided for one CRM type"
        rule = ['AND',
            ['OR', ('crm_type', '=', None), ('crm_company', 'in', [1])],
            ['OR', ['OR', ('crm_type', '=', None), [['OR',
                            ('assigned_user', 'in', [4]),
                            ('assigned_team', 'in', [])]]]]]
        self.assertEqual(_given(rule, 'crm_type', 'contact'),
            ['AND', ('crm_company', 'in', [1]), ('assigned_user', 'in', [4])])
        self.assertIs(_given(rule, 'crm_type', None), True)
        self.assertIs(_given(['OR', rule, []], 'crm_type', 'contact'), True)
        self.assertIs(_given(
                [('crm_type', 'in', ['account']), ('x', '=', 1)],
                'crm_type', 'contact'), False)
        self.assertEqual(_given(
                ['OR', ('crm_type', '!=', 'account'), ('x', '=', 1)],
                'crm_type', 'account'), ('x', '=', 1))
