# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Tags on CRM records, the tag cloud and "records with this tag".

``crm.tag``
    A word a user puts on records: *Private* (seen by its owner only) or
    *Public* (seen by every user).  A user reads the public tags and its
    own, and changes and deletes its own (record rules, ``user_id`` in
    their context); the CRM administrators manage them all.  A name is
    unique among the private tags of one owner and among the public tags.
``crm.tag.link``
    A tag on one record of any CRM record type (``resource``, a Reference
    whose selection is ``record_actions.record_type_selection``).  Its
    access follows the record (the host's ``ResourceAccessMixin``, as
    ``crm.change``) and its tag (a link to a tag the user may not read is
    hidden by a record rule).  Putting a tag on a record or removing it
    changes the record as its notes and attachments do: it needs the right
    to edit the record (a record shared read only is not tagged).  A link
    on a record the user may not read or edit, or with a tag it may not
    read, is refused before anything is written, without telling a hidden
    record from a missing one.  The links of a deleted record go with it
    (``ResourceMixin``).
``TaggedMixin``
    Gives a record type ``crm_tags``: the user's own and the public tags
    of the record, searchable (``('crm_tags', '=', tag_id)``,
    ``('crm_tags.name', 'ilike', 'vip%')``).  A type shows them on its form
    with ``<field name="crm_tags"/>``; crm_core applies it to parties.
``crm.tag.add``, ``crm.tag.remove``
    The wizards *Add Tags* and *Remove Tags* of a record or a list
    selection, bound to every CRM record type through
    :meth:`Sharing.crm_record_actions`.  They run as the user (CRM
    wizards, ``request_guard.crm_wizard``).
``crm.tag.cloud``
    The user's own and public tags with the number of records carrying
    them that the user may read, counted in SQL with the user's read rules
    of each record type (``report.readable_condition``), sized by use; it
    opens the tag's links, which obey sharing as well.
"""
from collections import defaultdict

from sql import Literal, Union
from sql.aggregate import Count, Max, Sum
from sql.conditionals import Coalesce
from sql.operators import Equal

from trytond import backend
from trytond.i18n import gettext
from trytond.ir.resource import ResourceMixin
from trytond.model import (
    Exclude, Index, ModelSQL, ModelView, Unique, fields)
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .guard import readable_ids, reference_parts
from .record_actions import RecordAction, record_type_selection
from .rule_user import USER_RULE_MODELS
from .report import readable_condition
from .server_fields import ServerFieldsMixin

VISIBILITIES = [
    ('private', "Private"),
    ('public', "Public"),
    ]
#: The number of sizes of the tag cloud (1 the least used, 5 the most)
CLOUD_SIZES = 5
USER_RULE_MODELS.update({'crm.tag', 'crm.tag.link'})
#: The separators of the names of new tags typed in Add Tags
NAME_SEPARATORS = [',', ';', '\n']


class TagError(ValidationError):
    "The tags or the records given cannot be used."


def _visible_tags_condition(tag, user):
    "The SQL condition on the tag table of the user's own and public tags."
    return (tag.visibility == 'public') | (tag.user == user)


def _split_names(text):
    "Return the tag names typed in text, stripped, in order, without doubles."
    text = text or ''
    for separator in NAME_SEPARATORS[1:]:
        text = text.replace(separator, NAME_SEPARATORS[0])
    names = []
    for name in text.split(NAME_SEPARATORS[0]):
        name = ' '.join(name.split())
        if name and name not in names:
            names.append(name)
    return names


class Tag(ModelSQL, ModelView):
    "A tag put on CRM records, private to its owner or public"
    __name__ = 'crm.tag'
    __string__ = "Tag"
    name = fields.Char("Name", required=True)
    visibility = fields.Selection(
        VISIBILITIES, "Visibility", required=True,
        help="Private: seen by its owner only.\n"
        "Public: seen and used by every user.")
    user = fields.Many2One(
        'res.user', "Owner", required=True, ondelete='RESTRICT',
        help="The user who created the tag and may change it.")
    description = fields.Text(
        "Description", help="What the tag means, for those who use it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('private_name_unique',
                Exclude(t, (t.name, Equal), (t.user, Equal),
                    where=t.visibility == 'private'),
                'crm_core.msg_tag_private_unique'),
            ('public_name_unique',
                Exclude(t, (t.name, Equal),
                    where=t.visibility == 'public'),
                'crm_core.msg_tag_public_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.user, Index.Range()), (t.name, Index.Equality())))
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_visibility(cls):
        return 'private'

    @classmethod
    def default_user(cls):
        return Transaction().user or None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if isinstance(values.get('name'), str):
            # (as typed in Add Tags: one space between words)
            values['name'] = ' '.join(values['name'].split())
        return values

    @classmethod
    def visible_domain(cls):
        "Return the domain of the user's own and public tags."
        return ['OR',
            ('visibility', '=', 'public'),
            ('user', '=', Transaction().user),
            ]

    @classmethod
    def check_usable(cls, tag_ids):
        """Raise if the user may not read some of the tags tag_ids (hidden
        or missing alike); return the tags."""
        tag_ids = {int(i) for i in tag_ids}
        if not tag_ids:
            return []
        with check_access():
            tags = cls.search([('id', 'in', list(tag_ids))], order=[])
        missing = tag_ids - {t.id for t in tags}
        if missing:
            raise AccessError(gettext(
                    'crm_core.msg_tag_hidden',
                    ids=', '.join(map(str, sorted(missing)[:5]))))
        return tags

    @classmethod
    def find_or_create(cls, names, visibility):
        """Return the tags named names of the visibility: the user's own
        private ones or the public ones, created when missing."""
        if not names:
            return []
        user = Transaction().user
        domain = [
            ('name', 'in', names),
            ('visibility', '=', visibility),
            ]
        if visibility == 'private':
            domain.append(('user', '=', user))
        with check_access():
            found = {t.name: t for t in cls.search(domain)}
            missing = [n for n in names if n not in found]
            if missing:
                found.update((t.name, t) for t in cls.create([{
                                'name': n,
                                'visibility': visibility,
                                'user': user,
                                } for n in missing]))
        return [found[n] for n in names]


class TagLink(ServerFieldsMixin, ResourceMixin, ModelSQL, ModelView):
    "A tag on a CRM record"
    __name__ = 'crm.tag.link'
    __string__ = "Tagged Record"
    tag = fields.Many2One(
        'crm.tag', "Tag", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    user = fields.Many2One(
        'res.user', "Tagged By", readonly=True, ondelete='SET NULL')
    record_type = fields.Function(
        fields.Selection('get_record_types', "Record Type"),
        'get_record_type', searcher='search_record_type')
    _crm_server_fields = {'user'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('tag_resource_unique', Unique(t, t.tag, t.resource),
                'crm_core.msg_tag_link_unique'),
            ]
        cls.resource.string = "Record"
        cls.resource.states = {
            'readonly': Eval('id', -1) >= 0,
            }
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_models(cls):
        return record_type_selection()

    @classmethod
    def get_record_types(cls):
        return record_type_selection()

    @classmethod
    def default_user(cls):
        return Transaction().user or None

    def get_record_type(self, name):
        reference = reference_parts(self.resource)
        return reference[0] if reference else None

    @classmethod
    def search_record_type(cls, name, clause):
        _, operator, value = clause[:3]
        if operator in {'=', '!='}:
            values = [value]
        elif operator in {'in', 'not in'}:
            values = list(value or [])
        else:
            return [('id', '=', None)]
        values = [v for v in values if isinstance(v, str) and v]
        if operator in {'=', 'in'}:
            if not values:
                return [('id', '=', None)]
            return ['OR'] + [('resource', 'like', f'{v},%') for v in values]
        return [('resource', 'not like', f'{v},%') for v in values]

    def get_rec_name(self, name):
        return self.tag.rec_name if self.tag else str(self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('tag.rec_name', *clause[1:])]

    @classmethod
    def create(cls, vlist):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            cls.check_new_links(vlist)
        return super().create(vlist)

    @classmethod
    def check_new_links(cls, vlist):
        """Raise, before anything is written, if the links of vlist put a
        tag on a record that is not of a CRM record type or that the user
        may not read or edit, or a tag the user may not read."""
        pool = Pool()
        Tag = pool.get('crm.tag')
        defaults = cls.default_get(['resource', 'tag'], with_rec_name=False)
        resources = defaultdict(set)
        tag_ids = set()
        for values in vlist:
            values = {**defaults, **values}
            reference = reference_parts(values.get('resource'))
            if reference:
                resources[reference[0]].add(reference[1])
            if isinstance(values.get('tag'), int):
                tag_ids.add(values['tag'])
        for model_name, ids in sorted(resources.items()):
            cls.check_taggable(model_name, ids)
        Tag.check_usable(tag_ids)

    @classmethod
    def check_taggable(cls, model_name, ids):
        """Raise if the records ids of model_name are not of a CRM record
        type, if the user may not read some of them (hidden or missing
        alike) or not edit them (shared read only, or its profile)."""
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        if model_name not in Sharing.shared_models():
            try:
                names = pool.get(model_name).__names__()
            except KeyError:
                names = {'model': model_name}
            raise TagError(gettext('crm_core.msg_tag_record_type', **names))
        Model = pool.get(model_name)
        ids = {int(i) for i in ids}
        # (negative ids are never records)
        readable = readable_ids(Model, [i for i in ids if i >= 0])
        for message, refused in [
                ('msg_tag_record_hidden', ids - readable),
                ('msg_tag_record_read_only',
                    readable - readable_ids(Model, readable, mode='write')),
                ]:
            if refused:
                raise AccessError(gettext(
                        f'crm_core.{message}',
                        model=Model.__names__()['model'],
                        ids=', '.join(map(str, sorted(refused)[:5]))))
        if Transaction().check_access and hasattr(
                Model, 'crm_check_profile'):
            # (the profile's Edit, as for the records following the type)
            Model.crm_check_profile('write', Model.browse(sorted(ids)))

    @classmethod
    def tags_of(cls, records):
        """Return {record id: [tag ids]} of the user's own and public tags
        on records (of one model), by tag name."""
        pool = Pool()
        Tag = pool.get('crm.tag')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        link = cls.__table__()
        tag = Tag.__table__()
        result = {r.id: [] for r in records}
        by_reference = {str(r): r.id for r in records if r.id >= 0}
        for references in grouped_slice(
                # (2 parameters besides the references)
                list(by_reference), backend.MAX_QUERY_PARAMS - 2):
            cursor.execute(*link.join(tag, condition=link.tag == tag.id
                    ).select(link.resource, tag.id,
                    where=link.resource.in_(list(references))
                    & _visible_tags_condition(tag, transaction.user),
                    order_by=[tag.name, tag.id]))
            for resource, tag_id in cursor:
                result[by_reference[resource]].append(tag_id)
        return result

    @classmethod
    def tagged_query(cls, model_name, tag_query):
        "Return the SQL query of the ids of model_name tagged by tag_query."
        link = cls.__table__()
        return link.select(cls.resource.sql_id(link.resource, cls),
            where=link.resource.like(model_name + ',%')
            & link.tag.in_(tag_query))

    @classmethod
    def add_tags(cls, records, tags):
        """Put tags on records (of one model) unless already there; return
        the links created."""
        references = [str(r) for r in records]
        tag_ids = [t.id for t in tags]
        if not references or not tag_ids:
            return []
        # (the links of inactive records too)
        with Transaction().set_context(active_test=False):
            existing = {(l.tag.id, str(l.resource)) for l in cls.search([
                        ('tag', 'in', tag_ids),
                        ('resource', 'in', references),
                        ], order=[])}
        return cls.create([{'tag': t, 'resource': r}
                for r in references for t in tag_ids
                if (t, r) not in existing])

    @classmethod
    def links_of(cls, records, tags=None):
        """Return the links the user may read of records (of one model),
        of tags only if given."""
        domain = [('resource', 'in', [str(r) for r in records])]
        if tags is not None:
            domain.append(('tag', 'in', [t.id for t in tags]))
        with Transaction().set_context(active_test=False):
            return cls.search(domain, order=[])


class TaggedMixin:
    """A CRM record type showing its tags: its form adds
    ``<field name="crm_tags"/>``."""
    __slots__ = ()
    crm_tags = fields.Function(fields.Many2Many(
            'crm.tag', None, None, "Tags",
            help="Your own and the public tags of the record.\n"
            "Add or remove them with the actions Add Tags and Remove Tags."),
        'get_crm_tags', searcher='search_crm_tags')

    @classmethod
    def get_crm_tags(cls, records, name):
        TagLink = Pool().get('crm.tag.link')
        return TagLink.tags_of(records)

    @classmethod
    def search_crm_tags(cls, name, clause):
        pool = Pool()
        Tag = pool.get('crm.tag')
        TagLink = pool.get('crm.tag.link')
        field, operator, value, *extra = clause
        nested = field[len(name) + 1:]
        negative = operator == '!=' or operator.startswith('not ')
        if negative:
            operator = '=' if operator == '!=' else operator[len('not '):]
        if not nested and value is None and operator == '=':
            # (no tag: not tagged by any)
            tag_domain = []
            negative = not negative
        elif nested:
            tag_domain = [(nested, operator, value, *extra)]
        elif operator == 'where':
            tag_domain = value
        elif operator in {'=', 'in'} and all(
                isinstance(v, int) and not isinstance(v, bool)
                for v in (value if isinstance(value, (list, tuple))
                    else [value])):
            tag_domain = [('id', operator, value)]
        else:
            tag_domain = [('rec_name', operator, value, *extra)]
        with without_check_access():
            tag_query = Tag.search(
                [tag_domain, Tag.visible_domain()], order=[], query=True)
        tagged = TagLink.tagged_query(cls.__name__, tag_query)
        return [('id', 'not in' if negative else 'in', tagged)]


class Party(TaggedMixin, metaclass=PoolMeta):
    __name__ = 'party.party'


class TagCloud(ModelSQL, ModelView):
    "The user's own and public tags by the number of its records using them"
    __name__ = 'crm.tag.cloud'
    __string__ = "Tag Cloud"
    tag = fields.Many2One('crm.tag', "Tag")
    name = fields.Char("Tag")
    visibility = fields.Selection(VISIBILITIES, "Visibility")
    number = fields.Integer(
        "Records", help="The records with this tag that you may read.")
    weight = fields.Function(fields.Float(
            "Use", digits=(16, 2),
            help="The number of records relative to the most used tag."),
        'get_size')
    size = fields.Function(fields.Integer(
            "Size",
            help="The size of the tag in the cloud: 1 for the least used, "
            "%s for the most used." % CLOUD_SIZES),
        'get_size')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('number', 'DESC'), ('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Tag = pool.get('crm.tag')
        user = Transaction().user
        tag = Tag.__table__()
        visible = Tag.__table__()
        counts = cls._counts(visible.select(
                visible.id,
                where=_visible_tags_condition(visible, user)))
        return tag.join(counts, 'LEFT', condition=counts.tag == tag.id
            ).select(
                tag.id.as_('id'),
                tag.id.as_('tag'),
                tag.name.as_('name'),
                tag.visibility.as_('visibility'),
                # (PostgreSQL sums counts as numeric)
                cls.number.sql_cast(Coalesce(counts.number, 0)).as_('number'),
                where=_visible_tags_condition(tag, user))

    @classmethod
    def _counts(cls, tag_query):
        """Return the query of (tag, number) of the links of tag_query on
        the records the user may read, summed over the record types."""
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        TagLink = pool.get('crm.tag.link')
        user = Transaction().user
        queries = []
        for model_name in sorted(Sharing.shared_models()):
            Model = pool.get(model_name)
            if not issubclass(Model, ModelSQL) or Model._is_table_query():
                continue
            link = TagLink.__table__()
            record = Model.__table__()
            where = (link.resource.like(model_name + ',%')
                & link.tag.in_(tag_query))
            active = Model._fields.get('active')
            if isinstance(active, fields.Boolean) and not isinstance(
                    active, fields.Function):
                # (as "records with this tag" lists them)
                where &= record.active == Literal(True)
            if user:
                # The user's read rules of the type, in the same scan
                where &= readable_condition(record, model_name)
            queries.append(link.join(record,
                    condition=TagLink.resource.sql_id(link.resource, TagLink)
                    == record.id
                    ).select(
                    link.tag.as_('tag'),
                    Count(link.id).as_('number'),
                    where=where,
                    group_by=[link.tag]))
        if not queries:
            link = TagLink.__table__()
            return link.select(
                link.tag.as_('tag'), Literal(0).as_('number'),
                where=Literal(False))
        union = Union(*queries, all_=True) if len(queries) > 1 else queries[0]
        return union.select(
            union.tag.as_('tag'),
            Sum(union.number).as_('number'),
            group_by=[union.tag])

    @classmethod
    def get_size(cls, records, names):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Max(table.number)))
        top = (cursor.fetchone() or (0,))[0] or 0
        result = {name: {} for name in names}
        for record in records:
            ratio = (record.number or 0) / top if top else 0
            if 'weight' in result:
                result['weight'][record.id] = round(ratio, 2)
            if 'size' in result:
                result['size'][record.id] = 1 + round(
                    ratio * (CLOUD_SIZES - 1))
        return result


class Sharing(metaclass=PoolMeta):
    __name__ = 'crm.sharing'

    @classmethod
    def crm_record_actions(cls, model_name):
        actions = super().crm_record_actions(model_name)
        ModelData = Pool().get('ir.model.data')
        try:
            # (not yet while crm_core is updated from a version without
            # tags: its record types are registered before its XML is
            # loaded)
            ModelData.get_id('crm_core', 'msg_tag_remove_action')
        except KeyError:
            return actions
        return actions + [
            RecordAction('tag_add', 'form_action', {
                    'type': 'ir.action.wizard',
                    'wiz_name': 'crm.tag.add',
                    'model': model_name,
                    'name': 'crm_core.msg_tag_add_action',
                    }),
            RecordAction('tag_remove', 'form_action', {
                    'type': 'ir.action.wizard',
                    'wiz_name': 'crm.tag.remove',
                    'model': model_name,
                    'name': 'crm_core.msg_tag_remove_action',
                    }),
            ]


class TagAddStart(ModelView):
    "Choose the tags to put on the selected records"
    __name__ = 'crm.tag.add.start'
    __string__ = "Add Tags"
    records = fields.Integer("Selected Records", readonly=True)
    tags = fields.Many2Many(
        'crm.tag', None, None, "Tags",
        help="Your own and public tags to put on the records.")
    new_tags = fields.Char(
        "New Tags",
        help="The names of the tags to create and put on the records, "
        "separated by commas.")
    new_visibility = fields.Selection(
        VISIBILITIES, "Visibility of the New Tags", required=True,
        help="Private: seen by you only.\nPublic: seen by every user.")


class TagRemoveStart(ModelView):
    "Choose the tags to remove from the selected records"
    __name__ = 'crm.tag.remove.start'
    __string__ = "Remove Tags"
    records = fields.Integer("Selected Records", readonly=True)
    available_tags = fields.Many2Many(
        'crm.tag', None, None, "Tags of the Records", readonly=True)
    tags = fields.Many2Many(
        'crm.tag', None, None, "Tags",
        domain=[('id', 'in', Eval('available_tags', []))],
        help="The tags to remove from the records.")


class _TagWizardMixin:
    __slots__ = ()

    def _tagged_records(self):
        """Return the selected records, refused unless of a CRM record
        type and readable by the user."""
        TagLink = Pool().get('crm.tag.link')
        if self.model is None or not self.records:
            raise TagError(gettext('crm_core.msg_tag_no_records'))
        TagLink.check_taggable(
            self.model.__name__, [r.id for r in self.records])
        return list(self.records)


class TagAdd(_TagWizardMixin, Wizard):
    "Put tags on the selected CRM records"
    __name__ = 'crm.tag.add'
    start = StateView('crm.tag.add.start',
        'crm_core.tag_add_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Add", 'add', 'tryton-ok', default=True),
            ])
    add = StateTransition()

    def default_start(self, fields):
        return {
            'records': len(self.records),
            'new_visibility': 'private',
            }

    def transition_add(self):
        pool = Pool()
        Tag = pool.get('crm.tag')
        TagLink = pool.get('crm.tag.link')
        # (the steps of CRM wizards run as the user: its rules apply)
        records = self._tagged_records()
        tags = Tag.check_usable([t.id for t in self.start.tags])
        names = _split_names(self.start.new_tags)
        if not tags and not names:
            raise TagError(gettext('crm_core.msg_tag_add_none'))
        tags += [t for t in Tag.find_or_create(
                names, self.start.new_visibility or 'private')
            if t not in tags]
        TagLink.add_tags(records, tags)
        return 'end'


class TagRemove(_TagWizardMixin, Wizard):
    "Remove tags from the selected CRM records"
    __name__ = 'crm.tag.remove'
    start = StateView('crm.tag.remove.start',
        'crm_core.tag_remove_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Remove", 'remove', 'tryton-ok', default=True),
            ])
    remove = StateTransition()

    def default_start(self, fields):
        TagLink = Pool().get('crm.tag.link')
        records = self._tagged_records()
        tags = sorted({l.tag for l in TagLink.links_of(records)},
            key=lambda t: (t.name, t.id))
        return {
            'records': len(records),
            'available_tags': [t.id for t in tags],
            }

    def transition_remove(self):
        pool = Pool()
        Tag = pool.get('crm.tag')
        TagLink = pool.get('crm.tag.link')
        records = self._tagged_records()
        tags = Tag.check_usable([t.id for t in self.start.tags])
        if not tags:
            raise TagError(gettext('crm_core.msg_tag_remove_none'))
        TagLink.delete(TagLink.links_of(records, tags))
        return 'end'
