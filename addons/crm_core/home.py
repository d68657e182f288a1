"""The home screen: the window a CRM user lands on at login.

A role has a default home screen, a user may override it on its CRM tab;
a role without one takes the home screen of the role it reports to.  It is
opened at login by the host's *Actions* of the user (``res.user.actions``,
which ``get_preferences`` returns and the clients run)."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, check_access

HOME_SCREEN_DOMAIN = [('type', '=', 'ir.action.act_window')]


def _home_screen_field(help):
    return fields.Many2One(
        'ir.action', "Home Screen", ondelete='SET NULL',
        domain=HOME_SCREEN_DOMAIN, help=help)


class Role(metaclass=PoolMeta):
    __name__ = 'crm.role'
    crm_home_screen = _home_screen_field(
        "The window the users of the role land on at login "
        "(when empty, the one of the role it reports to).")

    def crm_home_screen_used(self):
        "Return the home screen of the role or of the first role above it."
        role, seen = self, set()
        while role and role.id not in seen:
            if role.crm_home_screen:
                return role.crm_home_screen
            seen.add(role.id)
            role = role.parent


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    crm_home_screen = _home_screen_field(
        "The window the user lands on at login "
        "(when empty, the home screen of its CRM role).")

    def crm_home_screen_used(self):
        "Return the home screen of the user, else the one of its role."
        if self.crm_home_screen:
            return self.crm_home_screen
        if self.crm_role:
            return self.crm_role.crm_home_screen_used()

    @classmethod
    def _get_preferences(cls, user, context_only=False):
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        ModelAccess = pool.get('ir.model.access')
        preferences = super()._get_preferences(
            user, context_only=context_only)
        if context_only or 'actions' not in preferences:
            return preferences
        home = user.crm_home_screen_used()
        if not home or not home.active or home.id in preferences['actions']:
            return preferences
        # Open only a window the user may open and read: the clients would
        # greet it with an access error
        if home.groups and not set(map(int, home.groups)) & set(
                map(int, user.groups)):
            return preferences
        windows = ActWindow.search([('action', '=', home.id)], limit=1)
        if not windows:
            return preferences
        # (a board, as CRM > Home, has no type: its blocks check theirs)
        with Transaction().set_user(user.id), check_access():
            if (windows[0].res_model and not ModelAccess.check(
                        windows[0].res_model, raise_exception=False)):
                return preferences
        preferences['actions'] = preferences['actions'] + [home.id]
        return preferences
