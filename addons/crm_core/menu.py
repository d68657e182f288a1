"""The CRM menu: what a CRM user's job needs, CRM first.

The host's menu stays as it is for every host user.  A user holding a CRM
profile whose menu is the host's default gets the *CRM Menu* instead: the
CRM, then the host's top-level menus that one of its groups opens
explicitly, but not those a CRM menu covers (``crm.menu.covered``, e.g.
the host's *Sales* beside *CRM > Sales*) nor the host menus open to every
user (*Parties*, *Products*).  *Full Menu* is the host's whole menu under a
distinct name, for a CRM user (an administrator) who wants it."""
from sql import Null

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import PYSONEncoder


class MenuCovered(ModelSQL, ModelView):
    "A host top-level menu that a CRM menu covers for CRM users."
    __name__ = 'crm.menu.covered'
    __string__ = "Covered Menu"
    host_menu = fields.Many2One(
        'ir.ui.menu', "Host Menu", required=True, ondelete='CASCADE',
        domain=[('parent', '=', None)])
    crm_menu = fields.Many2One(
        'ir.ui.menu', "CRM Menu", required=True, ondelete='CASCADE',
        help="The menu under CRM that does the same job.")


class Menu(metaclass=PoolMeta):
    __name__ = 'ir.ui.menu'
    crm_covered = fields.Function(
        fields.Boolean("Covered by the CRM"),
        'get_crm_covered', searcher='search_crm_covered')

    @classmethod
    def get_crm_covered(cls, menus, name):
        Covered = Pool().get('crm.menu.covered')
        covered = {c.host_menu.id for c in Covered.search([
                    ('host_menu', 'in', [m.id for m in menus]),
                    ])}
        return {m.id: m.id in covered for m in menus}

    @classmethod
    def search_crm_covered(cls, name, clause):
        Covered = Pool().get('crm.menu.covered')
        covered = Covered.__table__()
        _, operator, value = clause
        query = covered.select(
            covered.host_menu, where=covered.host_menu != Null)
        if (operator == '=') == bool(value):
            return [('id', 'in', query)]
        return [('id', 'not in', query)]


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    def get_pyson_menu(self, name):
        pool = Pool()
        Action = pool.get('ir.action')
        ModelData = pool.get('ir.model.data')
        host_menu = self.default_menu()
        if ((not self.menu or self.menu.id == host_menu)
                and any(g.crm_profile for g in self.groups)):
            menu = Action(ModelData.get_id('crm_core', 'act_menu_crm'))
            return PYSONEncoder().encode(menu.get_action_value())
        return super().get_pyson_menu(name)
