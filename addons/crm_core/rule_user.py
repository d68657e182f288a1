# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Record rules that read the user's id, ``Eval('user_id', -1)``, and its
roles, ``Eval('user_roles', [])``.

The host's rules know the user's groups only.  A model whose records
belong to one user (tags, dashboards, key metrics) names itself in
:data:`USER_RULE_MODELS`; its rules then get the user's id, and their
cache is kept per user.  ``user_roles`` holds the user's role and the roles
above it: a record shared with a role is shared with the roles below it
(saved reports)."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

#: The models whose record rules read the user's id ("user_id")
USER_RULE_MODELS = set()


def user_roles(user_id):
    "Return the ids of the user's role and of the roles above it."
    User = Pool().get('res.user')
    roles = []
    if user_id:
        with without_check_access():
            role = User(user_id).crm_role
            while role and role.id not in roles:
                roles.append(role.id)
                role = role.parent
    return roles


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "user_id": the id of the user (the records of a user: '
            'tags, dashboards, key metrics)'
            '\n- "user_roles": the ids of the user\'s role and of the roles '
            'above it')

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in USER_RULE_MODELS:
            context['user_id'] = Transaction().user
            context['user_roles'] = user_roles(Transaction().user)
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if set(model_names) & USER_RULE_MODELS:
            key = (*key, Transaction().user)
        return key
