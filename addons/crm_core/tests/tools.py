# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Helpers for tests of the CRM modules, the demo loader and the bench.

:func:`setup_crm_people` creates, or finds when they exist, the company,
roles, teams and users of a declarative description (:class:`CrmPeople`).
It works through the ORM of the current transaction (:class:`OrmModels`)
or through any object with the same five methods (the JSON-RPC client of
``tests/crm_testing.py``).  :func:`acting_as` runs code as a user with
access checked as over RPC.

Nothing here imports trytond at import time: scripts import this module
before they configure trytond.
"""
import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock


@dataclass(frozen=True)
class CrmCompany:
    """A company, found by the name of its party or created.

    currency holds the values of its currency, found by code or created;
    admin: the administrator (login ``admin``) works for the company;
    address: its party has an (empty) address, as the client makes it."""
    name: str
    currency: dict
    admin: bool = False
    address: bool = True


@dataclass(frozen=True)
class CrmRole:
    "A role of the hierarchy, found by name or created below parent."
    name: str
    parent: str = None


@dataclass(frozen=True)
class CrmTeam:
    "A team, found by name or created; leader is a login."
    name: str
    leader: str = None


@dataclass(frozen=True)
class CrmUser:
    """A user, found by login or created for the company.

    role, profile and groups are references: an XML id ``module.id`` or a
    record name.  teams are names of teams the user is made a member of."""
    login: str
    role: str = None
    profile: str = None
    groups: tuple = ()
    name: str = None
    password: str = None
    email: str = None
    teams: tuple = ()


@dataclass(frozen=True)
class CrmPeople:
    "Who exists: the company, extra roles, teams and users."
    company: CrmCompany = None
    roles: tuple = ()
    teams: tuple = ()
    users: tuple = ()


@dataclass
class CrmWorld:
    "The ids of what setup_crm_people created or found."
    company: int
    roles: dict = field(default_factory=dict)
    teams: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


#: The currency of the test company (as the host's create_company makes it)
TEST_CURRENCY = {
    'name': 'usd', 'symbol': 'usd', 'code': 'usd',
    'rates': [('create', [{'rate': Decimal(1), 'date': datetime.date.min}])],
    }
TEST_COMPANY = CrmCompany("Dunder Mifflin", TEST_CURRENCY)

#: The users of the CRM core tests: two reps, their manager, management
CRM_TEST_PEOPLE = CrmPeople(company=TEST_COMPANY, users=(
        CrmUser('rep1', 'crm_core.role_sales_rep',
            'crm_core.group_crm_staff'),
        CrmUser('rep2', 'crm_core.role_sales_rep',
            'crm_core.group_crm_staff'),
        CrmUser('manager', 'crm_core.role_sales_manager',
            'crm_core.group_crm_manager'),
        CrmUser('director', 'crm_core.role_management',
            'crm_core.group_crm_management'),
        ))


class OrmModels:
    "The models of the current transaction, as setup_crm_people uses them."

    def _model(self, name):
        from trytond.pool import Pool
        return Pool().get(name)

    def search(self, model, domain):
        return [r.id for r in self._model(model).search(domain)]

    def create(self, model, vlist):
        return [r.id for r in self._model(model).create(vlist)]

    def write(self, model, ids, values):
        Model = self._model(model)
        Model.write(Model.browse(ids), values)

    def xml_id(self, module, fs_id):
        return self._model('ir.model.data').get_id(module, fs_id)


def reference(models, model, ref):
    """Return the id of the record of model that ref names: an XML id
    ``module.id`` or the name of the record."""
    if '.' in ref and ' ' not in ref:
        return models.xml_id(*ref.split('.', 1))
    found = models.search(model, [('name', '=', ref)])
    if len(found) != 1:
        raise LookupError(f"{len(found)} {model} named {ref!r}")
    return found[0]


def _find_or_create(models, model, domain, values):
    "Return (id, created) of the record matching domain, created if none."
    found = models.search(model, domain)
    if found:
        return found[0], False
    return models.create(model, [values])[0], True


def setup_company(models, company):
    "Return the id of the company described, created if missing."
    found = models.search(
        'company.company', [('party.name', '=', company.name)])
    if found:
        company_id = found[0]
    else:
        currency_id, _ = _find_or_create(
            models, 'currency.currency',
            [('code', '=', company.currency['code'])], company.currency)
        party = {'name': company.name}
        if company.address:
            party['addresses'] = [('create', [{}])]
        party_id, = models.create('party.party', [party])
        company_id, = models.create('company.company', [{
                    'party': party_id, 'currency': currency_id}])
    if company.admin:
        admin_id, = models.search('res.user', [('login', '=', 'admin')])
        models.write('res.user', [admin_id], {
                'companies': [('add', [company_id])],
                'company': company_id,
                })
    return company_id


def setup_crm_people(people, company=None, models=None):
    """Create what people describes unless it exists; return a CrmWorld.

    company: the id of an existing company to use instead of
    people.company.  Records that exist are taken as they are, except that
    described users are added to their teams."""
    models = models or OrmModels()
    if company is None:
        company = setup_company(models, people.company)
    world = CrmWorld(company=int(company))

    for role in people.roles:
        parent = role.parent and reference(models, 'crm.role', role.parent)
        world.roles[role.name], _ = _find_or_create(
            models, 'crm.role', [('name', '=', role.name)],
            {'name': role.name, 'parent': parent})

    found = {}
    for user in people.users:
        ids = models.search('res.user', [('login', '=', user.login)])
        if ids:
            found[user.login] = ids[0]
    to_create = [u for u in people.users if u.login not in found]
    if to_create:
        ids = models.create('res.user', [
                _user_values(models, u, world) for u in to_create])
        found.update(zip((u.login for u in to_create), ids))
    world.users.update((u.login, found[u.login]) for u in people.users)

    unknown = {t for u in people.users for t in u.teams} - {
        t.name for t in people.teams}
    if unknown:
        raise ValueError(f"teams of users not described: {sorted(unknown)}")
    for team in people.teams:
        members = [world.users[u.login] for u in people.users
            if team.name in u.teams]
        leader = team.leader and _user_id(models, world, team.leader)
        team_id, created = _find_or_create(
            models, 'crm.team', [('name', '=', team.name)],
            {'name': team.name, 'leader': leader,
                'members': [('add', members)]})
        if not created and members:
            models.write('crm.team', [team_id], {
                    'members': [('add', members)]})
        world.teams[team.name] = team_id
    return world


def _user_id(models, world, login):
    if login in world.users:
        return world.users[login]
    user_id, = models.search('res.user', [('login', '=', login)])
    return user_id


def _user_values(models, user, world):
    "Return the values that create user for the company of world."
    groups = [user.profile] if user.profile else []
    groups += list(user.groups)
    values = {
        'login': user.login,
        'name': user.name or user.login.title(),
        'companies': [('add', [world.company])],
        'company': world.company,
        'crm_role': (user.role
            and (world.roles.get(user.role)
                or reference(models, 'crm.role', user.role))),
        'groups': [('add', [
                    reference(models, 'res.group', g) for g in groups])],
        }
    if user.password:
        values['password'] = user.password
    if user.email:
        values['email'] = user.email
    return values


def create_crm_users(company=None, users=None):
    """Create the users of the CRM tests in the current transaction.

    users: {login: (role XML id, profile group XML id)} of crm_core, or
    CrmUser descriptions; CRM_TEST_PEOPLE's users by default.  Return the
    company and {login: res.user}."""
    from trytond.pool import Pool
    pool = Pool()
    Company = pool.get('company.company')
    User = pool.get('res.user')
    if users is None:
        described = CRM_TEST_PEOPLE.users
    elif isinstance(users, dict):
        described = tuple(
            CrmUser(login, f'crm_core.{role}', f'crm_core.{group}')
            for login, (role, group) in users.items())
    else:
        described = tuple(users)
    world = setup_crm_people(
        CrmPeople(company=TEST_COMPANY, users=described),
        company=company.id if company is not None else None)
    return Company(world.company), {
        login: User(user_id) for login, user_id in world.users.items()}


@contextmanager
def acting_as(user, company=None):
    """Run the block as user with access rights checked as over RPC."""
    from trytond.transaction import Transaction
    context = {'_check_access': True}
    if company:
        context['company'] = company.id
    with Transaction().set_user(user.id), \
            Transaction().set_context(**context):
        yield


def rpc_call(user, Model, method, *args, company=None, context=None):
    """Call Model.method for user as the JSON-RPC dispatcher does: the
    arguments converted (records instantiated and checked), the client's
    context, access checked as the method's RPC declares (wizard steps
    without), and the request guard around the call."""
    from trytond.transaction import Transaction
    from ..request_guard import call_as_rpc
    context = dict(context or {})
    if company is not None:
        context.setdefault('company', int(company))
    with Transaction().set_user(int(user)), \
            Transaction().set_context(context):
        return call_as_rpc(Model, method, *args, context=context)


def set_sharing(model_name, access):
    "Set the sharing access of model_name."
    from trytond.pool import Pool
    Sharing = Pool().get('crm.sharing')
    sharing, = Sharing.search([('model', '=', model_name)])
    sharing.access = access
    sharing.save()


def run_reassign(user, company, records, owner):
    """Re-assign records to the user owner as user does with the list
    action Re-assign (its transition called with access checked)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Reassign = Pool().get('crm.reassign', type='wizard')
    with acting_as(user, company), Transaction().set_context(
            active_model=records[0].__name__,
            active_ids=[r.id for r in records], active_id=records[0].id):
        session_id, _, _ = Reassign.create()
        wizard = Reassign(session_id)
        wizard.start.assigned_user = owner
        wizard.start.assigned_team = None
        wizard.transition_reassign()


class FunctionalGroupTestMixin:
    """Check a CRM module's functional group and its menu under CRM.

    Set ``functional_group`` to (group XML id, group name, menu XML id)."""
    functional_group = None

    def test_functional_group_and_menu(self):
        "The module's group opens its menu under the CRM root; admin has it"
        # (imported here: trytond's test tools set up a test pool)
        from trytond.tests.test_tryton import with_transaction
        with_transaction()(self._check_functional_group)()

    def _check_functional_group(self):
        from trytond.pool import Pool
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


def report_rows(name, company, user=None, **context):
    """Return the rows of the SQL report name of company, read as user (a
    res.user, root if None) with context."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Report = Pool().get(name)
    context.setdefault('company', company.id)
    if user is None:
        with Transaction().set_context(**context):
            return Report.search([])
    with acting_as(user, company), Transaction().set_context(**context):
        return Report.search([])


def mocked_smtp():
    "Patch the host's sending of e-mails"
    return mock.patch('trytond.ir.email_.send_message_transactional')


def sent_messages(sent):
    "Return [(recipients, subject, html body)] of the mocked SMTP calls."
    messages = []
    for (message, *_), _ in sent.call_args_list:
        html = message.get_body(('html',)).get_content()
        recipients = ', '.join(
            message.get_all('To', []) + message.get_all('Bcc', []))
        messages.append((recipients, str(message['Subject']), html))
    return messages


@contextmanager
def one_call():
    """Undo what the block wrote when it raises, as the server rolls back a
    refused call."""
    from trytond.transaction import Transaction
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT crm_one_call')
    try:
        yield
    except Exception:
        cursor.execute('ROLLBACK TO SAVEPOINT crm_one_call')
        transaction.cache.clear()
        raise
    cursor.execute('RELEASE SAVEPOINT crm_one_call')
