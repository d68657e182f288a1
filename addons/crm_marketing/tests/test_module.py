# This file is part of the CRM for Tryton.

from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CrmMarketingTestCase(ModuleTestCase):
    "Test crm_marketing module"
    module = 'crm_marketing'

    @with_transaction()
    def test_group_and_menu(self):
        "The CRM Marketing group and its menu under the CRM root exist"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')

        group = Group(ModelData.get_id('crm_marketing', 'group_marketing'))
        menu = Menu(ModelData.get_id('crm_marketing', 'menu_marketing'))
        root = Menu(ModelData.get_id('crm_core', 'menu_crm'))

        self.assertEqual(group.name, "CRM Marketing")
        self.assertEqual(menu.parent, root)
        self.assertIn(group, menu.groups)
        admin = User(ModelData.get_id('res', 'user_admin'))
        self.assertIn(group, admin.groups)


del ModuleTestCase
