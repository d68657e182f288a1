"""The shared all-module database the cross-module tests run on."""
from crm_testing import MODULES


def test_all_crm_modules_activated(crm_transaction):
    from trytond.pool import Pool
    Module = Pool().get('ir.module')
    modules = Module.search([('name', 'in', MODULES)])
    assert {m.name: m.state for m in modules} == {
        m: 'activated' for m in MODULES}


def test_crm_menus_under_root(crm_transaction):
    from trytond.pool import Pool
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Menu = pool.get('ir.ui.menu')
    root = ModelData.get_id('crm_core', 'menu_crm')
    children = Menu.search([('parent', '=', root)])
    names = {m.name for m in children}
    assert {'Sales', 'Inventory', 'Support', 'Marketing', 'Portal'} <= names
