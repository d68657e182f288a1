# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Home dashboards: named pages of blocks a user arranges on its home.

``crm.dashboard``
    A page of the home screen (*Lead*, *Pipeline*, *To Do* ...) with its
    blocks in a grid of one to four columns.  It belongs either to a user
    (its own, changed as it likes) or to a role (a template: the CRM
    administrators keep them).  A user reads its own and the templates,
    and changes its own only (record rules, ``user_id`` in their context).
``crm.dashboard.block``
    One block of a page: a window of the catalogue, the host's
    ``ir.action.act_window`` of usage *dashboard* (the host's ``dashboard``
    module takes its blocks from the same catalogue), shown as the sao
    board shows an action: its list or graph, searched as the user, so
    it counts and lists only what the user may read.  A block of a module
    not activated, of a type the user may not read, or of a window that is
    no dashboard block is refused at save.

The home screen (``act_dashboard_home``) is the host's board view; its
layout is built per user when the client asks for the view
(``ir.ui.view.view_get``): the user's first dashboard, or the one named by
the context (``crm_dashboard``), each block an ``<action>`` of the board,
under a *Dashboards* block listing the user's dashboards (sao's board has
no notebook): a double click opens one in a tab of its own.  The user's
dashboards are its own, else its role's (walking up the roles).  A new user, or a user given a role while
it has no dashboard, gets copies of its role's templates
(:meth:`Dashboard.copy_role_templates`); *Reset to My Role's Dashboards*
replaces the user's pages by new copies.
"""
from lxml import etree

from trytond.i18n import gettext
from trytond.model import (
    Model as TrytonModel, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, PYSONEncoder
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import StateAction, StateTransition, Wizard

from .rule_user import USER_RULE_MODELS

USER_RULE_MODELS.update({
        'crm.dashboard', 'crm.dashboard.block', 'crm.dashboard.metric'})
#: The windows a block may show: the host's dashboard catalogue
BLOCK_ACTION_DOMAIN = [
    ('usage', '=', 'dashboard'),
    ('res_model', '!=', None),
    ('res_model', '!=', ''),
    ]
MAX_COLUMNS = 4


class DashboardValidationError(ValidationError):
    pass


def active_model(name):
    "Return the model class of name, or None when its module is not active."
    try:
        return Pool().get(name)
    except KeyError:
        return None


def readable_by(user_id, model_name):
    "Tell if the user's groups give read access to model_name."
    ModelAccess = Pool().get('ir.model.access')
    with Transaction().set_user(user_id), check_access():
        return ModelAccess.check(model_name, 'read', raise_exception=False)


def model_data_id(module, fs_id):
    return Pool().get('ir.model.data').get_id(module, fs_id)


class UserOrRoleMixin:
    """A setting of a user's home that belongs to a user (its own) or to a
    role (a template the role's new users get a copy of)."""
    __slots__ = ()
    user = fields.Many2One(
        'res.user', "User", ondelete='CASCADE',
        states={'invisible': Bool(Eval('role'))},
        help="The user whose home screen shows it.")
    role = fields.Many2One(
        'crm.role', "Role", ondelete='CASCADE',
        states={'invisible': Bool(Eval('user'))},
        help="The role whose new users start with a copy of it.")
    template = fields.Many2One(
        None, "Template", ondelete='SET NULL', readonly=True,
        domain=[('role', '!=', None)],
        states={'invisible': ~Eval('template')},
        help="The role's template this one was copied from.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.template.model_name = cls.__name__

    @staticmethod
    def default_user():
        if Transaction().context.get('crm_dashboard_template'):
            return None
        return Transaction().user or None

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names and not field_names & {'user', 'role'}:
            return
        for record in records:
            if bool(record.user) == bool(record.role):
                raise DashboardValidationError(gettext(
                        'crm_core.msg_dashboard_user_or_role',
                        record=record.rec_name))

    @classmethod
    def templates_of(cls, role):
        "Return the templates of role, else of the first role above it."
        seen = set()
        while role and role.id not in seen:
            templates = cls.search([('role', '=', role.id)])
            if templates:
                return templates
            seen.add(role.id)
            role = role.parent
        return []

    @classmethod
    def shown_to(cls, user):
        "Return the user's own, else the templates of its role."
        records = cls.search([('user', '=', user.id)])
        if not records and user.crm_role:
            records = cls.templates_of(user.crm_role)
        return records

    @classmethod
    def copy_role_templates(cls, users):
        """Give each user copies of its role's templates in place of its
        own (none when its role has none).  The copies keep the
        translations of the templates' texts.

        One create for every user, not a ``copy`` per user: creating the
        4 users of the tests took 0.73 s with a copy each, 0.42 s with one
        create (0.14 s without copies), measured on SQLite."""
        with without_check_access():
            cls.delete(cls.search([('user', 'in', [u.id for u in users])]))
            sources, vlist = [], []
            for user in users:
                for template in cls.templates_of(user.crm_role):
                    sources.append((template, user))
                    vlist.append(template.template_copy(user))
            if not vlist:
                return
            copies = cls.create(vlist)
            copy_translations(cls, [t for t, _ in sources], copies)
            cls.copied_templates(sources, copies)

    def template_copy(self, user):
        "Return the values of the copy of this template for user."
        return dict(copied_values(self),
            user=user.id, role=None, template=self.id)

    @classmethod
    def copied_templates(cls, sources, copies):
        """Complete the copies of the (template, user) sources (their
        children)."""
        pass


def copied_values(record):
    "Return the values of record's _template_fields, as create takes them."
    values = {}
    for name in record._template_fields:
        value = getattr(record, name)
        values[name] = value.id if isinstance(value, TrytonModel) else value
    return values


def copy_translations(Model, sources, copies):
    """Give copies the translations of the texts of sources in every
    translatable language, as ``ModelStorage.copy`` does (writing only
    the texts that differ: most do not, and each write validates)."""
    names = [n for n, f in Model._fields.items()
        if getattr(f, 'translate', False)
        and not isinstance(f, fields.Function)]
    langs = Pool().get('ir.lang').search([('translatable', '=', True)])
    if not names or not langs:
        return
    for lang in langs:
        with Transaction().set_context(
                language=lang.code, fuzzy_translation=False):
            texts = {r['id']: r for r in Model.read(
                    list({r.id for r in sources + copies}), names)}
            args = []
            for source, copy in zip(sources, copies):
                values = {n: texts[source.id][n] for n in names
                    if texts[source.id][n] != texts[copy.id][n]}
                if values:
                    args += [[copy], values]
            if args:
                Model.write(*args)


class Dashboard(
        UserOrRoleMixin, sequence_ordered(), ModelSQL, ModelView):
    "A page of blocks of a user's home screen, or a role's template"
    __name__ = 'crm.dashboard'
    __string__ = "Dashboard"
    name = fields.Char("Name", required=True, translate=True)
    columns = fields.Integer(
        "Columns", required=True,
        domain=[('columns', '>=', 1), ('columns', '<=', MAX_COLUMNS)],
        help="The number of blocks side by side.")
    blocks = fields.One2Many('crm.dashboard.block', 'dashboard', "Blocks")
    shown = fields.Function(
        fields.Boolean("Shown", help="On your home screen."),
        'get_shown', searcher='search_shown')
    #: What a user's copy of a template takes from it (its blocks apart)
    _template_fields = ['name', 'sequence', 'columns']

    @staticmethod
    def default_columns():
        return 2

    @classmethod
    def get_shown(cls, dashboards, name):
        User = Pool().get('res.user')
        shown = {d.id for d in cls.shown_to(User(Transaction().user))}
        return {d.id: d.id in shown for d in dashboards}

    @classmethod
    def search_shown(cls, name, clause):
        User = Pool().get('res.user')
        _, operator, value = clause[:3]
        ids = [d.id for d in cls.shown_to(User(Transaction().user))]
        if (operator == '=') == bool(value):
            return [('id', 'in', ids)]
        return [('id', 'not in', ids)]

    @classmethod
    def copied_templates(cls, sources, copies):
        "The blocks the user may open only (a template serves all)"
        Block = Pool().get('crm.dashboard.block')
        super().copied_templates(sources, copies)
        blocks, vlist = [], []
        for (template, user), copy in zip(sources, copies):
            for block in template.blocks:
                if block.shown_to(user):
                    blocks.append(block)
                    vlist.append(
                        dict(copied_values(block), dashboard=copy.id))
        if vlist:
            copy_translations(Block, blocks, Block.create(vlist))


def home_settings():
    "Return the models of a user's home that roles give templates of."
    pool = Pool()
    return [pool.get('crm.dashboard'), pool.get('crm.dashboard.metric')]


def reset_to_role(users):
    "Replace the users' dashboards and metrics by copies of their role's."
    for Model in home_settings():
        Model.copy_role_templates(users)


class DashboardBlock(sequence_ordered(), ModelSQL, ModelView):
    "A block of a dashboard: a window shown as the board shows it"
    __name__ = 'crm.dashboard.block'
    __string__ = "Dashboard Block"
    dashboard = fields.Many2One(
        'crm.dashboard', "Dashboard", required=True, ondelete='CASCADE')
    action = fields.Many2One(
        'ir.action.act_window', "Block", required=True, ondelete='CASCADE',
        domain=BLOCK_ACTION_DOMAIN + [
            # (the host's ir.action rule, as dashboard.action does)
            ['OR',
                ('groups', 'in', Eval('context', {}).get('groups', [])),
                ('groups', '=', None),
                ],
            ],
        help="The list or chart the block shows.")
    title = fields.Char(
        "Title", translate=True,
        help="The heading of the block (when empty, the name of the block).")
    colspan = fields.Integer(
        "Width", required=True,
        domain=[('colspan', '>=', 1), ('colspan', '<=', MAX_COLUMNS)],
        help="The number of columns the block spans.")

    #: What the copy of a template's block takes from it
    _template_fields = ['action', 'title', 'colspan', 'sequence']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('dashboard')

    @staticmethod
    def default_colspan():
        return 1

    @classmethod
    def create(cls, vlist):
        "A block added without a place goes after the dashboard's last."
        last = {}
        vlist = [dict(v) for v in vlist]
        for values in vlist:
            if values.get('sequence') is None and values.get('dashboard'):
                dashboard = values['dashboard']
                if dashboard not in last:
                    blocks = cls.search([('dashboard', '=', dashboard)],
                        order=[('sequence', 'DESC NULLS LAST')], limit=1)
                    last[dashboard] = (blocks[0].sequence or 0
                        if blocks else 0)
                last[dashboard] += 10
                values['sequence'] = last[dashboard]
        return super().create(vlist)

    def get_rec_name(self, name):
        return self.title or (self.action.rec_name if self.action else '')

    @classmethod
    def validate_fields(cls, blocks, field_names):
        super().validate_fields(blocks, field_names)
        if field_names and 'action' not in field_names:
            return
        cls.check_action(blocks)

    @classmethod
    def check_action(cls, blocks):
        """Refuse a block that is no dashboard window, of a module not
        activated, or of a type the dashboard's user may not read."""
        for block in blocks:
            action = block.action
            if action.usage != 'dashboard' or not action.res_model:
                raise DashboardValidationError(gettext(
                        'crm_core.msg_dashboard_block_not_block',
                        block=action.rec_name))
            if active_model(action.res_model) is None:
                raise DashboardValidationError(gettext(
                        'crm_core.msg_dashboard_block_module_inactive',
                        block=action.rec_name))
            user = block.dashboard.user
            if user and not readable_by(user.id, action.res_model):
                raise DashboardValidationError(gettext(
                        'crm_core.msg_dashboard_block_unreadable',
                        block=action.rec_name,
                        dashboard=block.dashboard.rec_name))

    def shown_to(self, user):
        """Tell if the block's window opens for user (its groups and the
        access to its type); a block that does not is left out."""
        action = self.action
        if action.groups and not (
                {g.id for g in action.groups} & {g.id for g in user.groups}):
            return False
        return (active_model(action.res_model) is not None
            and readable_by(user.id, action.res_model))


class View(metaclass=PoolMeta):
    __name__ = 'ir.ui.view'

    @classmethod
    def crm_home_board_id(cls):
        return model_data_id('crm_core', 'dashboard_home_view')

    def view_get(self, model=None):
        result = super().view_get(model=model)
        user_id = Transaction().user
        if user_id and self.id == self.crm_home_board_id():
            result = dict(result)
            result['arch'] = self.crm_home_board(result['arch'])
        return result

    @classmethod
    def crm_home_board(cls, arch):
        """Return the board arch of the dashboard of the context
        (``crm_dashboard``), else of the user's first: the *Dashboards*
        block to switch to the others (sao's board has no notebook), then
        an action per block the user may open.  Built for each call: the
        view cache is shared by the users."""
        pool = Pool()
        Dashboard = pool.get('crm.dashboard')
        User = pool.get('res.user')
        with without_check_access():
            user = User(Transaction().user)
            dashboards = Dashboard.shown_to(user)
            board = etree.fromstring(arch)
            if not dashboards:
                board.set('col', '1')
                etree.SubElement(board, 'label', {
                        'string': gettext('crm_core.msg_dashboard_none'),
                        'xalign': '0'})
                return etree.tostring(board, encoding='unicode')
            wanted = Transaction().context.get('crm_dashboard')
            dashboard = next(
                (d for d in dashboards if d.id == wanted), dashboards[0])
            board.set('col', str(dashboard.columns))
            if len(dashboards) > 1:
                switch = window_action_id('act_dashboard_switch')
                etree.SubElement(board, 'action', {
                        'name': str(switch),
                        'colspan': str(dashboard.columns),
                        'yexpand': '0', 'yfill': '0',
                        })
            for block in dashboard.blocks:
                if not block.shown_to(user):
                    continue
                # (the id of ir.action: the client's look-up of the window
                # takes it first)
                attributes = {
                    'name': str(block.action.action.id),
                    'colspan': str(min(block.colspan, dashboard.columns)),
                    }
                if block.title:
                    attributes['string'] = block.title
                etree.SubElement(board, 'action', attributes)
        return etree.tostring(board, encoding='unicode')


def window_action_id(fs_id):
    "Return the ir.action id of the window fs_id of crm_core."
    ActWindow = Pool().get('ir.action.act_window')
    return ActWindow(model_data_id('crm_core', fs_id)).action.id


class Role(metaclass=PoolMeta):
    __name__ = 'crm.role'
    crm_dashboards = fields.One2Many(
        'crm.dashboard', 'role', "Dashboards",
        context={'crm_dashboard_template': True},
        help="The dashboards the users of the role start with.")
    crm_dashboard_metrics = fields.One2Many(
        'crm.dashboard.metric', 'role', "Key Metrics",
        context={'crm_dashboard_template': True},
        help="The key metrics the users of the role start with.")


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    crm_dashboards = fields.One2Many(
        'crm.dashboard', 'user', "Dashboards",
        help="The pages of the user's home screen.")

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if mode == 'create' or (mode == 'write' and 'crm_role' in field_names):
            cls._crm_dashboards_of_role(users)

    @classmethod
    def _crm_dashboards_of_role(cls, users):
        """Give the role's dashboards and metrics to the users that have
        none of their own."""
        for Model in home_settings():
            with without_check_access():
                own = {r.user.id for r in Model.search([
                            ('user', 'in', [u.id for u in users])])}
            new = [u for u in cls.browse(users)
                if u.id not in own and u.crm_role]
            if new:
                Model.copy_role_templates(new)


class OpenDashboard(Wizard):
    "Open a dashboard on the board (a double click in *Dashboards*)"
    __name__ = 'crm.dashboard.open'
    start = StateAction('crm_core.act_dashboard_home')

    def do_start(self, action):
        action['pyson_context'] = PYSONEncoder().encode({
                'crm_dashboard': self.record.id})
        action['name'] = self.record.name
        return action, {}


class ResetDashboards(Wizard):
    "Replace the user's dashboards by copies of its role's"
    __name__ = 'crm.dashboard.reset'
    start_state = 'reset'
    reset = StateTransition()

    def transition_reset(self):
        User = Pool().get('res.user')
        reset_to_role([User(Transaction().user)])
        return 'end'

    def end(self):
        return 'reload'
