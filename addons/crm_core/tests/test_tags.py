# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tags: private and public tags, their links to CRM records, the wizards
Add Tags and Remove Tags and the tag cloud, all obeying sharing.

The world: accounts are private; rep1 owns *Tag Own One*, *Tag Own Two*
and the contact *Tina Tagged*; rep2 owns *Tag Hidden Corp*, which rep1 may
not read; their manager reads everything.  The wizards are driven as sao
drives them (:func:`tools.rpc_call`): their steps run without the access
checks of the caller, as over JSON-RPC."""
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .tools import (
    acting_as, create_crm_users, one_call, rpc_call, set_sharing)


class TagTestMixin:
    "Tags on CRM records, the wizards and the cloud"

    def _tag_world(self):
        "Return company, users and the records of the world (see above)."
        pool = Pool()
        Party = pool.get('party.party')
        company, users = create_crm_users()
        set_sharing('party.party', 'private')

        def account(name, login):
            return {
                'name': name, 'crm_type': 'account',
                'crm_company': company.id,
                'assigned_user': users[login].id,
                }
        own1, own2, hidden = Party.create([
                account("Tag Own One", 'rep1'),
                account("Tag Own Two", 'rep1'),
                account("Tag Hidden Corp", 'rep2'),
                ])
        contact, = Party.create([{
                    'first_name': "Tina", 'last_name': "Tagged",
                    'crm_type': 'contact', 'crm_company': company.id,
                    'assigned_user': users['rep1'].id,
                    }])
        return company, users, {
            'own1': own1, 'own2': own2, 'hidden': hidden,
            'contact': contact}

    def _tag(self, user, company, name, visibility):
        "Create the tag name of user."
        Tag = Pool().get('crm.tag')
        with acting_as(user, company):
            tag, = Tag.create([{'name': name, 'visibility': visibility}])
        return Tag(tag.id)

    def _link(self, user, company, tag, record):
        "Put tag on record as user, or as the system for {'for': user}."
        TagLink = Pool().get('crm.tag.link')
        values = {'tag': tag.id, 'resource': str(record)}
        if isinstance(user, dict):
            link, = TagLink.create([{**values, 'user': user['for'].id}])
            return link
        with acting_as(user, company):
            link, = TagLink.create([values])
        return link

    def _wizard(self, user, company, name, records, values=None):
        """Run the wizard name on records as sao does: create the session,
        read the defaults of its start form, send them changed by values
        and press the button (or only the defaults without values); return
        the defaults."""
        Wizard_ = Pool().get(name, type='wizard')
        context = {
            'active_model': records[0].__name__,
            'active_ids': [r.id for r in records],
            'active_id': records[0].id,
            }

        def call(method, *args):
            return rpc_call(
                user, Wizard_, method, *args, company=company,
                context=context)
        session_id, start, _ = call('create')
        try:
            result = call('execute', session_id, {}, start)
            defaults = {
                k: v for k, v in result['view']['defaults'].items()
                if '.' not in k}
            if values is not None:
                button = result['view']['buttons'][-1]['state']
                call('execute', session_id, {
                        start: {**defaults, **values}}, button)
        finally:
            call('delete', session_id)
        return defaults

    @with_transaction()
    def test_tag_private_and_public(self):
        "A private tag is its owner's; a public one is read by all"
        pool = Pool()
        Tag = pool.get('crm.tag')
        company, users, _ = self._tag_world()
        rep1, rep2 = users['rep1'], users['rep2']
        mine = self._tag(rep1, company, "Mine", 'private')
        shared = self._tag(rep1, company, "Shared", 'public')
        self.assertEqual(mine.user, rep1)
        names = [('name', 'in', ["Mine", "Shared"])]

        with acting_as(rep2, company):
            self.assertEqual(Tag.search(names), [shared])
            self.assertEqual(Tag.search_count([('name', '=', "Mine")]), 0)
            with self.assertRaises(AccessError):
                Tag.read([mine.id], ['name'])
            # a public tag of another is used, not changed nor deleted
            with self.assertRaises(AccessError):
                Tag.write([Tag(shared.id)], {'name': "Stolen"})
            with self.assertRaises(AccessError):
                Tag.delete([Tag(shared.id)])
            # a private tag of the same name as another's
            own_mine, = Tag.create([{'name': "Mine"}])
            self.assertEqual(own_mine.visibility, 'private')
            self.assertEqual(own_mine.user, rep2)
        with acting_as(rep1, company):
            self.assertEqual(Tag.search(names), [mine, shared])
        # the CRM administrators manage them all
        admin = pool.get('res.user')(
            pool.get('ir.model.data').get_id('res', 'user_admin'))
        with acting_as(admin):
            self.assertEqual(Tag.search(names), [mine, own_mine, shared])

        # (each refused call is undone as a request would be: PostgreSQL
        # refuses every command after a violated constraint otherwise)
        with acting_as(rep2, company):
            # nor made for another
            with self.assertRaises(AccessError), one_call():
                Tag.create([{'name': "Given", 'user': rep1.id}])
            # one public tag of a name
            with self.assertRaises(UserError), one_call():
                Tag.create([{'name': "Shared", 'visibility': 'public'}])
        with acting_as(rep1, company):
            # one private tag of a name per owner (spaces as typed)
            with self.assertRaises(UserError), one_call():
                Tag.create([{'name': " Mine  "}])
            # not given away (to a user without a tag of its name: rep2's
            # "Mine" would be refused first by the unique name)
            with self.assertRaises(AccessError), one_call():
                Tag.write([Tag(mine.id)], {'user': users['manager'].id})

    @with_transaction()
    def test_tag_hidden_record_refused(self):
        "Tagging a record the user may not read is refused, nothing written"
        pool = Pool()
        TagLink = pool.get('crm.tag.link')
        Party = pool.get('party.party')
        company, users, records = self._tag_world()
        rep1, rep2 = users['rep1'], users['rep2']
        shared = self._tag(rep1, company, "Shared", 'public')
        secret = self._tag(rep2, company, "Secret", 'private')
        missing_id = max(p.id for p in Party.search([])) + 1000
        count = TagLink.search_count([])
        messages = []
        with acting_as(rep1, company):
            for record_id in [records['hidden'].id, missing_id]:
                with self.assertRaises(AccessError) as error:
                    TagLink.create([
                            {'tag': shared.id,
                                'resource': str(records['own1'])},
                            {'tag': shared.id,
                                'resource': f'party.party,{record_id}'},
                            ])
                messages.append(
                    error.exception.message.replace(str(record_id), 'ID'))
            with self.assertRaises(AccessError) as error:
                TagLink.create([{
                            'tag': secret.id,
                            'resource': str(records['own1'])}])
            self.assertIn(str(secret.id), error.exception.message)
            self.assertNotIn("Secret", error.exception.message)
            # (not a record of a CRM record type)
            with self.assertRaises(UserError):
                TagLink.create([{
                            'tag': shared.id,
                            'resource': f'res.user,{rep1.id}'}])
        # a hidden record is refused as a missing one is
        self.assertEqual(messages[0], messages[1])
        self.assertIn("cannot tag", messages[0])
        self.assertNotIn("Hidden", messages[0])
        self.assertEqual(TagLink.search_count([]), count)

    @with_transaction()
    def test_tag_links_follow_sharing(self):
        "A link is read with its record and its tag"
        pool = Pool()
        TagLink = pool.get('crm.tag.link')
        company, users, records = self._tag_world()
        rep1, rep2 = users['rep1'], users['rep2']
        shared = self._tag(rep1, company, "Shared", 'public')
        secret = self._tag(rep2, company, "Secret", 'private')
        own_link = self._link(rep1, company, shared, records['own1'])
        hidden_link = self._link(rep2, company, shared, records['hidden'])
        self.assertEqual(own_link.user, rep1)
        with acting_as(rep1, company):
            links = TagLink.search([('tag', '=', shared.id)])
            self.assertEqual(links, [own_link])
            self.assertEqual(
                TagLink.search_count([('tag', '=', shared.id)]), 1)
            with self.assertRaises(AccessError):
                TagLink.read([hidden_link.id], ['tag'])
            with self.assertRaises(AccessError):
                TagLink.delete([TagLink(hidden_link.id)])
        with acting_as(users['manager'], company):
            self.assertEqual(
                set(TagLink.search([('tag', '=', shared.id)])),
                {own_link, hidden_link})

        # a private tag of rep2 on a record rep1 reads is not shown to it
        set_sharing('party.party', 'public_read')
        secret_link = self._link({'for': rep2}, company, secret,
            records['own1'])
        with acting_as(rep1, company):
            self.assertEqual(
                set(TagLink.search([])) & {secret_link, hidden_link},
                {hidden_link})
            with self.assertRaises(AccessError):
                TagLink.read([secret_link.id], ['resource'])
            self.assertEqual(
                pool.get('party.party')(records['own1'].id).crm_tags,
                (shared,))
            # a record shared read only: its tags change with it
            noted = self._tag(rep1, company, "Noted", 'private')
            count = TagLink.search_count([])
            with self.assertRaises(AccessError) as error:
                self._link(rep1, company, noted, records['hidden'])
            self.assertIn("read only", error.exception.message)
            with self.assertRaises(AccessError):
                TagLink.delete([TagLink(hidden_link.id)])
            self.assertEqual(TagLink.search_count([]), count)

    @with_transaction()
    def test_tag_deleted_with_record(self):
        "The links of a deleted record are deleted with it"
        pool = Pool()
        Party = pool.get('party.party')
        TagLink = pool.get('crm.tag.link')
        company, users, records = self._tag_world()
        shared = self._tag(users['rep1'], company, "Shared", 'public')
        link = self._link(users['rep1'], company, shared, records['own2'])
        Party.delete([records['own2']])
        self.assertEqual(TagLink.search([('id', '=', link.id)]), [])

    @with_transaction()
    def test_tag_cloud_counts_readable_records(self):
        "The cloud counts only the records the user may read"
        pool = Pool()
        Cloud = pool.get('crm.tag.cloud')
        company, users, records = self._tag_world()
        rep1, rep2 = users['rep1'], users['rep2']
        shared = self._tag(rep1, company, "Shared", 'public')
        rare = self._tag(rep1, company, "Rare", 'public')
        mine = self._tag(rep1, company, "Mine", 'private')
        secret = self._tag(rep2, company, "Secret", 'private')
        for key in ['own1', 'own2', 'contact']:
            self._link(rep1, company, shared, records[key])
        self._link(rep1, company, rare, records['own1'])
        self._link(rep1, company, mine, records['own2'])
        self._link(rep2, company, shared, records['hidden'])
        self._link(rep2, company, secret, records['hidden'])

        def cloud(user):
            names = ["Shared", "Rare", "Mine", "Secret"]
            with acting_as(user, company):
                rows = Cloud.search([('name', 'in', names)])
                return {r.name: (r.number, r.size, r.weight) for r in rows}
        self.assertEqual(cloud(rep1), {
                "Shared": (3, 5, 1.0),
                "Mine": (1, 2, 0.33),
                "Rare": (1, 2, 0.33),
                })
        self.assertEqual(cloud(rep2), {
                "Shared": (1, 5, 1.0),
                "Rare": (0, 1, 0.0),
                "Secret": (1, 5, 1.0),
                })
        # (the manager reads all the records, not rep1's private tag)
        self.assertEqual(
            {k: n for k, (n, _, _) in cloud(users['manager']).items()},
            {"Shared": 4, "Rare": 1})
        with acting_as(rep1, company):
            self.assertEqual(
                [r.name for r in Cloud.search(
                        [('name', 'in', ["Shared", "Rare", "Mine"])])],
                ["Shared", "Mine", "Rare"])
        # sharing changes the counts at once
        set_sharing('party.party', 'public_read')
        self.assertEqual(cloud(rep1)["Shared"][0], 4)

    @with_transaction()
    def test_tag_records_with_tag_obey_sharing(self):
        "Records with this tag: the links and the records the user reads"
        pool = Pool()
        Party = pool.get('party.party')
        TagLink = pool.get('crm.tag.link')
        Action = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        company, users, records = self._tag_world()
        rep1, rep2 = users['rep1'], users['rep2']
        shared = self._tag(rep1, company, "Shared", 'public')
        for key in ['own1', 'contact']:
            self._link(rep1, company, shared, records[key])
        self._link(rep2, company, shared, records['hidden'])

        action = Action(ModelData.get_id('crm_core', 'act_tag_link_relate'))
        self.assertEqual(action.res_model, 'crm.tag.link')
        domain = [('tag', '=', shared.id)]
        with acting_as(rep1, company):
            links = TagLink.search(domain)
            self.assertEqual(
                {l.resource for l in links},
                {records['own1'], records['contact']})
            self.assertEqual(
                {l.record_type for l in links}, {'party.party'})
            self.assertEqual(TagLink.search_count(
                    domain + [('record_type', '=', 'party.party')]), 2)
            self.assertEqual(
                set(Party.search([('crm_tags', '=', shared.id)])),
                {records['own1'], records['contact']})
            self.assertEqual(
                Party.search([('crm_tags.name', '=', "Shared"),
                        ('crm_type', '=', 'account')]),
                [records['own1']])
            self.assertIn(records['own2'], Party.search(
                    [('crm_tags', '=', None)]))
            self.assertNotIn(records['own1'], Party.search(
                    [('crm_tags', '!=', shared.id)]))
        with acting_as(rep2, company):
            self.assertEqual(
                [l.resource for l in TagLink.search(domain)],
                [records['hidden']])

    @with_transaction()
    def test_tag_record_actions_bound(self):
        "Add Tags and Remove Tags are bound to every CRM record type"
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        Keyword = pool.get('ir.action.keyword')
        for model_name in Sharing.shared_models():
            for key, wizard in [
                    ('tag_add', 'crm.tag.add'),
                    ('tag_remove', 'crm.tag.remove')]:
                action_id = Sharing.record_action(model_name, key)
                self.assertTrue(action_id, (model_name, key))
                keywords = Keyword.search([
                        ('action', '=', action_id),
                        ('keyword', '=', 'form_action'),
                        ('model', '=', f'{model_name},-1'),
                        ])
                self.assertEqual(len(keywords), 1, (model_name, key))
                action = pool.get('ir.action.wizard').search([
                        ('action', '=', action_id)])[0]
                self.assertEqual(action.wiz_name, wizard)

    @with_transaction()
    def test_tag_add_wizard_on_list_selection(self):
        "Add Tags puts chosen and new tags on each selected record"
        pool = Pool()
        Tag = pool.get('crm.tag')
        TagLink = pool.get('crm.tag.link')
        Party = pool.get('party.party')
        company, users, records = self._tag_world()
        rep1 = users['rep1']
        shared = self._tag(users['rep2'], company, "Shared", 'public')
        selection = [records['own1'], records['own2'], records['contact']]
        defaults = self._wizard(rep1, company, 'crm.tag.add', selection, {
                'tags': [shared.id],
                'new_tags': "Hot, Key  account,Hot",
                'new_visibility': 'private',
                })
        self.assertEqual(defaults['records'], 3)
        hot, key = Tag.search(
            [('name', 'in', ["Hot", "Key account"])], order=[('name', 'ASC')])
        self.assertEqual({(t.user, t.visibility) for t in [hot, key]},
            {(rep1, 'private')})
        with acting_as(rep1, company):
            for record in selection:
                self.assertEqual(
                    set(Party(record.id).crm_tags), {shared, hot, key})
        self.assertEqual(
            {l.user for l in TagLink.search([])}, {rep1})
        # again with a public tag of the name typed: no double
        count = TagLink.search_count([])
        self._wizard(rep1, company, 'crm.tag.add', selection[:1], {
                'tags': [hot.id], 'new_tags': "Shared",
                'new_visibility': 'public'})
        self.assertEqual(TagLink.search_count([]), count)
        self.assertEqual(Tag.search_count([('name', '=', "Shared")]), 1)
        # nothing chosen
        with self.assertRaises(UserError):
            self._wizard(rep1, company, 'crm.tag.add', selection[:1], {})

    @with_transaction()
    def test_tag_wizards_refuse_hidden_records_and_tags(self):
        "The wizards refuse a hidden record id and a hidden tag id"
        pool = Pool()
        Tag = pool.get('crm.tag')
        TagLink = pool.get('crm.tag.link')
        company, users, records = self._tag_world()
        rep1 = users['rep1']
        secret = self._tag(users['rep2'], company, "Secret", 'private')
        tags = Tag.search_count([])
        for name in ['crm.tag.add', 'crm.tag.remove']:
            with self.assertRaises(AccessError):
                self._wizard(rep1, company, name,
                    [records['own1'], records['hidden']], {
                        'new_tags': "Leak", 'new_visibility': 'public'})
        with self.assertRaises(AccessError):
            self._wizard(rep1, company, 'crm.tag.add', [records['own1']], {
                    'tags': [secret.id], 'new_tags': "Leak",
                    'new_visibility': 'public'})
        self.assertEqual(TagLink.search_count([]), 0)
        self.assertEqual(Tag.search_count([]), tags)

    @with_transaction()
    def test_tag_remove_wizard(self):
        "Remove Tags offers the tags of the selection and removes the chosen"
        pool = Pool()
        Party = pool.get('party.party')
        TagLink = pool.get('crm.tag.link')
        company, users, records = self._tag_world()
        rep1, rep2 = users['rep1'], users['rep2']
        shared = self._tag(rep1, company, "Shared", 'public')
        mine = self._tag(rep1, company, "Mine", 'private')
        other = self._tag(rep1, company, "Other", 'public')
        secret = self._tag(rep2, company, "Secret", 'private')
        set_sharing('party.party', 'public_read')
        for key in ['own1', 'own2']:
            self._link(rep1, company, shared, records[key])
        self._link(rep1, company, mine, records['own1'])
        self._link(rep1, company, other, records['contact'])
        self._link({'for': rep2}, company, secret, records['own1'])
        selection = [records['own1'], records['own2']]
        defaults = self._wizard(rep1, company, 'crm.tag.remove', selection)
        # (not rep2's private tag)
        self.assertEqual(
            set(defaults['available_tags']), {shared.id, mine.id})
        self._wizard(rep1, company, 'crm.tag.remove', selection,
            {'tags': [shared.id, mine.id]})
        with acting_as(rep1, company):
            for key in ['own1', 'own2']:
                self.assertEqual(Party(records[key].id).crm_tags, ())
            self.assertEqual(Party(records['contact'].id).crm_tags, (other,))
        # rep2's private tag stays
        with acting_as(rep2, company):
            self.assertEqual(Party(records['own1'].id).crm_tags, (secret,))
        self.assertEqual(TagLink.search_count([]), 2)
