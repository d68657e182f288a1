# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""CRM profiles: what the members of a profile may do, per record type.

A profile is a ``res.group`` flagged *CRM Profile*.  For each record type
registered for sharing it holds one :class:`ProfilePermission` row, a line
of the profile's grid:

* View, Create, Edit and Delete are the host's ``ir.model.access`` records
  of the profile's group (the row creates and keeps them), so the host
  enforces them and clients hide the buttons a user may not use;
* Import, Export and Mass Re-assign, which the host lacks, are stored on
  the row;
* the actions that modules add to a record type (:class:`ProfileAction`,
  e.g. "Convert Lead") are granted per row.

A module adds an action with one XML record::

    <record model="crm.profile.action" id="profile_action_convert">
        <field name="model">sale.opportunity</field>
        <field name="code">convert</field>
        <field name="name">Convert Lead</field>
        <field name="message">crm_sales.msg_convert_denied</field>
        <field name="granted_with">create</field>
    </record>

and checks it with ``Opportunity.crm_check_permission('convert')``, or
on a button with :func:`profile_action` (outside ``ModelView.button``).

A record type registered later starts, for each profile, with the
permissions the profile has on accounts (``party.party``); the model may
change that with :meth:`OwnedMixin.crm_default_permissions`.
"""
from collections import defaultdict
from functools import wraps

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)


def profile_action(action):
    """Decorate a button method of an owned type: the caller's profile must
    grant action.  The host runs a button's function without access
    checks, so this decorator goes above ``ModelView.button``::

        @classmethod
        @profile_action('publish')
        @ModelView.button
        @Workflow.transition('published')
        def publish(cls, faqs): ...
    """
    def decorator(func):
        @wraps(func)
        def wrapper(cls, records, *args, **kwargs):
            transaction = Transaction()
            if transaction.user and transaction.check_access:
                cls.crm_check_permission(action)
            return func(cls, records, *args, **kwargs)
        return wrapper
    return decorator


#: The permissions of the host's ir.model.access, by row field
HOST_PERMISSIONS = {
    'perm_read': 'read',
    'perm_create': 'create',
    'perm_write': 'write',
    'perm_delete': 'delete',
    }
#: The permissions the CRM adds to every record type, by row field
CRM_PERMISSIONS = {
    'perm_import': 'import',
    'perm_export': 'export',
    'perm_reassign': 'reassign',
    }
#: Every permission of a line, by row field
PERMISSIONS = {**HOST_PERMISSIONS, **CRM_PERMISSIONS}
STANDARD_ACTIONS = list(PERMISSIONS.values())
#: The record type whose permissions a new record type starts from
FIRST_RECORD_TYPE = 'party.party'


def clear_permission_caches():
    "Forget the cached profile permissions and the rule domains using them."
    pool = Pool()
    pool.get('res.group')._crm_permissions_cache.clear()
    pool.get('ir.rule')._domain_get_cache.clear()


class ProfileAction(ModelSQL, ModelView):
    "An action a module adds to a CRM record type, granted per profile."
    __name__ = 'crm.profile.action'
    __string__ = "Profile Action"
    model = fields.Char(
        "Record Type", required=True,
        help="The model of the CRM record type the action applies to.")
    model_name = fields.Function(
        fields.Char("Record Type Name"), 'get_model_name')
    code = fields.Char(
        "Code", required=True,
        help="The name by which the code checks the action.")
    name = fields.Char("Name", required=True, translate=True)
    message = fields.Char(
        "Error Message",
        help="The XML id of the message shown when a profile does not "
        "grant the action (module.id); a generic message when empty.")
    granted_with = fields.Selection([
            ('read', "View"),
            ('create', "Create"),
            ('write', "Edit"),
            ('delete', "Delete"),
            ('import', "Import"),
            ('export', "Export"),
            ('reassign', "Mass Re-assign"),
            ], "Granted With", required=True,
        help="Profiles holding this permission on the record type are "
        "granted the action when it, or the record type, is added.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.model, t.code),
                'crm_core.msg_profile_action_unique'),
            ]
        cls._order.insert(0, ('model', 'ASC'))

    @classmethod
    def default_granted_with(cls):
        return 'write'

    def get_model_name(self, name):
        return Pool().get('ir.model').get_name(self.model)

    def get_rec_name(self, name):
        return self.name

    @classmethod
    def create(cls, vlist):
        actions = super().create(vlist)
        Pool().get('crm.profile.permission').grant_default_actions(
            actions=actions)
        return actions

    @classmethod
    def on_modification(cls, mode, actions, field_names=None):
        super().on_modification(mode, actions, field_names=field_names)
        clear_permission_caches()

    def denied_message(self):
        "Return the translated error telling the action is not granted."
        Model = Pool().get(self.model)
        names = Model.__names__()
        if self.message:
            return gettext(self.message, **names)
        return gettext(
            'crm_core.msg_profile_denied', action=self.name, **names)


class ProfilePermission(ModelSQL, ModelView):
    "What the members of a CRM profile may do with one record type."
    __name__ = 'crm.profile.permission'
    __string__ = "Profile Permission"
    group = fields.Many2One(
        'res.group', "Profile", required=True, ondelete='CASCADE',
        domain=[('crm_profile', '=', True)],
        states={'readonly': Eval('id', -1) >= 0})
    sharing = fields.Many2One(
        'crm.sharing', "Record Type", required=True, ondelete='CASCADE',
        states={'readonly': Eval('id', -1) >= 0})
    model = fields.Function(fields.Char("Model"), 'on_change_with_model')
    perm_read = fields.Function(
        fields.Boolean("View"), 'get_host_permission',
        setter='set_host_permission')
    perm_create = fields.Function(
        fields.Boolean("Create"), 'get_host_permission',
        setter='set_host_permission')
    perm_write = fields.Function(
        fields.Boolean("Edit"), 'get_host_permission',
        setter='set_host_permission')
    perm_delete = fields.Function(
        fields.Boolean("Delete"), 'get_host_permission',
        setter='set_host_permission')
    perm_import = fields.Boolean("Import")
    perm_export = fields.Boolean("Export")
    perm_reassign = fields.Boolean("Mass Re-assign")
    actions = fields.Many2Many(
        'crm.profile.permission-crm.profile.action', 'permission', 'action',
        "Other Actions",
        domain=[('model', '=', Eval('model', ''))],
        help="The actions of modules granted on this record type.")
    host_accesses = fields.One2Many(
        'ir.model.access', 'crm_permission', "Model Accesses", readonly=True,
        help="The host's access records enforcing View, Create, Edit and "
        "Delete, for the record type and the records following it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('group_sharing_unique', Unique(t, t.group, t.sharing),
                'crm_core.msg_profile_permission_unique'),
            ]
        cls._order = [('group', 'ASC'), ('sharing', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_perm_read(cls):
        return True

    @fields.depends('sharing')
    def on_change_with_model(self, name=None):
        return self.sharing.model if self.sharing else None

    def get_rec_name(self, name):
        return '%s: %s' % (self.group.rec_name, self.sharing.rec_name)

    @classmethod
    def followers(cls, model_name):
        """Return the models whose access follows model_name through the
        host's __access__ (e.g. addresses follow their party) and that the
        host grants no access of their own: editing the record type
        includes creating, editing and deleting them."""
        pool = Pool()
        Access = pool.get('ir.model.access')
        result = []
        for name, Model in pool.iterobject():
            if name == model_name or not issubclass(Model, ModelSQL):
                continue
            for field_name in getattr(Model, '__access__', ()):
                field = Model._fields.get(field_name)
                if field and getattr(field, 'model_name', None) == model_name:
                    result.append(name)
                    break
        with without_check_access(), inactive_records():
            own = {a.model for a in Access.search([
                        ('model', 'in', result),
                        ('crm_permission', '=', None),
                        ])}
        return sorted(set(result) - own)

    @classmethod
    def _main_accesses(cls, permissions):
        "Return {permission id: its ir.model.access of the record type}."
        result = {}
        with without_check_access(), inactive_records():
            for permission in cls.browse(permissions):
                for access in permission.host_accesses:
                    if access.model == permission.sharing.model:
                        result[permission.id] = access
        return result

    @classmethod
    def get_host_permission(cls, permissions, names):
        accesses = cls._main_accesses(permissions)
        result = {n: {} for n in names}
        for permission in permissions:
            access = accesses.get(permission.id)
            for name in names:
                result[name][permission.id] = bool(
                    access and access.active and getattr(access, name))
        return result

    @classmethod
    def set_host_permission(cls, permissions, name, value):
        """Write the permission in the host's access records: the record
        type's, and those of the models following it (which may be
        created, edited and deleted with the record type's Edit)."""
        pool = Pool()
        Access = pool.get('ir.model.access')
        cls._ensure_host_accesses(permissions)
        with without_check_access(), inactive_records():
            main, followers = [], []
            for permission in cls.browse(permissions):
                for access in permission.host_accesses:
                    if access.model == permission.sharing.model:
                        main.append(access)
                    else:
                        followers.append(access)
            if main:
                Access.write(main, {name: bool(value)})
            if followers and name in {'perm_read', 'perm_write'}:
                values = {name: bool(value)}
                if name == 'perm_write':
                    values.update(
                        perm_create=bool(value), perm_delete=bool(value))
                Access.write(followers, values)

    @classmethod
    def _ensure_host_accesses(cls, permissions):
        "Create the missing host access records of the permissions."
        pool = Pool()
        Access = pool.get('ir.model.access')
        to_create = []
        with without_check_access(), inactive_records():
            permissions = cls.browse(permissions)
            followers = {
                m: cls.followers(m)
                for m in {p.sharing.model for p in permissions}}
            for permission in permissions:
                model = permission.sharing.model
                existing = {a.model for a in permission.host_accesses}
                for name in [model, *followers[model]]:
                    if name not in existing:
                        to_create.append({
                                'model': name,
                                'group': permission.group.id,
                                'crm_permission': permission.id,
                                'description': gettext(
                                    'crm_core.msg_profile_host_access'),
                                })
            if to_create:
                Access.create(to_create)
        if to_create:
            clear_permission_caches()

    @classmethod
    def create(cls, vlist):
        permissions = super().create(vlist)
        cls._ensure_host_accesses(permissions)
        return permissions

    @classmethod
    def check_modification(
            cls, mode, permissions, values=None, external=False):
        super().check_modification(
            mode, permissions, values=values, external=external)
        if mode == 'write' and values and {'group', 'sharing'} & set(values):
            # the host's access records belong to the row's group and type
            raise AccessError(gettext('crm_core.msg_profile_permission_fixed'))

    @classmethod
    def copy(cls, permissions, default=None):
        "Copy the host permissions too (function fields are not copied)."
        default = default.copy() if default is not None else {}
        default.setdefault('host_accesses', None)
        new = super().copy(permissions, default=default)
        for source, copy in zip(permissions, new):
            cls.write([copy], {
                    n: getattr(source, n) for n in HOST_PERMISSIONS})
        return new

    @classmethod
    def on_modification(cls, mode, permissions, field_names=None):
        super().on_modification(mode, permissions, field_names=field_names)
        clear_permission_caches()


    def actions_granted(self):
        "Return the codes of the actions the row grants."
        granted = {
            action for field, action in PERMISSIONS.items()
            if getattr(self, field)}
        granted.update(a.code for a in self.actions)
        return granted

    @classmethod
    def create_for(cls, groups=None, sharings=None):
        """Create the rows missing for the profile groups and the record
        types.  A record type registered later starts from each profile's
        permissions on accounts; a new profile starts read only.  Without
        groups, the profiles concerned are those already holding rows (the
        default profiles get their rows on accounts from crm_core's data).
        """
        pool = Pool()
        Group = pool.get('res.group')
        Sharing = pool.get('crm.sharing')
        with without_check_access(), inactive_records():
            if groups is None:
                groups = Group.search([
                        ('crm_profile', '=', True),
                        ('crm_permissions', '!=', None),
                        ])
            if sharings is None:
                sharings = Sharing.search([])
            existing = {
                (p.group.id, p.sharing.id): p for p in cls.search([
                        ('group', 'in', [g.id for g in groups]),
                        ])}
            firsts = {
                g: p for (g, _), p in existing.items()
                if p.sharing.model == FIRST_RECORD_TYPE}
            to_create = []
            for sharing in sharings:
                Model = pool.get(sharing.model)
                for group in groups:
                    if (group.id, sharing.id) in existing:
                        continue
                    first = firsts.get(group.id)
                    if first:
                        values = {
                            f: getattr(first, f) for f in PERMISSIONS}
                    else:
                        values = {'perm_read': True}
                    values = Model.crm_default_permissions(group, values)
                    to_create.append({
                            'group': group.id,
                            'sharing': sharing.id,
                            **values,
                            })
            permissions = cls.create(to_create)
        cls.grant_default_actions(permissions=permissions)
        return permissions

    @classmethod
    def grant_default_actions(cls, permissions=None, actions=None):
        """Grant the actions to the rows of their record type holding the
        permission they are granted with."""
        pool = Pool()
        Action = pool.get('crm.profile.action')
        fields_of = {v: k for k, v in PERMISSIONS.items()}
        with without_check_access(), inactive_records():
            if permissions is None:
                permissions = cls.search([
                        ('sharing.model', 'in',
                            list({a.model for a in actions})),
                        ])
            if actions is None:
                actions = Action.search([
                        ('model', 'in',
                            list({p.sharing.model for p in permissions})),
                        ])
            by_model = defaultdict(list)
            for action in actions:
                by_model[action.model].append(action)
            to_write = []
            for permission in permissions:
                granted = [
                    a.id for a in by_model[permission.sharing.model]
                    if getattr(permission, fields_of[a.granted_with])
                    and a not in permission.actions]
                if granted:
                    to_write.extend(([permission], {
                                'actions': [('add', granted)],
                                }))
            if to_write:
                cls.write(*to_write)


class ProfilePermissionAction(ModelSQL):
    "An action of a module granted to a profile on a record type."
    __name__ = 'crm.profile.permission-crm.profile.action'
    __string__ = "Profile Permission - Action"
    permission = fields.Many2One(
        'crm.profile.permission', "Permission", required=True,
        ondelete='CASCADE')
    action = fields.Many2One(
        'crm.profile.action', "Action", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        clear_permission_caches()


class ModelAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.access'
    crm_permission = fields.Many2One(
        'crm.profile.permission', "CRM Profile Permission", readonly=True,
        ondelete='CASCADE',
        help="The line of a CRM profile that maintains this access.")

    @classmethod
    def on_modification(cls, mode, accesses, field_names=None):
        super().on_modification(mode, accesses, field_names=field_names)
        clear_permission_caches()


class Group(metaclass=PoolMeta):
    __name__ = 'res.group'
    _crm_permissions_cache = Cache('res_group.crm_permissions', context=False)
    crm_profile = fields.Boolean(
        "CRM Profile",
        help="The group is a CRM profile: its members see CRM records "
        "by sharing only, whatever other groups they hold, and may do "
        "with each record type what the profile's permissions grant.")
    crm_permissions = fields.One2Many(
        'crm.profile.permission', 'group', "CRM Permissions",
        states={'invisible': ~Eval('crm_profile', False)},
        help="What the members may do, per CRM record type.")

    @classmethod
    def crm_permissions_of(cls, group_ids):
        """Return (holds a profile, {model: granted action codes}) for the
        profiles among the groups."""
        key = tuple(sorted(group_ids))
        cached = cls._crm_permissions_cache.get(key)
        if cached is not None:
            return cached
        pool = Pool()
        Permission = pool.get('crm.profile.permission')
        holds_profile, granted = False, defaultdict(set)
        if group_ids:
            with without_check_access(), inactive_records():
                profiles = cls.search([
                        ('id', 'in', list(group_ids)),
                        ('crm_profile', '=', True),
                        ])
                holds_profile = bool(profiles)
                for permission in Permission.search([
                            ('group', 'in', [g.id for g in profiles]),
                            ]):
                    granted[permission.sharing.model].update(
                        permission.actions_granted())
        result = (holds_profile, {
                m: frozenset(a) for m, a in granted.items()})
        cls._crm_permissions_cache.set(key, result)
        return result

    @classmethod
    def create(cls, vlist):
        groups = super().create(vlist)
        Permission = Pool().get('crm.profile.permission')
        Permission.create_for(groups=[g for g in groups if g.crm_profile])
        return groups

    @classmethod
    def write(cls, *args):
        super().write(*args)
        Permission = Pool().get('crm.profile.permission')
        groups = sum(args[::2], [])
        Permission.create_for(groups=[g for g in groups if g.crm_profile])

    @classmethod
    def copy(cls, groups, default=None):
        "Copy the profile's permissions with the group."
        pool = Pool()
        Permission = pool.get('crm.profile.permission')
        default = default.copy() if default is not None else {}
        default.setdefault('crm_permissions', None)
        new = super().copy(groups, default=default)
        for source, copy in zip(groups, new):
            if source.crm_permissions:
                Permission.delete(copy.crm_permissions)
                Permission.copy(
                    source.crm_permissions, default={'group': copy.id})
        return new

    @classmethod
    def on_modification(cls, mode, groups, field_names=None):
        super().on_modification(mode, groups, field_names=field_names)
        clear_permission_caches()


class Sharing(metaclass=PoolMeta):
    __name__ = 'crm.sharing'
    permissions = fields.One2Many(
        'crm.profile.permission', 'sharing', "Profile Permissions",
        readonly=True)

    @classmethod
    def create(cls, vlist):
        sharings = super().create(vlist)
        Pool().get('crm.profile.permission').create_for(sharings=sharings)
        return sharings


def user_permissions():
    "Return (holds a profile, {model: actions}) of the current user."
    pool = Pool()
    User = pool.get('res.user')
    Group = pool.get('res.group')
    return Group.crm_permissions_of(User.get_groups())


def has_permission(action, model_name):
    """Tell if the current user may do action on model_name's CRM records:
    root always, a user without CRM profile never, a profile member when
    one of its profiles grants it."""
    if not Transaction().user:
        return True
    _, granted = user_permissions()
    return action in granted.get(model_name, ())
