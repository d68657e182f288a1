# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The global search (sao's search box) over accounts and contacts
(global_search.py): found by name, e-mail and phone, grouped by type,
limited per type, ranked, with the user's rules; the host's tuples and
its menu results after them."""
from unittest import mock

from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..global_search import GlobalSearchMixin
from .activation import activate_with_crm
from .tools import acting_as, create_crm_users

ACCOUNT, CONTACT = 'crm_core.act_account_form', 'crm_core.act_contact_form'


class GlobalSearchTestCase(test_tryton.TestCase):
    "Global search of accounts and contacts"

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
        """Accounts and contacts of rep1 and rep2 with e-mails and phones,
        and a party of the host."""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        company, users = create_crm_users()

        def party(name, owner, crm_type='contact', mechanisms=(), **values):
            if crm_type == 'contact':
                values['first_name'], values['last_name'] = name.split()
            else:
                values['name'] = name
            record, = Party.create([{
                        'crm_type': crm_type, 'crm_company': company.id,
                        'assigned_user': users[owner].id,
                        'contact_mechanisms': [('create', list(mechanisms))],
                        **values}])
            return record

        people = {}
        people['stellar'] = party("Stellar Systems", 'rep1', 'account',
            [{'type': 'email', 'value': 'info@stellar.example'}])
        people['steadfast'] = party("Steadfast Labs", 'rep2', 'account')
        people['steve'] = party("Steve Rogers", 'rep1',
            account=people['stellar'].id,
            mechanisms=[
                {'type': 'email', 'value': 'captain@shield.example'},
                {'type': 'phone', 'value': '+1 212-555-0101'}])
        people['stephanie'] = party("Stephanie Brown", 'rep2',
            mechanisms=[{'type': 'email', 'value': 'steph@gotham.example'}])
        # A contact of rep1 at the account of rep2
        people['mole'] = party("Mole Steadman", 'rep1',
            account=people['steadfast'].id)
        people['supplier'], = Party.create([{'name': "Stellar Supplies"}])
        # The compact value of the phone, as phonenumbers formats it
        phone, = Mechanism.search([('value', '=', '+1 212-555-0101')])
        table = Mechanism.__table__()
        Transaction().connection.cursor().execute(*table.update(
                [table.value_compact], ['+12125550101'],
                where=table.id == phone.id))
        return company, users, people

    def global_search(self, text, limit=1000):
        return Pool().get('ir.model').global_search(text, limit)

    def crm_results(self, results):
        "The (label, id) of the CRM results, in order"
        return [(r[2], r[3]) for r in results if r[1] == 'party.party']

    def labels(self):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Window = pool.get('ir.action.act_window')
        return {x: Window(ModelData.get_id(*x.split('.'))).name
            for x in [ACCOUNT, CONTACT]}

    @with_transaction()
    def test_marked_global_search(self):
        "Parties are marked Global Search by the module"
        Model = Pool().get('ir.model')
        party, = Model.search([('name', '=', 'party.party')])
        self.assertTrue(party.global_search_p)
        self.assertTrue(issubclass(
                Pool().get('party.party'), GlobalSearchMixin))

    @with_transaction()
    def test_name_email_phone(self):
        "A rep finds its accounts and contacts by name, e-mail and phone"
        company, users, people = self._people()
        labels = self.labels()
        account, contact = labels[ACCOUNT], labels[CONTACT]
        steve, stellar = people['steve'], people['stellar']
        with acting_as(users['rep1'], company):
            for text, expected in [
                    ("Steve", [(contact, steve.id)]),
                    ("rogers", [(contact, steve.id)]),
                    ("captain@shield.example", [(contact, steve.id)]),
                    ("555-0101", [(contact, steve.id)]),
                    ("12125550101", [(contact, steve.id)]),
                    ("info@stellar", [(account, stellar.id)]),
                    ("Stellar Systems", [(account, stellar.id)]),
                    ]:
                self.assertEqual(
                    self.crm_results(self.global_search(text)), expected,
                    text)

    @with_transaction()
    def test_host_tuples(self):
        """The results are the host's tuples; the host's results (menus)
        follow"""
        company, users, people = self._people()
        labels = self.labels()
        with acting_as(users['rep1'], company):
            results = self.global_search("Contacts")
            self.assertFalse(self.crm_results(results))
            menus = [r for r in results if r[1] == 'ir.ui.menu']
            self.assertTrue(menus)
            results = self.global_search("Steve")
        (ratio, model, model_name, id_, name, icon), = results
        self.assertIsInstance(ratio, float)
        self.assertEqual(
            (model, model_name, id_, name, icon),
            ('party.party', labels[CONTACT], people['steve'].id,
                "Steve Rogers (Stellar Systems)", 'tryton-party'))

    @with_transaction()
    def test_hidden(self):
        """A rep neither gets nor counts the records of another rep, nor
        the name of its account"""
        company, users, people = self._people()
        labels = self.labels()
        with acting_as(users['rep1'], company):
            results = self.global_search("ste")
            self.assertCountEqual(self.crm_results(results), [
                    (labels[ACCOUNT], people['stellar'].id),
                    (labels[CONTACT], people['steve'].id),
                    (labels[CONTACT], people['mole'].id),
                    ])
            names = [r[4] for r in results]
            self.assertIn("Mole Steadman", names)
            self.assertFalse(any('Steadfast' in n for n in names), names)
            for text in ["Stephanie", "steph@gotham", "Steadfast"]:
                self.assertFalse(
                    self.crm_results(self.global_search(text)), text)
            # The host's party is not a CRM record: not searched
            self.assertNotIn(people['supplier'].id,
                [r[3] for r in self.global_search("Stellar Supplies")])
        with acting_as(users['manager'], company):
            results = self.crm_results(self.global_search("ste"))
            self.assertEqual(len(results), 5)
            self.assertIn((labels[CONTACT], people['mole'].id), results)
            names = [r[4] for r in self.global_search("Mole")]
            self.assertIn("Mole Steadman (Steadfast Labs)", names)

    @with_transaction()
    def test_grouped_and_limited(self):
        "Accounts, then contacts, at most the limit of a type, and in all"
        pool = Pool()
        Party = pool.get('party.party')
        company, users, people = self._people()
        labels = self.labels()
        Party.create([{
                    'crm_type': 'contact', 'crm_company': company.id,
                    'first_name': "Nick", 'last_name': f"Stern{i}",
                    'assigned_user': users['rep1'].id,
                    } for i in range(4)] + [{
                    'crm_type': 'account', 'crm_company': company.id,
                    'name': f"Stern {i} Ltd",
                    'assigned_user': users['rep1'].id,
                    } for i in range(4)])
        with acting_as(users['rep1'], company), mock.patch.object(
                Party, '_crm_global_search_limit', 3):
            found = [r[0] for r in self.crm_results(
                    self.global_search("stern"))]
            self.assertEqual(found,
                [labels[ACCOUNT]] * 3 + [labels[CONTACT]] * 3)
            found = [r[0] for r in self.crm_results(
                    self.global_search("stern", 4))]
            self.assertEqual(found,
                [labels[ACCOUNT]] * 3 + [labels[CONTACT]])
            self.assertEqual(len(self.global_search("stern", 2)), 2)
            # The types in their order, whatever matches best
            found = [r[0] for r in self.crm_results(
                    self.global_search("steve"))]
            self.assertEqual(found, [labels[CONTACT]])
            found = [r[0] for r in self.crm_results(
                    self.global_search("st"))]
            self.assertEqual(found,
                [labels[ACCOUNT]] * 3 + [labels[CONTACT]] * 3)

    @with_transaction()
    def test_ranking(self):
        """Equal, then beginning, then a word beginning, then containing,
        then matched by an e-mail; then by similarity"""
        pool = Pool()
        Party = pool.get('party.party')
        company, users, _ = self._people()
        names = ["Forester Inc", "Big Stone Ltd", "Stone", "Stoneware",
            "Stonehenge Tours", "Blackstone", "Alpha Beta"]
        accounts = Party.create([{
                    'crm_type': 'account', 'crm_company': company.id,
                    'name': name, 'assigned_user': users['rep2'].id,
                    } for name in names])
        Party.write([accounts[-1]], {'contact_mechanisms': [('create', [{
                            'type': 'email',
                            'value': 'stone@alpha.example'}])]})
        with acting_as(users['rep2'], company), mock.patch.object(
                Party, '_crm_global_search_limit', 10):
            results = self.global_search("stone")
        self.assertEqual([r[4] for r in results if r[1] == 'party.party'], [
                "Stone",
                "Stoneware", "Stonehenge Tours",
                "Big Stone Ltd",
                "Blackstone",
                "Alpha Beta",
                ])
        # Each stage fetches only what is missing
        with acting_as(users['rep2'], company), mock.patch.object(
                Party, '_crm_global_search_limit', 2):
            results = self.global_search("stone")
        first, second = [r[4] for r in results if r[1] == 'party.party']
        self.assertEqual(first, "Stone")
        self.assertIn(second, {"Stoneware", "Stonehenge Tours"})

    @with_transaction()
    def test_bounded(self):
        """Each type is searched for the records still missing, none
        counted, and not by the narrower clauses when no name contains
        the text"""
        pool = Pool()
        Party = pool.get('party.party')
        company, users, people = self._people()
        searched = []
        ids = Party.crm_global_search_ids

        def crm_global_search_ids(domain, limit):
            found = ids(domain, limit)
            searched.append((domain, limit, len(found)))
            return found
        search = Party.search

        def no_count(*args, **kwargs):
            self.assertFalse(kwargs.get('count'))
            return search(*args, **kwargs)
        with acting_as(users['manager'], company), mock.patch.object(
                Party, 'crm_global_search_ids', crm_global_search_ids), \
                mock.patch.object(Party, 'search', no_count), \
                mock.patch.object(Party, '_crm_global_search_limit', 2):
            self.global_search("ste")
            self.assertTrue(searched)
            for domain, limit, found in searched:
                self.assertLessEqual(found, limit)
                self.assertLessEqual(limit, 2)
            # Contacts: 3 names contain 'ste', 2 asked for, and both found
            # by the narrower clauses
            self.assertEqual([s[1:] for s in searched[-3:]],
                [(2, 2), (2, 0), (2, 2)])
            del searched[:]
            self.global_search("captain@shield")
            # Per type: the names containing it, then the other fields
            self.assertEqual(len(searched), 4)

    @with_transaction()
    def test_wildcards_literal(self):
        "The wildcards typed are searched as such"
        company, users, people = self._people()
        with acting_as(users['rep1'], company):
            self.assertFalse(self.crm_results(self.global_search("%")))
            self.assertFalse(self.crm_results(self.global_search("St_ve")))
            self.assertFalse(self.crm_results(self.global_search("  ")))

    @with_transaction()
    def test_host_search_global(self):
        """The host's per-model search of a CRM model is bounded too and
        skipped once the CRM answered"""
        pool = Pool()
        Party = pool.get('party.party')
        company, users, people = self._people()
        with acting_as(users['manager'], company):
            found = [r.id for r, _, _ in Party.search_global("ste")]
            self.assertEqual(len(found), 5)
            with mock.patch.object(Party, '_crm_global_search_limit', 1):
                found = list(Party.search_global("ste"))
            (account, _, icon), (contact, _, _) = found
            self.assertEqual(
                (account.crm_type, contact.crm_type, icon),
                ('account', 'contact', 'tryton-party'))
            with Transaction().set_context(
                    _crm_global_search_answered=True):
                self.assertEqual(list(Party.search_global("ste")), [])

    @with_transaction()
    def test_no_read_access(self):
        "A model the user may not read is not searched"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        company, users, people = self._people()
        no_access = {'read': False, 'write': False, 'create': False,
            'delete': False}
        get_access = ModelAccess.get_access

        def deny_parties(models):
            access = get_access(models)
            if 'party.party' in access:
                access['party.party'] = no_access
            return access
        with acting_as(users['rep1'], company), mock.patch.object(
                ModelAccess, 'get_access', deny_parties):
            self.assertFalse(self.crm_results(self.global_search("Steve")))

    @with_transaction()
    def test_invalid_limit(self):
        "The host's refusal of a limit below 1"
        with self.assertRaises(ValueError):
            self.global_search("ste", 0)

