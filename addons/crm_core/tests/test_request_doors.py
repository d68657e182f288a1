"""What a request carries besides its records is checked (request_guard).

The calls go through :func:`tools.rpc_call`, as the JSON-RPC dispatcher
makes them: a test acting as the user in-process would run the wizard
steps and the ``check_access=False`` methods with checks and miss the
doors.  The world is the one of :class:`SideDoorTestMixin` (rep2's private
*Hidden Corp*, rep1's *Own Ltd* below it)."""
import unittest.mock

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .tools import rpc_call, set_sharing

SECRET_DATA = b'attachment secret 4242'


class RequestDoorTestMixin:
    "Plain ids, context defaults, wizard sessions, look-ups, direct reads"

    def _attachments(self, hidden, own):
        Attachment = Pool().get('ir.attachment')
        return Attachment.create([{
                    'name': 'secret.txt', 'resource': str(record),
                    'data': SECRET_DATA,
                    } for record in [hidden, own]])

    @with_transaction()
    def test_email_send_plain_ids(self):
        "ir.email.send mails no attachment of, nor files on, a hidden record"
        pool = Pool()
        Email = pool.get('ir.email')
        company, users, hidden, own, _ = self._hidden_world()
        hidden_file, own_file = self._attachments(hidden, own)
        rep1 = users['rep1']

        def send(record, attachments):
            return rpc_call(
                rep1, Email, 'send', 'spy@example.com', '', '', "Files",
                "See attached", None, [record.__name__, record.id], None,
                [a.id for a in attachments], company=company)
        count = Email.search_count([])
        with unittest.mock.patch(
                'trytond.ir.email_.send_message_transactional') as sent:
            with self.assertRaises(AccessError):
                send(own, [hidden_file])
            with self.assertRaises(AccessError):
                send(hidden, [])
            self.assertEqual(Email.search_count([]), count)
            sent.assert_not_called()
            send(own, [own_file])
        self.assertEqual(Email.search_count([]), count + 1)
        (message,), _ = sent.call_args
        self.assertIn(SECRET_DATA, [
                p.get_payload(decode=True) for p in message.walk()])

    @with_transaction()
    def test_email_template_default_plain_id(self):
        "The default e-mail of a hidden record gives nothing of it"
        EmailTemplate = Pool().get('ir.email.template')
        company, users, hidden, own, _ = self._hidden_world()
        with self.assertRaises(AccessError):
            rpc_call(users['rep1'], EmailTemplate, 'get_default',
                'party.party', hidden.id, company=company)
        values = rpc_call(users['rep1'], EmailTemplate, 'get_default',
            'party.party', own.id, company=company)
        self.assertIn("Own Ltd", values['subject'])

    @with_transaction()
    def test_email_complete_with_rules(self):
        "The addresses proposed are those of records the user may read"
        Email = Pool().get('ir.email')
        company, users, *_ = self._hidden_world()
        for login, expected in [('rep1', False), ('rep2', True)]:
            found = rpc_call(
                users[login], Email, 'complete', 'hidden', 10,
                company=company)
            self.assertEqual(
                'ceo@hidden.example.com' in str(found), expected, login)

    @with_transaction()
    def test_context_defaults(self):
        "A default from the context never names nor links a hidden record"
        pool = Pool()
        Party = pool.get('party.party')
        Attachment = pool.get('ir.attachment')
        company, users, hidden, own, _ = self._hidden_world()
        rep1 = users['rep1']
        with self.assertRaises(AccessError):
            rpc_call(rep1, Party, 'default_get', ['parent_account'],
                company=company,
                context={'default_parent_account': hidden.id})
        with self.assertRaises(AccessError):
            # (a default the model takes from another context key)
            rpc_call(rep1, Attachment, 'default_get', ['resource'],
                company=company, context={'resource': str(hidden)})
        values = rpc_call(rep1, Party, 'default_get', ['parent_account'],
            company=company, context={'default_parent_account': own.id})
        self.assertEqual(values['parent_account'], own.id)
        self.assertEqual(values['parent_account.']['rec_name'], "Own Ltd")

    @with_transaction()
    def test_wizard_session_of_another_user(self):
        "A wizard session is driven only by the user who started it"
        pool = Pool()
        Reassign = pool.get('crm.reassign', type='wizard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company, users, hidden, own, _ = self._hidden_world()
        # (both may reassign rep1's account: only the session differs)
        User.write([users['director']], {'groups': [('add', [
                        ModelData.get_id('crm_core', 'group_crm_manager')])]})
        context = {'active_model': 'party.party', 'active_ids': [own.id],
            'active_id': own.id}
        session_id, start, _ = rpc_call(
            users['manager'], Reassign, 'create', company=company,
            context=context)
        with self.assertRaises(AccessError):
            rpc_call(users['director'], Reassign, 'execute', session_id, {},
                start, company=company, context=context)
        with self.assertRaises(AccessError):
            rpc_call(users['director'], Reassign, 'delete', session_id,
                company=company, context=context)
        result = rpc_call(users['manager'], Reassign, 'execute',
            session_id, {}, start, company=company, context=context)
        self.assertEqual(result['view']['state'], start)

    @with_transaction()
    def test_crm_wizards_run_as_user(self):
        "The steps of CRM wizards run with the user's access checks"
        from ..request_guard import crm_wizard
        pool = Pool()
        self.assertTrue(crm_wizard(pool.get('crm.reassign', type='wizard')))
        # (crm_core extends it; the host's wizard keeps its own checks)
        self.assertFalse(crm_wizard(pool.get('party.replace', type='wizard')))

    @with_transaction()
    def test_host_wizard_needs_edit_right(self):
        """A host wizard started on guarded records needs the right to edit
        them: a record shared read only is refused, one's own is not"""
        pool = Pool()
        CheckVIES = pool.get('party.check_vies', type='wizard')
        company, users, hidden, own, _ = self._hidden_world()
        set_sharing('party.party', 'public_read')
        for record, refused in [(hidden, True), (own, False)]:
            context = {'active_model': 'party.party',
                'active_ids': [record.id], 'active_id': record.id}
            with self.subTest(record=record.name):
                if refused:
                    with self.assertRaises(AccessError) as error:
                        rpc_call(users['rep1'], CheckVIES, 'create',
                            company=company, context=context)
                    self.assertIn("read only", str(error.exception))
                else:
                    session_id, _, _ = rpc_call(users['rep1'], CheckVIES,
                        'create', company=company, context=context)
                    self.assertTrue(session_id)

    @with_transaction()
    def test_direct_read_of_hidden_name(self):
        "A hidden name reads as the placeholder only through a visible link"
        Party = Pool().get('party.party')
        company, users, hidden, own, _ = self._hidden_world()
        rep1 = users['rep1']
        with self.assertRaises(AccessError):
            rpc_call(rep1, Party, 'read', [hidden.id], ['rec_name'],
                company=company)
        row, = rpc_call(rep1, Party, 'read', [own.id],
            ['parent_account', 'parent_account.rec_name'], company=company)
        self.assertEqual(row['parent_account'], hidden.id)
        self.assertNotIn("Hidden", row['parent_account.']['rec_name'])

    @with_transaction()
    def test_rules_before_modification_checks(self):
        """A write or delete of a hidden record is refused by its rules
        before any check of the modification reads it (import_data writes
        the ids of its id column)"""
        pool = Pool()
        Party = pool.get('party.party')
        company, users, hidden, own, _ = self._hidden_world()
        rep1 = users['rep1']
        with unittest.mock.patch.object(
                Party, 'check_modification',
                wraps=Party.check_modification) as check:
            for method, args in [
                    ('import_data', (['id', 'name'], [[str(hidden.id), 'X']])),
                    ('delete', ([hidden.id],)),
                    ]:
                with self.assertRaises(AccessError) as refused:
                    rpc_call(rep1, Party, method, *args, company=company)
                self.assertIn("not shared with you", str(refused.exception))
            check.assert_not_called()
            rpc_call(rep1, Party, 'import_data', ['id', 'name'],
                [[str(own.id), 'Own Ltd renamed']], company=company)
            check.assert_called()
        self.assertEqual(Party(hidden.id).name, "Hidden Corp")
        self.assertEqual(Party(own.id).name, "Own Ltd renamed")

    @with_transaction()
    def test_function_fields_of_hidden_links(self):
        """The getters of Function fields computed for a user see a hidden
        record as a read gives it (an employee is named by its party)"""
        pool = Pool()
        Employee = pool.get('company.employee')
        company, users, hidden, own, _ = self._hidden_world()
        employee, = Employee.create([{'party': hidden.id,
                    'company': company.id}])
        row, = rpc_call(users['rep1'], Employee, 'read', [employee.id],
            ['rec_name', 'party.rec_name'], company=company)
        self.assertNotIn("Hidden", str(row))
        row, = rpc_call(users['rep2'], Employee, 'read', [employee.id],
            ['rec_name'], company=company)
        self.assertEqual(row['rec_name'], "Hidden Corp")
