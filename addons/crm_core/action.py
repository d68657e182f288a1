"""The first tab of a CRM window: the user's own records, or what it reads.

A CRM window (accounts, contacts, leads, potentials, any owned type) opens
on its first tab, often an owner tab (*Mine*, *My Leads*, *My Open*: a
domain on ``assigned_user`` equal to the user).  For a user who owns no
such record (a director, the administrator), the first tab that shows
records is put first instead, so that nobody starts on an empty list.

The tabs are the ``domains`` of the window's values, which the clients
read from ``ir.action.get_action_value``, ``ir.action.act_window.get`` and
the menu's ``ir.action.keyword.get_keyword``; the last one is cached per
groups, so the order is set per user after its cache."""
from trytond.pool import Pool, PoolMeta
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction

#: context key of the values computed before the per-user order
_PLAIN = '_crm_plain_tabs'


def _is_owner_domain(domain, user_id):
    "Tell if the domain requires assigned_user = user_id."
    if not isinstance(domain, (list, tuple)):
        return False
    if (len(domain) >= 3 and domain[0] == 'assigned_user'
            and domain[1] == '=' and domain[2] == user_id):
        return True
    if domain and domain[0] == 'OR':
        return False
    return any(
        isinstance(c, (list, tuple)) and _is_owner_domain(c, user_id)
        for c in domain)


def order_tabs(values):
    """Return values with its owner first tab moved after the first tab
    showing records when it shows none to the current user."""
    pool = Pool()
    transaction = Transaction()
    tabs = list(values.get('domains') or [])
    if len(tabs) < 2 or not values.get('res_model'):
        return values
    Model = pool.get(values['res_model'])
    if 'assigned_user' not in Model._fields:
        return values
    user_id = transaction.user
    context = {
        'active_model': None, 'active_id': None, 'active_ids': [],
        **transaction.context, '_user': user_id}
    try:
        action_context = PYSONDecoder(context).decode(
            values.get('pyson_context') or '{}')
        context = {**context, **action_context}
        context['context'] = context
        decoder = PYSONDecoder(context)
        domain = decoder.decode(values.get('pyson_domain') or '[]')
        tab_domains = [decoder.decode(d or '[]') for _, d, _ in tabs]
    except Exception:
        # a domain that only the client can evaluate: keep the order
        return values
    if not _is_owner_domain(tab_domains[0], user_id):
        return values

    def shows_records(tab_domain):
        with transaction.set_context(action_context):
            return bool(Model.search(
                    [domain, tab_domain], limit=1, order=[]))

    if shows_records(tab_domains[0]):
        return values
    for index, tab_domain in enumerate(tab_domains[1:], 1):
        if shows_records(tab_domain):
            ordered = [tabs[index]] + tabs[:index] + tabs[index + 1:]
            return {**values, 'domains': ordered}
    return values


class Action(metaclass=PoolMeta):
    __name__ = 'ir.action'

    @classmethod
    def get_action_values(cls, type_, action_ids, columns=None):
        values = super().get_action_values(
            type_, action_ids, columns=columns)
        if (type_ == 'ir.action.act_window'
                and not Transaction().context.get(_PLAIN)):
            values = [order_tabs(v) for v in values]
        return values


class ActionKeyword(metaclass=PoolMeta):
    __name__ = 'ir.action.keyword'

    @classmethod
    def get_keyword(cls, keyword, value):
        with Transaction().set_context(**{_PLAIN: True}):
            keywords = super().get_keyword(keyword, value)
        # Only the menu entries: the actions of a form's toolbar are
        # cached per groups again by ModelView.view_toolbar_get
        if keyword != 'tree_open':
            return keywords
        return [
            order_tabs(v) if v.get('type') == 'ir.action.act_window' else v
            for v in keywords]
