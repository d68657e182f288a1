"""Helpers for tests of the CRM modules: users per role, acting as a user."""
from contextlib import contextmanager

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
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
