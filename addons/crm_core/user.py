"""Users and groups seen by the CRM: role, teams and profile permissions."""
from trytond.cache import Cache
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .ownership import clear_visibility_caches

PROFILE_ACTIONS = ['create', 'write', 'delete', 'export', 'import', 'reassign']


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    crm_role = fields.Many2One(
        'crm.role', "CRM Role", ondelete='RESTRICT',
        help="The place of the user in the CRM role hierarchy: "
        "the user sees the records owned by the roles below.")
    crm_teams = fields.Many2Many(
        'crm.team-res.user', 'user', 'team', "CRM Teams")
    _crm_owners_cache = Cache('res_user.crm_visible_owners', context=False)

    @classmethod
    def crm_visible_owners(cls):
        """Return the ids of the users and teams whose records the current
        user sees by ownership: the user, the users of the roles below its
        role, and the teams any of them belongs to or leads."""
        pool = Pool()
        Role = pool.get('crm.role')
        Team = pool.get('crm.team')
        user_id = Transaction().user
        cached = cls._crm_owners_cache.get(user_id)
        if cached is not None:
            return cached
        with without_check_access(), inactive_records():
            user = cls(user_id)
            user_ids = {user_id}
            if user.crm_role:
                roles = Role.search([
                        ('parent', 'child_of', [user.crm_role.id]),
                        ('id', '!=', user.crm_role.id),
                        ])
                if roles:
                    user_ids.update(map(int, cls.search([
                                    ('crm_role', 'in', [r.id for r in roles]),
                                    ])))
            user_ids = sorted(user_ids)
            team_ids = sorted(map(int, Team.search(['OR',
                            ('members', 'in', user_ids),
                            ('leader', 'in', user_ids),
                            ])))
        result = (user_ids, team_ids)
        cls._crm_owners_cache.set(user_id, result)
        return result

    @classmethod
    def crm_has_permission(cls, action):
        "Tell if a group of the current user grants the CRM action."
        pool = Pool()
        Group = pool.get('res.group')
        assert action in PROFILE_ACTIONS, action
        if not Transaction().user:
            return True
        return action in Group.crm_permissions(cls.get_groups())

    @classmethod
    def crm_holds_profile(cls):
        "Tell if a group of the current user is a CRM profile."
        pool = Pool()
        Group = pool.get('res.group')
        return 'profile' in Group.crm_permissions(cls.get_groups())

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if (mode != 'write' or field_names is None
                or field_names & {'crm_role', 'crm_teams', 'active'}):
            clear_visibility_caches()


class Group(metaclass=PoolMeta):
    __name__ = 'res.group'
    _crm_permissions_cache = Cache('res_group.crm_permissions', context=False)
    crm_profile = fields.Boolean(
        "CRM Profile",
        help="The group is a CRM profile: its members see CRM records "
        "by sharing only, whatever other groups they hold.")
    crm_create = fields.Boolean(
        "CRM Create", help="Members may create CRM records.")
    crm_write = fields.Boolean(
        "CRM Edit", help="Members may edit CRM records.")
    crm_delete = fields.Boolean(
        "CRM Delete", help="Members may delete CRM records.")
    crm_export = fields.Boolean(
        "CRM Export", help="Members may export CRM records.")
    crm_import = fields.Boolean(
        "CRM Import", help="Members may import CRM records.")
    crm_reassign = fields.Boolean(
        "CRM Mass Re-assign",
        help="Members may re-assign many CRM records at once.")

    @classmethod
    def crm_permissions(cls, group_ids):
        """Return the CRM actions granted by any of the groups, and
        'profile' if one of them is a CRM profile."""
        key = tuple(sorted(group_ids))
        permissions = cls._crm_permissions_cache.get(key)
        if permissions is None:
            permissions = frozenset()
            if group_ids:
                with without_check_access():
                    groups = cls.browse(list(group_ids))
                    permissions = frozenset(
                        action for action in PROFILE_ACTIONS + ['profile']
                        if any(getattr(g, f'crm_{action}') for g in groups))
            cls._crm_permissions_cache.set(key, permissions)
        return permissions

    @classmethod
    def on_modification(cls, mode, groups, field_names=None):
        super().on_modification(mode, groups, field_names=field_names)
        cls._crm_permissions_cache.clear()
