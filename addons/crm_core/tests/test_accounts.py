"""Accounts and contacts: numbering, names, hierarchy checks, bad input."""
from decimal import Decimal

from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import acting_as, create_crm_users


class AccountTestMixin:
    "Accounts and contacts"

    def _account(self, company, name="Acme", **values):
        Party = Pool().get('party.party')
        account, = Party.create([{
                    'name': name, 'crm_type': 'account',
                    'crm_company': company.id, **values}])
        return account

    def _contact(self, company, first, last, **values):
        Party = Pool().get('party.party')
        contact, = Party.create([{
                    'first_name': first, 'last_name': last,
                    'crm_type': 'contact', 'crm_company': company.id,
                    **values}])
        return contact

    @with_transaction()
    def test_account_number(self):
        "Accounts are numbered by the configured sequence"
        company, _ = create_crm_users()
        first = self._account(company, "First")
        second = self._account(company, "Second")
        self.assertTrue(first.account_number.startswith('ACC'))
        self.assertNotEqual(first.account_number, second.account_number)

    @with_transaction()
    def test_contact_name(self):
        "A contact is shown as First Last (Account)"
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        account = self._account(
            company, "Globex", assigned_user=users['rep1'].id)
        contact = self._contact(
            company, "Hank", "Scorpio", account=account.id,
            assigned_user=users['rep1'].id)
        self.assertEqual(contact.name, "Hank Scorpio")
        with acting_as(users['rep1'], company):
            self.assertEqual(
                Party(contact.id).rec_name, "Hank Scorpio (Globex)")
        self.assertEqual(account.contacts, (contact,))

        Party.write([contact], {'first_name': "Henry"})
        self.assertEqual(contact.name, "Henry Scorpio")
        self.assertEqual(
            Party.search([('rec_name', 'ilike', 'henry%')]), [contact])

    @with_transaction()
    def test_account_cycle(self):
        "An account cannot be a member of itself through its parents"
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = create_crm_users()
        top = self._account(company, "Top")
        middle = self._account(company, "Middle", parent_account=top.id)
        bottom = self._account(company, "Bottom", parent_account=middle.id)
        self.assertEqual(top.child_accounts, (middle,))
        with self.assertRaises(ValidationError) as cm:
            Party.write([top], {'parent_account': bottom.id})
        self.assertIn("member of itself", cm.exception.message)

    @with_transaction()
    def test_reports_to_cycle(self):
        "A contact cannot report to itself through its managers"
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = create_crm_users()
        boss = self._contact(company, "Big", "Boss")
        clerk = self._contact(company, "Small", "Clerk", reports_to=boss.id)
        with self.assertRaises(ValidationError) as cm:
            Party.write([boss], {'reports_to': clerk.id})
        self.assertIn("report to itself", cm.exception.message)

    @with_transaction()
    def test_negative_figures(self):
        "Negative revenue or employees are refused"
        company, _ = create_crm_users()
        for field, value in [
                ('annual_revenue', Decimal('-1')), ('employees', -5)]:
            with self.subTest(field=field):
                with self.assertRaises(ValidationError) as cm:
                    self._account(company, "Negative", **{field: value})
                self.assertIn("cannot be negative", cm.exception.message)
        account = self._account(
            company, "Fine", annual_revenue=Decimal('0'), employees=0)
        self.assertEqual(account.annual_revenue, Decimal('0'))

    @with_transaction()
    def test_invalid_website(self):
        "A website of a CRM account must be a URL"
        company, _ = create_crm_users()
        for website in [
                'not a url', 'javascript:alert(1)', 'ftp://example.com',
                'http://', 'localhost']:
            with self.subTest(website=website):
                with self.assertRaises(ValidationError) as cm:
                    self._account(company, "Bad web", contact_mechanisms=[
                            ('create', [{
                                        'type': 'website',
                                        'value': website}])])
                self.assertIn("not a valid URL", cm.exception.message)
        for website in ['www.example.com', 'https://example.org/path']:
            account = self._account(company, website, contact_mechanisms=[
                    ('create', [{'type': 'website', 'value': website}])])
            self.assertEqual(account.website, website)

    @with_transaction()
    def test_invalid_email(self):
        "An e-mail of a contact must be an address"
        company, _ = create_crm_users()
        for email in [
                'nomail@', '@example.com', 'two@@example.com',
                'spa ce@example.com', 'x@localhost', 'a..b@example.com',
                'x@-bad.com', '<script>@example.com']:
            with self.subTest(email=email):
                with self.assertRaises(ValidationError) as cm:
                    self._contact(company, "No", "Mail", contact_mechanisms=[
                            ('create', [{'type': 'email', 'value': email}])])
                self.assertIn("not a valid address", cm.exception.message)
        contact = self._contact(company, "Good", "Mail", contact_mechanisms=[
                ('create', [{
                            'type': 'email',
                            'value': "o'brien+crm@mail.example.org"}])])
        self.assertEqual(contact.email, "o'brien+crm@mail.example.org")

    @with_transaction()
    def test_contact_requires_last_name(self):
        "A contact without last name is refused"
        company, _ = create_crm_users()
        with self.assertRaises(ValidationError):
            self._contact(company, "Only", None)

    @with_transaction()
    def test_duplicate_account_warning(self):
        "Creating an account with an existing name warns with the match"
        company, users = create_crm_users()
        with acting_as(users['rep1'], company):
            self._account(company, "Initech")
            with self.assertRaises(UserWarning) as cm:
                self._account(company, "initech")
            self.assertIn('"Initech"', cm.exception.message)
        with acting_as(users['rep2'], company):
            # The match is owned by another rep: it is not named
            with self.assertRaises(UserWarning) as cm:
                self._account(company, "Initech")
            self.assertNotIn('"Initech"', cm.exception.message)
            self.assertIn("owned by another user", cm.exception.message)

    @with_transaction()
    def test_duplicate_contact_warning(self):
        "Creating a contact with an existing e-mail warns"
        pool = Pool()
        Warning = pool.get('res.user.warning')
        company, users = create_crm_users()

        def create():
            return self._contact(company, "Ann", "Other", contact_mechanisms=[
                    ('create', [{
                                'type': 'email',
                                'value': 'Ann@Example.com'}])])
        with acting_as(users['rep1'], company):
            self._contact(company, "Ann", "Smith", contact_mechanisms=[
                    ('create', [{
                                'type': 'email',
                                'value': 'ann@example.com'}])])
            with self.assertRaises(UserWarning) as cm:
                create()
            self.assertIn("Ann Smith", cm.exception.message)
        # Once the user confirms, the creation goes through
        Warning.create([{
                    'user': users['rep1'].id,
                    'name': cm.exception.name,
                    'always': False}])
        with acting_as(users['rep1'], company):
            self.assertTrue(create().id)

    @with_transaction()
    def test_chat_and_log(self):
        "Accounts take comments and log changes made by users"
        pool = Pool()
        Party = pool.get('party.party')
        Channel = pool.get('ir.chat.channel')
        Log = pool.get('ir.model.log')
        company, users = create_crm_users()
        with acting_as(users['rep1'], company):
            account = self._account(company, "Chatty")
            Party.write([account], {'employees': 7})
        self.assertIn('party.party', dict(Channel.get_models()))
        # As over RPC: the channel checks the access itself
        with Transaction().set_user(users['rep1'].id):
            Channel.post(account, "Called the CFO")
            messages = Channel.get(account)
        self.assertIn("Called the CFO", [m['content'] for m in messages])
        Transaction()._store_log_records()
        logs = Log.search([('resource', '=', str(account))])
        self.assertTrue(any(
                log.event == 'write' and log.user == users['rep1']
                for log in logs))

    @with_transaction()
    def test_erase_contact(self):
        "Erasing a contact wipes its personal CRM fields"
        pool = Pool()
        Party = pool.get('party.party')
        Erase = pool.get('party.erase', type='wizard')
        company, _ = create_crm_users()
        contact = self._contact(
            company, "Eva", "Private", job_title="CFO",
            description="Met at the fair", active=False)
        session_id, _, _ = Erase.create()
        erase = Erase(session_id)
        erase.ask.party = contact
        erase.transition_erase()
        table = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.first_name, table.last_name, table.job_title,
                table.description, where=table.id == contact.id))
        self.assertEqual(
            cursor.fetchone(), (None, None, None, None))

    @with_transaction()
    def test_replace_moves_contacts(self):
        "Merging a duplicate account moves its contacts to the kept one"
        pool = Pool()
        Party = pool.get('party.party')
        Replace = pool.get('party.replace', type='wizard')
        company, _ = create_crm_users()
        kept = self._account(company, "Kept")
        duplicate = self._account(company, "Kept (copy)")
        contact = self._contact(
            company, "Moved", "Person", account=duplicate.id)
        session_id, _, _ = Replace.create()
        replace = Replace(session_id)
        replace.ask.source = duplicate
        replace.ask.destination = kept
        with Transaction().set_context(_skip_warnings=True):
            replace.transition_replace()
        # The wizard updates in SQL: ask the database
        self.assertEqual(Party.search([('account', '=', kept.id)]), [contact])

    @with_transaction()
    def test_notify_owner(self):
        "The owner of a contact marked Notify Owner hears of others' changes"
        pool = Pool()
        Party = pool.get('party.party')
        Notification = pool.get('res.notification')
        company, users = create_crm_users()
        watched = self._contact(
            company, "Wanda", "Watched", notify_owner=True,
            assigned_user=users['rep1'].id)
        quiet = self._contact(
            company, "Quinn", "Quiet", assigned_user=users['rep1'].id)

        def notified():
            return Notification.search([('user', '=', users['rep1'].id)])
        with acting_as(users['rep1'], company):
            Party.write([watched], {'department': "Own change"})
        self.assertEqual(notified(), [])
        with acting_as(users['manager'], company):
            Party.write([watched, quiet], {'department': "Sales"})
        notification, = notified()
        self.assertIn("Wanda Watched", notification.label)
        self.assertIn("Manager", notification.description)
        self.assertEqual(notification.records, str([watched.id]))

    @with_transaction()
    def test_email_opt_out(self):
        """A contact that opted out of e-mail is no template's recipient;
        the templates escape what users typed"""
        pool = Pool()
        Template = pool.get('ir.email.template')
        Model = pool.get('ir.model')
        Field = pool.get('ir.model.field')
        company, users = create_crm_users()
        mechanisms = [('create', [{'type': 'email',
                        'value': 'hank@globex.example.com'}])]
        contact = self._contact(
            company, "Hank", "Scorpio", contact_mechanisms=mechanisms,
            assigned_user=users['rep1'].id)
        model, = Model.search([('name', '=', 'party.party')])
        field, = Field.search(
            [('model', '=', 'party.party'), ('name', '=', 'id')])
        template, = Template.create([{
                    'model': model.id, 'name': "Hello",
                    'recipients': field.id,
                    'subject': "Hello ${record.name}",
                    'body': "<p>${escape(record.name)}</p>"
                    "${text_to_html(record.name)}"}])
        self.assertEqual(Template.get_addresses(contact),
            ['Hank Scorpio <hank@globex.example.com>'])
        with acting_as(users['rep1'], company):
            self.assertEqual(template.get(contact)['to'],
                ['Hank Scorpio <hank@globex.example.com>'])

        contact.email_opt_out = True
        contact.last_name = "<b>Scorpio</b>"
        contact.save()
        self.assertEqual(Template.get_addresses(contact), [])
        with acting_as(users['rep1'], company):
            values = template.get(contact)
        self.assertEqual(values['to'], [])
        self.assertEqual(values['body'], "<p>Hank &lt;b&gt;Scorpio&lt;/b&gt;"
            "</p><p>Hank &lt;b&gt;Scorpio&lt;/b&gt;</p>")
