"""Ownership and sharing of CRM records.

Every CRM record type has an owner (``Assigned To``: a user or a team) and
the administrator chooses per record type how widely records are shared:

* ``private``: the assigned user, the members of the assigned team and the
  users whose role is above the role of the assigned user (or of a member
  of the assigned team) see and edit the record;
* ``public_read``: everybody reads, only those users edit and delete;
* ``public_read_write``: everybody reads, edits and deletes.

The access is enforced by ``ir.rule`` record rules, so every way into the
ORM (views, JSON-RPC, REST, exports, reports, search counts) obeys it.
Members of the *CRM Administrator* group see everything.

A record type adopts the mechanism in two steps:

1. its model inherits :class:`OwnedMixin`::

       class Lead(OwnedMixin, ModelSQL, ModelView):
           __name__ = 'crm.lead'

   (an extension of a host model lists it first:
   ``class Opportunity(OwnedMixin, metaclass=PoolMeta)``);

2. its module registers the type in the sharing configuration with one
   XML record, which creates the record rules::

       <record model="crm.sharing" id="sharing_lead">
           <field name="model">crm.lead</field>
           <field name="access">private</field>
       </record>

The mixin also enforces the CRM profiles (create, write, delete, export
and import flags on ``res.group``) for calls made on behalf of a user.
A model whose table also holds non-CRM records (such as ``party.party``)
narrows the records concerned with :meth:`OwnedMixin.crm_records` and
:meth:`OwnedMixin.crm_sharing_scope`.
"""
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import Transaction, inactive_records

from .exceptions import ProfileAccessError

SHARING_ACCESS = [
    ('private', "Private"),
    ('public_read', "Public: Read Only"),
    ('public_read_write', "Public: Read, Create/Edit, Delete"),
    ]


def clear_visibility_caches():
    "Forget the cached visibility of every user (roles or teams changed)."
    pool = Pool()
    pool.get('ir.rule')._domain_get_cache.clear()
    pool.get('res.user')._crm_owners_cache.clear()


class Role(tree(separator=' / '), ModelSQL, ModelView):
    "A node of the role hierarchy: a role sees what the roles below own."
    __name__ = 'crm.role'
    name = fields.Char("Name", required=True, translate=True)
    parent = fields.Many2One(
        'crm.role', "Reports To", ondelete='RESTRICT',
        help="The role directly above this one.")
    children = fields.One2Many('crm.role', 'parent', "Subordinate Roles")
    users = fields.One2Many('res.user', 'crm_role', "Users", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.parent, Index.Range())))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        clear_visibility_caches()


class Team(DeactivableMixin, ModelSQL, ModelView):
    "A named set of users that may own CRM records together."
    __name__ = 'crm.team'
    name = fields.Char("Name", required=True)
    leader = fields.Many2One('res.user', "Leader", ondelete='RESTRICT')
    members = fields.Many2Many(
        'crm.team-res.user', 'team', 'user', "Members")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.name), 'crm_core.msg_team_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        clear_visibility_caches()


class TeamMember(ModelSQL):
    "Membership of a user in a team."
    __name__ = 'crm.team-res.user'
    team = fields.Many2One(
        'crm.team', "Team", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.team, Index.Range()), (t.user, Index.Range())),
                Index(t, (t.user, Index.Range())),
                })

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        clear_visibility_caches()


class Sharing(ModelSQL, ModelView):
    "The sharing access of one CRM record type and the rules enforcing it."
    __name__ = 'crm.sharing'
    model = fields.Char("Model", required=True, readonly=True)
    model_name = fields.Function(
        fields.Char("Record Type"), 'get_model_name')
    access = fields.Selection(
        SHARING_ACCESS, "Default Access", required=True,
        help="Who may see and change the records of this type "
        "besides their owners and the owners' superiors.")
    rule_groups = fields.One2Many(
        'ir.rule.group', 'crm_sharing', "Record Rules", readonly=True)
    _access_cache = Cache('crm.sharing.access', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('model_unique', Unique(t, t.model),
                'crm_core.msg_sharing_model_unique'),
            ]
        cls._order.insert(0, ('model', 'ASC'))

    @classmethod
    def default_access(cls):
        return 'private'

    def get_model_name(self, name):
        Model = Pool().get('ir.model')
        return Model.get_name(self.model)

    @classmethod
    def access_of(cls, model_name):
        "Return the sharing access of model_name or None if not shared."
        accesses = cls._access_cache.get(None)
        if accesses is None:
            with inactive_records():
                accesses = {s.model: s.access for s in cls.search([])}
            cls._access_cache.set(None, accesses)
        return accesses.get(model_name)

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        cls._create_rules(records)
        return records

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._access_cache.clear()
        Pool().get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def _create_rules(cls, records):
        "Create the record rules that enforce the sharing of records."
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        ModelData = pool.get('ir.model.data')
        admin_group = ModelData.get_id('crm_core', 'group_crm_admin')
        encoder = PYSONEncoder(sort_keys=True)
        to_create = []
        for sharing in records:
            Model = pool.get(sharing.model)
            names = Model.__names__()['model']
            for mode in ['read', 'write']:
                to_create.append({
                        'name': gettext(
                            'crm_core.msg_sharing_rule_name',
                            model=names, mode=mode),
                        'model': sharing.model,
                        'crm_sharing': sharing.id,
                        'global_p': False,
                        'default_p': True,
                        'perm_read': mode == 'read',
                        'perm_write': mode == 'write',
                        'perm_create': False,
                        'perm_delete': mode == 'write',
                        'rules': [('create', [{
                                        'domain': encoder.encode(
                                            Model.crm_sharing_domain(mode)),
                                        }])],
                        })
            # A rule group without rule grants everything to its groups
            to_create.append({
                    'name': gettext(
                        'crm_core.msg_sharing_rule_admin', model=names),
                    'model': sharing.model,
                    'crm_sharing': sharing.id,
                    'global_p': False,
                    'default_p': False,
                    'perm_read': True,
                    'perm_write': True,
                    'perm_create': True,
                    'perm_delete': True,
                    'groups': [('add', [admin_group])],
                    })
        RuleGroup.create(to_create)


class RuleGroup(metaclass=PoolMeta):
    __name__ = 'ir.rule.group'
    crm_sharing = fields.Many2One(
        'crm.sharing', "CRM Sharing", readonly=True, ondelete='CASCADE')


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "crm_users" and "crm_teams": ids of the users and teams '
            'whose CRM records the user may see by ownership'
            '\n- "crm_public_read", "crm_public_write": the sharing access '
            'of the record type')

    @classmethod
    def _get_cache_key(cls, model_names):
        # The CRM context depends on the user, not only on its groups
        return (*super()._get_cache_key(model_names), Transaction().user)

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        access = Sharing.access_of(model_name)
        if access:
            users, teams = User.crm_visible_owners()
            context.update({
                    'crm_users': users,
                    'crm_teams': teams,
                    'crm_public_read': access != 'private',
                    'crm_public_write': access == 'public_read_write',
                    })
        return context


class OwnedMixin:
    "A CRM record type with an owner, shared by the sharing rules."
    __slots__ = ()
    assigned_user = fields.Many2One(
        'res.user', "Assigned To", ondelete='RESTRICT',
        states={
            'required': ~Eval('assigned_team') & Eval('crm_owned', True),
            },
        help="The user responsible for the record.")
    assigned_team = fields.Many2One(
        'crm.team', "Assigned Team", ondelete='RESTRICT',
        help="The team responsible for the record.")
    crm_owned = fields.Function(
        fields.Boolean("CRM Owned"), 'get_crm_owned')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.assigned_user, Index.Range())),
                Index(t, (t.assigned_team, Index.Range())),
                })

    @classmethod
    def default_assigned_user(cls):
        user = Transaction().user
        return user or None

    @classmethod
    def default_crm_owned(cls):
        return True

    def get_crm_owned(self, name):
        return bool(self.crm_records([self]))

    @classmethod
    def crm_records(cls, records):
        "Return the records that are CRM records (all by default)."
        return list(records)

    @classmethod
    def crm_import_concerns(cls, fields_names):
        "Tell if an import of fields_names creates CRM records."
        return True

    @classmethod
    def crm_sharing_scope(cls):
        "Return the domain of the records exempt from CRM sharing."
        return None

    @classmethod
    def crm_sharing_domain(cls, mode):
        "Return the PYSON rule domain of the records the user may access."
        owned = ['OR',
            ('assigned_user', 'in', Eval('crm_users', [])),
            ('assigned_team', 'in', Eval('crm_teams', [])),
            ]
        public = Bool(Eval(
                'crm_public_read' if mode == 'read' else 'crm_public_write',
                False))
        domain = If(public, [], owned)
        scope = cls.crm_sharing_scope()
        if scope:
            return ['OR', scope, domain]
        return [domain]

    @classmethod
    def crm_check_permission(cls, action):
        "Raise if the user's profile does not allow action on this type."
        pool = Pool()
        User = pool.get('res.user')
        if not User.crm_has_permission(action):
            raise ProfileAccessError(gettext(
                    'crm_core.msg_profile_denied',
                    action=gettext('crm_core.msg_action_%s' % action),
                    model=cls.__names__()['model']))

    @classmethod
    def crm_check_profile(cls, action, records):
        "Raise if the profile does not allow action on the CRM records."
        if cls.crm_records(records):
            cls.crm_check_permission(action)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            cls.crm_check_profile(mode, records)

    @classmethod
    def read(cls, ids, fields_names):
        "Tell clients a record is read-only when the profile forbids edits."
        pool = Pool()
        User = pool.get('res.user')
        result = super().read(ids, fields_names)
        flags = {'_write', '_delete'} & set(fields_names)
        if not flags or not Transaction().check_access:
            return result
        denied = [f for f in sorted(flags)
            if not User.crm_has_permission(f[1:])]
        if denied:
            crm_ids = set(map(int, cls.crm_records(cls.browse(ids))))
            for row in result:
                if row['id'] in crm_ids:
                    row.update(dict.fromkeys(denied, False))
        return result

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        if Transaction().check_access:
            cls.crm_check_profile('export', records)
        return super().export_data(records, fields_names, header=header)

    @classmethod
    def import_data(cls, fields_names, data):
        if (Transaction().check_access and data
                and cls.crm_import_concerns(fields_names)):
            cls.crm_check_permission('import')
        return super().import_data(fields_names, data)
