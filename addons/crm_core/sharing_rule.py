"""Custom sharing rules: records shared beyond the role tree.

The administrator shares the records of one record type owned by a role,
a role and the roles below it, a team or a user with another role, team
or user, read only or read and write.

Who the sides stand for:

* a *user*: that user;
* a *role*: the users of the role (*role and subordinates*: also the users
  of the roles below it);
* a *team*: its members (not its leader unless a member).

The records a side owns are those assigned to its users and, for a team,
to the team itself, for the other kinds to the teams its users lead.

The rules widen the owners in the context of the record rules of
:mod:`ownership` (``crm_read_users`` and ``crm_read_teams`` for reading,
``crm_users`` and ``crm_teams`` for writing, creating and deleting): the
``ir.rule`` records stay the same, so that a rule takes effect at once.
"""
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, fields)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .ownership import clear_visibility_caches

KINDS = [
    ('role', "Role"),
    ('role_and_subordinates', "Role and Subordinates"),
    ('team', "Team"),
    ('user', "User"),
    ]
#: The field of a side that each kind uses
TARGETS = {
    'role': 'role',
    'role_and_subordinates': 'role',
    'team': 'team',
    'user': 'user',
    }
ACCESS = [
    ('read', "Read Only"),
    ('read_write', "Read and Write"),
    ]


def _side(prefix, kind_string, people):
    """Return the kind field and the role, team and user fields of the side
    prefix of a rule ('owner' or 'with')."""
    kind_name = f'{prefix}_kind'
    kind = fields.Selection(
        KINDS, kind_string, required=True,
        help="Role: the users of the role.\n"
        "Role and Subordinates: the users of the role and of the roles "
        "below it.\n"
        "Team: the members of the team.\n"
        "User: the user.")

    def states(target):
        used = Eval(kind_name).in_(
            [k for k, t in TARGETS.items() if t == target])
        return {'required': used, 'invisible': ~used}
    role = fields.Many2One(
        'crm.role', f"{people} Role", ondelete='CASCADE',
        states=states('role'))
    team = fields.Many2One(
        'crm.team', f"{people} Team", ondelete='CASCADE',
        states=states('team'))
    user = fields.Many2One(
        'res.user', f"{people} User", ondelete='CASCADE',
        states=states('user'))
    return kind, role, team, user


class SharingRule(DeactivableMixin, ModelSQL, ModelView):
    "Records of a type owned by some people shared with others."
    __name__ = 'crm.sharing.rule'
    __string__ = "Sharing Rule"
    sharing = fields.Many2One(
        'crm.sharing', "Record Type", required=True, ondelete='CASCADE',
        help="The record type whose records the rule shares.")
    owner_kind, owner_role, owner_team, owner_user = _side(
        'owner', "Records Owned By", "Owner")
    with_kind, with_role, with_team, with_user = _side(
        'with', "Shared With", "Recipient")
    access = fields.Selection(
        ACCESS, "Access", required=True,
        help="Read Only: the recipients see the records.\n"
        "Read and Write: they also edit and delete them.")
    access_string = access.translated('access')
    owner_name = fields.Function(
        fields.Char("Owners"), 'get_side_name')
    with_name = fields.Function(
        fields.Char("Recipients"), 'get_side_name')
    _shared_cache = Cache('crm.sharing.rule.shared_owners', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.sharing, Index.Range())))
        cls._order = [('sharing', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_owner_kind(cls):
        return 'role_and_subordinates'

    @classmethod
    def default_with_kind(cls):
        return 'role_and_subordinates'

    @classmethod
    def default_access(cls):
        return 'read'

    def _clear_unused(self, prefix):
        "Empty the fields of the side prefix that its kind does not use."
        used = TARGETS.get(getattr(self, f'{prefix}_kind'))
        for target in set(TARGETS.values()) - {used}:
            setattr(self, f'{prefix}_{target}', None)

    @fields.depends('owner_kind', 'owner_role', 'owner_team', 'owner_user')
    def on_change_owner_kind(self):
        self._clear_unused('owner')

    @fields.depends('with_kind', 'with_role', 'with_team', 'with_user')
    def on_change_with_kind(self):
        self._clear_unused('with')

    def _target(self, prefix):
        "Return the role, team or user of the side prefix."
        target = TARGETS.get(getattr(self, f'{prefix}_kind'))
        return getattr(self, f'{prefix}_{target}', None) if target else None

    def get_side_name(self, name):
        prefix = name[:-len('_name')]
        target = self._target(prefix)
        if target is None:
            return None
        if getattr(self, f'{prefix}_kind') == 'role_and_subordinates':
            return gettext(
                'crm_core.msg_sharing_rule_subordinates',
                role=target.rec_name)
        return target.rec_name

    def get_rec_name(self, name):
        return gettext(
            'crm_core.msg_sharing_rule_summary',
            records=self.sharing.rec_name if self.sharing else '',
            owners=self.owner_name or '',
            recipients=self.with_name or '',
            access=self.access_string or '')

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, *_ = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('sharing.rec_name', *clause[1:]),
            *((f'{prefix}_{target}.rec_name', *clause[1:])
                for prefix in ['owner', 'with']
                for target in ['role', 'team', 'user']),
            ]

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            rule.check_sides()

    def check_sides(self):
        "Check that each side names only what its kind uses, not itself."
        for prefix in ['owner', 'with']:
            kind = getattr(self, f'{prefix}_kind')
            for target in set(TARGETS.values()) - {TARGETS[kind]}:
                name = f'{prefix}_{target}'
                if getattr(self, name) is not None:
                    raise ValidationError(gettext(
                            'crm_core.msg_sharing_rule_unused_field',
                            rule=self.rec_name,
                            kind=self.__names__(
                                f'{prefix}_kind', record=self)['value'],
                            field=self.__names__(name)['field']))
        if (self.owner_kind == self.with_kind == 'user'
                and self.owner_user == self.with_user):
            raise ValidationError(gettext(
                    'crm_core.msg_sharing_rule_same_user',
                    rule=self.rec_name, user=self.owner_user.rec_name))

    def side_users(self, prefix):
        "Return the ids of the users the side prefix stands for."
        pool = Pool()
        User = pool.get('res.user')
        kind, target = getattr(self, f'{prefix}_kind'), self._target(prefix)
        if kind == 'user':
            return {target.id}
        elif kind == 'team':
            return {u.id for u in target.members}
        elif kind == 'role_and_subordinates':
            domain = [('crm_role', 'child_of', [target.id], 'parent')]
        else:
            domain = [('crm_role', '=', target.id)]
        return set(map(int, User.search(domain, order=[])))

    def owners(self):
        "Return the ids of the users and teams whose records are shared."
        pool = Pool()
        Team = pool.get('crm.team')
        users = self.side_users('owner')
        if self.owner_kind == 'team':
            teams = {self.owner_team.id}
        elif users:
            teams = set(map(int, Team.search(
                        [('leader', 'in', sorted(users))], order=[])))
        else:
            teams = set()
        return users, teams

    @classmethod
    def shared_owners(cls, model_name, user_id):
        """Return the ids of the users and teams whose records of
        model_name the active rules share with user_id:
        (read users, read teams, write users, write teams), reading
        including writing."""
        key = (model_name, user_id)
        result = cls._shared_cache.get(key)
        if result is not None:
            return result
        read, write = (set(), set()), (set(), set())
        with without_check_access():
            rules = cls.search([('sharing.model', '=', model_name)])
            with inactive_records():
                for rule in rules:
                    if user_id not in rule.side_users('with'):
                        continue
                    rule_users, rule_teams = rule.owners()
                    targets = [read]
                    if rule.access == 'read_write':
                        targets.append(write)
                    for users, teams in targets:
                        users.update(rule_users)
                        teams.update(rule_teams)
        result = tuple(tuple(sorted(ids)) for ids in (*read, *write))
        cls._shared_cache.set(key, result)
        return result

    @classmethod
    def owner_context(cls, model_name, users, teams):
        """Return the owners of the record rule context of model_name:
        the users and teams the user sees by ownership, widened by the
        rules shared with it read only (crm_read_users, crm_read_teams) or
        read and write (also crm_users, crm_teams)."""
        read_users, read_teams, write_users, write_teams = (
            cls.shared_owners(model_name, Transaction().user))
        return {
            'crm_users': sorted({*users, *write_users}),
            'crm_teams': sorted({*teams, *write_teams}),
            'crm_read_users': sorted({*users, *read_users}),
            'crm_read_teams': sorted({*teams, *read_teams}),
            }

    @classmethod
    def on_modification(cls, mode, rules, field_names=None):
        super().on_modification(mode, rules, field_names=field_names)
        clear_visibility_caches()


class Sharing(metaclass=PoolMeta):
    __name__ = 'crm.sharing'
    rules = fields.One2Many(
        'crm.sharing.rule', 'sharing', "Sharing Rules",
        help="The records of this type shared beyond the role hierarchy.")
