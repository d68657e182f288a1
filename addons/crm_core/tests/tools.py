"""Helpers for tests of the CRM modules: users per role, acting as a user."""
from contextlib import contextmanager

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

#: login -> (role XML id, profile group XML id)
CRM_TEST_USERS = {
    'rep1': ('role_sales_rep', 'group_crm_staff'),
    'rep2': ('role_sales_rep', 'group_crm_staff'),
    'manager': ('role_sales_manager', 'group_crm_manager'),
    'director': ('role_management', 'group_crm_management'),
    }


def create_crm_users(company=None, users=CRM_TEST_USERS):
    "Create the company and one user per login with its role and profile."
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    if company is None:
        company = create_company()
    created = User.create([{
                'name': login.title(),
                'login': login,
                'companies': [('add', [company.id])],
                'company': company.id,
                'crm_role': ModelData.get_id('crm_core', role),
                'groups': [('add', [ModelData.get_id('crm_core', group)])],
                } for login, (role, group) in users.items()])
    return company, {u.login: u for u in created}


@contextmanager
def acting_as(user, company=None):
    """Run the block as user with access rights checked as over RPC."""
    context = {'_check_access': True}
    if company:
        context['company'] = company.id
    with Transaction().set_user(user.id), \
            Transaction().set_context(**context):
        yield


def set_sharing(model_name, access):
    "Set the sharing access of model_name."
    Sharing = Pool().get('crm.sharing')
    sharing, = Sharing.search([('model', '=', model_name)])
    sharing.access = access
    sharing.save()


class FunctionalGroupTestMixin:
    """Check a CRM module's functional group and its menu under CRM.

    Set ``functional_group`` to (group XML id, group name, menu XML id)."""
    functional_group = None

    @with_transaction()
    def test_functional_group_and_menu(self):
        "The module's group opens its menu under the CRM root; admin has it"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')
        group_id, name, menu_id = self.functional_group

        group = Group(ModelData.get_id(self.module, group_id))
        menu = Menu(ModelData.get_id(self.module, menu_id))
        root = Menu(ModelData.get_id('crm_core', 'menu_crm'))
        self.assertEqual(group.name, name)
        self.assertEqual(menu.parent, root)
        self.assertIn(group, menu.groups)
        admin = User(ModelData.get_id('res', 'user_admin'))
        self.assertIn(group, admin.groups)
