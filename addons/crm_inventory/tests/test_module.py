# This file is part of the CRM for Tryton.

from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmInventoryTestCase(ModuleTestCase):
    "Test crm_inventory module"
    module = 'crm_inventory'

    @with_transaction()
    def test_group_and_menu(self):
        "The CRM Inventory group and its menu under the CRM root exist"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')

        group = Group(ModelData.get_id('crm_inventory', 'group_inventory'))
        menu = Menu(ModelData.get_id('crm_inventory', 'menu_inventory'))
        root = Menu(ModelData.get_id('crm_core', 'menu_crm'))

        self.assertEqual(group.name, "CRM Inventory")
        self.assertEqual(menu.parent, root)
        self.assertIn(group, menu.groups)
        admin = User(ModelData.get_id('res', 'user_admin'))
        self.assertIn(group, admin.groups)


del ModuleTestCase
