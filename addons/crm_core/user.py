"""Users and groups seen by the CRM: role, teams and profile permissions."""
from trytond.cache import Cache
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .ownership import clear_visibility_caches
from .profile import has_permission, user_permissions


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
    def crm_has_permission(cls, action, model_name):
        """Tell if a profile of the current user grants the action (a
        standard one or a module's code) on the record type model_name."""
        return has_permission(action, model_name)

    @classmethod
    def crm_holds_profile(cls):
        "Tell if a group of the current user is a CRM profile."
        holds_profile, _ = user_permissions()
        return holds_profile

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if (mode != 'write' or field_names is None
                or field_names & {'crm_role', 'crm_teams', 'active'}):
            clear_visibility_caches()
