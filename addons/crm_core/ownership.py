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

The mixin also enforces the CRM profiles (see ``profile.py``: view,
create, edit, delete, import, export, mass re-assign and the modules'
actions, per record type) for calls made on behalf of a user.
A model whose table also holds non-CRM records (such as ``party.party``)
narrows the records concerned with :meth:`OwnedMixin.crm_records` and
:meth:`OwnedMixin.crm_sharing_scope`.
"""
from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .exceptions import ProfileAccessError
from .guard import install as install_guard
from .profile import STANDARD_ACTIONS

SHARING_ACCESS = [
    ('private', "Private"),
    ('public_read', "Public: Read Only"),
    ('public_read_write', "Public: Read, Create/Edit, Delete"),
    ]


def clear_visibility_caches():
    """Forget the cached visibility of every user (roles, teams or sharing
    rules changed)."""
    pool = Pool()
    pool.get('ir.rule')._domain_get_cache.clear()
    pool.get('res.user')._crm_owners_cache.clear()
    pool.get('crm.sharing.rule')._shared_cache.clear()


class Role(tree(separator=' / '), ModelSQL, ModelView):
    "A node of the role hierarchy: a role sees what the roles below own."
    __name__ = 'crm.role'
    __string__ = "Role"
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
    __string__ = "Team"
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
    __string__ = "Team - User"
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
    __string__ = "Sharing"
    model = fields.Char("Model", required=True, readonly=True)
    model_name = fields.Function(
        fields.Char("Record Type"), 'get_model_name')
    access = fields.Selection(
        SHARING_ACCESS, "Default Access", required=True,
        help="Who may see and change the records of this type "
        "besides their owners and the owners' superiors.")
    read_all_groups = fields.Many2Many(
        'crm.sharing-res.group', 'sharing', 'group', "Groups Reading All",
        help="Members of these groups who hold no CRM profile read all "
        "the records of this type (e.g. accountants print the invoices "
        "of every account); they change none by sharing.")
    edit_all_groups = fields.Many2Many(
        'crm.sharing.edit-res.group', 'sharing', 'group',
        "Groups Editing All",
        help="Members of these groups who hold no CRM profile read and "
        "edit all the records of this type as host users, whatever their "
        "owner (e.g. accountants post the invoices of every sale).")
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
        # A database with sharing closes the host's side doors
        install_guard()
        cls._order.insert(0, ('model', 'ASC'))

    @classmethod
    def default_access(cls):
        return 'private'

    def get_model_name(self, name):
        return record_type_name(self.model)

    def get_rec_name(self, name):
        return self.model_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('model', *clause[1:]),
            ('model', 'in', cls._models_named(clause)),
            ]

    @classmethod
    def _models_named(cls, clause):
        "Return the shared models whose name matches the clause."
        pool = Pool()
        Model = pool.get('ir.model')
        with without_check_access():
            return [m.name for m in Model.search([
                        ('name', 'in', list(cls.shared_models())),
                        ('string', *clause[1:]),
                        ])]

    @classmethod
    def _settings(cls):
        """Return {model: (access, read-all group ids, edit-all group ids)}
        of the shared types."""
        settings = cls._access_cache.get(None)
        if settings is None:
            with without_check_access(), inactive_records():
                settings = {
                    s.model: (s.access,
                        tuple(sorted(map(int, s.read_all_groups))),
                        tuple(sorted(map(int, s.edit_all_groups))))
                    for s in cls.search([])}
            cls._access_cache.set(None, settings)
        return settings

    @classmethod
    def access_of(cls, model_name):
        "Return the sharing access of model_name or None if not shared."
        access, _, _ = cls._settings().get(model_name, (None, (), ()))
        return access

    @classmethod
    def read_all_groups_of(cls, model_name):
        "Return the ids of the groups reading all records of model_name."
        _, groups, _ = cls._settings().get(model_name, (None, (), ()))
        return set(groups)

    @classmethod
    def edit_all_groups_of(cls, model_name):
        "Return the ids of the groups editing all records of model_name."
        _, _, groups = cls._settings().get(model_name, (None, (), ()))
        return set(groups)

    @classmethod
    def host_user_reach(cls, model_name):
        """Return (reads all, edits all) of the current user on the records
        of model_name as a host user: a member of a group reading or
        editing all of them who holds no CRM profile."""
        User = Pool().get('res.user')
        if User.crm_holds_profile():
            return False, False
        groups = set(User.get_groups())
        edits = bool(groups & cls.edit_all_groups_of(model_name))
        reads = edits or bool(groups & cls.read_all_groups_of(model_name))
        return reads, edits

    @classmethod
    def shared_models(cls):
        "Return the names of the shared record types."
        return frozenset(cls._settings())

    @classmethod
    def _followed_types(cls):
        "Return {model: the type it follows} of the followers of the pool."
        return {name: Model.crm_sharing_follows
            for name, Model in Pool().iterobject()
            if getattr(Model, 'crm_sharing_follows', None)}

    @classmethod
    def followers_of(cls, model_name):
        "Return the models following the sharing of model_name."
        pool = Pool()
        return [pool.get(name)
            for name, follows in cls._followed_types().items()
            if follows == model_name]

    @classmethod
    def sharing_model_of(cls, model_name):
        """Return the shared type whose sharing model_name follows (itself
        if shared), None if none."""
        return cls.sharing_models().get(model_name)

    @classmethod
    def sharing_models(cls):
        """Return {model: shared type} of the shared types and of the
        models following them (asked at every rule look-up: kept with the
        shared types it was made of)."""
        shared = cls.shared_models()
        memo = cls.__dict__.get('_crm_sharing_models')
        if memo is None or memo[0] != shared:
            mapping = {m: m for m in shared}
            mapping.update((name, follows)
                for name, follows in cls._followed_types().items()
                if follows in shared)
            memo = cls._crm_sharing_models = (shared, mapping)
        return memo[1]

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        cls.regenerate_rules(records)
        return records

    @classmethod
    def clear_caches(cls):
        "Forget the cached sharing settings and the rule domains."
        cls._access_cache.clear()
        Pool().get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls.clear_caches()
        if mode == 'write' and (field_names or set()) & {
                'access', 'read_all_groups', 'model'}:
            cls.regenerate_rules(records)

    @classmethod
    def regenerate_rules(cls, records):
        """Replace the record rules of the sharings by the ones the current
        code of their models gives (a module activated or updated may have
        changed the rule domain or the scope)."""
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        with without_check_access():
            RuleGroup.delete(RuleGroup.search([
                        ('crm_sharing', 'in', [s.id for s in records]),
                        ]))
            cls._create_rules(records)

    @classmethod
    def regenerate_rules_of(cls, model_name):
        "Regenerate the rules of model_name if it is shared."
        if not backend.TableHandler.table_exist(cls._table):
            return
        with without_check_access(), inactive_records():
            sharings = cls.search([('model', '=', model_name)])
        if sharings:
            cls.regenerate_rules(sharings)

    @classmethod
    def _create_rules(cls, records):
        "Create the record rules that enforce the sharing of records."
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        ModelData = pool.get('ir.model.data')
        Message = pool.get('ir.message')
        admin_group = ModelData.get_id('crm_core', 'group_crm_admin')
        encoder = PYSONEncoder(sort_keys=True)
        to_create = []
        for sharing, Model in (
                (s, M) for s in records
                for M in [pool.get(s.model), *cls.followers_of(s.model)]):
            names = Model.__names__()['model']
            for mode in ['read', 'write']:
                # Create follows write: a user creates only the records
                # it may then edit (not records given away to others)
                to_create.append({
                        # (the message itself: gettext gives the id of
                        # a message while modules are being activated)
                        'name': Message.gettext(
                            'crm_core', 'msg_sharing_rule_name',
                            Transaction().language, model=names, mode=mode),
                        'model': Model.__name__,
                        'crm_sharing': sharing.id,
                        'global_p': False,
                        'default_p': True,
                        'perm_read': mode == 'read',
                        'perm_write': mode == 'write',
                        'perm_create': mode == 'write',
                        'perm_delete': mode == 'write',
                        'rules': [('create', [{
                                        'domain': encoder.encode(
                                            Model.crm_sharing_domain(mode)),
                                        }])],
                        })
            # A rule group without rule grants everything to its groups
            to_create.append({
                    'name': Message.gettext(
                        'crm_core', 'msg_sharing_rule_admin',
                        Transaction().language, model=names),
                    'model': Model.__name__,
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


class SharingReadAllGroup(ModelSQL):
    "A host group whose members without CRM profile read all records."
    __name__ = 'crm.sharing-res.group'
    __string__ = "Sharing - Reading Group"
    sharing = fields.Many2One(
        'crm.sharing', "Sharing", required=True, ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('crm.sharing').clear_caches()


class SharingEditAllGroup(SharingReadAllGroup):
    "A host group whose members without CRM profile edit all records."
    __name__ = 'crm.sharing.edit-res.group'
    __string__ = "Sharing - Editing Group"


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
            'whose CRM records the user may edit by ownership or by a '
            'sharing rule giving read and write'
            '\n- "crm_read_users" and "crm_read_teams": the same for '
            'reading, with the sharing rules giving read only'
            '\n- "crm_public_read", "crm_public_write": the sharing access '
            'of the record type'
            '\n- "crm_read_all": the user holds no CRM profile and is in a '
            'group reading (or editing) all records of the type'
            '\n- "crm_edit_all": the user holds no CRM profile and is in a '
            'group editing all records of the type'
            '\n- "crm_user": the id of the user'
            '\n- "crm_host_user": the user holds no CRM profile'
            '\n- "crm_may_read": the user holds no CRM profile or one that '
            'grants View on the record type'
            )

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        Sharing = Pool().get('crm.sharing')
        if not Sharing.sharing_models().keys().isdisjoint(model_names):
            # The CRM context depends on the user, not only on its groups
            key = (*key, Transaction().user)
        return key

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        Sharing = pool.get('crm.sharing')
        SharingRule = pool.get('crm.sharing.rule')
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        # (a follower's rules are its shared type's)
        model_name = Sharing.sharing_model_of(model_name)
        access = model_name and Sharing.access_of(model_name)
        if access:
            users, teams = User.crm_visible_owners()
            holds_profile = User.crm_holds_profile()
            read_all, edit_all = Sharing.host_user_reach(model_name)
            context.update({
                    # widened by the sharing rules (sharing_rule.py)
                    **SharingRule.owner_context(model_name, users, teams),
                    'crm_public_read': access != 'private',
                    'crm_public_write': access == 'public_read_write',
                    'crm_read_all': read_all,
                    # (the cache key holds the user: _get_cache_key)
                    'crm_user': Transaction().user,
                    'crm_edit_all': edit_all,
                    'crm_host_user': not holds_profile,
                    # (host groups cannot widen what a profile may view)
                    'crm_may_read': (not holds_profile
                        or User.crm_has_permission('read', model_name)),
                    })
        return context


def record_type_name(model_name):
    "Return the name users give the records of the CRM type model_name."
    pool = Pool()
    try:
        Model = pool.get(model_name)
    except KeyError:
        Model = None
    name = getattr(Model, 'crm_record_type_name', lambda: None)()
    return name or pool.get('ir.model').get_name(model_name)


class SharingFollowerMixin:
    """Records whose access follows the sharing of the records of another
    type (``crm_sharing_follows``), such as the occurrences of activities.

    The follower holds copies of the owner fields of the followed type,
    under the same names (``assigned_user``, ``assigned_team``, and the
    fields the followed type adds to its rule domain), kept up to date by
    its own code; it gets record rules of its own, with the followed
    type's domains, created and regenerated with the followed type's.
    ``__access__`` would give the same access, but as a semi-join with
    the followed table, that a calendar of a million activities scans
    twice (bench/README.md)."""
    __slots__ = ()
    crm_sharing_follows = None

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        Pool().get('crm.sharing').regenerate_rules_of(
            cls.crm_sharing_follows)

    @classmethod
    def crm_sharing_domain(cls, mode):
        "Return the rule domain of the followed type."
        return Pool().get(cls.crm_sharing_follows).crm_sharing_domain(mode)


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
    def __register__(cls, module_name):
        super().__register__(module_name)
        # The rules follow the code of the module activated or updated
        Pool().get('crm.sharing').regenerate_rules_of(cls.__name__)

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
    def crm_record_type_name(cls):
        """Return what users call the records of this type, when it is not
        the name of the model (a host model holding CRM records: parties
        are accounts and contacts)."""
        return None

    @classmethod
    def crm_sharing_domain(cls, mode):
        "Return the PYSON rule domain of the records the user may access."
        if mode == 'read':
            # (also the owners whose records are shared read only)
            users, teams = 'crm_read_users', 'crm_read_teams'
        else:
            users, teams = 'crm_users', 'crm_teams'
        owned = ['OR',
            ('assigned_user', 'in', Eval(users, [])),
            ('assigned_team', 'in', Eval(teams, [])),
            ]
        if mode == 'read':
            public = (Bool(Eval('crm_public_read', False))
                | Bool(Eval('crm_read_all', False)))
        else:
            public = (Bool(Eval('crm_public_write', False))
                | Bool(Eval('crm_edit_all', False)))
        domain = If(public, [], owned)
        if mode == 'read':
            domain = If(Bool(Eval('crm_may_read', True)), domain,
                [('id', '=', None)])
        scope = cls.crm_sharing_scope()
        if scope:
            return ['OR', scope, domain]
        return [domain]

    @classmethod
    def crm_default_permissions(cls, group, values):
        """Return the permissions the profile group starts with on this
        record type when it is registered, given values: the profile's
        permissions on accounts ({'perm_read': True, ...})."""
        return values

    @classmethod
    def crm_check_permission(cls, action):
        """Raise if the user's profile does not grant action on this record
        type: a standard action (read, create, write, delete, import,
        export, reassign) or the code of a module's crm.profile.action."""
        pool = Pool()
        User = pool.get('res.user')
        Action = pool.get('crm.profile.action')
        if action in STANDARD_ACTIONS:
            if User.crm_has_permission(action, cls.__name__):
                return
            raise ProfileAccessError(gettext(
                    'crm_core.msg_profile_denied',
                    action=gettext('crm_core.msg_action_%s' % action),
                    **cls.__names__()))
        with without_check_access():
            actions = Action.search([
                    ('model', '=', cls.__name__),
                    ('code', '=', action),
                    ], limit=1)
        if not actions:
            raise ValueError(
                f"Unknown CRM action {action!r} of {cls.__name__}")
        if not User.crm_has_permission(action, cls.__name__):
            raise ProfileAccessError(actions[0].denied_message())

    @classmethod
    def crm_check_profile(cls, action, records):
        """Raise if the profile does not allow action on the CRM records
        (a host user of a group editing all of them has no profile)."""
        Sharing = Pool().get('crm.sharing')
        _, edit_all = Sharing.host_user_reach(cls.__name__)
        if not edit_all and cls.crm_records(records):
            cls.crm_check_permission(action)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            cls.crm_check_profile(mode, records)

    @classmethod
    def read(cls, ids, fields_names):
        """Tell clients a record is read-only when the profile forbids edits.

        (The name of a hidden record read with a visible one that links to
        it reads as a placeholder: ``request_guard``, for every guarded
        model.)"""
        pool = Pool()
        User = pool.get('res.user')
        result = super().read(ids, fields_names)
        flags = {'_write', '_delete'} & set(fields_names)
        if not flags or not Transaction().check_access:
            return result
        denied = [f for f in sorted(flags)
            if not User.crm_has_permission(f[1:], cls.__name__)]
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
